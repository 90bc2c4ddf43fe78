import type { DataSource } from 'typeorm';
import { ManualClock } from '@circulator/domain';
import { FhirSyncRepository, openDatabase } from '@circulator/persistence';
import { startFhirServer, type FhirTestServer } from '../../../../test/support/fhir-server';
import { createTempDir, createTestDatabase, type TempDir, type TestDatabase } from '../../../../test/support/services';
import { decodeFhirEnvelope } from '../inbound/fhir.envelope';
import type { FhirInboundSettings, FhirResourceSink } from '../inbound.tokens';
import { KeepingSink } from '../testing/keeping-sink';
import { FhirSyncService } from './fhir-sync.service';

/**
 * The sync's bookkeeping against a real FHIR server and the real state tables (PostgreSQL); the
 * inbox is stood in for by `KeepingSink`.
 */
describe('FhirSyncService', () => {
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
  });
  afterAll(async () => {
    if (ds?.isInitialized) await ds.destroy();
    await pg?.drop();
    dir.remove();
  });
  beforeEach(async () => {
    server = await startFhirServer();
  });
  afterEach(() => server.close());

  const service = (sink: FhirResourceSink, extra: Partial<FhirInboundSettings> = {}) =>
    new FhirSyncService(
      {
        baseUrl: server.url,
        auth: { kind: 'none' },
        syncIntervalMs: 0,
        pageSize: 2,
        retry: { attempts: 2, baseDelayMs: 10, maxDelayMs: 10 },
        sleep: () => Promise.resolve(),
        ...extra,
      },
      sink,
      state,
      clock,
    );

  it('stores each resource with what it references, and keeps the mark where it was when paging shifted under it', async () => {
    for (const id of ['l1', 'l2', 'l3', 'l4'])
      await server.put({ resourceType: 'Location', id, name: id, status: 'active' });
    const newest = async () =>
      Math.max(
        ...(await Promise.all(
          ['l2', 'l3', 'l4'].map(async (id) =>
            Date.parse((await server.repo.readResource('Location', id)).meta!.lastUpdated!),
          ),
        )),
      );
    const sink = new KeepingSink();
    let moved = false;
    sink.afterStore = async () => {
      if (moved || !sink.ids('Location').length) return;
      moved = true;
      // While the sync reads page 1 (l1, l2), l1 changes: sorted by _lastUpdated it moves to the end,
      // so offset paging shifts l3 onto page 1, already read. (Updated until it is strictly newer.)
      let updated;
      do updated = await server.put({ resourceType: 'Location', id: 'l1', name: 'l1 renamed', status: 'active' });
      while (Date.parse(updated.meta!.lastUpdated!) <= (await newest()));
    };
    const sync = service(sink);
    const first = await sync.syncNow('first');
    const locations = first.types.find((t) => t.resourceType === 'Location')!;
    expect(sink.ids('Location').sort()).toEqual(['l1', 'l1', 'l2', 'l4']);
    expect(locations.error).toBe(
      'the search matched 4 but 3 were read (the result changed while paging); the mark stays, the next sync reads them again',
    );
    expect(locations.highWater).toBeUndefined();
    // The next run reads from the old mark (here: everything) and finds l3.
    const second = await sync.syncNow('second');
    expect(second.types.find((t) => t.resourceType === 'Location')).toMatchObject({ stored: 1, duplicates: 3 });
    expect(sink.ids('Location').sort()).toEqual(['l1', 'l1', 'l2', 'l3', 'l4']);
    expect(second.types.find((t) => t.resourceType === 'Location')!.highWater).toBeDefined();
  });

  it("keeps an Appointment's Patient, Practitioner and Location with it, fetched once per run", async () => {
    await server.loadCorpus([
      'patient/fr-patient-example.json',
      'patient/fm-practitioner-example.json',
      'encounter/fm-location-example.json',
      'appointment/fr-appointment-example.json',
    ]);
    const sink = new KeepingSink();
    await service(sink, { pageSize: 100 }).syncNow();
    const appointment = sink.items.find((i) => i.resourceType === 'Appointment')!;
    const decoded = decodeFhirEnvelope(appointment.raw);
    expect(decoded.ok && decoded.envelope.context.map((e) => `${e.resource.resourceType}/${e.resource.id}`)).toEqual([
      'Patient/example',
      'Practitioner/example',
      'Location/1',
    ]);
    expect(appointment).toMatchObject({
      sender: server.url,
      peer: server.url,
      controlId: expect.stringMatching(/^Appointment\/example\/_history\//),
    });
    // Found on the pages already read: not fetched again one by one.
    expect(
      server.requests.filter((r) => /\/(Patient|Practitioner|Location)\/[^/?]+$/.test(new URL(r.url).pathname)),
    ).toEqual([]);
  });

  it("skips a run while another process holds the EHR's lease", async () => {
    expect(
      await state.tryLease(server.url, 'another-process', clock.now(), new Date(clock.now().getTime() + 60_000)),
    ).toBe(true);
    const report = await service(new KeepingSink()).syncNow();
    expect(report).toEqual({ reason: 'requested', skipped: 'busy', startedAt: '2026-11-23T06:00:00.000Z', types: [] });
    await state.releaseLease(server.url, 'another-process');
  });

  it('stops at an EHR that does not answer, says why, and reads from the same mark next time', async () => {
    server.failNext(2, 503);
    const report = await service(new KeepingSink()).syncNow();
    expect(report.types).toEqual([
      {
        resourceType: 'Patient',
        pages: 0,
        stored: 0,
        duplicates: 0,
        error: expect.stringMatching(/^unreachable: search Patient: HTTP 503/),
      },
    ]);
    expect((await state.cursors(server.url)).find((c) => c.resourceType === 'Patient')).toMatchObject({
      lastError: expect.stringMatching(/^unreachable/),
      highWater: null,
    });
  });

  it('reads on a first run only what changed since FHIR_SYNC_SINCE', async () => {
    await server.put({ resourceType: 'Location', id: 'old', name: 'old', status: 'active' });
    const sink = new KeepingSink();
    await service(sink, { syncSince: '2999-01-01T00:00:00Z' }).syncNow();
    expect(sink.items).toEqual([]);
    expect(
      server.requests.some((r) => new URL(r.url).searchParams.get('_lastUpdated') === 'ge2999-01-01T00:00:00Z'),
    ).toBe(true);
  });

  it('runs once more after a run in progress for a call made meanwhile', async () => {
    const sink = new KeepingSink();
    const sync = service(sink);
    const [a, b, c] = await Promise.all([sync.syncNow('a'), sync.syncNow('b'), sync.syncNow('c')]);
    expect(a.reason).toBe('a');
    expect(b).toBe(c); // calls made during a run share the next one
    expect(b.reason).toBe('b');
    await sync.whenIdle();
  });
});
