import { compareText } from '../engine/equal';
import type { EquipmentNeed } from '../fact';
import { deviceName, devicePlace, maintenanceReason, pickBackup, sameType } from './device.availability';
import { finish, openTrack, replaceOwned } from './rule.outcome';
import { DEFAULT_RULE_CONFIG, type RuleConfig } from './rules.config';
import type { DeviceStatus, DistanceFn, RuleAlert, RuleOutcome, RuleTrack } from './rules.model';

/** A case as the equipment rules see it: where, when, and what it needs. */
export interface UpcomingCase {
  id: string;
  roomId: string;
  scheduledStart: string;
  scheduledEnd: string;
  equipment?: readonly EquipmentNeed[];
}

export interface EquipmentRuleInput {
  case: UpcomingCase;
  /**
   * The other cases in the horizon, those in progress included (this one may be among them): cases
   * whose windows overlap compete for the same devices.
   */
  cases?: readonly UpcomingCase[];
  /** The registry, with maintenance counters and dates. */
  devices: readonly DeviceStatus[];
  /**
   * The device type that meets a need. Default: the need's code, else its text; types are compared
   * trimmed and in lower case.
   */
  typeOf?: (need: EquipmentNeed) => string | undefined;
  distance?: DistanceFn;
}

export interface EquipmentRuleContext {
  /** The tick. */
  now: string;
  config?: RuleConfig['equipment'];
  /**
   * The kinds this evaluation raises and owns (default both): it raises, keeps and clears only
   * these, and leaves the track's alerts of the other kind as they are (for a caller that wires one
   * kind alone). The worker's rule tick owns both (`evaluateConditions`).
   */
  kinds?: readonly ('maintenance-due' | 'equipment-conflict')[];
}

/** The alert id of a device due for service that a case needs: `rule:maintenance-due:carm-2`. */
export function maintenanceAlertId(deviceId: string): string {
  return `rule:maintenance-due:${deviceId}`;
}

/** The alert id of a type too few devices are available of: `rule:equipment-conflict:c-arm`. */
export function equipmentConflictAlertId(type: string): string {
  return `rule:equipment-conflict:${normalType(type)}`;
}

const HOUR_MS = 3_600_000;

/**
 * Equipment an upcoming case needs, for that case (kinds `maintenance-due`, `equipment-conflict`),
 * while it starts within `horizonHours` of `now` and has not ended:
 *
 * - `maintenance-due`: a device of a needed type in the case's room is due for service by the
 *   case's start (flag, uses, or date; `maintenanceReason`); the alert names the nearest device of
 *   the type that is not (online or powered off; not in error).
 * - `equipment-conflict`: more cases need the type at once, at some instant of this case's window,
 *   than there are devices of it fit for use (not in error, not due by the case's start); "no
 *   device" is the conflict of one case with none.
 *
 * Derived from the input as a whole: the same input gives the same alerts.
 */
export function evaluateEquipment(
  state: RuleTrack | undefined,
  input: EquipmentRuleInput,
  ctx: EquipmentRuleContext,
): RuleOutcome {
  const config = ctx.config ?? DEFAULT_RULE_CONFIG.equipment;
  const typeOf = input.typeOf ?? defaultType;
  const next = openTrack(state);
  const c = input.case;
  const nowMs = Date.parse(ctx.now);
  const start = Date.parse(c.scheduledStart);
  const end = Date.parse(c.scheduledEnd);
  const wanted: RuleAlert[] = [];

  const inHorizon = start - nowMs <= config.horizonHours * HOUR_MS && nowMs < end;
  if (!Number.isNaN(nowMs) && !Number.isNaN(start) && !Number.isNaN(end) && inHorizon) {
    // Needed types (compared in lower case), each with the schedule's name for it for messages.
    const types = new Map<string, string>();
    for (const need of c.equipment ?? []) {
      const type = typeOf(need);
      if (type && !types.has(normalType(type))) types.set(normalType(type), need.text.trim() || type);
    }
    for (const type of [...types.keys()].sort(compareText)) {
      const ofType = input.devices.filter((d) => sameType(d.type, type));
      const fit = ofType.filter((d) => d.state !== 'error' && !maintenanceReason(d, c.scheduledStart));
      const due = ofType
        .filter((d) => d.roomId === c.roomId && maintenanceReason(d, c.scheduledStart))
        .sort((a, b) => compareText(a.id, b.id));
      const exclude = new Set(due.map((d) => d.id));
      for (const device of due) {
        const backup = pickBackup(input.devices, {
          type,
          roomId: c.roomId,
          exclude,
          on: c.scheduledStart,
          inUse: () => false,
          states: ['online', 'offline'],
          distance: input.distance,
        });
        const what = `${deviceName(device)} due for service (${maintenanceReason(device, c.scheduledStart)})`;
        const alert: RuleAlert = {
          id: maintenanceAlertId(device.id),
          kind: 'maintenance-due',
          priority: config.maintenancePriority,
          message: backup
            ? `${what}; use ${deviceName(backup)} (${devicePlace(backup, c.roomId)})`
            : `${what}; no other ${types.get(type)} fit for use`,
          raisedAt: ctx.now,
          ruleId: 'maintenance-due',
          parameter: type,
          roomId: c.roomId,
          deviceId: device.id,
        };
        if (backup) alert.backupDeviceId = backup.id;
        wanted.push(alert);
      }
      const demand = peakDemand(c, input.cases ?? [], type, typeOf);
      if (demand > fit.length) {
        const label = types.get(type)!;
        wanted.push({
          id: equipmentConflictAlertId(type),
          kind: 'equipment-conflict',
          priority: config.conflictPriority,
          message: fit.length
            ? `${label}: ${demand} overlapping cases need one, ${fit.length} fit for use`
            : `${label}: none fit for use`,
          raisedAt: ctx.now,
          ruleId: 'equipment-conflict',
          parameter: type,
          value: demand,
          limit: fit.length,
          roomId: c.roomId,
        });
      }
    }
  }
  const kinds: ReadonlySet<string> = new Set(ctx.kinds ?? ['maintenance-due', 'equipment-conflict']);
  replaceOwned(
    next,
    (a) => kinds.has(a.kind),
    wanted.filter((a) => kinds.has(a.kind)),
  );
  return finish(state, next, []);
}

function defaultType(need: EquipmentNeed): string | undefined {
  const type = (need.code ?? need.text).trim();
  return type || undefined;
}

function normalType(type: string): string {
  return type.trim().toLowerCase();
}

/**
 * The most cases that need `type` at one instant of `c`'s window `[start, end)`, `c` included
 * (the peak is at the window's start or at a later case's start within it).
 */
function peakDemand(
  c: UpcomingCase,
  cases: readonly UpcomingCase[],
  type: string,
  typeOf: (need: EquipmentNeed) => string | undefined,
): number {
  const windows: [number, number][] = [];
  const seen = new Set<string>();
  for (const other of [c, ...cases]) {
    if (seen.has(other.id)) continue;
    seen.add(other.id);
    if (!(other.equipment ?? []).some((need) => sameType(typeOf(need) ?? '', type))) continue;
    const s = Date.parse(other.scheduledStart);
    const e = Date.parse(other.scheduledEnd);
    if (!Number.isNaN(s) && !Number.isNaN(e) && e > s) windows.push([s, e]);
  }
  const [start, end] = [Date.parse(c.scheduledStart), Date.parse(c.scheduledEnd)];
  let peak = 0;
  for (const instant of [start, ...windows.map(([s]) => s).filter((s) => s > start && s < end)]) {
    peak = Math.max(peak, windows.filter(([s, e]) => s <= instant && instant < e).length);
  }
  return peak;
}
