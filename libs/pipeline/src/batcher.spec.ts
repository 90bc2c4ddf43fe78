import { Batcher } from './batcher';

/** A run we finish by hand, to control what accumulates while it is in flight. */
function gate<T>() {
  let open!: (value: T) => void;
  const promise = new Promise<T>((resolve) => (open = resolve));
  return { promise, open };
}

describe('Batcher (group commit)', () => {
  it('puts items submitted first ahead of the others waiting, each kind in its order, never into a running batch', async () => {
    const batches: number[][] = [];
    const hold = gate<void>();
    const batcher = new Batcher<number, number>(
      async (items) => {
        batches.push(items);
        if (batches.length === 1) await hold.promise;
        return items;
      },
      { maxBatch: 4 },
    );
    const running = batcher.submit(1);
    await Promise.resolve();
    await Promise.resolve();
    const waiting = [batcher.submit(2), batcher.submit(3), batcher.submit(10, true), batcher.submit(4)];
    const later = [batcher.submit(11, true), batcher.submit(5), batcher.submit(12, true)];
    expect(batcher.backlog).toBe(7);
    hold.open();
    expect(await Promise.all([running, ...waiting, ...later])).toEqual([1, 2, 3, 10, 4, 11, 5, 12]);
    expect(batches).toEqual([[1], [10, 11, 12, 2], [3, 4, 5]]);
  });

  it('runs a lone item at once, then everything submitted meanwhile as one batch', async () => {
    const batches: number[][] = [];
    const first = gate<void>();
    const batcher = new Batcher<number, string>(
      async (items) => {
        batches.push(items);
        if (batches.length === 1) await first.promise;
        return items.map((i) => `r${i}`);
      },
      { maxBatch: 100 },
    );
    const a = batcher.submit(1);
    await Promise.resolve();
    await Promise.resolve();
    const rest = [2, 3, 4].map((n) => batcher.submit(n));
    expect(batcher.backlog).toBe(3);
    first.open();
    expect(await a).toBe('r1');
    expect(await Promise.all(rest)).toEqual(['r2', 'r3', 'r4']);
    expect(batches).toEqual([[1], [2, 3, 4]]);
  });

  it('starts the next batch once a run releases, and resolves the items of the released run when it returns', async () => {
    const batches: number[][] = [];
    const finish = gate<void>();
    const events: string[] = [];
    const batcher = new Batcher<number, string>(
      async (items, release) => {
        batches.push(items);
        events.push(`start ${items.join(',')}`);
        if (batches.length === 1) {
          release(); // committed: the rest (publishing) may overlap the next batch
          await finish.promise;
        }
        events.push(`end ${items.join(',')}`);
        return items.map((i) => `r${i}`);
      },
      { maxBatch: 100 },
    );
    const first = batcher.submit(1);
    let firstDone = false;
    void first.then(() => (firstDone = true));
    await Promise.resolve();
    const second = batcher.submit(2);
    expect(await second).toBe('r2');
    // The second batch ran and finished while the first was still held after its release.
    expect(firstDone).toBe(false);
    expect(events).toEqual(['start 1', 'start 2', 'end 2']);
    finish.open();
    expect(await first).toBe('r1');
    expect(events).toEqual(['start 1', 'start 2', 'end 2', 'end 1']);
  });

  it('without a release, never starts a batch before the previous one returns', async () => {
    const finish = gate<void>();
    const events: string[] = [];
    const batcher = new Batcher<number, number>(
      async (items) => {
        events.push(`start ${items.join(',')}`);
        if (items[0] === 1) await finish.promise;
        events.push(`end ${items.join(',')}`);
        return items;
      },
      { maxBatch: 100 },
    );
    const first = batcher.submit(1);
    await Promise.resolve();
    const second = batcher.submit(2);
    await Promise.resolve();
    expect(events).toEqual(['start 1']);
    finish.open();
    await Promise.all([first, second]);
    expect(events).toEqual(['start 1', 'end 1', 'start 2', 'end 2']);
  });

  it('joins the submits of one tick and splits at maxBatch', async () => {
    const batches: number[][] = [];
    const batcher = new Batcher<number, number>(
      (items) => {
        batches.push(items);
        return Promise.resolve(items.map((i) => i * 2));
      },
      { maxBatch: 2 },
    );
    const results = await Promise.all([1, 2, 3, 4, 5].map((n) => batcher.submit(n)));
    expect(results).toEqual([2, 4, 6, 8, 10]);
    expect(batches).toEqual([[1, 2], [3, 4], [5]]);
  });

  it('rejects every item of a failed batch and goes on with the next', async () => {
    let calls = 0;
    const batcher = new Batcher<number, number>(
      (items) => {
        calls += 1;
        return calls === 1 ? Promise.reject(new Error('database away')) : Promise.resolve(items);
      },
      { maxBatch: 10 },
    );
    const failed = [batcher.submit(1), batcher.submit(2)];
    await expect(failed[0]).rejects.toThrow('database away');
    await expect(failed[1]).rejects.toThrow('database away');
    await expect(batcher.submit(3)).resolves.toBe(3);
  });

  it('refuses a run that returns the wrong number of results', async () => {
    const batcher = new Batcher<number, number>(() => Promise.resolve([]), { maxBatch: 10 });
    await expect(batcher.submit(1)).rejects.toThrow('batch of 1 returned 0 results');
  });

  it('keeps several runs in flight when allowed', async () => {
    const gates = [gate<void>(), gate<void>()];
    let started = 0;
    const batcher = new Batcher<number, number>(
      async (items) => {
        const g = gates[started++];
        if (g) await g.promise;
        return items;
      },
      { maxBatch: 1, concurrency: 2 },
    );
    const a = batcher.submit(1);
    const b = batcher.submit(2);
    await Promise.resolve();
    await Promise.resolve();
    expect(started).toBe(2);
    gates[1]!.open();
    await expect(b).resolves.toBe(2);
    gates[0]!.open();
    await expect(a).resolves.toBe(1);
  });

  describe('with a linger', () => {
    /** A manual clock and timer: `wait` returns a promise the test ends with `elapse`. */
    function manualTime() {
      let now = 0;
      const timers: { due: number; resolve: () => void }[] = [];
      return {
        now: () => now,
        wait: (ms: number) => new Promise<void>((resolve) => timers.push({ due: now + ms, resolve })),
        waits: () => timers.map((t) => t.due),
        elapse(ms: number) {
          now += ms;
          for (const t of timers.filter((x) => x.due <= now)) {
            timers.splice(timers.indexOf(t), 1);
            t.resolve();
          }
        },
      };
    }
    const settle = async () => {
      for (let i = 0; i < 10; i += 1) await Promise.resolve();
    };
    /** A batcher lingering 20 ms on manual time, recording its batches; `hold` delays the first run. */
    function lingering(maxBatch: number, hold?: Promise<void>) {
      const time = manualTime();
      const batches: number[][] = [];
      const batcher = new Batcher<number, number>(
        async (items) => {
          batches.push(items);
          if (hold && batches.length === 1) await hold;
          return items;
        },
        { maxBatch, linger: { ms: 20, now: time.now, wait: time.wait } },
      );
      return { time, batches, batcher };
    }

    it('holds a batch until its first item has waited the linger, gathering what comes meanwhile', async () => {
      const { time, batches, batcher } = lingering(100);
      const first = batcher.submit(1);
      await settle();
      expect(batches).toEqual([]);
      expect(time.waits()).toEqual([20]);
      time.elapse(5);
      const second = batcher.submit(2);
      time.elapse(14);
      await settle();
      expect(batches).toEqual([]);
      time.elapse(1);
      await expect(Promise.all([first, second])).resolves.toEqual([1, 2]);
      expect(batches).toEqual([[1, 2]]);
    });

    it('waits only what is left of the linger for items that arrived during the previous run', async () => {
      const finish = gate<void>();
      const { time, batches, batcher } = lingering(100, finish.promise);
      const first = batcher.submit(1);
      await settle();
      time.elapse(20);
      await settle();
      expect(batches).toEqual([[1]]);
      const second = batcher.submit(2); // at 20: lingers until 40
      time.elapse(30); // the first run takes until 50
      finish.open();
      await first;
      await expect(second).resolves.toBe(2);
      expect(batches).toEqual([[1], [2]]);
      expect(time.waits()).toEqual([]);
    });

    it('when lingering only while busy, runs an item that finds it idle at once and gathers behind a run in flight', async () => {
      const time = manualTime();
      const batches: number[][] = [];
      const finish = gate<void>();
      const batcher = new Batcher<number, number>(
        async (items) => {
          batches.push(items);
          if (batches.length === 1) await finish.promise;
          return items;
        },
        { maxBatch: 100, concurrency: 2, linger: { ms: 4, whenBusy: true, now: time.now, wait: time.wait } },
      );
      const first = batcher.submit(1);
      await settle();
      expect(batches).toEqual([[1]]); // idle: no linger
      expect(time.waits()).toEqual([]);
      const behind = [batcher.submit(2)];
      await settle();
      expect(batches).toEqual([[1]]); // the first commit is in flight: the second gathers
      expect(time.waits()).toEqual([4]);
      time.elapse(3);
      behind.push(batcher.submit(3));
      time.elapse(1);
      await expect(Promise.all(behind)).resolves.toEqual([2, 3]);
      expect(batches).toEqual([[1], [2, 3]]);
      finish.open();
      await expect(first).resolves.toBe(1);
      const later = batcher.submit(4);
      await settle();
      expect(batches).toEqual([[1], [2, 3], [4]]); // idle again: at once
      await expect(later).resolves.toBe(4);
    });

    it('starts at once when a full batch is waiting', async () => {
      const { batches, batcher } = lingering(3);
      const items = [batcher.submit(1), batcher.submit(2)];
      await settle();
      expect(batches).toEqual([]);
      items.push(batcher.submit(3));
      await expect(Promise.all(items)).resolves.toEqual([1, 2, 3]);
      expect(batches).toEqual([[1, 2, 3]]);
    });
  });
});
