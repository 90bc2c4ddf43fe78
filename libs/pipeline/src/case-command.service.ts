import { Inject, Injectable, Logger, Optional, type OnApplicationShutdown } from '@nestjs/common';
import { QueueEvents } from 'bullmq';
import type { Actor, Clock, FactDraft } from '@circulator/domain';
import { InboxRepository } from '@circulator/persistence';
import { CLOCK, RedisConnections } from '@circulator/realtime';
import { CaseApplyService, type ApiCommand, type ApplyOutcome } from './case-apply.service';
import { InboundQueue } from './inbound.queue';
import { INBOUND_QUEUE, jobIdFor } from './pipeline.tokens';

/** A person's command: the fact it makes, who gave it, and how the log names it. */
export interface CaseCommand {
  fact: FactDraft;
  actor: Actor;
  /** e.g. `POST milestones procedureStart`. */
  label: string;
  /** The client's `Idempotency-Key`: a repeat of the same key by the same person is applied once. */
  idempotencyKey?: string;
}

export interface CaseCommandResult {
  inboxId: string;
  /** `applied`, or `already-applied` for a repeated idempotency key. */
  outcome: ApplyOutcome | 'duplicate' | 'queued';
  /** What the engine said (conflicts with other sources, …). */
  warnings: string[];
}

/** How long a request waits for a worker in another process before answering that it is queued. */
const REMOTE_WAIT_MS = 10_000;

/**
 * Commands from people (milestones, checklist, acknowledgements, the desk's schedule changes)
 * take the path every datum takes (ARCHITECTURE.md): an inbox row (channel `api`, raw JSON, the
 * person as sender), then the worker's rules. The request applies it at once when this process is
 * a worker too; otherwise it queues it and waits for a worker.
 */
@Injectable()
export class CaseCommandService implements OnApplicationShutdown {
  private readonly logger = new Logger(CaseCommandService.name);
  private events?: QueueEvents;

  constructor(
    private readonly inbox: InboxRepository,
    private readonly queue: InboundQueue,
    private readonly connections: RedisConnections,
    @Inject(CLOCK) private readonly clock: Clock,
    @Optional() private readonly apply?: CaseApplyService,
  ) {}

  async submit(command: CaseCommand): Promise<CaseCommandResult> {
    const body: ApiCommand = { fact: command.fact, label: command.label };
    const stored = await this.inbox.store({
      channel: 'api',
      sender: `api:${command.actor.id}`,
      controlId: command.idempotencyKey ?? null,
      messageType: command.fact.kind,
      raw: Buffer.from(JSON.stringify(body), 'utf8'),
      peer: null,
      receivedAt: this.clock.now(),
      status: 'received',
    });
    if (stored.duplicate) return { inboxId: stored.id, outcome: 'duplicate', warnings: [] };
    if (this.apply) {
      const [result] = await this.apply.applyBatch([{ inboxId: stored.id, trigger: 'api', actor: command.actor.id }]);
      if (!result?.ok) throw new Error(`command ${stored.id} not applied: ${result?.error ?? 'no result'}`);
      return { inboxId: stored.id, outcome: result.outcome, warnings: result.warnings ?? [] };
    }
    return this.applyRemotely(stored.id, command.actor.id);
  }

  /** Queues the command for a worker process and waits (bounded) for it to be done. */
  private async applyRemotely(inboxId: string, actor: string): Promise<CaseCommandResult> {
    this.events ??= new QueueEvents(INBOUND_QUEUE, {
      connection: this.connections.create('command-events', { maxRetriesPerRequest: null }),
      prefix: this.connections.key('bull'),
    });
    await this.events.waitUntilReady();
    const job = await this.queue.queue.add(
      'inbox.apply',
      { inboxId, trigger: 'api', actor },
      { jobId: jobIdFor(inboxId) },
    );
    try {
      await job.waitUntilFinished(this.events, REMOTE_WAIT_MS);
      return { inboxId, outcome: 'applied', warnings: [] };
    } catch (err) {
      this.logger.warn(`command ${inboxId} not done within ${REMOTE_WAIT_MS} ms: ${(err as Error).message}`);
      return { inboxId, outcome: 'queued', warnings: [] };
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.events?.close();
  }
}
