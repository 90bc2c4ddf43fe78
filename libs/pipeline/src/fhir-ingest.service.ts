import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import type { Clock } from '@circulator/domain';
import type { FhirInboxItem, FhirRefusal, FhirResourceSink, FhirStoreResult } from '@circulator/fhir';
import { InboxRepository } from '@circulator/persistence';
import { CLOCK, METRICS_SINK, type MetricsSink } from '@circulator/realtime';
import { InboundQueue } from './inbound.queue';

/**
 * The inbound FHIR side's way into the inbox (channel `fhir`): what the EHR sync and the
 * subscription hook received is stored in one commit, and only then queued for the worker —
 * the one path every datum takes. The control id is the resource's version
 * (`Appointment/123/_history/2`), so a version the sync and the hook both deliver is stored and
 * applied once. Queueing does not hold the answer: if Redis fails, the worker's sweep queues it.
 */
@Injectable()
export class FhirIngestService implements FhirResourceSink {
  private readonly logger = new Logger(FhirIngestService.name);

  constructor(
    private readonly inbox: InboxRepository,
    private readonly queue: InboundQueue,
    @Inject(CLOCK) private readonly clock: Clock,
    @Optional() @Inject(METRICS_SINK) private readonly metrics?: MetricsSink,
  ) {}

  async store(items: readonly FhirInboxItem[]): Promise<FhirStoreResult[]> {
    if (!items.length) return [];
    const receivedAt = this.clock.now();
    this.count(items.length);
    const stored = await this.inbox
      .storeMany(
        items.map((item) => ({
          channel: 'fhir' as const,
          sender: item.sender,
          controlId: item.controlId,
          messageType: item.resourceType,
          raw: item.raw,
          peer: item.peer,
          receivedAt,
          status: 'received' as const,
        })),
      )
      .catch((err: unknown) => {
        this.count(items.length, 'not-stored');
        throw err;
      });
    this.count(items.length, 'accepted');
    const fresh = stored.filter((s) => !s.duplicate).map((s) => s.id);
    if (fresh.length) {
      void this.queue
        .enqueueGathered(fresh)
        .catch((err: unknown) =>
          this.logger.warn(`FHIR resources ${fresh.join(', ')} stored, queueing postponed: ${(err as Error).message}`),
        );
    }
    return stored.map((s) => ({ inboxId: s.id, duplicate: s.duplicate }));
  }

  /** Counts `n` resources received, or answered with `outcome` (/metrics). */
  private count(n: number, outcome?: 'accepted' | 'refused' | 'not-stored'): void {
    if (!this.metrics) return;
    for (let i = 0; i < n; i++) {
      if (outcome) this.metrics.messageAnswered('fhir', 'fhir', outcome);
      else this.metrics.messageReceived('fhir', 'fhir');
    }
  }

  async refuse(refusal: FhirRefusal): Promise<void> {
    this.count(1);
    this.count(1, 'refused');
    await this.inbox.store({
      channel: 'fhir',
      sender: refusal.sender,
      controlId: null,
      messageType: 'id-only notification',
      raw: Buffer.from(refusal.subject, 'utf8'),
      peer: refusal.peer,
      receivedAt: this.clock.now(),
      status: 'rejected',
      error: refusal.reason.slice(0, 2000),
    });
  }
}
