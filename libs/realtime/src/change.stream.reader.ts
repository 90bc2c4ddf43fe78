import { Logger } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { ChangeBus, type ChangeEntry } from './change.bus';

/** How many entries one read takes at most: a gateway that is behind catches up in big steps. */
const READ_COUNT = 1_000;
/** How long one blocking read waits before it asks again (and notices a stop). */
const BLOCK_MS = 5_000;
/** Pause after a failed read on a live connection (a server-side error, not a disconnect). */
const ERROR_PAUSE_MS = 1_000;

export interface ChangeStreamHandlers {
  /** Entries in stream order; called with every entry read, a batch at a time. */
  batch(entries: ChangeEntry[]): void;
  /**
   * The reader was away longer than the stream keeps entries: some were trimmed unseen. Its
   * clients must take fresh snapshots (every missed update is replaced, never silently lost).
   */
  gap(): void;
}

/**
 * Follows the change stream on a connection of its own (XREAD BLOCK). It keeps its place by
 * offset, so a Redis blip costs nothing: it reads on from the last entry it handled. Only when
 * that entry has been trimmed meanwhile does it report a gap.
 */
export class ChangeStreamReader {
  private readonly logger = new Logger(ChangeStreamReader.name);
  private stopped = false;
  private lastId = '0-0';
  private checkGap = false;
  private loop?: Promise<void>;

  constructor(
    private readonly redis: Redis,
    private readonly stream: string,
    private readonly handlers: ChangeStreamHandlers,
  ) {
    let readyBefore = false;
    redis.on('ready', () => {
      if (readyBefore) this.checkGap = true;
      readyBefore = true;
    });
  }

  /** The offset of the newest entry handled. */
  get offset(): string {
    return this.lastId;
  }

  /** Starts after the stream's current newest entry; resolves once the position is known. */
  async start(): Promise<void> {
    const newest = (await this.redis.xrevrange(this.stream, '+', '-', 'COUNT', 1)) as [string, string[]][];
    this.lastId = newest[0]?.[0] ?? '0-0';
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    // A blocking XREAD holds the connection: closing it ends the read at once.
    this.redis.disconnect();
    await this.loop;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      try {
        if (this.checkGap) await this.detectGap();
        const reply = await this.redis.xread(
          'COUNT',
          READ_COUNT,
          'BLOCK',
          BLOCK_MS,
          'STREAMS',
          this.stream,
          this.lastId,
        );
        const raw = reply?.[0]?.[1];
        if (!raw?.length) continue;
        const entries: ChangeEntry[] = [];
        for (const [id, fields] of raw) {
          this.lastId = id;
          try {
            const entry = ChangeBus.decodeEntry(id, fields);
            if (entry) entries.push(entry);
          } catch (err) {
            this.logger.error(`dropped an undecodable change entry ${id}: ${(err as Error).message}`);
          }
        }
        if (entries.length) this.handlers.batch(entries);
      } catch (err) {
        if (this.stopped) return;
        // ioredis reconnects by itself and fails queued commands meanwhile; ask again once it
        // is back (`ready`), then check nothing was trimmed while away.
        this.logger.warn(`change stream: ${(err as Error).message}`);
        this.checkGap = true;
        await new Promise<void>((resolve) => {
          // Ready already (the command itself failed): try again after a pause, not in a spin.
          if (this.redis.status === 'ready') return void setTimeout(resolve, ERROR_PAUSE_MS).unref();
          const done = (): void => {
            this.redis.off('ready', done);
            this.redis.off('end', done);
            resolve();
          };
          this.redis.once('ready', done);
          this.redis.once('end', done);
        });
      }
    }
  }

  private async detectGap(): Promise<void> {
    this.checkGap = false;
    if (this.lastId === '0-0') return;
    const still = await this.redis.xrange(this.stream, this.lastId, this.lastId);
    if (still.length) return;
    const newest = (await this.redis.xrevrange(this.stream, '+', '-', 'COUNT', 1)) as [string, string[]][];
    this.logger.warn('change stream: entries were trimmed while this gateway was away; clients take fresh snapshots');
    this.lastId = newest[0]?.[0] ?? '0-0';
    this.handlers.gap();
  }
}
