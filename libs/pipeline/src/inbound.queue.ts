import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { Queue } from 'bullmq';
import { RedisConnections } from '@circulator/realtime';
import { INBOUND_QUEUE, jobIdFor, type JobPayloads } from './pipeline.tokens';

/**
 * The queue between ingest and workers. The job id is the inbox id, so a message queued twice
 * (a retry, or the start-up sweep) is one job, and the worker's inbox check makes a second run a
 * no-op: at-least-once delivery, exactly-once effect.
 */
@Injectable()
export class InboundQueue implements OnApplicationShutdown {
  readonly queue: Queue;

  constructor(connections: RedisConnections) {
    this.queue = new Queue(INBOUND_QUEUE, {
      connection: connections.create('queue', { maxRetriesPerRequest: 3, enableOfflineQueue: false }),
      prefix: connections.key('bull'),
      defaultJobOptions: {
        // Transient faults (database or Redis away) retry with exponential backoff:
        // 0.5 s, 1 s, 2 s … 64 s — about two minutes in all before the job is marked failed;
        // the inbox row stays `received`, so the start-up sweep tries it again after that.
        attempts: 8,
        backoff: { type: 'exponential', delay: 500 },
        removeOnComplete: { count: 10_000 },
        removeOnFail: { count: 10_000 },
      },
    });
  }

  async enqueueApply(inboxId: string): Promise<void> {
    const payload: JobPayloads['inbox.apply'] = { inboxId };
    await this.queue.add('inbox.apply', payload, { jobId: jobIdFor(inboxId) });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.queue.close();
  }
}
