import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { Clock } from '@circulator/domain';
import { utcDay, VitalsRepository } from '@circulator/persistence';
import { CLOCK } from '@circulator/realtime';
import { PIPELINE_SETTINGS, type PipelineSettings } from './pipeline.tokens';

/** How often the partitions are looked after: a day's partition exists two days ahead. */
const RUN_MS = 3_600_000;
const DAY_MS = 86_400_000;
/** Days ahead whose partitions exist already (a reading dated tomorrow, a clock a day ahead). */
const DAYS_AHEAD = 2;

export const DEFAULT_VITALS_RETENTION = { retentionDays: 7, aggregateRetentionDays: 400 } as const;

/**
 * The vital-sign series' upkeep (worker role): at start and every hour, each UTC day from
 * yesterday to two days ahead has its partition; partitions older than `retentionDays` are
 * dropped whole, and minute aggregates older than `aggregateRetentionDays` are deleted. Several
 * workers may run it: the repository serialises them under an advisory lock.
 */
@Injectable()
export class VitalsRetention implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(VitalsRetention.name);
  private timer?: NodeJS.Timeout;
  private running: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly vitals: VitalsRepository,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(PIPELINE_SETTINGS) private readonly settings: PipelineSettings,
  ) {}

  onApplicationBootstrap(): void {
    // Not awaited: the start does not wait for it (a reading before it lands in the default
    // partition, and moves to its day's partition when that is created).
    void this.run().catch((err: unknown) => this.logger.warn(`vitals upkeep failed: ${(err as Error).message}`));
    this.timer = setInterval(() => {
      this.run().catch((err: unknown) => this.logger.warn(`vitals upkeep failed: ${(err as Error).message}`));
    }, RUN_MS);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running.catch(() => undefined);
  }

  /** One upkeep at the clock's now (after any in progress). */
  run(): ReturnType<VitalsRepository['maintain']> {
    const next = this.running.catch(() => undefined).then(() => this.runNow());
    this.running = next;
    return next;
  }

  private async runNow(): ReturnType<VitalsRepository['maintain']> {
    const { retentionDays, aggregateRetentionDays } = this.settings.vitals ?? DEFAULT_VITALS_RETENTION;
    const now = this.clock.now().getTime();
    const keepFrom = utcDay(now - (retentionDays - 1) * DAY_MS);
    // Yesterday (late readings) to two days ahead: older readings are rare (a reprocessed message)
    // and wait in the default partition until they fall out of the retention.
    const days: string[] = [];
    const first = Math.max(Date.parse(`${keepFrom}T00:00:00Z`), Date.parse(`${utcDay(now - DAY_MS)}T00:00:00Z`));
    for (let ms = first; ms <= now + DAYS_AHEAD * DAY_MS; ms += DAY_MS) {
      days.push(utcDay(ms));
    }
    const done = await this.vitals.maintain(days, keepFrom, new Date(now - aggregateRetentionDays * DAY_MS));
    if (done.created.length || done.dropped.length) {
      this.logger.log(
        `vitals partitions: created ${done.created.join(', ') || 'none'}; dropped ${done.dropped.join(', ') || 'none'}`,
      );
    }
    return done;
  }
}
