import { Inject, Injectable, Optional, type OnApplicationShutdown } from '@nestjs/common';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { RedisConnections } from '@circulator/realtime';
import { Batcher, type Linger } from './batcher';
import { INBOUND_QUEUE, jobIdFor, type JobPayloads } from './pipeline.tokens';

/**
 * How long the ids of an MLLP or FHIR commit wait for those of the next commits before they are
 * queued together as one job. Each job costs three BullMQ scripts (add, take, finish) in Redis and
 * their client work here: at 1,000 HL7 messages/s the ingest made about 200 commits a second, and
 * BullMQ was 17 % of the platform's CPU (bench profile, 2026-11-22). The ACK does not wait for
 * this (it goes at the commit), and a worker batch at that rate is far longer than this.
 */
export const GATHER_MS = 15;

/** How gathered commits wait, when not {@link GATHER_MS} on the real clock (tests). */
export const INBOUND_GATHER = Symbol('INBOUND_GATHER');

/** The most commits one gathered job carries. */
const GATHER_MAX_COMMITS = 64;

/**
 * Which messages wait when the worker is behind. `first`: what changes the schedule, the patient,
 * the orders and the alarms (ADT, SIU, ORM, OMG, ORU^R40), device feeds over MQTT, retries and
 * reprocessing. `bulk`: results and device observations over HL7 (ORU^R01), which a monitor
 * gateway sends by the hundred: a flood of them must not hold a booking back from the desk's
 * board (seventh session's bench: bookings reached the displays 41 s late behind such a backlog).
 * The case engine's own ordering (each fact's time) makes the order of application free.
 */
export type QueueLane = 'first' | 'bulk';

/** The lane of an inbox message by its type (MSH-9, `code^trigger`). */
export function laneOf(messageType: string | null | undefined): QueueLane {
  return messageType === 'ORU^R01' ? 'bulk' : 'first';
}

/**
 * BullMQ takes jobs without a priority before any job with one (then lower numbers first): the
 * first lane has none, the bulk lane this one.
 */
const BULK_PRIORITY = 1;

/**
 * The queue between ingest and workers. A job carries the inbox ids of one ingest commit, or of the
 * commits of a few milliseconds of one lane (or one id, from the sweep or a reprocess); its job id
 * is made from them, so a message queued twice is one job, and the worker's inbox check makes a
 * second run a no-op: at-least-once delivery, exactly-once effect.
 */
@Injectable()
export class InboundQueue implements OnApplicationShutdown {
  readonly queue: Queue;
  /** Ours to close: BullMQ never closes a connection it is given. */
  private readonly connection: Redis;
  /** Per lane, commits whose ids wait to be queued together (see {@link enqueueGathered}). */
  private readonly gatherers: Record<QueueLane, Batcher<readonly string[], undefined>>;
  /** Gathered enqueues not yet settled, awaited on shutdown. */
  private readonly gathering = new Set<Promise<void>>();

  /** @param gather - how gathered commits wait (a clock and timer for tests); {@link GATHER_MS} by default */
  constructor(connections: RedisConnections, @Optional() @Inject(INBOUND_GATHER) gather?: Linger) {
    const gatherer = (lane: QueueLane) =>
      new Batcher<readonly string[], undefined>(
        async (commits) => {
          await this.enqueueMany(commits.flat(), lane);
          return commits.map(() => undefined);
        },
        { maxBatch: GATHER_MAX_COMMITS, linger: gather ?? { ms: GATHER_MS } },
      );
    this.gatherers = { first: gatherer('first'), bulk: gatherer('bulk') };
    // A Redis that hangs must not hold an ACK for long: the message is already stored, and the
    // sweep queues it later.
    this.connection = connections.create('queue', {
      maxRetriesPerRequest: 3,
      enableOfflineQueue: false,
      commandTimeout: 2_000,
    });
    this.queue = new Queue(INBOUND_QUEUE, {
      connection: this.connection,
      prefix: connections.key('bull'),
      defaultJobOptions: {
        // Transient faults (database or Redis away) retry with exponential backoff:
        // 0.5 s, 1 s, 2 s … 32 s — about a minute in all. Then the worker marks the message
        // failed (kept for the integration console), or, if the database is what is away, the
        // sweep retries the job once it is back.
        attempts: 8,
        backoff: { type: 'exponential', delay: 500 },
        removeOnComplete: { count: 10_000 },
        removeOnFail: { count: 10_000 },
      },
    });
  }

  async enqueueApply(inboxId: string, lane: QueueLane = 'first'): Promise<void> {
    const payload: JobPayloads['inbox.apply'] = { inboxId };
    await this.queue.add('inbox.apply', payload, { jobId: jobIdFor(inboxId), ...laneOptions(lane) });
  }

  /**
   * Queues the messages of one ingest commit as one job (one Redis round trip, one job to run). The
   * job id names the first and last inbox ids, so a repeat of the same call is one job.
   */
  async enqueueMany(inboxIds: readonly string[], lane: QueueLane = 'first'): Promise<void> {
    const [first] = inboxIds;
    if (first === undefined) return;
    if (inboxIds.length === 1) return this.enqueueApply(first, lane);
    const payload: JobPayloads['inbox.apply'] = { inboxId: first, inboxIds: [...inboxIds] };
    await this.queue.add('inbox.apply', payload, {
      jobId: `inboxes-${first}-${inboxIds.at(-1)}`,
      ...laneOptions(lane),
    });
  }

  /**
   * Queues the messages of one commit together with those of the commits that follow it within
   * {@link GATHER_MS}: one job for all of them. For the ingest of frequent small commits (MLLP,
   * FHIR), whose senders do not wait for the queueing. Each lane gathers apart (see
   * {@link QueueLane}). Resolves once the job is added.
   */
  enqueueGathered(inboxIds: readonly string[], lane: QueueLane = 'first'): Promise<void> {
    if (inboxIds.length === 0) return Promise.resolve();
    const added = this.gatherers[lane].submit(inboxIds);
    const settled = added.then(
      () => undefined,
      () => undefined,
    );
    this.gathering.add(settled);
    void settled.then(() => this.gathering.delete(settled));
    return added;
  }

  /**
   * Queues a message an integration engineer asked to process again (after a mapping fix).
   * `nonce` makes it a new job even though the message's first job still exists.
   */
  async enqueueReprocess(inboxId: string, actor: string, nonce: string): Promise<void> {
    const payload: JobPayloads['inbox.apply'] = { inboxId, trigger: 'reprocess', actor };
    await this.queue.add('inbox.apply', payload, { jobId: jobIdFor(inboxId, nonce) });
  }

  /**
   * When the oldest job still to run was queued (ms, the queueing process's clock): the first of the
   * waiting, active, delayed (a retry's backoff) and prioritized jobs; undefined when there
   * are none. A message stored before it and still not applied is in no job (see
   * InboundWorker.sweep).
   */
  async oldestPendingAt(): Promise<number | undefined> {
    let oldest: number | undefined;
    for (const type of ['wait', 'active', 'delayed', 'prioritized'] as const) {
      const [job] = await this.queue.getJobs([type], 0, 0, true);
      if (job && (oldest === undefined || job.timestamp < oldest)) oldest = job.timestamp;
    }
    return oldest;
  }

  /** Queues a message again: a new job, or a retry of its job if that one failed for good. */
  async requeue(inboxId: string): Promise<void> {
    const job = await this.queue.getJob(jobIdFor(inboxId));
    if (job && (await job.isFailed())) await job.retry('failed');
    else if (!job) await this.enqueueApply(inboxId);
  }

  async onApplicationShutdown(): Promise<void> {
    // What a commit stored is queued before the connection goes (else the next start's sweep would).
    await Promise.all(this.gathering);
    await this.queue.close();
    this.connection.disconnect();
  }
}

function laneOptions(lane: QueueLane): { priority?: number } {
  return lane === 'bulk' ? { priority: BULK_PRIORITY } : {};
}
