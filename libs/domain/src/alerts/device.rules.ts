import { compareText } from '../engine/equal';
import { deviceName, devicePlace, pickBackup } from './device.availability';
import { finish, openTrack, replaceOwned } from './rule.outcome';
import { DEFAULT_RULE_CONFIG, type RuleConfig } from './rules.config';
import type { CasePhase, DeviceStatus, DistanceFn, RuleAlert, RuleOutcome, RuleTrack } from './rules.model';

export interface DeviceRuleInput {
  /** The case: the devices in its room, and those in use by it, are watched. */
  case: { id: string; roomId: string };
  /** The registry, every device with its current state: the watched ones and the backup candidates. */
  devices: readonly DeviceStatus[];
  /**
   * Ids of the cases in progress: a device `inUseBy` one of them is no backup. Absent: any device
   * with an `inUseBy` is taken (the safe side).
   */
  activeCaseIds?: readonly string[];
  /** Distance from a room to a room or RTLS location; without it other rooms are tried by device id. */
  distance?: DistanceFn;
}

export interface DeviceRuleContext {
  /** The tick. */
  now: string;
  /** The case's phase at `now`: `none` (not in the room) clears every device alert. */
  phase: CasePhase;
  config?: RuleConfig['device'];
}

/** The alert id of a device that went offline: `rule:device-offline:mon-3`. */
export function deviceOfflineAlertId(deviceId: string): string {
  return `rule:device-offline:${deviceId}`;
}

/**
 * Device offline during a case (kind `device-offline`): a device in the case's room, or in use by
 * it, that has been offline or in error for `sustainSeconds` (by its own `since`) while the case is
 * in the room. The alert names the nearest available backup of the same type (`pickBackup`); it is
 * updated when the backup changes and cleared when the device is back online or the case leaves.
 * Derived from the input as a whole: the same input gives the same alerts.
 */
export function evaluateDeviceOffline(
  state: RuleTrack | undefined,
  input: DeviceRuleInput,
  ctx: DeviceRuleContext,
): RuleOutcome {
  const config = ctx.config ?? DEFAULT_RULE_CONFIG.device;
  const nowMs = Date.parse(ctx.now);
  const next = openTrack(state);
  if (Number.isNaN(nowMs)) return finish(state, next, []);
  const { id: caseId, roomId } = input.case;
  const active = input.activeCaseIds ? new Set(input.activeCaseIds) : undefined;
  const inUse = (d: DeviceStatus): boolean =>
    d.inUseBy !== undefined && (d.inUseBy === caseId || active === undefined || active.has(d.inUseBy));

  const wanted: RuleAlert[] = [];
  if (ctx.phase !== 'none') {
    const watched = input.devices
      .filter((d) => d.roomId === roomId || d.inUseBy === caseId)
      .sort((a, b) => compareText(a.id, b.id));
    const failed = watched.filter((d) => {
      const since = Date.parse(d.since);
      return d.state !== 'online' && !Number.isNaN(since) && nowMs - since >= config.sustainSeconds * 1000;
    });
    const exclude = new Set(failed.map((d) => d.id));
    for (const device of failed) {
      const backup = pickBackup(input.devices, {
        type: device.type,
        roomId,
        exclude,
        on: ctx.now,
        inUse,
        distance: input.distance,
      });
      const what = `${deviceName(device)} ${device.state === 'error' ? 'in error' : 'offline'}`;
      const alert: RuleAlert = {
        id: deviceOfflineAlertId(device.id),
        kind: 'device-offline',
        priority: config.priority,
        message: backup
          ? `${what}; backup: ${deviceName(backup)} (${devicePlace(backup, roomId)})`
          : `${what}; no backup available`,
        raisedAt: ctx.now,
        ruleId: 'device-offline',
        parameter: device.type,
        since: device.since,
        roomId,
        deviceId: device.id,
      };
      if (backup) alert.backupDeviceId = backup.id;
      wanted.push(alert);
    }
  }
  replaceOwned(next, (a) => a.kind === 'device-offline', wanted);
  return finish(state, next, []);
}
