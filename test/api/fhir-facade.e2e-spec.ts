import { Client } from 'pg';
import request from 'supertest';
import type { Bundle, BundleEntry, FhirResource, OperationOutcome } from 'fhir/r4';
import type { CaseView } from '@circulator/contracts';
import { ManualClock } from '@circulator/domain';
import { fhirIdOf } from '@circulator/fhir';
import { MllpClient } from '@circulator/hl7';
import { expectValidFhir } from '../support/fhir-validator';
import { adt, pcdVitals, siu } from '../support/hl7-messages';
import { ADMIN_PASSWORD, requestAs, startTestPlatform, tokenFor, type TestPlatform } from '../support/platform';
import { waitFor } from '../support/services';

const PASSWORD = 'fhir-facade-e2e-password';
const DAY = '2026-11-23';

interface AuditRow {
  actor: string;
  action: string;
  target_type: string;
  target_id: string | null;
  detail: Record<string, unknown>;
}

/**
 * Issue 6, outbound: the FHIR R4 read façade of CONTRACT §5 on a started platform fed over MLLP.
 * Every answer — resources, searchset Bundles, the CapabilityStatement and every OperationOutcome —
 * is checked with the FHIR R4 validator (test/support/fhir-validator.ts).
 */
describe('FHIR read façade', () => {
  let t: TestPlatform;
  let db: Client;
  const clock = new ManualClock(new Date('2026-11-23T12:00:00Z'));
  const tokens: Record<string, string> = {};
  const users: Record<string, string> = {};
  const cases: Record<string, string> = {};
  const as = (who: string) => requestAs(t.url, () => tokens[who]);

  /** GET as someone (or nobody): the answer must be FHIR JSON and valid FHIR R4, whatever its status. */
  async function fhir(path: string, who?: string, status = 200): Promise<FhirResource> {
    const req = who ? as(who).get(path) : request(t.url).get(path);
    const res = await req.expect(status);
    expect(res.headers['content-type']).toMatch(/^application\/fhir\+json/);
    expectValidFhir(res.body);
    return res.body as FhirResource;
  }
  const bundle = async (path: string, who = 'nurse'): Promise<Bundle> => (await fhir(path, who)) as Bundle;
  const outcome = async (path: string, who: string | undefined, status: number): Promise<OperationOutcome> => {
    const body = (await fhir(path, who, status)) as OperationOutcome;
    expect(body.resourceType).toBe('OperationOutcome');
    return body;
  };
  const matches = (b: Bundle): BundleEntry[] => (b.entry ?? []).filter((e) => e.search?.mode === 'match');
  const matchIds = (b: Bundle): string[] => matches(b).map((e) => e.resource?.id ?? '');
  const link = (b: Bundle, relation: string) => b.link?.find((l) => l.relation === relation)?.url;
  /** A link of a Bundle, as a path on the platform (the links are absolute). */
  const pathOf = (url: string): string => {
    const u = new URL(url);
    expect(u.origin).toBe(t.url);
    return u.pathname + u.search;
  };

  async function auditAfter(operation: () => Promise<unknown>): Promise<AuditRow[]> {
    const { rows } = await db.query<{ id: string }>(`SELECT coalesce(max(id), 0)::text AS id FROM audit_log`);
    await operation();
    return (
      await db.query<AuditRow>(
        `SELECT actor, action, target_type, target_id, detail FROM audit_log WHERE id > $1::bigint ORDER BY id`,
        [rows[0]!.id],
      )
    ).rows;
  }

  beforeAll(async () => {
    t = await startTestPlatform({ clock });
    db = new Client({ connectionString: t.database!.url });
    await db.connect();
    tokens.admin = await tokenFor(t.url, 'admin', ADMIN_PASSWORD);
    for (const [username, role] of [
      ['nurse', 'nurse'],
      ['desk', 'scheduler'],
      ['biomed', 'biomed'],
      ['engineer', 'integration'],
    ] as const) {
      const res = await as('admin')
        .post('/api/users', { username, password: PASSWORD, displayName: username, roles: [role] })
        .expect(201);
      users[username] = (res.body as { id: string }).id;
      tokens[username] = await tokenFor(t.url, username, PASSWORD);
    }

    // Four cases on the day (Europe/Paris, +01:00): A in OR7 under way, B later in OR7, C in OR8,
    // D in OR8 cancelled.
    const person = { minutes: 90, family: 'Everyman', given: 'Adam' } as const;
    const mllp = new MllpClient({ ackTimeoutMs: 10_000 });
    await mllp.connect('127.0.0.1', t.platform.mllpPort!);
    const messages = [
      siu({
        ...person,
        trigger: 'S12',
        controlId: 'F-1',
        placerId: 'PL-F1',
        fillerId: 'FL-F1',
        start: '20261123083000',
        room: 'OR7',
        mrn: 'M-F1',
      }),
      siu({
        ...person,
        trigger: 'S12',
        controlId: 'F-2',
        placerId: 'PL-F2',
        fillerId: 'FL-F2',
        start: '20261123110000',
        room: 'OR7',
        mrn: 'M-F2',
        procedure: ['27130', 'Total hip arthroplasty'],
      }),
      siu({
        ...person,
        trigger: 'S12',
        controlId: 'F-3',
        placerId: 'PL-F3',
        fillerId: 'FL-F3',
        start: '20261123090000',
        room: 'OR8',
        mrn: 'M-F3',
      }),
      siu({
        ...person,
        trigger: 'S12',
        controlId: 'F-4',
        placerId: 'PL-F4',
        fillerId: 'FL-F4',
        start: '20261123130000',
        room: 'OR8',
        mrn: 'M-F4',
      }),
      siu({
        ...person,
        trigger: 'S15',
        controlId: 'F-5',
        placerId: 'PL-F4',
        fillerId: 'FL-F4',
        start: '20261123130000',
        room: 'OR8',
        mrn: 'M-F4',
        sent: '20261120130000',
      }),
      adt({
        trigger: 'A02',
        controlId: 'F-6',
        at: '20261123083500',
        mrn: 'M-F1',
        family: 'Everyman',
        given: 'Adam',
        location: 'OR7^^^GENHOSP',
        priorLocation: 'PREOP^^^GENHOSP',
      }),
      pcdVitals({ controlId: 'F-7', at: '20261123091000', location: 'OR7^^^GENHOSP', mrn: 'M-F1', spo2: 97, hr: 72 }),
    ];
    for (const m of messages) expect(await mllp.send(m)).toMatch(/MSA\|AA\|/);
    await mllp.close();
    const booked = await waitFor(
      async () => {
        const list = (await as('admin').get(`/api/cases?date=${DAY}`).expect(200)).body as CaseView[];
        const a = list.find((c) => c.identifiers.placerAppointmentId === 'PL-F1');
        const d = list.find((c) => c.identifiers.placerAppointmentId === 'PL-F4');
        return list.length === 4 && a?.vitals.spo2 && a.milestones.inRoom && d?.status === 'cancelled'
          ? list
          : undefined;
      },
      { timeoutMs: 15_000, what: 'four cases, one in the room with vitals, one cancelled' },
    );
    const byPlacer = (placer: string): string => booked.find((c) => c.identifiers.placerAppointmentId === placer)!.id;
    cases.A = byPlacer('PL-F1');
    cases.B = byPlacer('PL-F2');
    cases.C = byPlacer('PL-F3');
    cases.D = byPlacer('PL-F4');
    await as('nurse')
      .post(`/api/cases/${cases.A}/milestones`, { milestone: 'procedureStart', at: '2026-11-23T08:00:00Z' })
      .expect(200);
    await as('admin')
      .post('/api/devices', { id: 'mon_7', type: 'monitor', roomId: 'or7-genhosp', vendor: 'Philips' })
      .expect(201);
    await as('admin').post('/api/devices', { id: 'pump-8', type: 'infusion-pump', roomId: 'or8-genhosp' }).expect(201);
  }, 60_000);

  afterAll(async () => {
    await db?.end();
    await t?.stop();
    t?.dataDir.remove();
  });

  describe('access', () => {
    it('needs a bearer token everywhere, the CapabilityStatement included (401 OperationOutcome)', async () => {
      for (const path of ['/fhir/metadata', '/fhir/Appointment', `/fhir/Appointment/${cases.A}`, '/fhir/Patient/1']) {
        const o = await outcome(path, undefined, 401);
        expect(o.issue[0]).toMatchObject({ severity: 'error', code: 'login' });
      }
      const res = await request(t.url).get('/fhir/Appointment').set('Authorization', 'Bearer nope').expect(401);
      expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
    });

    it('refuses roles that may not read a type (403 OperationOutcome)', async () => {
      expect((await outcome('/fhir/Observation', 'desk', 403)).issue[0]?.code).toBe('forbidden');
      expect((await outcome(`/fhir/Appointment/${cases.A}`, 'biomed', 403)).issue[0]?.code).toBe('forbidden');
      await outcome('/fhir/Device', 'nurse', 403);
    });

    it('answers 404 for what does not exist, and for types it does not serve', async () => {
      const o = await outcome('/fhir/Appointment/00000000-0000-4000-8000-000000000000', 'nurse', 404);
      expect(o.issue[0]).toMatchObject({ code: 'not-found' });
      await outcome('/fhir/Appointment/not-a-case', 'nurse', 404);
      await outcome(`/fhir/Observation/${cases.B}-hr`, 'nurse', 404); // B has no readings
      expect((await outcome('/fhir/Patient/1', 'nurse', 404)).issue[0]?.code).toBe('not-found');
      expect((await outcome('/fhir/Medication/1', 'nurse', 404)).issue[0]?.code).toBe('not-supported');
      await outcome('/fhir/Location/nowhere', 'nurse', 404);
    });

    it('answers 400 naming an unsupported parameter or a bad value, and 406 for XML', async () => {
      const o = await outcome('/fhir/Appointment?colour=red', 'nurse', 400);
      expect(o.issue[0]).toMatchObject({ code: 'not-supported', expression: ['colour'] });
      expect((await outcome('/fhir/Appointment?date=2026-11-23T09:00', 'nurse', 400)).issue[0]?.diagnostics).toMatch(
        /time zone/,
      );
      await outcome(`/fhir/Appointment?patient=Patient/x-${'0'.repeat(32)}`, 'nurse', 400);
      await outcome('/fhir/Appointment?_count=9999', 'nurse', 400);
      await outcome('/fhir/Appointment?_include=Appointment:actor', 'nurse', 400);
      await outcome('/fhir/Appointment?_format=xml', 'nurse', 406);
      const xml = await as('nurse').get('/fhir/metadata').set('Accept', 'application/fhir+xml').expect(406);
      expectValidFhir(xml.body);
    });

    it('is read-only: a write is a 405 OperationOutcome with Allow (after authentication)', async () => {
      await request(t.url).post('/fhir/Appointment').send({ resourceType: 'Appointment' }).expect(401);
      const res = await as('nurse').post('/fhir/Appointment', { resourceType: 'Appointment' }).expect(405);
      expect(res.headers['allow']).toBe('GET, HEAD');
      expect(res.headers['content-type']).toMatch(/^application\/fhir\+json/);
      expectValidFhir(res.body);
      await as('nurse').delete(`/fhir/Appointment/${cases.A}`).expect(405);
    });

    it('ignores unknown parameters when asked to be lenient', async () => {
      const res = await as('nurse')
        .get(`/fhir/Appointment?colour=red&date=${DAY}`)
        .set('Prefer', 'handling=lenient')
        .expect(200);
      expectValidFhir(res.body);
      expect((res.body as Bundle).total).toBe(4);
      expect(link(res.body as Bundle, 'self')).not.toMatch(/colour/);
    });
  });

  it('GET /fhir/metadata: an R4 CapabilityStatement of what the façade does', async () => {
    const cs = await fhir('/fhir/metadata', 'biomed');
    expect(cs).toMatchObject({
      resourceType: 'CapabilityStatement',
      fhirVersion: '4.0.1',
      kind: 'instance',
      implementation: { url: `${t.url}/fhir` },
    });
    const rest = (
      cs as { rest: { resource: { type: string; searchParam?: { name: string }[]; searchInclude?: string[] }[] }[] }
    ).rest[0]!;
    expect(rest.resource.map((r) => r.type)).toEqual([
      'Appointment',
      'Encounter',
      'Procedure',
      'Observation',
      'Location',
      'Device',
      'Patient',
      'Practitioner',
    ]);
    expect(rest.resource[0]!.searchParam!.map((p) => p.name)).toEqual([
      '_id',
      'identifier',
      'date',
      'patient',
      'location',
      'status',
    ]);
    expect(rest.resource[0]!.searchInclude).toEqual([
      'Appointment:location',
      'Appointment:patient',
      'Appointment:practitioner',
    ]);
  });

  describe('Patient and Practitioner', () => {
    it('reads a patient (id = MRN), with birth date and gender for clinicians only, audited', async () => {
      let p: FhirResource | undefined;
      const audit = await auditAfter(async () => (p = await fhir('/fhir/Patient/M-F1', 'nurse')));
      expect(p).toEqual({
        resourceType: 'Patient',
        id: 'M-F1',
        meta: { lastUpdated: expect.any(String) },
        identifier: [expect.objectContaining({ system: 'urn:circulator:mrn', value: 'M-F1' })],
        name: [{ use: 'official', text: 'Adam Everyman', family: 'Everyman', given: ['Adam'] }],
        gender: 'female',
        birthDate: '1960-02-14',
      });
      expect(audit).toEqual([
        {
          actor: `user:${users.nurse}`,
          action: 'fhir.read',
          target_type: 'patient',
          target_id: 'M-F1',
          detail: { resource: 'Patient/M-F1' },
        },
      ]);
      // Minimum necessary: an integration engineer sees the MRN and the name, not the demographics.
      const seen = await fhir('/fhir/Patient/M-F1', 'engineer');
      expect(seen).not.toHaveProperty('birthDate');
      expect(seen).not.toHaveProperty('gender');
      await outcome('/fhir/Patient/M-F1', 'biomed', 403);
      await outcome('/fhir/Practitioner', 'biomed', 403);
    });

    it('searches patients by identifier and name, audited with the MRNs served', async () => {
      expect(matchIds(await bundle('/fhir/Patient?identifier=urn:circulator:mrn|M-F3'))).toEqual(['M-F3']);
      expect((await bundle('/fhir/Patient?name=every')).total).toBe(4);
      expect((await bundle('/fhir/Patient?name:exact=every')).total).toBe(0);
      const audit = await auditAfter(() => bundle('/fhir/Patient?identifier=M-F2,M-F4', 'desk'));
      expect(audit).toEqual([
        {
          actor: `user:${users.desk}`,
          action: 'fhir.search',
          target_type: 'patient',
          target_id: null,
          detail: { resourceType: 'Patient', query: 'identifier=M-F2%2CM-F4', ids: ['M-F2', 'M-F4'], total: 2 },
        },
      ]);
    });

    it('reads and searches the surgeons and anesthesiologists of the schedule', async () => {
      expect(await fhir('/fhir/Practitioner/1001', 'nurse')).toMatchObject({
        resourceType: 'Practitioner',
        id: '1001',
        identifier: [{ system: 'urn:circulator:practitioner', value: '1001' }],
        name: [{ text: expect.stringContaining('House') }],
      });
      expect(matchIds(await bundle('/fhir/Practitioner?name:contains=quinn'))).toEqual(['2002']);
      await outcome('/fhir/Practitioner/9999', 'nurse', 404);
    });

    it('_include=Appointment:patient and Appointment:practitioner add the people once each', async () => {
      const b = await bundle(
        `/fhir/Appointment?_id=${cases.A},${cases.B}&_include=Appointment:patient&_include=Appointment:practitioner`,
      );
      expect(matchIds(b)).toEqual([cases.A, cases.B]);
      const included = (b.entry ?? []).filter((e) => e.search?.mode === 'include').map((e) => e.fullUrl);
      expect(included).toEqual([
        `${t.url}/fhir/Patient/M-F1`,
        `${t.url}/fhir/Patient/M-F2`,
        `${t.url}/fhir/Practitioner/1001`,
        `${t.url}/fhir/Practitioner/2002`,
      ]);
      expect(matchIds(await bundle('/fhir/Encounter?patient=Patient/M-F3'))).toEqual([cases.C]);
    });
  });

  describe('Appointment', () => {
    it('reads a case as an Appointment, audited', async () => {
      let a: FhirResource | undefined;
      const audit = await auditAfter(async () => (a = await fhir(`/fhir/Appointment/${cases.A}`, 'nurse')));
      expect(a).toMatchObject({
        resourceType: 'Appointment',
        id: cases.A,
        status: 'arrived',
        start: '2026-11-23T08:30:00+01:00', // times keep the offset their source gave
        end: '2026-11-23T10:00:00+01:00',
        description: 'Laparoscopic cholecystectomy',
      });
      expect(audit).toEqual([
        {
          actor: `user:${users.nurse}`,
          action: 'fhir.read',
          target_type: 'case',
          target_id: cases.A,
          detail: { resource: `Appointment/${cases.A}` },
        },
      ]);
    });

    it('searches by date (with prefixes), patient, location, status and identifier', async () => {
      expect(matchIds(await bundle(`/fhir/Appointment?date=${DAY}`))).toEqual([cases.A, cases.C, cases.B, cases.D]);
      expect(
        matchIds(await bundle('/fhir/Appointment?date=ge2026-11-23T09:00:00Z&date=lt2026-11-23T13:00:00Z')),
      ).toEqual([cases.B, cases.D]);
      expect((await bundle('/fhir/Appointment?date=2026-11-22')).total).toBe(0);
      expect(matchIds(await bundle('/fhir/Appointment?patient:identifier=urn:circulator:mrn|M-F3'))).toEqual([cases.C]);
      expect(matchIds(await bundle(`/fhir/Appointment?location=Location/or7-genhosp`))).toEqual([cases.A, cases.B]);
      expect(matchIds(await bundle('/fhir/Appointment?status=cancelled'))).toEqual([cases.D]);
      expect(matchIds(await bundle('/fhir/Appointment?status=booked'))).toEqual([cases.C, cases.B]);
      expect(matchIds(await bundle('/fhir/Appointment?identifier=FL-F2'))).toEqual([cases.B]);
      expect(matchIds(await bundle(`/fhir/Appointment?_id=${cases.C},${cases.D}&status=booked`))).toEqual([cases.C]);
    });

    it('pages with _count through next links to the end, and back through previous', async () => {
      const seen: string[] = [];
      let page = await bundle(`/fhir/Appointment?date=${DAY}&_count=1`);
      expect(page.total).toBe(4);
      expect(link(page, 'previous')).toBeUndefined();
      for (;;) {
        seen.push(...matchIds(page));
        const next = link(page, 'next');
        if (!next) break;
        page = await bundle(pathOf(next));
      }
      expect(seen).toEqual([cases.A, cases.C, cases.B, cases.D]);
      expect(link(page, 'self')).toBe(link(page, 'last'));
      const previous = await bundle(pathOf(link(page, 'previous')!));
      expect(matchIds(previous)).toEqual([cases.B]);
      expect(matchIds(await bundle(pathOf(link(page, 'first')!)))).toEqual([cases.A]);
    });

    it('_include=Appointment:location adds each room once', async () => {
      const b = await bundle(`/fhir/Appointment?date=${DAY}&_include=Appointment:location`);
      const included = (b.entry ?? []).filter((e) => e.search?.mode === 'include');
      expect(included.map((e) => e.fullUrl)).toEqual([
        `${t.url}/fhir/Location/or7-genhosp`,
        `${t.url}/fhir/Location/or8-genhosp`,
      ]);
      expect(b.total).toBe(4);
    });

    it('audits a search once, naming the cases served', async () => {
      const audit = await auditAfter(() => bundle('/fhir/Appointment?location=or8-genhosp', 'engineer'));
      expect(audit).toEqual([
        {
          actor: `user:${users.engineer}`,
          action: 'fhir.search',
          target_type: 'case',
          target_id: null,
          detail: { resourceType: 'Appointment', query: 'location=or8-genhosp', caseIds: [cases.C, cases.D], total: 2 },
        },
      ]);
    });
  });

  describe('Encounter and Procedure', () => {
    it('reads the course of a case under way', async () => {
      const e = await fhir(`/fhir/Encounter/${cases.A}`, 'nurse');
      expect(e).toMatchObject({
        status: 'in-progress',
        period: { start: '2026-11-23T08:35:00+01:00' },
        appointment: [{ reference: `Appointment/${cases.A}` }],
        location: [{ location: { reference: 'Location/or7-genhosp' }, status: 'active' }],
      });
      const p = await fhir(`/fhir/Procedure/${cases.A}`, 'nurse');
      expect(p).toMatchObject({ status: 'in-progress', performedPeriod: { start: '2026-11-23T08:00:00Z' } });
    });

    it('searches Encounters by status, date, patient and appointment, including their rooms', async () => {
      expect(matchIds(await bundle('/fhir/Encounter?status=in-progress'))).toEqual([cases.A]);
      expect(matchIds(await bundle('/fhir/Encounter?status=planned'))).toEqual([cases.C, cases.B]);
      expect(matchIds(await bundle(`/fhir/Encounter?date=ge${DAY}`))).toEqual([cases.A]);
      expect(matchIds(await bundle('/fhir/Encounter?subject:identifier=M-F4'))).toEqual([cases.D]);
      expect(matchIds(await bundle('/fhir/Encounter?patient:identifier=M-F1&location=Location/or7-genhosp'))).toEqual([
        cases.A,
      ]);
      const b = await bundle(`/fhir/Encounter?appointment=Appointment/${cases.A}&_include=Encounter:appointment`);
      expect((b.entry ?? []).map((e) => `${e.search?.mode} ${e.resource?.resourceType}`)).toEqual([
        'match Encounter',
        'include Appointment',
      ]);
    });

    it('searches Procedures by status, code, date and encounter', async () => {
      expect(matchIds(await bundle('/fhir/Procedure?status=in-progress'))).toEqual([cases.A]);
      expect(matchIds(await bundle('/fhir/Procedure?status=not-done'))).toEqual([cases.D]);
      expect(matchIds(await bundle('/fhir/Procedure?code=27130'))).toEqual([cases.B]);
      expect(matchIds(await bundle('/fhir/Procedure?date=2026-11-23T09:00%2B01:00'))).toEqual([]); // still going on: not within the minute
      expect(matchIds(await bundle('/fhir/Procedure?date=ge2026-11-23T09:00%2B01:00'))).toEqual([cases.A]);
      const b = await bundle(`/fhir/Procedure?encounter=Encounter/${cases.A}&_include=Procedure:encounter`);
      expect((b.entry ?? []).map((e) => e.resource?.resourceType)).toEqual(['Procedure', 'Encounter']);
    });
  });

  describe('Observation', () => {
    it('serves a case’s newest vitals as vital-signs Observations with LOINC codes', async () => {
      const b = await bundle(`/fhir/Observation?patient:identifier=M-F1&category=vital-signs`);
      expect(matchIds(b)).toEqual([`${cases.A}-hr`, `${cases.A}-spo2`]);
      const [hr, spo2] = matches(b).map(
        (e) =>
          e.resource as { code: { coding: { code: string }[] }; valueQuantity: unknown; effectiveDateTime: string },
      );
      expect(hr!.code.coding[0]!.code).toBe('8867-4');
      expect(hr!.valueQuantity).toEqual({ value: 72, unit: '/min', system: 'http://unitsofmeasure.org', code: '/min' });
      expect(hr!.effectiveDateTime).toBe('2026-11-23T09:10:00+01:00');
      expect(spo2!.code.coding[0]!.code).toBe('2708-6');
    });

    it('reads one, searches by code, encounter and date, and includes the Encounter', async () => {
      const spo2 = await fhir(`/fhir/Observation/${cases.A}-spo2`, 'engineer');
      expect(spo2).toMatchObject({
        valueQuantity: { value: 97, code: '%' },
        meta: { profile: ['http://hl7.org/fhir/StructureDefinition/oxygensat'] },
      });
      expect(matchIds(await bundle('/fhir/Observation?code=http://loinc.org|8867-4'))).toEqual([`${cases.A}-hr`]);
      expect((await bundle('/fhir/Observation?date=lt2026-11-23T08:00:00Z')).total).toBe(0);
      const b = await bundle(`/fhir/Observation?encounter=${cases.A}&_include=Observation:encounter`);
      expect((b.entry ?? []).map((e) => `${e.search?.mode} ${e.resource?.resourceType}/${e.resource?.id}`)).toEqual([
        `match Observation/${cases.A}-hr`,
        `match Observation/${cases.A}-spo2`,
        `include Encounter/${cases.A}`,
      ]);
      expect((await bundle('/fhir/Observation?category=procedure')).total).toBe(0);
    });
  });

  describe('Location and Device', () => {
    it('serves rooms, unaudited (no patient data)', async () => {
      const audit = await auditAfter(async () => {
        const b = await bundle('/fhir/Location?name=OR7', 'biomed');
        expect(matchIds(b)).toEqual(['or7-genhosp']);
        expect(await fhir('/fhir/Location/or8-genhosp', 'biomed')).toMatchObject({
          name: expect.any(String),
          identifier: expect.arrayContaining([{ system: 'urn:circulator:source-location', value: 'OR8^^^GENHOSP' }]),
        });
      });
      expect(audit).toEqual([]);
    });

    it('serves the device registry by room, a device id that is no FHIR id under its hashed id, audited', async () => {
      const hashed = fhirIdOf('mon_7');
      const audit = await auditAfter(async () => {
        const b = await bundle('/fhir/Device?location=Location/or7-genhosp&_include=Device:location', 'biomed');
        expect((b.entry ?? []).map((e) => `${e.search?.mode} ${e.resource?.resourceType}/${e.resource?.id}`)).toEqual([
          `match Device/${hashed}`,
          'include Location/or7-genhosp',
        ]);
        expect(await fhir(`/fhir/Device/${hashed}`, 'engineer')).toMatchObject({
          identifier: [{ system: 'urn:circulator:device', value: 'mon_7' }],
          manufacturer: 'Philips',
        });
        expect(
          matchIds(await bundle('/fhir/Device?type=infusion-pump&status=active&identifier=pump-8', 'biomed')),
        ).toEqual(['pump-8']);
      });
      expect(audit.map((r) => [r.action, r.target_type, r.target_id])).toEqual([
        ['fhir.search', 'device', null],
        ['fhir.read', 'device', 'mon_7'],
        ['fhir.search', 'device', null],
      ]);
      expect(audit[0]!.detail).toMatchObject({ ids: ['mon_7'] });
    });
  });
});
