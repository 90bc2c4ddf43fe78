import type { UpdateEvent } from '@circulator/contracts';
import { UpdateAccumulator } from './update.accumulator';

/** The timer the pacer ticks on (injected, so that tests drive it by hand). */
export interface PacerTimer {
  set(fn: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

export const realTimer: PacerTimer = {
  set: (fn, ms) => {
    const handle = setTimeout(fn, ms);
    handle.unref();
    return handle;
  },
  clear: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/** One update for one socket.io room, and the stream offset just before its oldest change. */
export interface PacedUpdate {
  room: string;
  update: UpdateEvent;
  /** The id of the stream entry handled before the first change this update reports. */
  before: string;
}

/**
 * Coalesces each topic's updates per tick: a room's first update goes out at once; further ones
 * within the same tick (`tickMs`) are folded into one update (latest state of each case, `from` …
 * `version`) sent when the tick ends. A busy topic then costs every one of its clients at most
 * one write per tick, whatever the update rate, and an update waits at most one tick. No timer
 * runs while nothing is pending.
 *
 * It also knows which stream offset a client may safely be told it has reached: updates held for
 * the next tick (or not yet written in this one) report changes that a client disconnecting now
 * must have replayed, so the offset stamped on any packet is never past the oldest of them.
 */
export class TopicPacer {
  /** Rooms that got an update this tick: the next ones wait for the tick's end. */
  private readonly cooling = new Set<string>();
  private readonly pending = new UpdateAccumulator();
  /**
   * For each room with an update not yet written: the offset before its oldest change. Offers come
   * in stream order, so entries are added in rising offset order and the first is the oldest;
   * {@link ordered} says whether that still holds (it is checked on every add).
   */
  private readonly unsent = new Map<string, string>();
  private newestUnsent: string | undefined;
  private ordered = true;
  private timer: unknown;

  constructor(
    private readonly tickMs: number,
    private readonly deliver: (room: string, update: UpdateEvent) => void,
    private readonly clock: PacerTimer = realTimer,
  ) {}

  /** Offers one batch's updates, in stream order. */
  offer(updates: readonly PacedUpdate[]): void {
    // First note every update as unsent, so that a packet written for one of them never carries
    // an offset past another that is still to be written.
    for (const { room, before } of updates) {
      if (this.unsent.has(room)) continue;
      if (this.newestUnsent !== undefined && compareStreamIds(before, this.newestUnsent) < 0) this.ordered = false;
      this.newestUnsent = before;
      this.unsent.set(room, before);
    }
    for (const { room, update } of updates) {
      if (this.tickMs > 0 && this.cooling.has(room)) {
        this.pending.merge(room, update);
        continue;
      }
      this.send(room, update);
    }
    if (this.cooling.size > 0 && this.timer === undefined) this.timer = this.clock.set(() => this.tick(), this.tickMs);
  }

  /**
   * The offset a packet may carry now: `current` (the newest change handled), or, while some
   * update is still unsent, the offset before the oldest change among them.
   */
  safeOffset(current: string): string {
    if (this.ordered) {
      // The first entry is the oldest: one comparison instead of one per unsent room (this runs
      // for every packet written, so the scan cost a tick with many busy rooms its square).
      const oldest = this.unsent.values().next();
      return !oldest.done && compareStreamIds(oldest.value, current) < 0 ? oldest.value : current;
    }
    let safe = current;
    for (const before of this.unsent.values()) if (compareStreamIds(before, safe) < 0) safe = before;
    return safe;
  }

  /** Forgets a room nobody listens to any more. */
  forget(room: string): void {
    this.pending.forget(room);
    this.unsent.delete(room);
    if (this.unsent.size === 0) this.resetOrder();
    this.cooling.delete(room);
  }

  /** Writes nothing more; drops what is pending (the gateway is stopping). */
  stop(): void {
    if (this.timer !== undefined) this.clock.clear(this.timer);
    this.timer = undefined;
    this.pending.drain();
    this.unsent.clear();
    this.resetOrder();
    this.cooling.clear();
  }

  get pendingRooms(): number {
    return this.pending.size;
  }

  private resetOrder(): void {
    this.newestUnsent = undefined;
    this.ordered = true;
  }

  private tick(): void {
    this.timer = undefined;
    this.cooling.clear();
    for (const { room, update } of this.pending.drain()) this.send(room, update);
    if (this.cooling.size > 0) this.timer = this.clock.set(() => this.tick(), this.tickMs);
  }

  private send(room: string, update: UpdateEvent): void {
    this.cooling.add(room);
    // Written from here on: its changes no longer hold the safe offset back.
    this.unsent.delete(room);
    if (this.unsent.size === 0) this.resetOrder();
    this.deliver(room, update);
  }
}

/** Orders two stream ids (`ms-seq`). */
export function compareStreamIds(a: string, b: string): number {
  const [am = '0', as = '0'] = a.split('-');
  const [bm = '0', bs = '0'] = b.split('-');
  if (am.length !== bm.length) return am.length - bm.length;
  if (am !== bm) return am < bm ? -1 : 1;
  if (as.length !== bs.length) return as.length - bs.length;
  return as === bs ? 0 : as < bs ? -1 : 1;
}
