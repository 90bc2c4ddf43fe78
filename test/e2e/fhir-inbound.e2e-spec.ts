import { Client } from 'pg';
import request from 'supertest';
import type { CaseView } from '@circulator/contracts';
import { ManualClock } from '@circulator/domain';
import type { Appointment } from '@medplum/fhirtypes';
import { FHIR_SYNC_TYPES, FhirSyncService, type FhirSyncStatus } from '@circulator/fhir';
import { startFhirServer, type FhirTestServer } from '../support/fhir-server';
import { ADMIN_PASSWORD, requestAs, startTestPlatform, tokenFor, type TestPlatform } from '../support/platform';
import { waitFor } from '../support/services';

/**
 * FHIR R4 into the live case model (CONTRACT §5), end to end: a real FHIR server (Medplum's FHIR
 * router over its in-memory repository, test/support/fhir-server.ts) loaded with the public corpus
 * plays the EHR; the platform syncs from it with fhir-kit-client and takes its subscription
 * notifications on POST /fhir/subscription-hook. Syncs are started explicitly (interval 0), never by
 * a timer.
 */
describe('FHIR from the EHR into the live model', () => {
  const SECRET = 'a-hook-secret-for-the-e2e-test';
  const DAY = '2013-12-10';
  let ehr: FhirTestServer;
  let elsewhere: FhirTestServer;
  let t: TestPlatform;
  let token: string;
  let sync: FhirSyncService;
  let db: Client;

  beforeAll(async () => {
    ehr = await startFhirServer();
    elsewhere = await startFhirServer();
    const loaded = await ehr.loadCorpus();
    expect(loaded).toEqual(
      expect.arrayContaining(['appointment/fr-appointment-example.json', 'patient/fr-patient-example.json']),
    );
    await elsewhere.loadCorpus(['appointment/fr-appointment-example.json']);
    t = await startTestPlatform({
      clock: new ManualClock(new Date('2026-11-23T05:00:00Z')),
      env: {
        FHIR_BASE_URL: ehr.url,
        FHIR_HOOK_SECRET: SECRET,
        FHIR_SYNC_INTERVAL_SECONDS: '0',
        // Small pages, so that the corpus takes several along the server's next links.
        FHIR_SYNC_PAGE_SIZE: '3',
      },
    });
    token = await tokenFor(t.url, 'admin', ADMIN_PASSWORD);
    sync = t.platform.app.get(FhirSyncService);
    db = new Client({ connectionString: t.database!.url });
    await db.connect();
  });
  afterAll(async () => {
    await db?.end();
    await t?.stop();
    t?.dataDir.remove();
    await ehr?.close();
    await elsewhere?.close();
  });

  const api = (path: string) => request(t.url).get(path).set('Authorization', `Bearer ${token}`);
  const casesOn = async (date: string) => (await api(`/api/cases?date=${date}`).expect(200)).body as CaseView[];
  const hook = (body: unknown, secret: string | null = SECRET) => {
    const req = request(t.url).post('/fhir/subscription-hook').set('Content-Type', 'application/fhir+json');
    return (secret === null ? req : req.set('X-Hook-Secret', secret)).send(JSON.stringify(body));
  };
  /** Inbox rows still waiting for the worker: none once everything stored was applied. */
  const settled = async () => {
    const { rows } = await db.query<{ n: string }>(`SELECT count(*)::text AS n FROM inbox WHERE status = 'received'`);
    return rows[0]?.n === '0' ? true : undefined;
  };
  const applied = () => waitFor(settled, { timeoutMs: 10_000, what: 'the worker to apply what was stored' });

  /** A notification as an R4 EHR sends it (Subscriptions Backport IG 1.1, Parameters status). */
  let eventNumber = 0;
  function notification(events: { number: number; focus: string }[], entries: unknown[] = []) {
    return {
      resourceType: 'Bundle',
      type: 'history',
      entry: [
        {
          fullUrl: `urn:uuid:00000000-0000-4000-8000-${String(events[0]?.number ?? 0).padStart(12, '0')}`,
          resource: {
            resourceType: 'Parameters',
            parameter: [
              { name: 'subscription', valueReference: { reference: `${ehr.url}/Subscription/surgery` } },
              { name: 'topic', valueCanonical: 'http://example.org/SubscriptionTopic/surgery' },
              { name: 'status', valueCode: 'active' },
              { name: 'type', valueCode: 'event-notification' },
              {
                name: 'events-since-subscription-start',
                valueString: String(Math.max(...events.map((e) => e.number))),
              },
              ...events.map((e) => ({
                name: 'notification-event',
                part: [
                  { name: 'event-number', valueString: String(e.number) },
                  { name: 'focus', valueReference: { reference: e.focus } },
                ],
              })),
            ],
          },
        },
        ...entries,
      ],
    };
  }

  it('syncs the corpus with fhir-kit-client, page by page, and its surgical appointment reaches GET /api/cases', async () => {
    const report = await sync.syncNow('test');
    expect(report.skipped).toBeUndefined();
    expect(report.types.map((r) => r.resourceType)).toEqual([
      'Patient',
      'Practitioner',
      'PractitionerRole',
      'Location',
      'Device',
      'Appointment',
      'Encounter',
      'Procedure',
      'Observation',
    ]);
    expect(report.types.filter((r) => r.error !== undefined)).toEqual([]);
    const patients = report.types.find((r) => r.resourceType === 'Patient')!;
    expect(patients.pages).toBeGreaterThan(1);
    expect(patients.stored).toBeGreaterThan(3);
    await applied();

    const cases = await waitFor(async () => ((await casesOn(DAY)).length ? await casesOn(DAY) : undefined), {
      what: 'the Appointment on the board',
    });
    // Appointment "example" books a case; "2docs" names no Location (no room: no case) and
    // "examplereq" is only proposed.
    expect(cases).toHaveLength(1);
    const c = cases[0]!;
    expect(c).toMatchObject({
      version: 1,
      status: 'scheduled',
      roomId: 'location-1',
      roomName: 'South Wing, second floor',
      patient: { mrn: '12345' },
      surgeon: { id: '23', name: 'Adam Careful' },
      procedure: { code: '52', text: 'General Discussion' },
      identifiers: { fhirAppointmentId: 'example' },
    });
    expect(Date.parse(c.scheduledStart)).toBe(Date.parse('2013-12-10T09:00:00Z'));
    expect(Date.parse(c.scheduledEnd)).toBe(Date.parse('2013-12-10T11:00:00Z'));

    // Provenance: the event names the inbox row, whose control id is the resource version.
    const events = (await api(`/api/cases/${c.id}/events`).expect(200)).body as {
      source: { kind: string; id: string };
    }[];
    expect(events.map((e) => e.source.kind)).toEqual(['fhir']);
    const { rows } = await db.query<{ control_id: string; channel: string }>(
      `SELECT control_id, channel FROM inbox WHERE id = $1`,
      [events[0]!.source.id],
    );
    expect(rows[0]?.channel).toBe('fhir');
    expect(rows[0]?.control_id).toMatch(/^Appointment\/example\/_history\/[0-9a-f-]+$/);
    // The message log shows the stored resource with what it references.
    const detail = await api(`/api/messages/${events[0]!.source.id}`).expect(200);
    expect(detail.body).toMatchObject({ message: { channel: 'fhir', messageType: 'Appointment' }, tree: null });
    expect(detail.body.problem).toBeUndefined();
    expect(JSON.parse(detail.body.message.text as string)).toMatchObject({
      resourceType: 'Bundle',
      type: 'collection',
      entry: expect.arrayContaining([
        expect.objectContaining({ resource: expect.objectContaining({ resourceType: 'Appointment', id: 'example' }) }),
        expect.objectContaining({ resource: expect.objectContaining({ resourceType: 'Patient', id: 'example' }) }),
      ]),
    });
  });

  it('stores a version it already has once, and applies it once', async () => {
    const [before] = await casesOn(DAY);
    const report = await sync.syncNow('again');
    const appointments = report.types.find((r) => r.resourceType === 'Appointment')!;
    expect(appointments.stored).toBe(0);
    expect(appointments.duplicates).toBeGreaterThan(0);
    await applied();
    const { rows } = await db.query<{ n: string; duplicates: number }>(
      `SELECT count(*)::text AS n, max(duplicates) AS duplicates FROM inbox WHERE channel = 'fhir' AND control_id LIKE 'Appointment/example/%'`,
    );
    expect(rows[0]).toEqual({ n: '1', duplicates: expect.any(Number) });
    expect(rows[0]!.duplicates).toBeGreaterThan(0);
    const [after] = await casesOn(DAY);
    expect(after?.version).toBe(before?.version);
  });

  it('shows a change on the server after the next sync', async () => {
    const [before] = await casesOn(DAY);
    const current = await ehr.repo.readResource<Appointment>('Appointment', 'example');
    await ehr.put({ ...current, start: '2013-12-10T12:00:00Z', end: '2013-12-10T13:30:00Z' });
    await sync.syncNow('after a change');
    const after = await waitFor(
      async () => {
        const c = (await casesOn(DAY))[0];
        return c && Date.parse(c.scheduledStart) === Date.parse('2013-12-10T12:00:00Z') ? c : undefined;
      },
      { what: 'the moved appointment' },
    );
    expect(after.id).toBe(before!.id);
    expect(after.version).toBe(before!.version + 1);
    expect(Date.parse(after.scheduledEnd)).toBe(Date.parse('2013-12-10T13:30:00Z'));
  });

  it('reads Encounter location history and Procedure periods as milestones', async () => {
    await ehr.put({
      resourceType: 'Encounter',
      id: 'surgery-stay',
      status: 'in-progress',
      class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'IMP' },
      subject: { reference: 'Patient/example' },
      appointment: [{ reference: 'Appointment/example' }],
      location: [
        {
          location: { reference: 'Location/2' },
          status: 'completed',
          period: { start: '2013-12-10T11:20:00Z', end: '2013-12-10T11:55:00Z' },
        },
        {
          location: { reference: 'Location/1' },
          status: 'completed',
          period: { start: '2013-12-10T12:02:00Z', end: '2013-12-10T13:41:00Z' },
        },
      ],
    });
    await ehr.put({
      resourceType: 'Procedure',
      id: 'surgery',
      status: 'completed',
      code: { coding: [{ system: 'http://snomed.info/sct', code: '80146002', display: 'Appendectomy' }] },
      subject: { reference: 'Patient/example' },
      encounter: { reference: 'Encounter/surgery-stay' },
      performedPeriod: { start: '2013-12-10T12:21:00Z', end: '2013-12-10T13:20:00Z' },
    });
    await sync.syncNow('milestones');
    const c = await waitFor(
      async () => {
        const found = (await casesOn(DAY))[0];
        return found?.milestones.procedureEnd ? found : undefined;
      },
      { what: 'the milestones' },
    );
    expect(Object.fromEntries(Object.entries(c.milestones).map(([k, v]) => [k, Date.parse(v)]))).toEqual({
      inRoom: Date.parse('2013-12-10T12:02:00Z'),
      procedureStart: Date.parse('2013-12-10T12:21:00Z'),
      procedureEnd: Date.parse('2013-12-10T13:20:00Z'),
      outOfRoom: Date.parse('2013-12-10T13:41:00Z'),
    });
  });

  it('refuses a wrong or missing X-Hook-Secret with 401 and stores nothing', async () => {
    const { rows: before } = await db.query<{ n: string }>(`SELECT count(*)::text AS n FROM inbox`);
    for (const secret of ['not-the-secret-at-all-no', '', null]) {
      const res = await hook(notification([{ number: 1, focus: 'Appointment/example' }]), secret).expect(401);
      expect(res.headers['content-type']).toMatch(/^application\/fhir\+json/);
      expect(res.body).toMatchObject({
        resourceType: 'OperationOutcome',
        issue: [{ severity: 'error', code: 'login' }],
      });
    }
    const { rows: after } = await db.query<{ n: string }>(`SELECT count(*)::text AS n FROM inbox`);
    expect(after).toEqual(before);
  });

  it('fetches the resource of an id-only notification from the EHR and shows the change', async () => {
    const current = await ehr.repo.readResource<Appointment>('Appointment', 'example');
    await ehr.put({ ...current, start: '2013-12-10T12:30:00Z', end: '2013-12-10T14:00:00Z' });
    eventNumber = 1;
    const res = await hook(
      notification(
        [{ number: eventNumber, focus: `${ehr.url}/Appointment/example` }],
        [{ fullUrl: `${ehr.url}/Appointment/example` }],
      ),
    ).expect(200);
    expect(res.body).toMatchObject({
      resourceType: 'OperationOutcome',
      issue: [
        {
          severity: 'information',
          diagnostics: expect.stringMatching(/1 resource version\(s\) stored \(Appointment\/example\/_history\//),
        },
      ],
    });
    expect(res.body.issue).toHaveLength(1); // nothing missed: event 1 is the first
    const moved = await waitFor(
      async () => {
        const c = (await casesOn(DAY))[0];
        return c && Date.parse(c.scheduledStart) === Date.parse('2013-12-10T12:30:00Z') ? c : undefined;
      },
      { what: 'the notified change' },
    );
    expect(moved.identifiers.fhirAppointmentId).toBe('example');
  });

  it('detects a dropped notification from the event counter and heals it with a catch-up sync', async () => {
    // Event 2: a new booking on the EHR, whose notification never arrives.
    await ehr.put({
      resourceType: 'Appointment',
      id: 'dropped',
      status: 'booked',
      start: '2013-12-10T15:00:00Z',
      end: '2013-12-10T16:00:00Z',
      serviceType: [{ text: 'Laparoscopic cholecystectomy' }],
      participant: [
        { actor: { reference: 'Patient/example' }, status: 'accepted' },
        { actor: { reference: 'Location/1' }, status: 'accepted' },
      ],
    });
    // Event 3 arrives, in full: a change to the first appointment.
    const current = await ehr.repo.readResource<Appointment>('Appointment', 'example');
    const changed = await ehr.put({ ...current, comment: 'theatre list confirmed' });
    const res = await hook(
      notification(
        [{ number: 3, focus: `${ehr.url}/Appointment/example` }],
        [{ fullUrl: `${ehr.url}/Appointment/example`, resource: changed }],
      ),
    ).expect(200);
    expect(res.body.issue).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          severity: 'warning',
          code: 'incomplete',
          diagnostics: expect.stringMatching(
            /notifications were missed \(.*events 2–2 never arrived\); a catch-up sync is running/,
          ),
        }),
      ]),
    );
    await sync.whenIdle();
    await applied();
    const cases = await waitFor(
      async () => {
        const all = await casesOn(DAY);
        return all.length === 2 ? all : undefined;
      },
      { what: 'the dropped booking' },
    );
    expect(cases.map((c) => c.identifiers.fhirAppointmentId).sort()).toEqual(['dropped', 'example']);
    const { rows } = await db.query<{ events_since_start: string; missed: string }>(
      `SELECT events_since_start::text, missed::text FROM fhir_subscription`,
    );
    expect(rows).toEqual([{ events_since_start: '3', missed: '1' }]);
  });

  it('never fetches an id-only resource named on another server, and keeps the refusal', async () => {
    const asked = elsewhere.requests.length;
    const address = `${elsewhere.url}/Appointment/example`;
    const res = await hook(notification([{ number: 4, focus: address }], [{ fullUrl: address }])).expect(200);
    expect(res.body.issue).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          severity: 'warning',
          code: 'forbidden',
          diagnostics: expect.stringContaining(`${address}: not on FHIR_BASE_URL`),
        }),
      ]),
    );
    expect(elsewhere.requests.length).toBe(asked);
    const { rows } = await db.query<{ status: string; error: string; raw: Buffer }>(
      `SELECT status, error, raw FROM inbox WHERE channel = 'fhir' AND status = 'rejected'`,
    );
    expect(rows.map((r) => [r.status, r.raw.toString()])).toEqual([['rejected', address]]);
    expect(rows[0]!.error).toContain('not on FHIR_BASE_URL');
  });

  it('answers a body that is no notification nor Bundle with 400 and an OperationOutcome', async () => {
    const res = await hook({ resourceType: 'Patient', id: 'x' }).expect(400);
    expect(res.body).toMatchObject({
      resourceType: 'OperationOutcome',
      issue: [{ severity: 'error', code: 'invalid', diagnostics: 'expected a Bundle, got Patient' }],
    });
  });

  it('shows the sync per resource type to integration engineers (GET /api/fhir/sync), and runs one on POST', async () => {
    const as = (who: string) => requestAs(t.url, () => tokens[who]);
    const tokens: Record<string, string> = { admin: token };
    for (const [username, role] of [
      ['engineer', 'integration'],
      ['nurse', 'nurse'],
    ] as const) {
      await as('admin')
        .post('/api/users', { username, password: 'fhir-inbound-e2e-pass', displayName: username, roles: [role] })
        .expect(201);
      tokens[username] = await tokenFor(t.url, username, 'fhir-inbound-e2e-pass');
    }
    await request(t.url).get('/api/fhir/sync').expect(401);
    await as('nurse').get('/api/fhir/sync').expect(403);
    await as('nurse').post('/api/fhir/sync', {}).expect(403);

    const status = (await as('engineer').get('/api/fhir/sync').expect(200)).body as FhirSyncStatus;
    expect(status).toMatchObject({ enabled: true, baseUrl: ehr.url, running: false, intervalSeconds: 0 });
    expect(status.types.map((x) => x.resourceType)).toEqual([...FHIR_SYNC_TYPES]);
    const patients = status.types.find((x) => x.resourceType === 'Patient')!;
    expect(patients.highWater).toEqual(expect.any(String));
    expect(patients.lastError).toBeNull();
    expect(patients.stored).toBeGreaterThan(3);
    expect(patients.duplicates).toBeGreaterThan(0); // the second sync read them again
    expect(patients.lastRun).toEqual({ stored: 0, duplicates: expect.any(Number), pages: expect.any(Number) });

    // A change on the server, then POST: 202 at once; the run reads it.
    const current = await ehr.repo.readResource<Appointment>('Appointment', 'example');
    await ehr.put({ ...current, comment: 'sync asked for by hand' });
    const { rows: before } = await db.query<{ id: string }>(`SELECT coalesce(max(id), 0)::text AS id FROM audit_log`);
    const res = await as('engineer').post('/api/fhir/sync', {}).expect(202);
    expect(res.body).toMatchObject({ started: true, enabled: true });
    await sync.whenIdle();
    const after = (await as('engineer').get('/api/fhir/sync').expect(200)).body as FhirSyncStatus;
    expect(after.lastRun).toMatchObject({ reason: 'asked by engineer' });
    expect(after.types.find((x) => x.resourceType === 'Appointment')?.lastRun.stored).toBe(1);
    const { rows: audit } = await db.query<{ action: string; target_type: string }>(
      `SELECT action, target_type FROM audit_log WHERE id > $1::bigint AND action LIKE 'fhir.%'`,
      [before[0]!.id],
    );
    expect(audit).toEqual([{ action: 'fhir.sync.run', target_type: 'fhir-sync' }]);
    await applied();
  });

  it('cancels (never deletes) the case of an Appointment deleted on the server, at the next sync', async () => {
    const before = (await casesOn(DAY)).find((c) => c.identifiers.fhirAppointmentId === 'dropped')!;
    expect(before.status).toBe('scheduled');
    await ehr.repo.deleteResource('Appointment', 'dropped');
    const report = await sync.syncNow('after a deletion');
    expect(report.types.find((x) => x.resourceType === 'Appointment')).toMatchObject({ deleted: 1 });
    const cancelled = await waitFor(
      async () => {
        const c = (await casesOn(DAY)).find((x) => x.identifiers.fhirAppointmentId === 'dropped');
        return c?.status === 'cancelled' ? c : undefined;
      },
      { what: 'the case of the deleted appointment cancelled' },
    );
    expect(cancelled.id).toBe(before.id);
    const events = (await api(`/api/cases/${before.id}/events`).expect(200)).body as { kind: string }[];
    expect(events.length).toBeGreaterThan(1); // its history is kept
    // Once: the next sync finds the case cancelled and asks no more.
    const again = await sync.syncNow('again');
    expect(again.types.find((x) => x.resourceType === 'Appointment')?.deleted).toBeUndefined();
    const status = await sync.status();
    expect(status.types.find((x) => x.resourceType === 'Appointment')?.deleted).toBe(1);
  });
});
