import type { DataSource } from 'typeorm';
import { ManualClock } from '@circulator/domain';
import { FhirSyncRepository, openDatabase } from '@circulator/persistence';
import { startFhirServer, type FhirTestServer } from '../../../../test/support/fhir-server';
import { createTempDir, createTestDatabase, type TempDir, type TestDatabase } from '../../../../test/support/services';
import { corpusResource } from '../inbound/testing/corpus';
import type { FhirInboundSettings } from '../inbound.tokens';
import { FhirSyncService } from '../sync/fhir-sync.service';
import { KeepingSink } from '../testing/keeping-sink';
import { SubscriptionHookService, type HookOutcome } from './subscription-hook.service';

/**
 * The hook's handling of each kind of notification, on the real state tables (PostgreSQL) and,
 * where it fetches, a real FHIR server; the inbox is stood in for by `KeepingSink`.
 */
describe('SubscriptionHookService', () => {
  let pg: TestDatabase;
  let dir: TempDir;
  let ds: DataSource;
  let state: FhirSyncRepository;
  let server: FhirTestServer;
  const clock = new ManualClock(new Date('2026-11-23T06:00:00Z'));

  beforeAll(async () => {
    dir = createTempDir();
    pg = await createTestDatabase();
    ds = await openDatabase({ databaseUrl: pg.url, dataDir: dir.path });
    state = new FhirSyncRepository(ds);
    server = await startFhirServer();
    await server.loadCorpus([
      'patient/fr-patient-example.json',
      'encounter/fm-location-example.json',
      'appointment/fr-appointment-example.json',
    ]);
  });
  afterAll(async () => {
    await server?.close();
    if (ds?.isInitialized) await ds.destroy();
    await pg?.drop();
    dir.remove();
  });
  beforeEach(() => ds.query(`DELETE FROM fhir_subscription`));

  function setup(baseUrl: string | undefined) {
    const sink = new KeepingSink();
    const settings: FhirInboundSettings = {
      ...(baseUrl ? { baseUrl } : {}),
      hookSecret: 'a-secret-of-sixteen+',
      auth: { kind: 'none' },
      syncIntervalMs: 0,
      pageSize: 100,
      retry: { attempts: 2, baseDelayMs: 1, maxDelayMs: 1 },
      hookRetry: { attempts: 2, baseDelayMs: 1, maxDelayMs: 1 },
      sleep: () => Promise.resolve(),
    };
    const sync = new FhirSyncService(settings, sink, state, clock);
    const hook = new SubscriptionHookService(settings, sink, state, sync, clock);
    return { sink, sync, hook };
  }

  it('stores a full-resource notification with the resources that came with it (corpus multi-resource)', async () => {
    const { sink, hook } = setup(undefined);
    const outcome = await hook.handle(
      corpusResource('subscription/arg-2021-Bundle-notification-multi-resource.json'),
      '10.0.0.5',
    );
    expect(outcome).toMatchObject<Partial<HookOutcome>>({
      kind: 'event-notification',
      subscription: 'https://example.org/fhir/r4/Subscription/admission',
      refused: [],
      // Event 2 is the first this platform sees: event 1 never arrived, and no EHR is configured.
      missed: 'https://example.org/fhir/r4/Subscription/admission: events 1–1 never arrived',
      catchUp: 'impossible',
    });
    expect(sink.items.map((i) => [i.resourceType, i.sender, i.peer])).toEqual([
      ['Encounter', 'fhir', '10.0.0.5'],
      ['Patient', 'fhir', '10.0.0.5'],
    ]);
    // The Encounter keeps its Patient (an absolute reference on the notification's own server).
    expect(sink.context(sink.items[0]!.controlId)).toEqual(['Patient/46db3334-dbf5-43f3-868f-93ae0883cce1']);
  });

  it('records a handshake and a heartbeat without storing anything, and sees missed events in a heartbeat', async () => {
    const { sink, hook, sync } = setup(server.url);
    const handshake = await hook.handle(
      corpusResource('subscription/arg-2021-Bundle-notification-handshake.json'),
      null,
    );
    expect(handshake).toMatchObject({ kind: 'handshake', stored: [] });
    expect(handshake.missed).toBeUndefined();
    // The corpus heartbeat counts 2 events since the start; none arrived.
    const heartbeat = await hook.handle(
      corpusResource('subscription/arg-2021-Bundle-notification-heartbeat.json'),
      null,
    );
    expect(heartbeat).toMatchObject({
      kind: 'heartbeat',
      stored: [],
      missed: expect.stringContaining('the server counted 2 events, we received 0'),
      catchUp: 'requested',
    });
    await sync.whenIdle();
    // The catch-up sync read the EHR.
    expect(sink.ids('Appointment')).toEqual(['example']);
  });

  it('refuses id-only notifications without FHIR_BASE_URL, keeping the refusal', async () => {
    const { sink, hook } = setup(undefined);
    const outcome = await hook.handle(corpusResource('subscription/arg-2021-Bundle-notification-id-only.json'), null);
    const address = 'https://example.org/fhir/r4/Encounter/551683b3-1477-41d1-b58e-32fe8b0047b0';
    expect(outcome.refused).toEqual([
      { subject: address, reason: 'FHIR_BASE_URL is not set: an id-only notification cannot be fetched' },
    ]);
    expect(sink.refusals).toEqual([
      { sender: 'fhir', subject: address, reason: outcome.refused[0]!.reason, peer: null },
    ]);
    expect(sink.items).toEqual([]);
  });

  it('fetches an "empty" notification\'s focus from the EHR, with its references', async () => {
    const { sink, hook } = setup(server.url);
    const body = corpusResource('subscription/arg-2021-Bundle-notification-empty.json');
    // The corpus names example.org; here the focus is the Appointment on our EHR, event 1.
    const status = (body['entry'] as { resource: Record<string, unknown> }[])[0]!.resource;
    status['eventsSinceSubscriptionStart'] = '1';
    status['notificationEvent'] = [{ eventNumber: '1', focus: { reference: `${server.url}/Appointment/example` } }];
    const outcome = await hook.handle(body, null);
    expect(outcome).toMatchObject({
      stored: [expect.stringMatching(/^Appointment\/example\/_history\//)],
      refused: [],
    });
    expect(outcome.missed).toBeUndefined();
    expect(sink.context(sink.items[0]!.controlId)).toEqual(['Patient/example', 'Location/1']);
  });

  it('takes a plain transaction Bundle, ignoring deletions and resource types it does not read', async () => {
    const { sink, hook } = setup(undefined);
    const outcome = await hook.handle(
      {
        resourceType: 'Bundle',
        type: 'transaction',
        entry: [
          {
            fullUrl: 'urn:uuid:5b2c1a4e-1d1c-4b8e-9a53-0d3e2f1a0b01',
            resource: corpusResource('patient/fr-patient-example.json'),
            request: { method: 'PUT', url: 'Patient/example' },
          },
          { resource: { resourceType: 'Condition', id: 'c1' }, request: { method: 'POST', url: 'Condition' } },
          { request: { method: 'DELETE', url: 'Appointment/old' }, fullUrl: 'Appointment/old' },
        ],
      },
      null,
    );
    expect(outcome.kind).toBe('bundle');
    expect(sink.ids('Patient')).toEqual(['example']);
    expect(outcome.ignored).toEqual([
      'Condition: not a resource type the platform reads',
      'Appointment/old: deletions are not applied (cancel the Appointment instead)',
    ]);
  });

  it('stores a version it already stored once', async () => {
    const { hook } = setup(undefined);
    const body = corpusResource('subscription/arg-2021-Bundle-notification-full-resource.json');
    const first = await hook.handle(body, null);
    const again = await hook.handle(body, null);
    expect(first.stored).toHaveLength(1);
    expect(again).toMatchObject({ stored: [], duplicates: first.stored });
  });
});
