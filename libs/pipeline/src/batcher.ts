/**
 * Group commit: callers submit one item each and get their own result, while the work runs in
 * batches of whatever accumulated during the previous run. At low load a batch is one item (no
 * added latency: the run starts on the next microtask); under load batches grow by themselves,
 * so one commit or one transaction serves many senders.
 */
export class Batcher<T, R> {
  private pending: { item: T; resolve: (r: R) => void; reject: (e: unknown) => void }[] = [];
  private running = 0;

  /**
   * @param run - does the work for a batch; returns one result per item, in order. If it throws,
   *   every item of that batch is rejected with the error. It may call `release` once the part
   *   that must not overlap the next batch is done (a transaction committed): the next batch then
   *   starts while this one finishes (publishes), and its items still resolve when it returns.
   * @param options.maxBatch - the most items one run takes
   * @param options.concurrency - how many runs may be in flight at once (1 keeps batches in order)
   */
  constructor(
    private readonly run: (items: T[], release: () => void) => Promise<R[]>,
    private readonly options: { maxBatch: number; concurrency?: number },
  ) {}

  submit(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      if (this.running < (this.options.concurrency ?? 1)) {
        this.running += 1;
        // Let the submits of this tick join the first batch.
        queueMicrotask(() => void this.drain());
      }
    });
  }

  /** Items waiting for a run. */
  get backlog(): number {
    return this.pending.length;
  }

  private async drain(): Promise<void> {
    try {
      while (this.pending.length > 0) {
        const batch = this.pending.splice(0, this.options.maxBatch);
        let release!: () => void;
        const released = new Promise<void>((resolve) => (release = resolve));
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
          }
        })();
        // The next batch forms when this one says it may (or is over): whatever arrived meanwhile.
        await Promise.race([released, finished]);
      }
    } finally {
      this.running -= 1;
    }
  }
}
