import type { AlertPriority } from '@circulator/contracts';
import { maintenanceAlertId, type MaintenanceAlert } from './maintenance.alerts';
import { counterIncrease, timedCounts, type UsageSample } from './usage.counter';

/**
 * Error-code rates (issue 5, predictive maintenance): a device that reports errors more and more
 * often is wearing out before its service interval says so. Pure: `now` is passed in.
 */

const DAY_MS = 86_400_000;

/** One error episode of a device: the code its status reported, from when. */
export interface DeviceErrorEvent {
  at: string;
  code: string;
}

/** The part of a `status` message (CONTRACT §6) that carries errors. */
export interface StatusReport {
  at: string;
  state?: string;
  errorCode?: string;
}

/**
 * Error episodes from status reports in any order: one per run of reports with the same error
 * code. A device repeats its error code in every status until it is fixed (heartbeats), and one
 * fault must count once, not once per heartbeat. A report without a code ends the run; `error`
 * without a code counts as code `error`.
 */
export function errorEpisodes(reports: readonly StatusReport[]): DeviceErrorEvent[] {
  const timed = reports
    .map((r) => ({ r, ms: Date.parse(r.at) }))
    .filter((x) => !Number.isNaN(x.ms))
    .sort((a, b) => a.ms - b.ms);
  const out: DeviceErrorEvent[] = [];
  let current: string | undefined;
  for (const { r } of timed) {
    const code = r.errorCode?.trim() || (r.state === 'error' ? 'error' : undefined);
    if (code !== undefined && code !== current) out.push({ at: r.at, code });
    current = code;
  }
  return out;
}

export interface ErrorRateInput {
  errors: readonly DeviceErrorEvent[];
  /** Usage counter readings; uses in the window come from their increase. */
  samples?: readonly UsageSample[];
  /** Uses in the window, when known otherwise (RTLS episodes): wins over `samples`. */
  uses?: number;
}

/** How often a device failed over the last `windowDays`. */
export interface ErrorRate {
  from: string;
  to: string;
  windowDays: number;
  errors: number;
  /** Errors per code, for the engineer: one code repeating points at one part. */
  byCode: Record<string, number>;
  perDay: number;
  /** Uses in the window; absent when unknown. */
  uses?: number;
  /** Errors per 100 uses; absent without uses. */
  perHundredUses?: number;
}

/** A week: recent enough to show a device getting worse, long enough to hold a few errors. */
export const DEFAULT_ERROR_RATE_WINDOW_DAYS = 7;

/** Error rates over `(now - windowDays, now]`. */
export function errorRate(input: ErrorRateInput, now: string, windowDays = DEFAULT_ERROR_RATE_WINDOW_DAYS): ErrorRate {
  const nowMs = Date.parse(now);
  if (Number.isNaN(nowMs)) throw new RangeError(`now is not an instant: ${JSON.stringify(now)}`);
  if (!(windowDays > 0)) throw new RangeError(`windowDays must be positive: ${windowDays}`);
  const startMs = nowMs - windowDays * DAY_MS;
  const byCode: Record<string, number> = {};
  let errors = 0;
  for (const e of input.errors) {
    const ms = Date.parse(e.at);
    if (Number.isNaN(ms) || ms <= startMs || ms > nowMs) continue;
    errors += 1;
    byCode[e.code] = (byCode[e.code] ?? 0) + 1;
  }
  const rate: ErrorRate = {
    from: new Date(startMs).toISOString(),
    to: new Date(nowMs).toISOString(),
    windowDays,
    errors,
    byCode,
    perDay: errors / windowDays,
  };
  const uses = input.uses ?? usesInWindow(input.samples, startMs, nowMs);
  if (uses !== undefined) {
    rate.uses = uses;
    if (uses > 0) rate.perHundredUses = (errors / uses) * 100;
  }
  return rate;
}

function usesInWindow(samples: readonly UsageSample[] | undefined, startMs: number, nowMs: number): number | undefined {
  if (!samples) return undefined;
  const inWindow = timedCounts(samples).filter((s) => s.ms > startMs && s.ms <= nowMs);
  if (inWindow.length < 2) return undefined;
  return counterIncrease(inWindow.map((s) => s.usageCount)).uses;
}

export interface ErrorRateThresholds {
  /** Errors per 100 uses at or above which the alert is raised… */
  perHundredUses: number;
  /** …once the window holds at least this many uses: 1 error in 3 uses is not a trend. */
  minUses: number;
  /** Errors per day at or above which it is raised whatever the uses (a device idle but failing). */
  perDay: number;
  priority: AlertPriority;
}

/**
 * 5 errors per 100 uses (over at least 20 uses), or one a day on average over the window: starting
 * points for biomed to tune per device type, not a standard.
 */
export const DEFAULT_ERROR_RATE_THRESHOLDS: Readonly<ErrorRateThresholds> = Object.freeze({
  perHundredUses: 5,
  minUses: 20,
  perDay: 1,
  priority: 'medium',
});

/** The `error-rate` alert (`maint:{deviceId}:error-rate`) when a rate crosses a threshold, else undefined. */
export function errorRateAlert(
  deviceId: string,
  rate: ErrorRate,
  now: string,
  thresholds: Partial<ErrorRateThresholds> = {},
): MaintenanceAlert | undefined {
  const t: ErrorRateThresholds = { ...DEFAULT_ERROR_RATE_THRESHOLDS, ...thresholds };
  const byUses =
    rate.uses !== undefined &&
    rate.uses >= t.minUses &&
    rate.perHundredUses !== undefined &&
    rate.perHundredUses >= t.perHundredUses;
  const byDay = rate.perDay >= t.perDay;
  // No error is never a trend, whatever the thresholds (a 0 threshold would otherwise always fire).
  if (rate.errors === 0 || (!byUses && !byDay)) return undefined;
  const codes = Object.entries(rate.byCode)
    .sort(([a, x], [b, y]) => y - x || (a < b ? -1 : a > b ? 1 : 0))
    .map(([code, n]) => `${code} ×${n}`)
    .join(', ');
  const per100 = rate.perHundredUses === undefined ? '' : `${rate.perHundredUses.toFixed(1)} per 100 uses, `;
  const detail: Record<string, string | number> = {
    errors: rate.errors,
    windowDays: rate.windowDays,
    perDay: Math.round(rate.perDay * 100) / 100,
  };
  if (rate.uses !== undefined) detail.uses = rate.uses;
  if (rate.perHundredUses !== undefined) detail.perHundredUses = Math.round(rate.perHundredUses * 10) / 10;
  return {
    id: maintenanceAlertId(deviceId, 'error-rate'),
    kind: 'maintenance',
    level: 'error-rate',
    priority: t.priority,
    message: `Device ${deviceId}: ${rate.errors} errors in ${rate.windowDays} days (${per100}${rate.perDay.toFixed(2)}/day; ${codes})`,
    at: now,
    deviceId,
    detail,
  };
}
