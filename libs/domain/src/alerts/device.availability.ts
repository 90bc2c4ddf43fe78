import { compareText } from '../engine/equal';
import type { DeviceState, DeviceStatus, DistanceFn } from './rules.model';

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

/**
 * Why a device is due for service on `on` (an instant), or undefined when it is not: the
 * registry's flag, no uses left (`usesSinceService ≥ serviceIntervalUses`), or a next-service date
 * not after `on`. A date without a time is compared with `on`'s own calendar date as written (in
 * its offset), so no time zone is needed; a value that is neither a date nor an instant is ignored.
 */
export function maintenanceReason(device: DeviceStatus, on: string): string | undefined {
  if (device.maintenanceDue) return 'flagged by biomed';
  const { usesSinceService: uses, serviceIntervalUses: interval } = device;
  if (uses !== undefined && interval !== undefined && Number.isFinite(uses) && Number.isFinite(interval)) {
    if (uses >= interval) return `${uses}/${interval} uses`;
  }
  const due = device.nextServiceDue;
  if (!due) return undefined;
  if (DATE_ONLY.test(due)) {
    const day = on.slice(0, 10);
    return DATE_ONLY.test(day) && due <= day ? `service due ${due}` : undefined;
  }
  const dueMs = Date.parse(due);
  const onMs = Date.parse(on);
  return !Number.isNaN(dueMs) && !Number.isNaN(onMs) && dueMs <= onMs ? `service due ${due}` : undefined;
}

/** Whether a device is due for service on `on` (see {@link maintenanceReason}). */
export function maintenanceDue(device: DeviceStatus, on: string): boolean {
  return maintenanceReason(device, on) !== undefined;
}

/** A device type as compared: trimmed, lower case (`C-Arm ` is `c-arm`). */
export function sameType(a: string, b: string): boolean {
  return a.trim().toLowerCase() === b.trim().toLowerCase();
}

/** A device as messages name it: its label, else its type and id. */
export function deviceName(device: DeviceStatus): string {
  return device.label ?? `${device.type} ${device.id}`;
}

/** Where a device is, for a message: `same room`, the room id, the RTLS location, or unknown. */
export function devicePlace(device: DeviceStatus, roomId: string): string {
  if (device.roomId === roomId) return 'same room';
  return device.roomId ?? device.location ?? 'location unknown';
}

export interface BackupQuery {
  /** The type needed. */
  type: string;
  /** The room that needs it. */
  roomId: string;
  /** Devices that may not be proposed (the failed one, the ones already needed). */
  exclude: ReadonlySet<string>;
  /** When it is needed: maintenance due by then rules a device out. */
  on: string;
  /** Whether a device is taken by an active case. */
  inUse: (device: DeviceStatus) => boolean;
  /** The states a backup may be in: `online` (the default) now; also `offline` (stored, powered off) when planning. */
  states?: readonly DeviceState[];
  distance?: DistanceFn;
}

/**
 * The nearest available device of a type: online (or in `states`), not due for service on `on`,
 * not in use by an active case. The same room first; then by `distance` from the room to the device's room (else RTLS
 * location), devices with neither last; remaining ties (and all of them without `distance`) by id.
 */
export function pickBackup(devices: readonly DeviceStatus[], q: BackupQuery): DeviceStatus | undefined {
  const states = q.states ?? ['online'];
  const candidates = devices.filter(
    (d) =>
      sameType(d.type, q.type) &&
      !q.exclude.has(d.id) &&
      states.includes(d.state) &&
      !maintenanceDue(d, q.on) &&
      !q.inUse(d),
  );
  const rank = (d: DeviceStatus): number => {
    if (d.roomId === q.roomId) return -Infinity;
    const where = d.roomId ?? d.location;
    if (where === undefined || !q.distance) return Infinity;
    const distance = q.distance(q.roomId, where);
    return Number.isFinite(distance) ? distance : Infinity;
  };
  const ranked = candidates.map((d) => ({ d, r: rank(d) }));
  ranked.sort((a, b) => (a.r === b.r ? compareText(a.d.id, b.d.id) : a.r < b.r ? -1 : 1));
  return ranked[0]?.d;
}

/**
 * How near a room or RTLS location is to a room, without a floor plan (docs/alert-rules.md §4):
 * the site names its zones (a suite, a floor, a wing) by the rooms and locations in each
 * (`ROOM_ZONES`). The same room is 0; another room or location of the same zone 1; anywhere else
 * (another zone, or no zone) 2. `pickBackup` puts the same room first itself, orders the rest by
 * this, and devices whose room and location are both unknown last; ties go by device id. Where a
 * device is comes from the registry, which a device's RTLS tag keeps up to date (the tag's room
 * becomes the device's), so the order follows the RTLS last-seen room.
 */
export function zoneDistance(zones: Readonly<Record<string, readonly string[]>>): DistanceFn {
  const zoneOf = new Map<string, string>();
  for (const zone of Object.keys(zones).sort(compareText)) {
    for (const place of zones[zone] ?? []) if (!zoneOf.has(place)) zoneOf.set(place, zone);
  }
  return (fromRoomId, to) => {
    if (fromRoomId === to) return 0;
    const zone = zoneOf.get(fromRoomId);
    return zone !== undefined && zoneOf.get(to) === zone ? 1 : 2;
  };
}
