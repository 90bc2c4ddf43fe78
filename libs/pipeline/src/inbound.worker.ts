import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Clock } from '@circulator/domain';
import { CaseRepository, InboxRepository } from '@circulator/persistence';
import { CLOCK, RedisConnections } from '@circulator/realtime';
import { Batcher } from './batcher';
import { CaseApplyService, type ApplyItemResult, type ApplyRequest } from './case-apply.service';
import { InboundQueue } from './inbound.queue';
import { INBOUND_QUEUE, PIPELINE_SETTINGS, type JobPayloads, type PipelineSettings } from './pipeline.tokens';

/** How often stored-but-unqueued messages are looked for (they exist only after a Redis fault). */
const SWEEP_INTERVAL_MS = 15_000;

/**
 * A message stored this recently is surely queued already (the ingest queues it right after its
 * commit, within milliseconds); the periodic sweep looks only at older ones (and older than the
 * oldest job still queued, see {@link sweepCutoff}), so it never walks a healthy backlog. A
 * message that lost its job (a process killed between the commit and the queueing, a job failed
 * by a stall) waits this long at least: a minute before 2026-11-22 (CI's `kill -9` test then took
 * 29 to 132 s, depending on where its kills fell).
 */
const SWEEP_MIN_AGE_MS = 15_000;

/**
 * How many times a job may lose its worker (its lock ran out: the process was killed or stalled)
 * before BullMQ fails it. BullMQ's default is once; a job taken again after one kill and active
 * at the next was then failed without an attempt of its own and left to the sweep. A message
 * that kills its worker every time still fails, after three.
 */
const MAX_STALLED = 3;

/** Clock differences between the processes that queue and the one that sweeps (see {@link sweepCutoff}). */
const QUEUE_CLOCK_MARGIN_MS = 10_000;

/**
 * The sweep's cutoff: it queues stored messages not yet applied that were received before it. At
 * least `minAgeMs` old (a newer one is surely queued), and older than the oldest job still to run
 * (less a margin for clocks): an ingest commit's job carries many messages under one job id, so the
 * sweep cannot look a message's job up, and a message in a job still waiting is not lost, only
 * behind a backlog. Without this every message of a backlog older than a minute was queued a
 * second time by every sweep (10,000 jobs each), each one applied again as a no-op that republished
 * its cases: a backlog grew the work it already had.
 */
export function sweepCutoff(nowMs: number, minAgeMs: number, oldestQueuedMs: number | undefined): number {
  const byAge = nowMs - minAgeMs;
  return oldestQueuedMs === undefined ? byAge : Math.min(byAge, oldestQueuedMs - QUEUE_CLOCK_MARGIN_MS);
}

/** How long facts that arrived before their case are kept waiting for it. */
const PARKED_FACT_TTL_MS = 7 * 24 * 3_600_000;

/**
 * The most messages one apply transaction takes. Batches form from what is waiting, so at low rates
 * a batch is a message or a few; under load a larger batch shares one load, prediction and write
 * per case and room-day among more messages: in the bench (100 rooms, flat out) going from 100 to
 * 400 took bookings from about 660 to 1,040 applied/s and the interfaces mix from 760 to 1,530-1,710,
 * with ACK p99 no worse. Messages are up to 1 MiB (CONTRACT §4), so a batch of the largest
 * holds up to 400 MiB while it applies; such messages are rare, but that is the bound.
 */
const MAX_APPLY_BATCH = 400;

/**
 * Applies inbox messages from the queue. The worker takes many jobs at once (BullMQ concurrency)
 * and hands them to one batcher, so that the jobs ready together are applied in one transaction
 * (see CaseApplyService.applyBatch). A job that throws is retried by BullMQ (transient faults);
 * content that can never apply is marked failed in the inbox and the job completes.
 */
@Injectable()
export class InboundWorker implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(InboundWorker.name);
  private worker?: Worker<JobPayloads['inbox.apply']>;
  private sweepTimer?: NodeJS.Timeout;
  private sweeping = false;
  private readonly batcher = new Batcher<ApplyRequest, ApplyItemResult>(
    (requests, committed) => this.applier.applyBatch(requests, committed),
    { maxBatch: MAX_APPLY_BATCH },
  );

  constructor(
    private readonly connections: RedisConnections,
    private readonly applier: CaseApplyService,
    private readonly inbox: InboxRepository,
    private readonly cases: CaseRepository,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly queue: InboundQueue,
    @Inject(PIPELINE_SETTINGS) private readonly settings: PipelineSettings,
  ) {}

  async onModuleInit(): Promise<void> {
    this.worker = new Worker<JobPayloads['inbox.apply']>(INBOUND_QUEUE, (job) => this.process(job), {
      connection: this.connections.create('worker', { maxRetriesPerRequest: null }),
      prefix: this.connections.key('bull'),
      concurrency: this.settings.workerConcurrency,
      maxStalledCount: MAX_STALLED,
      ...(this.settings.workerLockMs
        ? { lockDuration: this.settings.workerLockMs, stalledInterval: this.settings.workerLockMs }
        : {}),
    });
    this.worker.on('failed', (job, err) => void this.onFailed(job, err));
    this.worker.on('error', (err) => this.logger.warn(`worker: ${err.message}`));
    await this.sweep(0);
    this.sweepTimer = setInterval(() => void this.sweep(), SWEEP_INTERVAL_MS);
    this.sweepTimer.unref();
  }

  private async process(job: Job<JobPayloads['inbox.apply']>): Promise<string> {
    const ids = idsOf(job);
    if (!ids) throw new UnrecoverableError('job without an inbox id');
    const { trigger, actor } = job.data;
    // A bulk-lane job (a priority, see QueueLane) waits behind the first lane's here too: the worker
    // holds many jobs at once, and a booking taken after them must not wait for them all.
    const first = !job.opts.priority;
    const results = await Promise.all(ids.map((inboxId) => this.batcher.submit({ inboxId, trigger, actor }, first)));
    // A job of several messages is retried whole: those already applied are then skipped.
    const failed = results.find((r) => !r.ok);
    if (failed && !failed.ok) throw jobError(failed.error);
    return results.map((r) => (r.ok ? r.outcome : 'error')).join(',');
  }

  /**
   * A job out of attempts: mark its message failed, with the reason, so that it shows in the
   * failed view instead of waiting forever. If even that write fails (the database is away), the
   * row stays `received` and the sweep retries the job once things are back.
   */
  private async onFailed(job: Job<JobPayloads['inbox.apply']> | undefined, err: Error): Promise<void> {
    const attempts = job?.opts.attempts ?? 1;
    const exhausted = !job || job.attemptsMade >= attempts || err instanceof UnrecoverableError;
    this.logger.warn(`job ${job?.id ?? '?'} attempt ${job?.attemptsMade ?? '?'}/${attempts} failed: ${err.message}`);
    const ids = job ? idsOf(job) : undefined;
    if (!exhausted || !ids) return;
    for (const inboxId of ids) {
      await this.inbox
        .markFailed(inboxId, this.clock.now(), `gave up after ${job?.attemptsMade ?? '?'} attempts: ${err.message}`)
        .catch((e: unknown) =>
          this.logger.warn(`inbox ${inboxId} stays received (retried by the sweep): ${(e as Error).message}`),
        );
    }
  }

  /**
   * Queues every stored message not yet applied. Job ids make this idempotent; a job that ran out
   * of attempts while its message is still `received` is retried (BullMQ ignores a re-add).
   */
  async sweep(minAgeMs = SWEEP_MIN_AGE_MS): Promise<number> {
    if (this.sweeping) return 0; // the previous sweep is still running
    this.sweeping = true;
    try {
      const now = this.clock.now().getTime();
      const purged = await this.cases.purgeParked(new Date(now - PARKED_FACT_TTL_MS));
      if (purged) this.logger.log(`forgot ${purged} parked fact(s) that never found their case`);
      // If the queue cannot say (Redis away), requeueing below fails too: the next sweep retries.
      const oldestQueued = await this.queue.oldestPendingAt().catch(() => undefined);
      const ids = await this.inbox.pendingIds(10_000, new Date(sweepCutoff(now, minAgeMs, oldestQueued)));
      let queued = 0;
      for (const id of ids) {
        // One message that cannot be queued (its job just changed state elsewhere) must not
        // stop the others.
        try {
          await this.queue.requeue(id);
          queued += 1;
        } catch (err) {
          this.logger.warn(`inbox ${id} not queued this time: ${(err as Error).message}`);
        }
      }
      if (queued) this.logger.log(`queued ${queued} stored message(s) not yet applied`);
      return queued;
    } catch (err) {
      this.logger.warn(`sweep postponed: ${(err as Error).message}`);
      return 0;
    } finally {
      this.sweeping = false;
    }
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    await this.worker?.close();
  }
}

/**
 * The error a failed job reports. BullMQ takes any error whose message or code says ECONNREFUSED
 * for its own Redis connection failing, and then neither fails nor retries the job: it stays
 * active for ever. A database that refuses connections must read as an ordinary failure.
 */
export function jobError(message: string): Error {
  return new Error(`not applied: ${message.replace(/ECONNREFUSED/g, 'connection refused')}`);
}

/** The inbox ids a job carries (one, or a whole ingest commit's); undefined when it carries none. */
function idsOf(job: Job<JobPayloads['inbox.apply']>): string[] | undefined {
  const ids = job.data?.inboxIds ?? (job.data?.inboxId === undefined ? [] : [job.data.inboxId]);
  return ids.length > 0 && ids.every((id) => typeof id === 'string' && /^\d+$/.test(id)) ? ids : undefined;
}
