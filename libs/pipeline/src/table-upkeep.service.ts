import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { analyzeDatabase, autovacuumOn, CHURNING_TABLES, vacuumChurningTables } from '@circulator/persistence';
import type { DataSource } from 'typeorm';

/** How often the churning tables are vacuumed when the database does not do it itself. */
export const UPKEEP_INTERVAL_MS = 10_000;
/** Every how many passes the whole database is analysed too (every 30 s). */
const ANALYZE_EVERY = 3;

/**
 * Worker role: on a database without autovacuum (PostgreSQL with `autovacuum = off`, or the
 * embedded PGlite), does its work itself: vacuums the tables the pipeline churns every 10 s (see
 * `CHURNING_TABLES`) and analyses every table every 30 s, and says so once at start. With
 * autovacuum on it does nothing.
 */
@Injectable()
export class TableUpkeep implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(TableUpkeep.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private passes = 0;

  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  async onApplicationBootstrap(): Promise<void> {
    let needed: boolean;
    try {
      needed = !(await autovacuumOn(this.ds));
    } catch (err) {
      this.logger.warn(`could not tell whether the database vacuums itself: ${(err as Error).message}`);
      return;
    }
    if (!needed) return;
    this.logger.warn(
      `the database does not vacuum by itself (autovacuum off, or the embedded database): ` +
        `vacuuming ${CHURNING_TABLES.join(', ')} every ${UPKEEP_INTERVAL_MS / 1000} s and analysing ` +
        `every table every ${(ANALYZE_EVERY * UPKEEP_INTERVAL_MS) / 1000} s; ` +
        `on PostgreSQL, turn autovacuum on`,
    );
    this.timer = setInterval(() => void this.run(), UPKEEP_INTERVAL_MS);
    this.timer.unref();
  }

  /** One pass (none while one is running); a failure is logged and the next pass tries again. */
  run(): Promise<void> {
    this.running ??= this.pass()
      .catch((err: unknown) => this.logger.warn(`table upkeep postponed: ${(err as Error).message}`))
      .finally(() => (this.running = undefined));
    return this.running;
  }

  private async pass(): Promise<void> {
    await vacuumChurningTables(this.ds);
    this.passes += 1;
    if (this.passes % ANALYZE_EVERY === 0) await analyzeDatabase(this.ds);
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }
}
