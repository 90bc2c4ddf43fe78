/**
 * Delivery latency of a fan-out, pure: the publisher notes when each version of the topic left
 * it, and each probe client turns what it receives into one sample per version. A coalesced
 * update (one event standing for several versions, CONTRACT §7 `from`) yields a sample for every
 * version it stands for, each measured from that version's own send time, so coalescing never
 * hides a late delivery.
 */

/** When each version of the bench topic was handed to the fan-out layer (ms, one clock). */
export class SentLog {
  private readonly at = new Map<number, number>();

  record(version: number, sentAt: number): void {
    this.at.set(version, sentAt);
  }

  get(version: number): number | undefined {
    return this.at.get(version);
  }

  get size(): number {
    return this.at.size;
  }
}

/** What one received event meant for a probe. */
export interface Receipt {
  /** Latency (ms) of each version it delivered that was sent in the measured window. */
  samples: number[];
  /** Versions skipped without being stood for: a client would have to re-subscribe. */
  lost: number;
  /** True when it stood for more than one version. */
  coalesced: boolean;
}

/**
 * One probe client's place in the topic. `start` is the version it had when the measurement
 * began (its snapshot's); it counts only versions after it.
 */
export class ProbeTracker {
  private last: number;
  private received = 0;
  private lostTotal = 0;

  constructor(start: number) {
    this.last = start;
  }

  /** The newest version this probe has. */
  get version(): number {
    return this.last;
  }

  get events(): number {
    return this.received;
  }

  get lost(): number {
    return this.lostTotal;
  }

  /**
   * An event for `version`, standing for the versions from `from` (default: `version` alone)
   * up to it, received at `now`. An event at or below the probe's version is a duplicate and
   * yields nothing.
   */
  receive(version: number, now: number, sent: SentLog, from = version): Receipt {
    if (version <= this.last) return { samples: [], lost: 0, coalesced: false };
    this.received += 1;
    const firstCovered = Math.max(from, this.last + 1);
    const lost = firstCovered - (this.last + 1);
    this.lostTotal += lost;
    const samples: number[] = [];
    for (let v = firstCovered; v <= version; v++) {
      const at = sent.get(v);
      if (at !== undefined) samples.push(now - at);
    }
    this.last = version;
    return { samples, lost, coalesced: version > firstCovered };
  }
}

/**
 * The connection indexes that carry a probe: `probes` of `clients`, spread evenly over the
 * connection order (a broadcast writes to its members in join order, so the last joiners wait
 * longest; the probes sample every position, the last one included).
 */
export function probeIndexes(clients: number, probes: number): number[] {
  const n = Math.max(0, Math.min(probes, clients));
  if (n === 0) return [];
  if (n === 1) return [clients - 1];
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(Math.round((i * (clients - 1)) / (n - 1)));
  return out;
}

/**
 * The send slots of a paced publisher: slot `i` is due at `i * 1000 / rate` ms after the start.
 * Returns the slots due by `elapsedMs` that are not yet sent (`sent` of them are).
 */
export function dueSlots(rate: number, elapsedMs: number, sent: number, total: number): number {
  const due = Math.min(total, Math.floor((elapsedMs * rate) / 1000) + 1);
  return Math.max(0, due - sent);
}
