/** How a display learned of a reading: a case `update` on its room topic, or a `vitals` event. */
export type ShownVia = 'update' | 'vitals';

interface RoomReadings {
  /** Reading times (the payload's `at`, epoch ms), strictly rising. */
  at: number[];
  /** When each was published (the bench's monotonic clock, ms). */
  sent: number[];
}

interface DisplayCursor {
  room: number;
  /** Readings of the room shown on this display by any event so far. */
  any: number;
  /** …and by `vitals` events alone. */
  vitals: number;
}

/**
 * Matches device readings to what room displays receive (the sensors phase of the bench).
 *
 * Each reading carries its own time `at`; a room's readings are recorded with strictly rising
 * times, so a display event that shows the room's vitals as of time A shows every reading of the
 * room with `at ≤ A` not yet shown there (a newer value stands for the older ones it replaced).
 * Each (reading, display) pair is counted once, when it is first shown:
 *
 * - `toDisplay`: publish → the first event of either kind (`update` with the case, whose vitals
 *   carry their times, or `vitals`) that shows it: what the wall display can draw;
 * - `toVitals`: publish → the first `vitals` event that shows it (CONTRACT §7 sends those at most
 *   once per second per room, so this includes the wait for the room's next one);
 * - `vitalsAge`: for each `vitals` event, how old its newest reading is on arrival (the pipeline's
 *   own delay, without the wait for the throttle).
 *
 * Times are passed in (no clock read): the caller records publish and receive times.
 */
export class ReadingLedger {
  private readonly rooms: RoomReadings[];
  private readonly displays: DisplayCursor[] = [];
  readonly toDisplay: number[] = [];
  readonly toVitals: number[] = [];
  readonly vitalsAge: number[] = [];

  constructor(rooms: number) {
    this.rooms = Array.from({ length: rooms }, () => ({ at: [], sent: [] }));
  }

  /** A display of `room`; returns its number for {@link shown}. */
  addDisplay(room: number): number {
    this.room(room);
    this.displays.push({ room, any: 0, vitals: 0 });
    return this.displays.length - 1;
  }

  /**
   * The time a reading of `room` published now should carry: `wallMs` (the clock the platform
   * reads), or just after the room's previous reading when two fall in the same millisecond, so
   * that every reading of a room is told apart by its time alone.
   */
  nextAt(room: number, wallMs: number): number {
    const at = this.room(room).at;
    const last = at.length ? at[at.length - 1]! : -Infinity;
    return Math.max(Math.floor(wallMs), last + 1);
  }

  /** A reading of `room` published at `sentMs` with time `atMs` (from {@link nextAt}). */
  record(room: number, atMs: number, sentMs: number): void {
    const r = this.room(room);
    const last = r.at.length ? r.at[r.at.length - 1]! : -Infinity;
    if (!(atMs > last)) throw new Error(`room ${room}: reading times must rise (${atMs} after ${last})`);
    r.at.push(atMs);
    r.sent.push(sentMs);
  }

  /** Display `display` received at `receivedMs` an event showing its room's vitals as of `shownAtMs`. */
  shown(display: number, shownAtMs: number, receivedMs: number, via: ShownVia): void {
    const d = this.displays[display];
    if (!d) throw new Error(`no display ${display}`);
    const r = this.rooms[d.room]!;
    d.any = this.advance(r, d.any, shownAtMs, receivedMs, this.toDisplay);
    if (via !== 'vitals') return;
    d.vitals = this.advance(r, d.vitals, shownAtMs, receivedMs, this.toVitals);
    const newest = lastAtOrBefore(r.at, shownAtMs);
    if (newest >= 0 && r.at[newest] === shownAtMs) this.vitalsAge.push(receivedMs - r.sent[newest]!);
  }

  /** Readings recorded, all rooms. */
  get readings(): number {
    return this.rooms.reduce((n, r) => n + r.at.length, 0);
  }

  /** (reading, display) pairs not shown yet: each display counts its own room's readings. */
  unseen(): number {
    return this.displays.reduce((n, d) => n + this.rooms[d.room]!.at.length - d.any, 0);
  }

  private advance(r: RoomReadings, from: number, shownAtMs: number, receivedMs: number, into: number[]): number {
    let i = from;
    while (i < r.at.length && r.at[i]! <= shownAtMs) {
      into.push(receivedMs - r.sent[i]!);
      i += 1;
    }
    return i;
  }

  private room(room: number): RoomReadings {
    const r = this.rooms[room];
    if (!r) throw new Error(`no room ${room} (of ${this.rooms.length})`);
    return r;
  }
}

/** Index of the last time ≤ t in a rising list, or -1 (binary search). */
function lastAtOrBefore(times: readonly number[], t: number): number {
  let lo = 0;
  let hi = times.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (times[mid]! <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}
