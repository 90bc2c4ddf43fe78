import { counterIncrease, countedEpisodes, timedCounts, type RoomEpisode, type UsageSample } from './usage.counter';

/**
 * When a device reaches its service interval (issue 5, predictive maintenance), forecast from its
 * own usage rate. Pure: `now` is passed in; the same input gives the same forecast.
 */

const DAY_MS = 86_400_000;

/** A device's service interval: every `uses` uses and/or every `days` days, whichever comes first. */
export interface ServiceInterval {
  uses?: number;
  days?: number;
}

/** What the forecast is made from: the registry's service data and the device's usage history. */
export interface ForecastInput {
  deviceId: string;
  interval: ServiceInterval;
  /** When it was last serviced (an ISO instant); the days interval runs from it. */
  lastServiceAt?: string;
  /**
   * Uses since that service, as the registry counts them. Absent: derived from `samples` when one
   * was taken at or before the service (the counter's value then is the starting point).
   */
  usesSinceService?: number;
  /** Readings of the device's own usage counter (`status.usageCount`), in any order. */
  samples?: readonly UsageSample[];
  /** RTLS in-room episodes of the device's tag: the use count of a device without a counter. */
  episodes?: readonly RoomEpisode[];
  /**
   * Since when RTLS has been watching the device (its tag bound). Absent: from its first episode in
   * the window, which errs towards a higher rate (an earlier forecast), the safe side.
   */
  rtlsSince?: string;
}

export interface ForecastOptions {
  /** How far back the usage rate looks: recent use predicts the next weeks better than a lifetime. */
  windowDays: number;
  /** The least observed span a rate is made from: a few days' use swings with weekdays and weekends. */
  minSpanDays: number;
  /** An RTLS episode shorter than this is a device passing through the room, not a use. */
  minEpisodeMinutes: number;
}

/** 30 days of history, at least 7 of them observed, episodes of at least 10 minutes. */
export const DEFAULT_FORECAST_OPTIONS: Readonly<ForecastOptions> = Object.freeze({
  windowDays: 30,
  minSpanDays: 7,
  minEpisodeMinutes: 10,
});

/**
 * Where the usage rate came from, best first: the device's own counter, RTLS in-room episodes, the
 * uses since the last service over the days since, or nothing usable.
 */
export type RateMethod = 'counter' | 'rtls' | 'since-service' | 'none';

/** A usage rate and what it was computed from. */
export interface UsageRate {
  method: RateMethod;
  /** Uses per day; absent for `none`. */
  usesPerDay?: number;
  /** The uses counted and the days they were counted over. */
  uses?: number;
  days?: number;
  /** Counter samples or RTLS episodes used (0 for `since-service` and `none`). */
  samples: number;
  /** Counter resets seen in the window (`counter` only). */
  resets: number;
  /** The span observed (ISO instants). */
  from?: string;
  to?: string;
}

/** The rate and the reasoning, in words an engineer can check by hand. */
export interface ForecastBasis extends UsageRate {
  explanation: string;
}

export interface MaintenanceForecast {
  deviceId: string;
  /** When the forecast was made (`now`). */
  at: string;
  interval: ServiceInterval;
  lastServiceAt?: string;
  usesSinceService?: number;
  /** Uses left before the uses interval (≤ 0: reached). */
  usesRemaining?: number;
  /** When the uses interval is reached at the current rate (`at` itself when already reached). */
  dueByUsesAt?: string;
  /** Last service plus the days interval. */
  dueByDaysAt?: string;
  /** The earlier of the two; absent when neither can be told. */
  dueAt?: string;
  dueBy?: 'uses' | 'days';
  basis: ForecastBasis;
}

/**
 * Uses per day from the counter over the window: the counter's increase (resets and glitches
 * handled by `counterIncrease`) between the first and the last sample in the window, over the time
 * between them. Gaps in the samples lose nothing, the counter carries the uses across them. The
 * span ends at the last sample, not at `now`: a device that stopped reporting keeps its last known
 * rate rather than one diluted by days nobody observed, since forecasting too late is the unsafe
 * error; its next status message brings the idle days in.
 */
function counterRate(samples: readonly UsageSample[], nowMs: number, o: ForecastOptions): UsageRate | undefined {
  const start = nowMs - o.windowDays * DAY_MS;
  const inWindow = timedCounts(samples).filter((s) => s.ms > start && s.ms <= nowMs);
  const first = inWindow[0];
  const last = inWindow[inWindow.length - 1];
  if (!first || !last || inWindow.length < 2) return undefined;
  const days = (last.ms - first.ms) / DAY_MS;
  if (days < o.minSpanDays) return undefined;
  const { uses, resets } = counterIncrease(inWindow.map((s) => s.usageCount));
  return {
    method: 'counter',
    usesPerDay: uses / days,
    uses,
    days,
    samples: inWindow.length,
    resets,
    from: first.at,
    to: last.at,
  };
}

/**
 * Uses per day from RTLS: counted in-room episodes in the window over the time RTLS watched it
 * (from the window's start, or `rtlsSince`, or the first episode, to `now`). Unlike a counter, a
 * tag that is in no room says the device is not in use, so the span runs to `now`.
 */
function rtlsRate(input: ForecastInput, nowMs: number, o: ForecastOptions): UsageRate | undefined {
  if (!input.episodes) return undefined;
  const windowStart = nowMs - o.windowDays * DAY_MS;
  const counted = countedEpisodes(input.episodes, windowStart, nowMs, o.minEpisodeMinutes);
  const since = input.rtlsSince === undefined ? (counted[0]?.ms ?? NaN) : Date.parse(input.rtlsSince);
  if (Number.isNaN(since)) return undefined;
  const fromMs = Math.max(windowStart, since);
  const days = (nowMs - fromMs) / DAY_MS;
  if (days < o.minSpanDays) return undefined;
  return {
    method: 'rtls',
    usesPerDay: counted.length / days,
    uses: counted.length,
    days,
    samples: counted.length,
    resets: 0,
    from: new Date(fromMs).toISOString(),
    to: new Date(nowMs).toISOString(),
  };
}

/** Uses per day since the last service: the longest view, used when recent history is too short. */
function sinceServiceRate(
  uses: number | undefined,
  lastServiceAt: string | undefined,
  nowMs: number,
  o: ForecastOptions,
): UsageRate | undefined {
  if (uses === undefined || lastServiceAt === undefined) return undefined;
  const serviceMs = Date.parse(lastServiceAt);
  if (Number.isNaN(serviceMs)) return undefined;
  const days = (nowMs - serviceMs) / DAY_MS;
  if (days < o.minSpanDays) return undefined;
  return { method: 'since-service', usesPerDay: uses / days, uses, days, samples: 0, resets: 0, from: lastServiceAt };
}

/**
 * The device's usage rate, by the first method that has enough history: its counter, RTLS, the
 * uses since service. The first two are never added together: a use of a device with both shows
 * on its counter and as an episode, and would be counted twice.
 */
export function usageRate(
  input: ForecastInput,
  now: string,
  options: ForecastOptions = DEFAULT_FORECAST_OPTIONS,
): UsageRate {
  const nowMs = parseNow(now);
  return (
    counterRate(input.samples ?? [], nowMs, options) ??
    rtlsRate(input, nowMs, options) ??
    sinceServiceRate(usesSinceService(input), input.lastServiceAt, nowMs, options) ?? {
      method: 'none',
      samples: 0,
      resets: 0,
    }
  );
}

/**
 * The uses since the last service: the registry's count, else the counter's increase from its last
 * reading at or before the service (a counter reset at service is seen as such by `counterIncrease`).
 */
export function usesSinceService(input: ForecastInput): number | undefined {
  if (input.usesSinceService !== undefined) {
    return Number.isFinite(input.usesSinceService) ? Math.max(0, input.usesSinceService) : undefined;
  }
  if (input.lastServiceAt === undefined || !input.samples) return undefined;
  const serviceMs = Date.parse(input.lastServiceAt);
  if (Number.isNaN(serviceMs)) return undefined;
  const samples = timedCounts(input.samples);
  let anchor = -1;
  samples.forEach((s, i) => {
    if (s.ms <= serviceMs) anchor = i;
  });
  if (anchor < 0) return undefined;
  return counterIncrease(samples.slice(anchor).map((s) => s.usageCount)).uses;
}

/**
 * Forecast when a device is due for service: by uses (uses left over its own usage rate) and by
 * days (last service plus the interval); due is the earlier. A positive interval is required for
 * each; a zero rate never reaches the uses interval.
 */
export function forecastMaintenance(
  input: ForecastInput,
  now: string,
  options: ForecastOptions = DEFAULT_FORECAST_OPTIONS,
): MaintenanceForecast {
  const nowMs = parseNow(now);
  const at = new Date(nowMs).toISOString();
  const rate = usageRate(input, at, options);
  const used = usesSinceService(input);
  const { uses: intervalUses, days: intervalDays } = input.interval;

  let usesRemaining: number | undefined;
  let dueByUsesMs: number | undefined;
  if (positive(intervalUses) && used !== undefined) {
    usesRemaining = intervalUses - used;
    if (usesRemaining <= 0) dueByUsesMs = nowMs;
    else if (rate.usesPerDay !== undefined && rate.usesPerDay > 0) {
      dueByUsesMs = nowMs + (usesRemaining / rate.usesPerDay) * DAY_MS;
    }
  }
  const serviceMs = input.lastServiceAt === undefined ? NaN : Date.parse(input.lastServiceAt);
  const dueByDaysMs =
    positive(intervalDays) && !Number.isNaN(serviceMs) ? serviceMs + intervalDays * DAY_MS : undefined;

  let dueBy: 'uses' | 'days' | undefined;
  if (dueByUsesMs !== undefined && (dueByDaysMs === undefined || dueByUsesMs <= dueByDaysMs)) dueBy = 'uses';
  else if (dueByDaysMs !== undefined) dueBy = 'days';
  const dueMs = dueBy === 'uses' ? dueByUsesMs : dueBy === 'days' ? dueByDaysMs : undefined;

  const forecast: MaintenanceForecast = {
    deviceId: input.deviceId,
    at,
    interval: { ...input.interval },
    basis: { ...rate, explanation: '' },
  };
  if (input.lastServiceAt !== undefined) forecast.lastServiceAt = input.lastServiceAt;
  if (used !== undefined) forecast.usesSinceService = used;
  if (usesRemaining !== undefined) forecast.usesRemaining = usesRemaining;
  if (dueByUsesMs !== undefined) forecast.dueByUsesAt = iso(dueByUsesMs);
  if (dueByDaysMs !== undefined) forecast.dueByDaysAt = iso(dueByDaysMs);
  if (dueMs !== undefined && dueBy !== undefined) {
    forecast.dueAt = iso(dueMs);
    forecast.dueBy = dueBy;
  }
  forecast.basis.explanation = explain(forecast, input, rate);
  return forecast;
}

/** The forecast in words, with the numbers it was computed from, so an engineer can redo it by hand. */
function explain(f: MaintenanceForecast, input: ForecastInput, rate: UsageRate): string {
  const parts: string[] = [rateText(rate)];
  const intervalUses = input.interval.uses;
  if (positive(intervalUses)) {
    if (f.usesSinceService === undefined) parts.push(`${intervalUses}-use interval: uses since service unknown.`);
    else if (f.usesRemaining !== undefined && f.usesRemaining <= 0) {
      parts.push(`${f.usesSinceService} of ${intervalUses} uses since service: interval reached.`);
    } else if (f.dueByUsesAt === undefined) {
      parts.push(
        `${f.usesSinceService} of ${intervalUses} uses since service, ${f.usesRemaining} left: no rate to project.`,
      );
    } else {
      const days = (f.usesRemaining ?? 0) / (rate.usesPerDay ?? 1);
      parts.push(
        `${f.usesSinceService} of ${intervalUses} uses since service, ${f.usesRemaining} left / ${num(rate.usesPerDay)} per day = ${days.toFixed(1)} days: by uses ${day(f.dueByUsesAt)}.`,
      );
    }
  }
  const intervalDays = input.interval.days;
  if (positive(intervalDays)) {
    parts.push(
      f.dueByDaysAt === undefined
        ? `${intervalDays}-day interval: last service unknown.`
        : `Every ${intervalDays} days from ${day(input.lastServiceAt)}: by days ${day(f.dueByDaysAt)}.`,
    );
  }
  parts.push(
    f.dueAt === undefined
      ? 'Due date unknown.'
      : `Due ${day(f.dueAt)} (by ${f.dueBy}${f.dueByUsesAt && f.dueByDaysAt ? ', the earlier' : ''}).`,
  );
  return parts.join(' ');
}

function rateText(rate: UsageRate): string {
  switch (rate.method) {
    case 'counter':
      return (
        `Usage counter: ${rate.uses} uses over ${num(rate.days, 1)} days ` +
        `(${rate.samples} samples, ${day(rate.from)} to ${day(rate.to)}` +
        `${rate.resets ? `, ${rate.resets} counter reset${rate.resets > 1 ? 's' : ''}` : ''}) = ${num(rate.usesPerDay)} uses/day.`
      );
    case 'rtls':
      return `RTLS: ${rate.uses} in-room episodes over ${num(rate.days, 1)} days (${day(rate.from)} to ${day(rate.to)}) = ${num(rate.usesPerDay)} uses/day.`;
    case 'since-service':
      return `Since service: ${rate.uses} uses over ${num(rate.days, 1)} days = ${num(rate.usesPerDay)} uses/day.`;
    case 'none':
      return 'No usage rate: too little history.';
  }
}

function parseNow(now: string): number {
  const ms = Date.parse(now);
  if (Number.isNaN(ms)) throw new RangeError(`now is not an instant: ${JSON.stringify(now)}`);
  return ms;
}

function positive(n: number | undefined): n is number {
  return n !== undefined && Number.isFinite(n) && n > 0;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** The UTC calendar date of an instant, for the explanation (the instants are in the forecast). */
function day(at: string | undefined): string {
  const ms = at === undefined ? NaN : Date.parse(at);
  return Number.isNaN(ms) ? '?' : iso(ms).slice(0, 10);
}

function num(n: number | undefined, digits = 2): string {
  return n === undefined ? '?' : n.toFixed(digits);
}
