import type { DeviceAlertView, DeviceMaintenanceView } from '@circulator/contracts';
import { errorRate, errorRateAlert, type DeviceErrorEvent } from './error.rate';
import { forecastMaintenance } from './forecast';
import { maintenanceAlerts, type MaintenanceAlert } from './maintenance.alerts';

/** What the registry stores about a device's service: all the on-read view needs. */
export interface DeviceServiceState {
  id: string;
  lifecycle: string;
  serviceIntervalUses: number | null;
  serviceIntervalDays: number | null;
  lastServiceAt: string | null;
  usesSinceService: number;
}

/**
 * A device's usage against its service interval, its forecast service date and its maintenance
 * alerts, computed when read (issue 5): from the registry's uses since service and last service,
 * and from the error episodes of its history. No store of its own: the same input gives the same
 * view, so the console, the export and the API cannot disagree. Pure: `now` is passed in.
 *
 * The registry keeps no usage-counter samples, so the rate is the uses since service over the days
 * since (`since-service`): at least a week of history is needed before a date by uses is given. A
 * retired device raises no maintenance alert.
 */
export function deviceMaintenance(
  device: DeviceServiceState,
  errors: readonly DeviceErrorEvent[],
  now: string,
): DeviceMaintenanceView {
  const interval = {
    ...(device.serviceIntervalUses !== null ? { uses: device.serviceIntervalUses } : {}),
    ...(device.serviceIntervalDays !== null ? { days: device.serviceIntervalDays } : {}),
  };
  const forecast = forecastMaintenance(
    {
      deviceId: device.id,
      interval,
      usesSinceService: device.usesSinceService,
      ...(device.lastServiceAt !== null ? { lastServiceAt: device.lastServiceAt } : {}),
    },
    now,
  );
  const rate = errorRate({ errors }, now);
  const raised: MaintenanceAlert[] = [];
  if (device.lifecycle !== 'retired') {
    raised.push(...maintenanceAlerts(forecast, now));
    const errorAlert = errorRateAlert(device.id, rate, now);
    if (errorAlert) raised.push(errorAlert);
  }
  const view: DeviceMaintenanceView = {
    at: forecast.at,
    rateMethod: forecast.basis.method,
    explanation: forecast.basis.explanation,
    errorsLastWeek: rate.errors,
    alerts: raised.map(toAlertView),
  };
  if (forecast.usesSinceService !== undefined) view.usesSinceService = forecast.usesSinceService;
  if (forecast.usesRemaining !== undefined) view.usesRemaining = forecast.usesRemaining;
  if (interval.uses !== undefined && interval.uses > 0 && forecast.usesSinceService !== undefined) {
    view.usedFraction = Math.round((forecast.usesSinceService / interval.uses) * 1000) / 1000;
  }
  if (forecast.basis.usesPerDay !== undefined) view.usesPerDay = Math.round(forecast.basis.usesPerDay * 100) / 100;
  if (forecast.dueAt !== undefined) view.dueAt = forecast.dueAt;
  if (forecast.dueBy !== undefined) view.dueBy = forecast.dueBy;
  return view;
}

function toAlertView(a: MaintenanceAlert): DeviceAlertView {
  return {
    id: a.id,
    deviceId: a.deviceId,
    kind: a.kind,
    level: a.level,
    priority: a.priority,
    message: a.message,
    at: a.at,
  };
}

/**
 * Error episodes from a device's history lines: `error-code` lines (`error code E42`) and
 * `connectivity` lines into the error state (`error (E42) (was online)`). Other lines are ignored.
 */
export function errorsFromHistory(lines: readonly { at: string; kind: string; message: string }[]): DeviceErrorEvent[] {
  const out: DeviceErrorEvent[] = [];
  for (const line of lines) {
    if (line.kind === 'error-code') {
      out.push({ at: line.at, code: line.message.replace(/^error code /, '').trim() || 'error' });
    } else if (line.kind === 'connectivity' && line.message.startsWith('error')) {
      out.push({ at: line.at, code: /^error \((?!was )([^)]+)\)/.exec(line.message)?.[1] ?? 'error' });
    }
  }
  return out;
}
