/**
 * How many MLLP messages the platform has applied, read from its Prometheus counter
 * (`circulator_messages_applied_total{channel="mllp"}`, summed over interfaces): the bench's
 * MLLP-to-applied figure for any message type, where the board displays see only bookings.
 */
export interface AppliedCount {
  applied: number;
  failed: number;
}

/** Sums the MLLP series of the applied counter in a Prometheus text exposition. */
export function parseAppliedCount(exposition: string): AppliedCount {
  const out: AppliedCount = { applied: 0, failed: 0 };
  for (const line of exposition.split('\n')) {
    if (!line.startsWith('circulator_messages_applied_total{')) continue;
    const close = line.lastIndexOf('}');
    const labels = line.slice(line.indexOf('{') + 1, close);
    if (!/(^|,)channel="mllp"(,|$)/.test(labels)) continue;
    const value = Number(line.slice(close + 1).trim());
    if (!Number.isFinite(value)) continue;
    if (/(^|,)outcome="applied"(,|$)/.test(labels)) out.applied += value;
    else if (/(^|,)outcome="failed"(,|$)/.test(labels)) out.failed += value;
  }
  return out;
}

/** One reading of the platform's counter (`GET /metrics` with a bearer token that may read it). */
export async function readAppliedCount(url: string, bearer: string): Promise<AppliedCount> {
  const res = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${bearer}` } });
  if (!res.ok) throw new Error(`GET /metrics: HTTP ${res.status}`);
  return parseAppliedCount(await res.text());
}

/**
 * Polls the counter until `stop()`, keeping each reading's time; `at(n)` is when the count first
 * reached `n` messages past the first reading (within one polling interval).
 */
export class AppliedMeter {
  private readonly samples: { t: number; count: AppliedCount }[] = [];
  private timer?: NodeJS.Timeout;
  private polling?: Promise<void>;

  constructor(
    private readonly read: () => Promise<AppliedCount>,
    private readonly intervalMs = 100,
    private readonly now: () => number = () => performance.now(),
  ) {}

  async start(): Promise<void> {
    await this.sample();
    this.poll(this.intervalMs);
  }

  /**
   * Reads every `intervalMs` from now on. The bench reads seldom while it sends (each reading is a
   * request the measured platform serves, with its session check) and often once it waits for the
   * last messages, whose time is the figure.
   */
  every(intervalMs: number): void {
    clearInterval(this.timer);
    this.poll(intervalMs);
  }

  private poll(intervalMs: number): void {
    this.timer = setInterval(() => {
      // A reading that fails (the platform busy past the fetch's patience) is only a gap.
      this.polling ??= this.sample()
        .catch(() => undefined)
        .finally(() => (this.polling = undefined));
    }, intervalMs);
  }

  /** Stops polling after one last reading (a second stop only reads again). */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.polling;
    await this.sample();
  }

  /** Messages applied (and failed) since the first reading, as of the last one. */
  get total(): AppliedCount {
    const first = this.samples[0]?.count ?? { applied: 0, failed: 0 };
    const last = this.samples[this.samples.length - 1]?.count ?? first;
    return { applied: last.applied - first.applied, failed: last.failed - first.failed };
  }

  /** When the applied count first reached `n` past the first reading; undefined if it has not. */
  at(n: number): number | undefined {
    const base = this.samples[0]?.count.applied ?? 0;
    return this.samples.find((s) => s.count.applied - base >= n)?.t;
  }

  private async sample(): Promise<void> {
    const count = await this.read();
    this.samples.push({ t: this.now(), count });
  }
}
