/** What the throttle sends: the room's latest vitals of one case. */
export interface VitalsSample {
  roomId: string;
  caseId: string;
  values: Record<string, { value: number; unit: string; at: string }>;
}

/** The timer functions the throttle uses (tests pass their own). */
export interface ThrottleTimers {
  now(): number;
  schedule(fn: () => void, ms: number): unknown;
  cancel(handle: unknown): void;
}

const realTimers: ThrottleTimers = {
  now: () => performance.now(),
  schedule: (fn, ms) => {
    const t = setTimeout(fn, ms);
    t.unref();
    return t;
  },
  cancel: (h) => clearTimeout(h as NodeJS.Timeout),
};

/** The newest reading time among the values. */
export function newestAt(values: VitalsSample['values']): string {
  let newest = '';
  for (const v of Object.values(values)) if (v.at > newest) newest = v.at;
  return newest;
}

/**
 * At most one `vitals` event per room per interval (CONTRACT §7: once per second): the first change
 * goes out at once, later ones within the interval are coalesced and the latest goes out when it
 * ends. A sample whose readings are all already sent is dropped (a case update for a milestone
 * does not repeat the vitals).
 */
export class VitalsThrottle {
  private readonly lastSent = new Map<string, number>();
  private readonly pending = new Map<string, VitalsSample>();
  private readonly timers = new Map<string, unknown>();
  /** Per case: the newest reading time sent, so repeats are not sent again. */
  private readonly sentAt = new Map<string, string>();

  constructor(
    private readonly send: (sample: VitalsSample) => void,
    private readonly intervalMs = 1_000,
    private readonly timers_: ThrottleTimers = realTimers,
  ) {}

  offer(sample: VitalsSample): void {
    const at = newestAt(sample.values);
    if (!at || (this.sentAt.get(sample.caseId) ?? '') >= at) return;
    this.pending.set(sample.roomId, sample);
    if (this.timers.has(sample.roomId)) return;
    const since = this.timers_.now() - (this.lastSent.get(sample.roomId) ?? -Infinity);
    if (since >= this.intervalMs) this.flush(sample.roomId);
    else
      this.timers.set(
        sample.roomId,
        this.timers_.schedule(() => this.flush(sample.roomId), this.intervalMs - since),
      );
  }

  private flush(roomId: string): void {
    this.timers.delete(roomId);
    const sample = this.pending.get(roomId);
    if (!sample) return;
    this.pending.delete(roomId);
    this.lastSent.set(roomId, this.timers_.now());
    if (this.sentAt.size > 10_000) this.sentAt.clear();
    this.sentAt.set(sample.caseId, newestAt(sample.values));
    this.send(sample);
  }

  stop(): void {
    for (const handle of this.timers.values()) this.timers_.cancel(handle);
    this.timers.clear();
    this.pending.clear();
  }
}
