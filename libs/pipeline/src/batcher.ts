/**
 * How long a batch may wait for company (see {@link Batcher}): a run starts once its oldest item
 * has waited `ms`, or at once when a full batch is waiting. `now` and `wait` are the clock and the
 * timer (injected by tests).
 */
export interface Linger {
  ms: number;
  /**
   * Linger only while another run is in flight: an item that finds the batcher idle runs at once
   * (no added latency at low load), and batches gather only when commits already queue up.
   */
  whenBusy?: boolean;
  now?: () => number;
  wait?: (ms: number) => Promise<void>;
}

/** An item waiting for a run, with its submitter's promise. */
interface Pending<T, R> {
  item: T;
  at: number;
  resolve: (r: R) => void;
  reject: (e: unknown) => void;
}

/**
 * Group commit: callers submit one item each and get their own result, while the work runs in
 * batches of whatever accumulated during the previous run. At low load a batch is one item (no
 * added latency: the run starts on the next microtask); under load batches grow by themselves,
 * so one commit or one transaction serves many senders. With a linger, a batch also waits (a few
 * milliseconds) for the items that follow its first, so that a steady stream of small items makes
 * fewer, larger runs. Items submitted `first` go into the next batch ahead of those waiting.
 */
export class Batcher<T, R> {
  private pending: Pending<T, R>[] = [];
  /** Items submitted as `first`: the next batch takes them before any other waiting item. */
  private pendingFirst: Pending<T, R>[] = [];
  private running = 0;
  /** Runs started and not yet returned. */
  private inFlight = 0;
  /** Lingering runs, to wake when a full batch is waiting. */
  private lingering: (() => void)[] = [];
  private readonly now: () => number;
  private readonly wait: (ms: number) => Promise<void>;

  /**
   * @param run - does the work for a batch; returns one result per item, in order. If it throws,
   *   every item of that batch is rejected with the error. It may call `release` once the part
   *   that must not overlap the next batch is done (a transaction committed): the next batch then
   *   starts while this one finishes (publishes), and its items still resolve when it returns.
   * @param options.maxBatch - the most items one run takes
   * @param options.concurrency - how many runs may be in flight at once (1 keeps batches in order)
   * @param options.linger - how long a batch's first item may wait for others (none by default)
   */
  constructor(
    private readonly run: (items: T[], release: () => void) => Promise<R[]>,
    private readonly options: { maxBatch: number; concurrency?: number; linger?: Linger },
  ) {
    this.now = options.linger?.now ?? (() => performance.now());
    this.wait = options.linger?.wait ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  /**
   * @param first - the item goes ahead of the others waiting (not of a batch already running); the
   *   items submitted `first` keep their order among themselves, and so do the others.
   */
  submit(item: T, first = false): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      (first ? this.pendingFirst : this.pending).push({
        item,
        at: this.options.linger ? this.now() : 0,
        resolve,
        reject,
      });
      if (this.lingering.length && this.backlog >= this.options.maxBatch) {
        for (const wake of this.lingering.splice(0)) wake();
      }
      if (this.running < (this.options.concurrency ?? 1)) {
        this.running += 1;
        // Let the submits of this tick join the first batch.
        queueMicrotask(() => void this.drain());
      }
    });
  }

  /** Items waiting for a run. */
  get backlog(): number {
    return this.pendingFirst.length + this.pending.length;
  }

  private async drain(): Promise<void> {
    try {
      while (this.backlog > 0) {
        const linger = this.options.linger;
        if (linger && (!linger.whenBusy || this.inFlight > 0)) await this.lingered();
        const { maxBatch } = this.options;
        const batch = this.pendingFirst.splice(0, maxBatch);
        if (batch.length < maxBatch) batch.push(...this.pending.splice(0, maxBatch - batch.length));
        let release!: () => void;
        const released = new Promise<void>((resolve) => (release = resolve));
        this.inFlight += 1;
        const finished = (async () => {
          try {
            const results = await this.run(
              batch.map((p) => p.item),
              release,
            );
            if (results.length !== batch.length) {
              throw new Error(`batch of ${batch.length} returned ${results.length} results`);
            }
            batch.forEach((p, i) => p.resolve(results[i]!));
          } catch (err) {
            for (const p of batch) p.reject(err);
          } finally {
            this.inFlight -= 1;
          }
        })();
        // The next batch forms when this one says it may (or is over): whatever arrived meanwhile.
        await Promise.race([released, finished]);
      }
    } finally {
      this.running -= 1;
    }
  }

  /** Resolves once the oldest waiting item has lingered long enough, or a full batch waits. */
  private async lingered(): Promise<void> {
    const linger = this.options.linger;
    const heads = [this.pendingFirst[0], this.pending[0]].filter((p) => p !== undefined);
    if (!linger || !heads.length || this.backlog >= this.options.maxBatch) return;
    const oldest = Math.min(...heads.map((p) => p.at));
    const left = oldest + linger.ms - this.now();
    if (left <= 0) return;
    let wake!: () => void;
    const full = new Promise<void>((resolve) => (wake = resolve));
    this.lingering.push(wake);
    await Promise.race([this.wait(left), full]);
    this.lingering = this.lingering.filter((w) => w !== wake);
  }
}
