import { isResource, obj, objects, str, type FhirResource, type JsonObject } from '../inbound/fhir.json';

/**
 * Subscription notifications as the FHIR Subscriptions R5 Backport IG delivers them to an R4
 * endpoint (`backport-subscription-notification`: a `history` Bundle whose first entry is the
 * subscription's status), and plain Bundles (CONTRACT §5). Three forms of the status entry are read:
 * - the Backport IG 1.x R4 form: a `Parameters` with `subscription`, `type`, `status`,
 *   `events-since-subscription-start` and `notification-event` (parts `event-number`, `focus`);
 * - the 2020 drafts' `Parameters` (`subscription-url`, `subscription-event-count`,
 *   `bundle-event-count`);
 * - a `SubscriptionStatus` resource (R4B/R5, and the 2021 draft examples).
 * Pure: no I/O.
 */

export const NOTIFICATION_TYPES = [
  'handshake',
  'heartbeat',
  'event-notification',
  'query-status',
  'query-event',
] as const;
export type NotificationType = (typeof NOTIFICATION_TYPES)[number];

/** What the status entry says, whatever its form. */
export interface NotificationStatus {
  /** The Subscription's address (the key its event counter is kept under). */
  subscription?: string;
  topic?: string;
  /** The subscription's status (`requested`, `active`, `error`, `off`). */
  status?: string;
  type: NotificationType;
  /** `events-since-subscription-start`: how many events the server has counted, this one included. */
  eventsSinceStart?: number;
  /** How many events this notification carries (2020 drafts, R4B `eventsInNotification`). */
  eventsInNotification?: number;
  /** The numbers of the events this notification carries, when it lists them. */
  eventNumbers: number[];
  /** Each event's focus reference, when it names one. */
  focus: string[];
  /** Errors the server reports about the subscription (codes or texts). */
  errors: string[];
}

/** A resource of the notification: given in full, or only named (id-only: fetch it). */
export interface NotificationEntry {
  fullUrl?: string;
  resource?: FhirResource;
  /** The entry's request method (a history or transaction Bundle), e.g. DELETE. */
  method?: string;
}

export type ParsedNotification =
  | { kind: 'notification'; status: NotificationStatus; entries: NotificationEntry[] }
  | { kind: 'bundle'; bundleType: 'history' | 'transaction' | 'collection'; entries: NotificationEntry[] };

export type NotificationParseResult = { ok: true; notification: ParsedNotification } | { ok: false; problem: string };

const PLAIN_TYPES = new Set(['history', 'transaction', 'collection']);

/** A count written as a number, or as the string FHIR R4 uses for integer64 (`"310"`). */
function count(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return value;
  const s = str(value);
  if (s !== undefined && /^\d{1,15}$/.test(s)) return Number(s);
  return undefined;
}

function isType(value: string | undefined): value is NotificationType {
  return value !== undefined && (NOTIFICATION_TYPES as readonly string[]).includes(value);
}

/** The value[x] of a Parameters parameter (or part), whatever its type. */
function valueOf(param: JsonObject): unknown {
  for (const [key, value] of Object.entries(param)) if (key.startsWith('value')) return value;
  return undefined;
}

function referenceText(value: unknown): string | undefined {
  return typeof value === 'string' ? str(value) : str(obj(value)?.['reference']);
}

function errorTexts(concepts: unknown[]): string[] {
  return concepts.flatMap((c) => {
    const concept = obj(c);
    if (!concept) return [];
    const codes = objects(concept['coding'])
      .map((coding) => str(coding['code']) ?? str(coding['display']))
      .filter((x): x is string => x !== undefined);
    const text = str(concept['text']);
    return codes.length ? codes : text !== undefined ? [text] : [];
  });
}

/** A `Parameters` status (Backport IG R4 form or 2020 drafts). */
function fromParameters(p: FhirResource): NotificationStatus | string {
  const params = objects(p['parameter']);
  const get = (...names: string[]) => params.find((x) => names.includes(String(x['name'])));
  const type = str(valueOf(get('type') ?? {}));
  if (!isType(type)) return `the status Parameters has no known type (${type ?? 'none'})`;
  const status: NotificationStatus = { type, eventNumbers: [], focus: [], errors: [] };
  const subscription = referenceText(valueOf(get('subscription', 'subscription-url') ?? {}));
  if (subscription !== undefined) status.subscription = subscription;
  const topic = str(valueOf(get('topic', 'subscription-topic-url') ?? {}));
  if (topic !== undefined) status.topic = topic;
  const state = str(valueOf(get('status') ?? {}));
  if (state !== undefined) status.status = state;
  const since = count(valueOf(get('events-since-subscription-start', 'subscription-event-count') ?? {}));
  if (since !== undefined) status.eventsSinceStart = since;
  const inBundle = count(valueOf(get('bundle-event-count', 'events-in-notification') ?? {}));
  if (inBundle !== undefined) status.eventsInNotification = inBundle;
  for (const event of params.filter((x) => x['name'] === 'notification-event')) {
    const parts = objects(event['part']);
    const number = count(valueOf(parts.find((x) => x['name'] === 'event-number') ?? {}));
    if (number !== undefined) status.eventNumbers.push(number);
    const focus = referenceText(valueOf(parts.find((x) => x['name'] === 'focus') ?? {}));
    if (focus !== undefined) status.focus.push(focus);
  }
  status.errors = errorTexts(params.filter((x) => x['name'] === 'error').map(valueOf));
  return status;
}

/** A `SubscriptionStatus` resource (R4B/R5 and the 2021 draft). */
function fromSubscriptionStatus(s: FhirResource): NotificationStatus | string {
  const type = str(s['type']);
  if (!isType(type)) return `the SubscriptionStatus has no known type (${type ?? 'none'})`;
  const status: NotificationStatus = { type, eventNumbers: [], focus: [], errors: [] };
  const subscription = referenceText(s['subscription']);
  if (subscription !== undefined) status.subscription = subscription;
  const topic = str(s['topic']);
  if (topic !== undefined) status.topic = topic;
  const state = str(s['status']);
  if (state !== undefined) status.status = state;
  const since = count(s['eventsSinceSubscriptionStart']);
  if (since !== undefined) status.eventsSinceStart = since;
  const inBundle = count(s['eventsInNotification']);
  if (inBundle !== undefined) status.eventsInNotification = inBundle;
  for (const event of objects(s['notificationEvent'])) {
    const number = count(event['eventNumber']);
    if (number !== undefined) status.eventNumbers.push(number);
    const focus = referenceText(event['focus']);
    if (focus !== undefined) status.focus.push(focus);
  }
  status.errors = errorTexts(Array.isArray(s['error']) ? (s['error'] as unknown[]) : []);
  return status;
}

function isStatusResource(resource: FhirResource): boolean {
  if (resource.resourceType === 'SubscriptionStatus') return true;
  if (resource.resourceType !== 'Parameters') return false;
  const profiles = objects([obj(resource['meta'])]).flatMap((m) =>
    Array.isArray(m['profile']) ? (m['profile'] as unknown[]) : [],
  );
  const names = objects(resource['parameter']).map((p) => p['name']);
  return (
    profiles.some((p) => typeof p === 'string' && p.includes('subscription-status')) ||
    (names.includes('type') && (names.includes('subscription') || names.includes('subscription-url')))
  );
}

/** Reads a POSTed body: a notification, a plain history/transaction/collection Bundle, or a refusal. */
export function parseNotification(body: unknown): NotificationParseResult {
  if (!isResource(body)) return { ok: false, problem: 'the body is not a FHIR resource' };
  if (body.resourceType !== 'Bundle') return { ok: false, problem: `expected a Bundle, got ${body.resourceType}` };
  const bundleType = str(body['type']);
  const entries: NotificationEntry[] = objects(body['entry']).map((e) => {
    const entry: NotificationEntry = {};
    const fullUrl = str(e['fullUrl']);
    if (fullUrl !== undefined) entry.fullUrl = fullUrl;
    if (isResource(e['resource'])) entry.resource = e['resource'];
    const method = str(obj(e['request'])?.['method']);
    if (method !== undefined) entry.method = method.toUpperCase();
    return entry;
  });
  const [first, ...rest] = entries;
  if (bundleType === 'history' && first?.resource && isStatusResource(first.resource)) {
    const status =
      first.resource.resourceType === 'SubscriptionStatus'
        ? fromSubscriptionStatus(first.resource)
        : fromParameters(first.resource);
    if (typeof status === 'string') return { ok: false, problem: status };
    return { ok: true, notification: { kind: 'notification', status, entries: rest } };
  }
  if (bundleType === undefined || !PLAIN_TYPES.has(bundleType)) {
    return {
      ok: false,
      problem: `a Bundle of type ${bundleType ?? '(none)'} is neither a subscription notification nor a history, transaction or collection Bundle`,
    };
  }
  return {
    ok: true,
    notification: { kind: 'bundle', bundleType: bundleType as 'history' | 'transaction' | 'collection', entries },
  };
}

/** What the event counter says about a notification. */
export interface CounterVerdict {
  /** Events the server counted that we never received: a catch-up sync is due. */
  missed: boolean;
  /** What to remember as the highest event number seen (a handshake starts over). */
  highest?: number;
  /** Why, for the log and the hook's answer. */
  reason?: string;
}

/**
 * Detects dropped notifications from `events-since-subscription-start` (Backport IG: "a client can
 * detect missed notifications by comparing the event numbers"):
 * - handshake: the count starts (over); nothing missed.
 * - heartbeat, query-status: the server has counted N events; more than we saw means missed ones.
 * - event-notification, query-event: the first event carried (its number, else N − events carried
 *   + 1) must follow the highest seen; numbers within one notification must follow each other.
 * With no event seen yet, the first expected number is 1: events before it were never received
 * (a catch-up sync reads them). A subscription in `error` status, or reporting errors, may have
 * dropped events too.
 */
export function checkEventCounter(previous: number | undefined, status: NotificationStatus): CounterVerdict {
  const seen = previous ?? 0;
  const verdict = (missed: boolean, highest: number | undefined, reason?: string): CounterVerdict => {
    const out: CounterVerdict = { missed };
    if (highest !== undefined) out.highest = highest;
    if (reason !== undefined) out.reason = reason;
    return out;
  };
  const troubled =
    status.status === 'error' || status.errors.length > 0
      ? `the subscription reports ${status.errors.length ? status.errors.join(', ') : 'status error'}`
      : undefined;
  switch (status.type) {
    case 'handshake':
      return verdict(false, status.eventsSinceStart ?? 0);
    case 'heartbeat':
    case 'query-status': {
      const n = status.eventsSinceStart;
      if (n !== undefined && n > seen) {
        return verdict(true, n, `the server counted ${n} events, we received ${seen}`);
      }
      return verdict(troubled !== undefined, n === undefined ? previous : Math.max(n, seen), troubled);
    }
    case 'event-notification':
    case 'query-event': {
      const numbers = [...status.eventNumbers].sort((a, b) => a - b);
      const n = status.eventsSinceStart;
      const carried = status.eventsInNotification ?? numbers.length;
      const first = numbers[0] ?? (n !== undefined && carried > 0 ? n - carried + 1 : undefined);
      const last = numbers[numbers.length - 1] ?? n;
      const highest = last === undefined ? previous : Math.max(last, seen);
      if (first !== undefined && first > seen + 1) {
        return verdict(true, highest, `events ${seen + 1}–${first - 1} never arrived`);
      }
      const hole = numbers.findIndex((x, i) => i > 0 && x > numbers[i - 1]! + 1);
      if (hole > 0) {
        return verdict(
          true,
          highest,
          `events ${numbers[hole - 1]! + 1}–${numbers[hole]! - 1} are missing from the notification`,
        );
      }
      return verdict(troubled !== undefined, highest, troubled);
    }
  }
}
