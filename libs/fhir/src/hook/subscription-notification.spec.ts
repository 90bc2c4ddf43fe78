import { corpusResource } from '../inbound/testing/corpus';
import {
  checkEventCounter,
  parseNotification,
  type NotificationStatus,
  type ParsedNotification,
} from './subscription-notification';

function parsed(body: unknown): ParsedNotification {
  const result = parseNotification(body);
  if (!result.ok) throw new Error(result.problem);
  return result.notification;
}

function status(body: unknown): NotificationStatus {
  const n = parsed(body);
  if (n.kind !== 'notification') throw new Error('not a notification');
  return n.status;
}

const SUBSCRIPTION = 'https://example.org/fhir/r4/Subscription/admission';
const ENCOUNTER = 'https://example.org/fhir/r4/Encounter/551683b3-1477-41d1-b58e-32fe8b0047b0';

/** A notification in the Backport IG 1.1 R4 form (Parameters), as an R4 EHR sends it. */
function backportR4(
  type: string,
  since: number,
  events: { number: number; focus?: string }[],
  entries: unknown[] = [],
) {
  return {
    resourceType: 'Bundle',
    type: 'history',
    entry: [
      {
        fullUrl: 'urn:uuid:9bb2f3b6-0d44-4c49-8a4d-8b4f5a1d0c11',
        resource: {
          resourceType: 'Parameters',
          meta: {
            profile: [
              'http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/backport-subscription-status-r4',
            ],
          },
          parameter: [
            { name: 'subscription', valueReference: { reference: SUBSCRIPTION } },
            { name: 'topic', valueCanonical: 'http://example.org/SubscriptionTopic/surgery' },
            { name: 'status', valueCode: 'active' },
            { name: 'type', valueCode: type },
            { name: 'events-since-subscription-start', valueString: String(since) },
            ...events.map((e) => ({
              name: 'notification-event',
              part: [
                { name: 'event-number', valueString: String(e.number) },
                ...(e.focus ? [{ name: 'focus', valueReference: { reference: e.focus } }] : []),
              ],
            })),
          ],
        },
        request: { method: 'GET', url: `${SUBSCRIPTION}/$status` },
        response: { status: '200' },
      },
      ...entries,
    ],
  };
}

describe('parseNotification', () => {
  it('reads the corpus full-resource notification (SubscriptionStatus form): status and the resource', () => {
    const n = parsed(corpusResource('subscription/arg-2021-Bundle-notification-full-resource.json'));
    expect(n).toMatchObject({
      kind: 'notification',
      status: {
        type: 'event-notification',
        subscription: SUBSCRIPTION,
        topic: 'http://hl7.org/SubscriptionTopic/admission',
        status: 'active',
        eventsSinceStart: 2,
        eventsInNotification: 1,
        eventNumbers: [2],
        focus: [ENCOUNTER],
        errors: [],
      },
      entries: [
        {
          fullUrl: ENCOUNTER,
          method: 'POST',
          resource: { resourceType: 'Encounter', id: '551683b3-1477-41d1-b58e-32fe8b0047b0' },
        },
      ],
    });
  });

  it('reads the corpus id-only notification: an entry with an address and no resource', () => {
    const n = parsed(corpusResource('subscription/arg-2021-Bundle-notification-id-only.json'));
    expect(n.entries).toEqual([{ fullUrl: ENCOUNTER, method: 'POST' }]);
  });

  it('reads the corpus handshake, heartbeat and error statuses', () => {
    expect(status(corpusResource('subscription/arg-2021-Bundle-notification-handshake.json'))).toMatchObject({
      type: 'handshake',
      eventsSinceStart: 0,
    });
    expect(status(corpusResource('subscription/arg-2021-Bundle-notification-heartbeat.json'))).toMatchObject({
      type: 'heartbeat',
      eventsSinceStart: 2,
      eventsInNotification: 0,
    });
    expect(status(corpusResource('subscription/arg-2021-Bundle-notification-error.json'))).toMatchObject({
      type: 'query-status',
      status: 'error',
      eventsSinceStart: 10,
      errors: ['unreachable'],
    });
  });

  it('reads the 2020 draft Parameters form (subscription-event-count, bundle-event-count)', () => {
    expect(status(corpusResource('subscription/arg-2020-Bundle-notification-parameters-full.json'))).toEqual({
      type: 'event-notification',
      subscription: SUBSCRIPTION,
      topic: 'http://hl7.org/SubscriptionTopic/admission',
      status: 'active',
      eventsSinceStart: 310,
      eventsInNotification: 1,
      eventNumbers: [],
      focus: [],
      errors: [],
    });
  });

  it('reads the Backport IG R4 Parameters form with its notification events', () => {
    const n = parsed(
      backportR4('event-notification', 7, [
        { number: 6, focus: 'Appointment/1' },
        { number: 7, focus: 'Appointment/2' },
      ]),
    );
    expect(n).toMatchObject({
      kind: 'notification',
      status: {
        type: 'event-notification',
        subscription: SUBSCRIPTION,
        eventsSinceStart: 7,
        eventNumbers: [6, 7],
        focus: ['Appointment/1', 'Appointment/2'],
      },
      entries: [],
    });
  });

  it('takes plain history, transaction and collection Bundles, and refuses the rest', () => {
    expect(parsed(corpusResource('bundle/fm-bundle-transaction.json'))).toMatchObject({
      kind: 'bundle',
      bundleType: 'transaction',
    });
    expect(parseNotification(corpusResource('bundle/fm-bundle-search-warning.json'))).toEqual({
      ok: false,
      problem:
        'a Bundle of type searchset is neither a subscription notification nor a history, transaction or collection Bundle',
    });
    expect(parseNotification(corpusResource('patient/fr-patient-example.json'))).toEqual({
      ok: false,
      problem: 'expected a Bundle, got Patient',
    });
    expect(parseNotification('{}')).toEqual({ ok: false, problem: 'the body is not a FHIR resource' });
  });
});

describe('checkEventCounter (events-since-subscription-start)', () => {
  const event = (numbers: number[], since?: number): NotificationStatus => ({
    type: 'event-notification',
    eventNumbers: numbers,
    focus: [],
    errors: [],
    ...(since === undefined ? {} : { eventsSinceStart: since }),
  });

  it('sees nothing missed when each event follows the last', () => {
    expect(checkEventCounter(4, event([5]))).toEqual({ missed: false, highest: 5 });
    expect(checkEventCounter(4, event([5, 6, 7]))).toEqual({ missed: false, highest: 7 });
  });

  it("detects a dropped notification from the next one's number", () => {
    expect(checkEventCounter(4, event([6]))).toEqual({ missed: true, highest: 6, reason: 'events 5–5 never arrived' });
  });

  it('detects a hole inside one notification', () => {
    expect(checkEventCounter(4, event([5, 7]))).toMatchObject({ missed: true, highest: 7 });
  });

  it('counts from events-since-subscription-start when events are not numbered (2020 drafts)', () => {
    const s = { ...event([], 310), eventsInNotification: 1 };
    expect(checkEventCounter(309, s)).toEqual({ missed: false, highest: 310 });
    expect(checkEventCounter(300, s)).toMatchObject({ missed: true, highest: 310 });
  });

  it('ignores a repeat or a late notification, and keeps the highest number', () => {
    expect(checkEventCounter(9, event([5]))).toEqual({ missed: false, highest: 9 });
  });

  it("detects missed events from a heartbeat's count", () => {
    const heartbeat: NotificationStatus = {
      type: 'heartbeat',
      eventsSinceStart: 12,
      eventNumbers: [],
      focus: [],
      errors: [],
    };
    expect(checkEventCounter(12, heartbeat)).toEqual({ missed: false, highest: 12 });
    expect(checkEventCounter(10, heartbeat)).toEqual({
      missed: true,
      highest: 12,
      reason: 'the server counted 12 events, we received 10',
    });
  });

  it('starts over at a handshake', () => {
    const handshake: NotificationStatus = {
      type: 'handshake',
      eventsSinceStart: 0,
      eventNumbers: [],
      focus: [],
      errors: [],
    };
    expect(checkEventCounter(40, handshake)).toEqual({ missed: false, highest: 0 });
  });

  it('expects event 1 first when nothing was seen yet', () => {
    expect(checkEventCounter(undefined, event([1]))).toEqual({ missed: false, highest: 1 });
    expect(checkEventCounter(undefined, event([2]))).toMatchObject({ missed: true });
  });

  it('calls for a catch-up when the subscription reports errors (corpus error status)', () => {
    const s = status(corpusResource('subscription/arg-2021-Bundle-notification-error.json'));
    expect(checkEventCounter(10, s)).toEqual({
      missed: true,
      highest: 10,
      reason: 'the subscription reports unreachable',
    });
  });
});
