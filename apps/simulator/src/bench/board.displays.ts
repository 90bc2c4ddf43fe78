import { join } from 'node:path';
import { Worker } from 'node:worker_threads';

/** What a display thread is given. */
export interface BoardDisplaysInit {
  url: string;
  bearer: string;
  topic: string;
  count: number;
  /** Only bookings whose placer id starts so are reported (this run's). */
  placerPrefix: string;
}

/** What a display thread says: connected, the bookings its displays saw (placer, epoch ms), or why it failed. */
export type BoardDisplaysMessage =
  | { kind: 'ready'; count: number }
  | { kind: 'seen'; seen: [string, number][] }
  | { kind: 'error'; message: string }
  | { kind: 'closed' };

/** Displays per thread: one thread up to this many, then a second. */
const PER_THREAD = 150;

/**
 * The HL7 phase's board displays, in worker threads of the bench. 300 socket.io clients decoding
 * every board update in the senders' thread took most of a core and delayed the reading of ACKs
 * (ACK latency then measured the bench's own backlog); in threads they still took more than a core
 * of the two the platform runs on (the applying slowed to match). So each display now speaks the
 * protocol itself (RawLiveClient: its own websocket, every frame received) and finds this run's
 * bookings in an update's bytes without decoding the JSON (placersInUpdate).
 */
export class BoardDisplays {
  private constructor(
    private readonly workers: Worker[],
    readonly count: number,
  ) {}

  /**
   * Connects `total` displays to `topic`; `onSeen(placer, epochMs)` is called for each booking the
   * first time each display shows it (`epochMs`: `performance.timeOrigin + performance.now()` there).
   */
  static async open(
    init: Omit<BoardDisplaysInit, 'count'> & { total: number },
    onSeen: (placer: string, epochMs: number) => void,
  ): Promise<BoardDisplays> {
    const threads = Math.max(1, Math.min(2, Math.ceil(init.total / PER_THREAD)));
    const shares = Array.from(
      { length: threads },
      (_, i) => Math.floor(init.total / threads) + (i < init.total % threads ? 1 : 0),
    ).filter((n) => n > 0);
    const workers: Worker[] = [];
    const ready = shares.map((count) => {
      const data: BoardDisplaysInit = {
        url: init.url,
        bearer: init.bearer,
        topic: init.topic,
        count,
        placerPrefix: init.placerPrefix,
      };
      const worker = new Worker(join(__dirname, 'board.display.worker.js'), { workerData: data });
      workers.push(worker);
      return new Promise<number>((resolve, reject) => {
        worker.on('message', (m: BoardDisplaysMessage) => {
          if (m.kind === 'ready') resolve(m.count);
          else if (m.kind === 'error') reject(new Error(m.message));
          else if (m.kind === 'seen') for (const [placer, at] of m.seen) onSeen(placer, at);
        });
        worker.once('error', reject);
        worker.once('exit', (code) => reject(new Error(`a display thread stopped (exit ${code})`)));
      });
    });
    try {
      const counts = await Promise.all(ready);
      return new BoardDisplays(
        workers,
        counts.reduce((a, b) => a + b, 0),
      );
    } catch (err) {
      await Promise.all(workers.map((w) => w.terminate()));
      throw err;
    }
  }

  /**
   * Reports what the displays saw until now, closes them and ends the threads (a thread that has
   * not ended 5 s later is stopped).
   */
  async close(): Promise<void> {
    await Promise.all(
      this.workers.map(
        (worker) =>
          new Promise<void>((resolve) => {
            if (worker.threadId < 0) return resolve(); // already ended
            const stop = setTimeout(() => void worker.terminate(), 5_000);
            worker.once('exit', () => {
              clearTimeout(stop);
              resolve();
            });
            worker.postMessage({ kind: 'close' });
          }),
      ),
    );
  }
}
