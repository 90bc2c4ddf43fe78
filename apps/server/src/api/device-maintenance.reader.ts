import { Inject, Injectable } from '@nestjs/common';
import type { DeviceAlertView, DeviceMaintenanceView } from '@circulator/contracts';
import type { Clock } from '@circulator/domain';
import { DEFAULT_ERROR_RATE_WINDOW_DAYS, deviceMaintenance, errorsFromHistory } from '@circulator/devices';
import { DeviceRepository, type DeviceEventRecord, type DeviceRecord } from '@circulator/persistence';
import { CLOCK } from '@circulator/realtime';

const DAY_MS = 86_400_000;
/** History lines read for error rates at most: a week of a very faulty fleet. */
const ERROR_LINES_MAX = 20_000;

/**
 * Devices' maintenance views (forecast, usage, maintenance alerts) made when read, from the
 * registry and the last week of error lines in the devices' history: there is no alert store to go
 * stale. One query for the error lines of every device asked for.
 */
@Injectable()
export class DeviceMaintenanceReader {
  constructor(
    private readonly devices: DeviceRepository,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  now(): Date {
    return this.clock.now();
  }

  async views(records: readonly DeviceRecord[], now = this.clock.now()): Promise<Map<string, DeviceMaintenanceView>> {
    const out = new Map<string, DeviceMaintenanceView>();
    if (records.length === 0) return out;
    const from = new Date(now.getTime() - DEFAULT_ERROR_RATE_WINDOW_DAYS * DAY_MS);
    const only = records.length === 1 ? records[0]?.id : undefined;
    const lines = await this.devices.events(
      { kinds: ['error-code', 'connectivity'], from, ...(only !== undefined ? { deviceId: only } : {}) },
      ERROR_LINES_MAX,
    );
    const byDevice = new Map<string, DeviceEventRecord[]>();
    for (const line of lines) byDevice.set(line.deviceId, [...(byDevice.get(line.deviceId) ?? []), line]);
    const at = now.toISOString();
    for (const d of records) out.set(d.id, deviceMaintenance(d, errorsFromHistory(byDevice.get(d.id) ?? []), at));
    return out;
  }

  /** Every maintenance alert of these devices, most severe first. */
  async alerts(records: readonly DeviceRecord[], now = this.clock.now()): Promise<DeviceAlertView[]> {
    const views = await this.views(records, now);
    return [...views.values()].flatMap((v) => v.alerts).sort(byPriority);
  }
}

const RANK: Record<DeviceAlertView['priority'], number> = { high: 0, medium: 1, low: 2 };

/** Most severe first, then newest, then by id (a stable order for the console). */
export function byPriority(a: DeviceAlertView, b: DeviceAlertView): number {
  return RANK[a.priority] - RANK[b.priority] || (a.at < b.at ? 1 : a.at > b.at ? -1 : 0) || (a.id < b.id ? -1 : 1);
}
