/**
 * Counting uses from what devices report: their own usage counter (`status.usageCount`, CONTRACT §6)
 * and the in-room episodes RTLS sees. Pure: time is passed in.
 */

/** A reading of the device's own usage counter, as a `status` message reported it. */
export interface UsageSample {
  /** When the platform received it (an ISO instant). */
  at: string;
  usageCount: number;
}

/** An RTLS in-room episode of a device's tag: in a room from `from` until `to` (open while still there). */
export interface RoomEpisode {
  from: string;
  to?: string;
  roomId?: string;
}

/** What a run of counter samples says: the uses counted, and how many counter resets were seen. */
export interface CounterIncrease {
  uses: number;
  /** Falls of the counter that did not recover: resets (after service, or a replaced board). */
  resets: number;
}

/** A sample with its time parsed; invalid ones never get this far. */
export interface TimedCount {
  ms: number;
  at: string;
  usageCount: number;
}

/**
 * The usable samples in time order: an unparsable time or a count that is not a finite,
 * non-negative number is dropped (a garbled status message must not move a forecast). Order is by
 * time, not arrival: messages may arrive out of order (several workers, retries).
 */
export function timedCounts(samples: readonly UsageSample[]): TimedCount[] {
  const out: TimedCount[] = [];
  for (const s of samples) {
    const ms = Date.parse(s.at);
    if (Number.isNaN(ms) || !Number.isFinite(s.usageCount) || s.usageCount < 0) continue;
    out.push({ ms, at: s.at, usageCount: s.usageCount });
  }
  // Array.prototype.sort is stable: samples with the same time keep their arrival order.
  return out.sort((a, b) => a.ms - b.ms);
}

/**
 * The uses a monotonic counter counted over a run of values in time order.
 *
 * A rise is that many uses. A fall is either a reset (the counter restarts from zero after service,
 * so the value after it is all new uses, as Prometheus's `increase()` treats counter resets) or a
 * glitch (a device that reports 0 while it boots, then its real count again). The two are told
 * apart by what follows: if the counter comes back to at least its value before the fall, the fall
 * was a glitch and the values in the dip are ignored; if it never does, it was a reset. Without
 * this, one boot-time 0 would count the whole lifetime count again as new uses. The one case read
 * wrongly, a reset followed by more uses than the old count within the run, needs a whole service
 * interval of uses after the reset.
 */
export function counterIncrease(values: readonly number[]): CounterIncrease {
  let uses = 0;
  let resets = 0;
  let base: number | undefined;
  // While below `base` after a fall: the uses counted as if the fall were a reset, and the resets.
  let dip: { last: number; uses: number; resets: number } | undefined;
  for (const v of values) {
    if (base === undefined) {
      base = v;
    } else if (v >= base) {
      // At or above the last trusted value: a plain rise, or the end of a glitch.
      uses += v - base;
      base = v;
      dip = undefined;
    } else if (dip === undefined) {
      dip = { last: v, uses: v, resets: 1 };
    } else if (v >= dip.last) {
      dip.uses += v - dip.last;
      dip.last = v;
    } else {
      dip = { last: v, uses: dip.uses + v, resets: dip.resets + 1 };
    }
  }
  if (dip) {
    uses += dip.uses;
    resets += dip.resets;
  }
  return { uses, resets };
}

/**
 * The in-room episodes that count as a use: those that began in `(fromMs, toMs]` and lasted at
 * least `minMinutes` (an open episode by `toMs`). A device wheeled through a room on its way
 * elsewhere is seen in it for a moment; that is not a use.
 */
export function countedEpisodes(
  episodes: readonly RoomEpisode[],
  fromMs: number,
  toMs: number,
  minMinutes: number,
): { ms: number; at: string }[] {
  const out: { ms: number; at: string }[] = [];
  for (const e of episodes) {
    const start = Date.parse(e.from);
    if (Number.isNaN(start) || start <= fromMs || start > toMs) continue;
    const endParsed = e.to === undefined ? toMs : Date.parse(e.to);
    const end = Number.isNaN(endParsed) ? start : Math.min(endParsed, toMs);
    if (end - start >= minMinutes * 60_000) out.push({ ms: start, at: e.from });
  }
  return out.sort((a, b) => a.ms - b.ms);
}
