import { Injectable, Logger } from '@nestjs/common';
import { AuditService, type Principal } from '@circulator/identity';
import { MessageLogRepository, type InboxStatus, type ReprocessReset } from '@circulator/persistence';
import { InboundQueue } from './inbound.queue';
import { jobIdFor } from './pipeline.tokens';

/** The most messages one reprocess request may name (bounds one transaction and one audit entry). */
export const REPROCESS_MAX_IDS = 1000;

/** What a reprocess request did: the messages queued again, and why the others were not. */
export interface ReprocessResult {
  queued: string[];
  skipped: { id: string; reason: string }[];
}

/**
 * Processes stored messages again after a mapping fix: an integration engineer's action, audited.
 *
 * Safe to repeat. A message is set back to `received` (its last error cleared; every attempt stays
 * in `inbox_attempt`) in one transaction that locks it, so a second request finds it pending and
 * skips it; its job id carries the attempt it will be (the recorded attempts + 1), so even a
 * racing duplicate is one BullMQ job. And the engine applies a fact whose effect is already there
 * as no change, so reprocessing an applied message leaves its cases as they are.
 */
@Injectable()
export class ReprocessService {
  private readonly logger = new Logger(ReprocessService.name);

  constructor(
    private readonly log: MessageLogRepository,
    private readonly queue: InboundQueue,
    private readonly audit: AuditService,
  ) {}

  /**
   * Queues `ids` for processing again, on behalf of `actor`. Only `applied` and `failed` messages
   * qualify: a `rejected` one was refused at the edge (AE/AR) and must be sent again by its source;
   * a `received` one is already waiting. Ids are answered in the order given, duplicates once.
   * @throws RangeError for more than {@link REPROCESS_MAX_IDS} ids (the API validates this first)
   */
  async reprocess(ids: readonly string[], actor: Principal): Promise<ReprocessResult> {
    const wanted = [...new Set(ids)];
    if (wanted.length > REPROCESS_MAX_IDS) {
      throw new RangeError(`at most ${REPROCESS_MAX_IDS} messages may be reprocessed at once`);
    }
    const { reset, notReset } = await this.log.resetForReprocess(wanted);
    const skipped = new Map<string, string>(notReset.map((m) => [m.id, skipReason(m.status)]));

    // Recorded before anything is queued: if the audit cannot be written, nothing happens.
    try {
      await this.audit.record({
        principal: actor,
        action: 'message.reprocess',
        targetType: 'message',
        ...(wanted.length === 1 ? { targetId: wanted[0] } : {}),
        detail: { ids: reset.map((r) => r.id), skipped: Object.fromEntries(skipped) },
      });
    } catch (err) {
      await this.log.undoReset(reset);
      throw err;
    }

    const queued = new Set<string>();
    const undo: ReprocessReset[] = [];
    for (const message of reset) {
      const outcome = await this.enqueue(message, actor.sub);
      if (outcome === 'queued') queued.add(message.id);
      else {
        undo.push(message);
        skipped.set(message.id, outcome);
      }
    }
    // A message set back to `received` but not queued would wait forever (the start-up sweep does
    // not queue a message whose first job completed): give it its status back.
    await this.log.undoReset(undo);

    return {
      queued: wanted.filter((id) => queued.has(id)),
      skipped: wanted.flatMap((id) => {
        const reason = skipped.get(id);
        return reason === undefined ? [] : [{ id, reason }];
      }),
    };
  }

  /** Queues one reset message; answers `'queued'` or why it was not. */
  private async enqueue(message: ReprocessReset, actorId: string): Promise<string> {
    const nonce = String(message.attempts + 1);
    try {
      // BullMQ silently ignores an add under the id of a job it still keeps. A finished job under
      // this id means the attempt count did not advance after that run (a job that ran out of
      // retries is marked failed without counting as an attempt): that job is history (its attempt
      // is in inbox_attempt), so it makes room. A job still waiting under this id is this attempt
      // already queued, and the add below leaves it alone.
      const previous = await this.queue.queue.getJob(jobIdFor(message.id, nonce));
      if (previous) {
        const state = await previous.getState();
        if (state === 'completed' || state === 'failed') await previous.remove();
      }
      await this.queue.enqueueReprocess(message.id, actorId, nonce);
      return 'queued';
    } catch (err) {
      this.logger.warn(`inbox ${message.id} not queued for reprocessing: ${(err as Error).message}`);
      return 'the queue is unavailable; try again';
    }
  }
}

function skipReason(status: InboxStatus | null): string {
  switch (status) {
    case null:
      return 'no such message';
    case 'rejected':
      return 'rejected at the edge (AE/AR): the sender must send it again';
    case 'received':
      return 'already waiting to be processed';
    case 'applied':
    case 'failed':
      // Reset, not skipped: only reached if the repository's rule and this one ever disagree.
      return `status ${status} was not reset`;
  }
}
