import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Clock } from '@circulator/domain';
import { FhirSyncRepository } from '@circulator/persistence';
import { CLOCK } from '@circulator/realtime';
import type { ContextEntry } from '../inbound/fhir.context';
import { encodeFhirEnvelope, versionKeyOf } from '../inbound/fhir.envelope';
import type { FhirResource } from '../inbound/fhir.json';
import { FHIR_INBOUND_TYPES } from '../inbound/fhir.mapper';
import { isOnBase, keyOf, normalizeBase, parseReference, referencedType } from '../inbound/fhir.reference';
import {
  FHIR_INBOUND_SETTINGS,
  FHIR_RESOURCE_SINK,
  fhirSenderOf,
  type FhirInboundSettings,
  type FhirInboxItem,
  type FhirResourceSink,
} from '../inbound.tokens';
import { ContextCollector } from '../sync/context.collector';
import { DEFAULT_HOOK_RETRY, FhirRequestError, NotOnBaseError, realSleep } from '../sync/fhir.request';
import { FhirSource } from '../sync/fhir.source';
import { FhirSyncService } from '../sync/fhir-sync.service';
import { checkEventCounter, parseNotification, type NotificationStatus } from './subscription-notification';

/** A body the hook cannot take (answered 400 with an OperationOutcome). */
export class HookInputError extends Error {
  override readonly name = 'HookInputError';
}

/** What the hook did with one notification; the answer's OperationOutcome says it. */
export interface HookOutcome {
  /** `handshake`, `heartbeat`, `event-notification`…, or `bundle` for a plain Bundle. */
  kind: string;
  subscription?: string;
  /** Resource versions stored (labels). */
  stored: string[];
  /** Versions the inbox already had. */
  duplicates: string[];
  /** What was named but not taken, and why (kept as rejected inbox rows). */
  refused: { subject: string; reason: string }[];
  /** What the platform does not read (other resource types, deletions). */
  ignored: string[];
  /** Why events are missing, when the counter says so. */
  missed?: string;
  /** A catch-up sync was asked for (`requested`), or cannot run without FHIR_BASE_URL (`impossible`). */
  catchUp?: 'requested' | 'impossible';
}

const TAKEN: ReadonlySet<string> = new Set(FHIR_INBOUND_TYPES);

/**
 * The subscription hook (CONTRACT §5): takes a notification or a plain Bundle, stores every
 * resource of a type we read in the inbox (with the resources it references) and answers once they
 * are durably stored. Id-only notifications are fetched — only from FHIR_BASE_URL: an address on
 * another server is never requested, and is kept as a refused message for the integration console.
 * The subscription's event counter (`events-since-subscription-start`) is checked on every
 * notification; events that never arrived start a catch-up sync.
 */
@Injectable()
export class SubscriptionHookService {
  private readonly logger = new Logger(SubscriptionHookService.name);
  private readonly base: string | undefined;
  private readonly sender: string;
  private source?: Promise<FhirSource>;

  constructor(
    @Inject(FHIR_INBOUND_SETTINGS) private readonly settings: FhirInboundSettings,
    @Inject(FHIR_RESOURCE_SINK) private readonly sink: FhirResourceSink,
    @Inject(FhirSyncRepository) private readonly state: FhirSyncRepository,
    @Inject(FhirSyncService) private readonly sync: FhirSyncService,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {
    this.base = settings.baseUrl ? normalizeBase(settings.baseUrl) : undefined;
    this.sender = fhirSenderOf(this.base);
  }

  async handle(body: unknown, peer: string | null): Promise<HookOutcome> {
    const parsed = parseNotification(body);
    if (!parsed.ok) throw new HookInputError(parsed.problem);
    const { notification } = parsed;
    const outcome: HookOutcome = {
      kind: notification.kind === 'notification' ? notification.status.type : 'bundle',
      stored: [],
      duplicates: [],
      refused: [],
      ignored: [],
    };
    let catchUp: string | undefined;
    if (notification.kind === 'notification' && notification.status.subscription !== undefined) {
      outcome.subscription = notification.status.subscription;
    }

    // What came in full, and what was only named.
    const focuses: ContextEntry[] = [];
    const atHand: ContextEntry[] = [];
    const addresses: string[] = [];
    for (const entry of notification.entries) {
      if (entry.method === 'DELETE') {
        outcome.ignored.push(
          `${entry.fullUrl ?? 'an entry'}: deletions are not applied (cancel the Appointment instead)`,
        );
        continue;
      }
      if (entry.resource) {
        const e: ContextEntry =
          entry.fullUrl === undefined
            ? { resource: entry.resource }
            : { fullUrl: entry.fullUrl, resource: entry.resource };
        atHand.push(e);
        if (TAKEN.has(entry.resource.resourceType)) focuses.push(e);
        else outcome.ignored.push(`${entry.resource.resourceType}: not a resource type the platform reads`);
      } else if (entry.fullUrl !== undefined) {
        addresses.push(entry.fullUrl);
      }
    }
    // An "empty" notification names its events' focus only in the status.
    if (notification.kind === 'notification') {
      for (const focus of notification.status.focus) {
        const named = atHand.some((e) => e.fullUrl === focus || sameResource(e, focus)) || addresses.includes(focus);
        if (!named) addresses.push(focus);
      }
    }

    const source = this.fhirSource();
    for (const address of addresses) {
      const fetched = await this.fetch(address, source, peer, outcome);
      if (fetched === 'retry-later') catchUp ??= `${address} could not be fetched now`;
      else if (fetched) {
        atHand.push(fetched);
        focuses.push(fetched);
      }
    }

    // Each resource with what it references: from the notification, else from FHIR_BASE_URL.
    const collector = new ContextCollector(undefined);
    collector.offer(atHand);
    const fetching = source ? new ContextCollector(await source) : undefined;
    fetching?.offer(atHand);
    const items: FhirInboxItem[] = [];
    const labels: string[] = [];
    for (const focus of focuses) {
      // Only a resource of our EHR brings context from it: relative references of a resource from
      // another server mean that server's resources.
      const own =
        this.base !== undefined &&
        (focus.fullUrl === undefined || !/^https?:/i.test(focus.fullUrl) || isOnBase(focus.fullUrl, this.base));
      let context: ContextEntry[];
      try {
        context = await (own && fetching ? fetching : collector).contextFor(focus);
      } catch (err) {
        const reason = err instanceof Error ? err.message : String(err);
        outcome.refused.push({
          subject: labelOf(focus.resource),
          reason: `its references could not be fetched now (${reason}); a catch-up sync reads it`,
        });
        catchUp ??= 'references could not be fetched';
        continue;
      }
      const key = versionKeyOf(focus.resource);
      items.push({
        sender: this.sender,
        controlId: key.controlId,
        resourceType: focus.resource.resourceType,
        raw: encodeFhirEnvelope({ focus: this.addressed(focus), context }),
        peer,
      });
      labels.push(key.label);
    }
    const results = await this.sink.store(items);
    results.forEach((r, i) => (r.duplicate ? outcome.duplicates : outcome.stored).push(labels[i]!));

    // Counted only once its resources are stored: a notification that failed here (and that the
    // EHR does not send again) leaves a gap the next one reveals.
    if (notification.kind === 'notification') {
      const missed = await this.checkCounter(notification.status);
      if (missed !== undefined) {
        outcome.missed = missed;
        catchUp = catchUp === undefined ? missed : `${missed}; ${catchUp}`;
      }
    }

    if (catchUp !== undefined) {
      if (this.sync.enabled) {
        this.sync.requestCatchUp(catchUp);
        outcome.catchUp = 'requested';
      } else {
        outcome.catchUp = 'impossible';
        this.logger.warn(
          `subscription events are missing (${catchUp}) and FHIR_BASE_URL is not set: nothing can catch up`,
        );
      }
    }
    return outcome;
  }

  /** Records the notification's event numbers; says why events are missing, if they are. */
  private async checkCounter(status: NotificationStatus): Promise<string | undefined> {
    const subscription = status.subscription ?? 'unnamed subscription';
    const numbers = status.eventNumbers;
    const eventNumber = numbers.length ? Math.max(...numbers) : status.eventsSinceStart;
    const record = {
      subscription,
      type: status.type,
      reset: status.type === 'handshake',
      at: this.clock.now(),
      ...(status.topic === undefined ? {} : { topic: status.topic }),
      ...(status.status === undefined ? {} : { status: status.status }),
      ...(eventNumber === undefined ? {} : { eventNumber }),
    };
    const { previous } = await this.state.recordNotification(record);
    const verdict = checkEventCounter(previous, status);
    if (!verdict.missed) return undefined;
    const reason = `${subscription}: ${verdict.reason ?? 'events are missing'}`;
    this.logger.warn(`dropped notifications detected: ${reason}`);
    await this.state.recordMissed(subscription, this.clock.now(), verdict.reason ?? 'events are missing');
    return reason;
  }

  private fhirSource(): Promise<FhirSource> | undefined {
    if (!this.base) return undefined;
    this.source ??= FhirSource.open(
      {
        baseUrl: this.base,
        auth: this.settings.auth,
        retry: this.settings.hookRetry ?? DEFAULT_HOOK_RETRY,
        timeoutMs: this.settings.requestTimeoutMs ?? 30_000,
        sleep: this.settings.sleep ?? realSleep,
      },
      this.clock,
    );
    return this.source;
  }

  /** Fetches a resource an id-only notification named: only from FHIR_BASE_URL. */
  private async fetch(
    address: string,
    source: Promise<FhirSource> | undefined,
    peer: string | null,
    outcome: HookOutcome,
  ): Promise<ContextEntry | undefined | 'retry-later'> {
    const type = referencedType(address);
    if (type !== undefined && !TAKEN.has(type)) {
      outcome.ignored.push(`${address}: not a resource type the platform reads`);
      return undefined;
    }
    const refuse = async (reason: string) => {
      outcome.refused.push({ subject: address, reason });
      this.logger.warn(`subscription hook: ${address} not fetched: ${reason}`);
      await this.sink.refuse({ sender: this.sender, subject: address, reason, peer });
    };
    if (!source) {
      await refuse('FHIR_BASE_URL is not set: an id-only notification cannot be fetched');
      return undefined;
    }
    try {
      const resource = await (await source).readAddress(address);
      if (!resource) {
        outcome.refused.push({ subject: address, reason: 'the EHR has no such resource (404/410)' });
        return undefined;
      }
      return { fullUrl: `${this.base!}/${keyOf(resource.resourceType, String(resource.id))}`, resource };
    } catch (err) {
      if (err instanceof NotOnBaseError) {
        await refuse(`not on FHIR_BASE_URL (${this.base!}): only the configured EHR is ever asked`);
        return undefined;
      }
      if (err instanceof FhirRequestError && !err.retryable) {
        outcome.refused.push({ subject: address, reason: err.message });
        return undefined;
      }
      outcome.refused.push({ subject: address, reason: `${(err as Error).message}; a catch-up sync reads it` });
      return 'retry-later';
    }
  }

  /** The stored copy's fullUrl: as the notification gave it when absolute, else on our base. */
  private addressed(entry: ContextEntry): ContextEntry {
    if (entry.fullUrl && /^https?:/i.test(entry.fullUrl)) return entry;
    const id = entry.resource.id;
    if (this.base && typeof id === 'string') {
      return { fullUrl: `${this.base}/${keyOf(entry.resource.resourceType, id)}`, resource: entry.resource };
    }
    return { resource: entry.resource };
  }
}

function labelOf(resource: FhirResource): string {
  return versionKeyOf(resource).label;
}

/** True when a notification's entry is the resource an event's focus names. */
function sameResource(entry: ContextEntry, reference: string): boolean {
  const parsed = parseReference(reference);
  return (
    (parsed.kind === 'relative' || parsed.kind === 'absolute') &&
    entry.resource.resourceType === parsed.type &&
    entry.resource.id === parsed.id
  );
}
