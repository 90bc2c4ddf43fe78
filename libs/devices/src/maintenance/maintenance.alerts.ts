import type { AlertPriority } from '@circulator/contracts';
import type { MaintenanceForecast } from './forecast';

/**
 * Maintenance alerts for biomed, from a forecast (issue 5): ahead of the due date at configurable
 * thresholds, when it has passed, and when few uses are left. Pure: `now` is passed in.
 *
 * These are the biomed's view, weeks ahead. The case-time view (a device due for service by a
 * case's time is no backup, `maintenance-due` for a case's room) is the domain's
 * `maintenanceReason` and `evaluateEquipment`, and is not repeated here.
 */

/** What a maintenance alert is about; the last part of its id. */
export const MAINTENANCE_ALERT_LEVELS = ['upcoming', 'imminent', 'overdue', 'uses-low', 'error-rate'] as const;
export type MaintenanceAlertLevel = (typeof MAINTENANCE_ALERT_LEVELS)[number];

/** A maintenance alert on one device. Equipment data only, never patient data. */
export interface MaintenanceAlert {
  /** Stable for as long as the condition lasts: `maint:{deviceId}:{level}`. */
  id: string;
  kind: 'maintenance';
  level: MaintenanceAlertLevel;
  priority: AlertPriority;
  message: string;
  /** When it was evaluated (`now`). */
  at: string;
  deviceId: string;
  /** The numbers behind it (due date, days left, uses left, rates). */
  detail: Record<string, string | number>;
}

export interface MaintenanceThresholds {
  /** Days before the due date from which an `upcoming` alert is raised. */
  upcomingDays: number;
  upcomingPriority: AlertPriority;
  /** Days before the due date from which the `imminent` alert replaces it. */
  imminentDays: number;
  imminentPriority: AlertPriority;
  /** From the due date on. */
  overduePriority: AlertPriority;
  /** Uses left, as a fraction of the uses interval, at or below which `uses-low` is raised. */
  usesRemainingFraction: number;
  usesRemainingPriority: AlertPriority;
}

/**
 * Two weeks ahead (low): time to plan a service around the OR schedule; three days ahead (medium):
 * book it now; overdue (high): the device should not be used. 10 % of the uses interval left (low)
 * warns of a device whose use may speed up beyond its forecast.
 */
export const DEFAULT_MAINTENANCE_THRESHOLDS: Readonly<MaintenanceThresholds> = Object.freeze({
  upcomingDays: 14,
  upcomingPriority: 'low',
  imminentDays: 3,
  imminentPriority: 'medium',
  overduePriority: 'high',
  usesRemainingFraction: 0.1,
  usesRemainingPriority: 'low',
});

const DAY_MS = 86_400_000;

/** `maint:mon-3:overdue`. */
export function maintenanceAlertId(deviceId: string, level: MaintenanceAlertLevel): string {
  return `maint:${deviceId}:${level}`;
}

/**
 * The alerts a forecast warrants at `now`, sorted by id: at most one of `upcoming`, `imminent`
 * and `overdue` (the most severe that applies: they are stages of one approach, not three
 * conditions), plus `uses-low` unless already overdue. Derived from the input alone, so a caller
 * raises the ids that appear and clears the ones that went away.
 */
export function maintenanceAlerts(
  forecast: MaintenanceForecast,
  now: string,
  thresholds: Partial<MaintenanceThresholds> = {},
): MaintenanceAlert[] {
  const t: MaintenanceThresholds = { ...DEFAULT_MAINTENANCE_THRESHOLDS, ...thresholds };
  const nowMs = Date.parse(now);
  if (Number.isNaN(nowMs)) throw new RangeError(`now is not an instant: ${JSON.stringify(now)}`);
  const alerts: MaintenanceAlert[] = [];
  const make = (
    level: MaintenanceAlertLevel,
    priority: AlertPriority,
    message: string,
    detail: Record<string, string | number>,
  ): MaintenanceAlert => ({
    id: maintenanceAlertId(forecast.deviceId, level),
    kind: 'maintenance',
    level,
    priority,
    message: `Device ${forecast.deviceId}: ${message}`,
    at: now,
    deviceId: forecast.deviceId,
    detail,
  });

  const dueMs = forecast.dueAt === undefined ? NaN : Date.parse(forecast.dueAt);
  let overdue = false;
  if (!Number.isNaN(dueMs) && forecast.dueAt !== undefined) {
    const daysLeft = (dueMs - nowMs) / DAY_MS;
    const detail = { dueAt: forecast.dueAt, dueBy: forecast.dueBy ?? 'unknown', daysLeft: round(daysLeft, 1) };
    const when = `${forecast.dueAt.slice(0, 10)}, by ${forecast.dueBy ?? 'unknown'}`;
    if (daysLeft <= 0) {
      overdue = true;
      alerts.push(make('overdue', t.overduePriority, `service overdue (due ${when})`, detail));
    } else if (daysLeft <= t.imminentDays) {
      alerts.push(make('imminent', t.imminentPriority, `service due in ${daysText(daysLeft)} (${when})`, detail));
    } else if (daysLeft <= t.upcomingDays) {
      alerts.push(make('upcoming', t.upcomingPriority, `service due in ${daysText(daysLeft)} (${when})`, detail));
    }
  }

  const intervalUses = forecast.interval.uses;
  const left = forecast.usesRemaining;
  if (!overdue && intervalUses !== undefined && intervalUses > 0 && left !== undefined && left > 0) {
    const fraction = left / intervalUses;
    if (fraction <= t.usesRemainingFraction) {
      alerts.push(
        make(
          'uses-low',
          t.usesRemainingPriority,
          `${left} of ${intervalUses} uses left before service (${round(fraction * 100, 1)} %)`,
          { usesRemaining: left, intervalUses, fraction: round(fraction, 3) },
        ),
      );
    }
  }
  return alerts.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

function daysText(days: number): string {
  const d = round(days, 1);
  return `${d} day${d === 1 ? '' : 's'}`;
}

function round(n: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}
