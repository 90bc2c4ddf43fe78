import {
  Inject,
  Injectable,
  Logger,
  Optional,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import {
  analyzeTables,
  autovacuumOn,
  CHURNING_TABLES,
  tableActivity,
  upkeepDue,
  vacuumTables,
} from '@circulator/persistence';
import type { DataSource } from 'typeorm';
import type { Clock } from '@circulator/domain';
import { CLOCK } from '@circulator/realtime';

/** How often the tables' activity is looked at when the database does not vacuum by itself. */
export const UPKEEP_INTERVAL_MS = 10_000;

/**
 * Worker role: on a database without autovacuum (PostgreSQL with `autovacuum = off`, or the
 * embedded PGlite), does the least of its work itself, and says so once at start: every 10 s it
 * reads the tables' activity and vacuums the tables the pipeline churns (`CHURNING_TABLES`), and
 * analyses any table once enough has changed, at most once a minute each (see `upkeepDue`). With
 * autovacuum on it does nothing.
 */
@Injectable()
export class TableUpkeep implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(TableUpkeep.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  /** When each table was last analysed here (see ANALYZE_INTERVAL_MS). */
  private readonly analyzedAt = new Map<string, number>();

  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    @Optional() @Inject(CLOCK) private readonly clock?: Clock,
  ) {}

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
        `the worker vacuums ${CHURNING_TABLES.join(', ')} and analyses the tables as they change ` +
        `(looking every ${UPKEEP_INTERVAL_MS / 1000} s); ` +
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
    const due = upkeepDue(await tableActivity(this.ds), this.analyzedAt, this.now());
    await vacuumTables(this.ds, due.vacuum);
    await analyzeTables(this.ds, due.analyze);
    const at = this.now();
    for (const table of due.analyze) this.analyzedAt.set(table, at);
  }

  private now(): number {
    return this.clock ? this.clock.now().getTime() : Date.now();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }
}
