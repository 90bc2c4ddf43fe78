import { createServer, type AddressInfo, type Server } from 'node:net';
import { Client } from 'pg';
import type { Encounter, Procedure } from '@medplum/fhirtypes';
import type { CaseView } from '@circulator/contracts';
import { ManualClock } from '@circulator/domain';
import { FhirSyncService, WritebackSender } from '@circulator/fhir';
import { buildAck, decodeHl7, frame, MllpClient, MllpDeframer, readMsh } from '@circulator/hl7';
import { startFhirServer, type FhirTestServer } from '../support/fhir-server';
import { adt, siu } from '../support/hl7-messages';
import { ADMIN_PASSWORD, requestAs, startTestPlatform, tokenFor, type TestPlatform } from '../support/platform';
import { waitFor } from '../support/services';

const PASSWORD = 'writeback-e2e-password';

interface OutboxRow {
  id: string;
  target: string;
  case_id: string;
  case_version: number;
  status: string;
  attempts: number;
  last_error: string | null;
  result: string | null;
  next_attempt_at: Date;
}

/**
 * Write-back of milestones to the EHR (issue 6, off by default), end to end: a nurse records a
 * milestone through the REST API; the worker writes an outbox row in the same transaction; the
 * sender delivers it — as HL7 SIU^S14 over MLLP to a real listener, or as FHIR updates to a real
 * FHIR server — and a destination that fails first is retried after its backoff and delivered
 * once. The sender never runs by itself here (FHIR_WRITEBACK_INTERVAL_SECONDS=0) and time is a
 * ManualClock: each drain is explicit.
 */
describe('write-back of milestones to the EHR', () => {
  async function platformWith(env: Record<string, string>, clock: ManualClock) {
    const t = await startTestPlatform({ clock, env });
    const tokens: Record<string, string> = { admin: await tokenFor(t.url, 'admin', ADMIN_PASSWORD) };
    /** Moves the clock; tokens are signed on it, so new ones are taken. */
    const at = async (iso: string) => {
      clock.set(new Date(iso));
      tokens.admin = await tokenFor(t.url, 'admin', ADMIN_PASSWORD);
      tokens.nurse = await tokenFor(t.url, 'nurse', PASSWORD);
    };
    await requestAs(t.url, () => tokens.admin)
      .post('/api/users', { username: 'nurse', password: PASSWORD, displayName: 'Nurse Ratched', roles: ['nurse'] })
      .expect(201);
    tokens.nurse = await tokenFor(t.url, 'nurse', PASSWORD);
    const db = new Client({ connectionString: t.database!.url });
    await db.connect();
    const as = (who: string) => requestAs(t.url, () => tokens[who]);
    const outbox = async () =>
      (
        await db.query<OutboxRow>(
          `SELECT id::text, target, case_id::text, case_version, status, attempts, last_error, result, next_attempt_at
           FROM writeback_outbox ORDER BY id`,
        )
      ).rows;
    return { t, db, as, outbox, at };
  }

  async function book(t: TestPlatform, placerId: string): Promise<CaseView> {
    const mllp = new MllpClient({ ackTimeoutMs: 10_000 });
    await mllp.connect('127.0.0.1', t.platform.mllpPort!);
    const message = siu({
      trigger: 'S12',
      controlId: `WB-${placerId}`,
      placerId,
      fillerId: `FL-${placerId}`,
      start: '20261123083000',
      minutes: 90,
      room: 'OR3',
      mrn: `M-${placerId}`,
      family: 'Everyman',
      given: 'Adam',
    });
    expect(await mllp.send(message)).toMatch(/MSA\|AA\|/);
    await mllp.close();
    const token = await tokenFor(t.url, 'admin', ADMIN_PASSWORD);
    return waitFor(
      async () => {
        const list = (
          await requestAs(t.url, () => token)
            .get('/api/cases?date=2026-11-23')
            .expect(200)
        ).body as CaseView[];
        return list.find((c) => c.identifiers.placerAppointmentId === placerId);
      },
      { what: `the case ${placerId}` },
    );
  }

  describe('off (the default)', () => {
    const clock = new ManualClock(new Date('2026-11-23T07:00:00Z'));
    let p: Awaited<ReturnType<typeof platformWith>>;
    beforeAll(async () => {
      p = await platformWith({}, clock);
    });
    afterAll(async () => {
      await p?.db.end();
      await p?.t.stop();
      p?.t.dataDir.remove();
    });

    it('writes no outbox row and runs no sender', async () => {
      const c = await book(p.t, 'PL-OFF');
      await p.as('nurse').post(`/api/cases/${c.id}/milestones`, { milestone: 'inRoom' }).expect(200);
      expect(await p.outbox()).toEqual([]);
      expect(() => p.t.platform.app.get(WritebackSender)).toThrow();
    });
  });

  describe('FHIR_WRITEBACK=hl7: SIU^S14 over MLLP', () => {
    const clock = new ManualClock(new Date('2026-11-23T07:00:00Z'));
    let p: Awaited<ReturnType<typeof platformWith>>;
    let listener: Server;
    let sender: WritebackSender;
    /** Every message the EHR's interface engine received, and what it answered. */
    const received: { text: string; answered: string }[] = [];
    /** The next answers: 'AE' (an application error), 'drop' (no ACK: the connection closes), else AA. */
    const failures: ('AE' | 'drop')[] = [];

    beforeAll(async () => {
      // The EHR's interface engine: a small MLLP server (node:net, our deframer) that can also
      // drop a connection without answering, which a real engine does when it restarts.
      listener = createServer((socket) => {
        const deframer = new MllpDeframer();
        socket.on('data', (chunk: Buffer) => {
          for (const frameBytes of deframer.push(chunk).frames) {
            const text = frameBytes.toString('utf8');
            const failure = failures.shift();
            received.push({ text, answered: failure ?? 'AA' });
            if (failure === 'drop') {
              socket.destroy();
              return;
            }
            const msh = readMsh(text);
            if (!msh.ok) throw new Error('the platform sent a message without a valid MSH');
            const ack = buildAck(
              msh.header,
              failure ? { code: 'error', error: { code: 207, text: 'EHR interface engine busy' } } : { code: 'accept' },
              { now: new Date('2026-11-23T08:00:00Z'), controlId: `ACK${received.length}`, facilityTz: 'UTC' },
            );
            socket.write(frame(ack!));
          }
        });
        socket.on('error', () => undefined);
      });
      await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
      const { port } = listener.address() as AddressInfo;
      p = await platformWith(
        {
          FHIR_WRITEBACK: 'hl7',
          FHIR_WRITEBACK_MLLP: `127.0.0.1:${port}`,
          FHIR_WRITEBACK_HL7_RECEIVER: 'OPTIME^GENHOSP',
          FHIR_WRITEBACK_INTERVAL_SECONDS: '0',
        },
        clock,
      );
      sender = p.t.platform.app.get(WritebackSender);
    });
    afterAll(async () => {
      await p?.db.end();
      await p?.t.stop();
      p?.t.dataDir.remove();
      await new Promise((resolve) => listener?.close(resolve));
    });

    it('sends a nurse’s in-room as SIU^S14 with the appointment ids and the time in an OBX', async () => {
      const c = await book(p.t, 'PL-WB1');
      await p.at('2026-11-23T07:35:00Z');
      await p
        .as('nurse')
        .post(`/api/cases/${c.id}/milestones`, { milestone: 'inRoom', at: '2026-11-23T07:31:00Z' })
        .expect(200);
      const [row] = await p.outbox();
      expect(row).toMatchObject({ target: 'hl7', status: 'pending', attempts: 0, case_version: c.version + 1 });

      expect(await sender.drainNow()).toBe(1);
      expect(received).toHaveLength(1);
      const decoded = decodeHl7(Buffer.from(received[0]!.text));
      if (!decoded.ok) throw new Error('the write-back message does not decode');
      const seg = (name: string) => decoded.decoded.segments.find((x) => x.name === name)!;
      expect(readMsh(received[0]!.text)).toMatchObject({
        ok: true,
        header: {
          messageType: { code: 'SIU', trigger: 'S14' },
          sendingApplication: 'CIRCULATOR',
          receivingApplication: 'OPTIME',
          receivingFacility: 'GENHOSP',
          version: '2.5.1',
          controlId: `CIRCWB${row!.id}`,
        },
      });
      expect(seg('SCH').value(1)).toBe('PL-WB1');
      expect(seg('SCH').value(2)).toBe('FL-PL-WB1');
      expect(seg('SCH').value(25)).toBe('Started');
      expect([seg('PID').value(3, 1), seg('PID').value(3, 5)]).toEqual(['M-PL-WB1', 'MR']);
      const obx = seg('OBX');
      expect([obx.value(2), obx.value(3, 1), obx.value(3, 3), obx.value(5), obx.value(11)]).toEqual([
        'TS',
        'inRoom',
        '99CIRC',
        '20261123083100+0100',
        'F',
      ]);
      const [sent] = await p.outbox();
      expect(sent).toMatchObject({ status: 'sent', attempts: 1, last_error: null, result: `AA CIRCWB${row!.id}` });
    });

    it('retries a failing destination after its backoff and delivers the row once', async () => {
      const c = await book(p.t, 'PL-WB2');
      await p.at('2026-11-23T08:00:00Z');
      await p
        .as('nurse')
        .post(`/api/cases/${c.id}/milestones`, { milestone: 'inRoom', at: '2026-11-23T07:58:00Z' })
        .expect(200);
      const rowId = (await p.outbox()).at(-1)!.id;
      const before = received.length;

      // The EHR's engine answers AE: the row stays pending, with the error, due again in 10 s.
      failures.push('AE');
      expect(await sender.drainNow()).toBe(1);
      let row = (await p.outbox()).find((r) => r.id === rowId)!;
      expect(row).toMatchObject({ status: 'pending', attempts: 1 });
      expect(row.last_error).toMatch(/^AE: EHR interface engine busy/);
      expect(row.next_attempt_at.toISOString()).toBe('2026-11-23T08:00:10.000Z');
      // Not due yet: nothing is sent.
      expect(await sender.drainNow()).toBe(0);

      // Then the connection drops before any ACK: retried after 20 s.
      await p.at('2026-11-23T08:00:10Z');
      failures.push('drop');
      expect(await sender.drainNow()).toBe(1);
      row = (await p.outbox()).find((r) => r.id === rowId)!;
      expect(row).toMatchObject({ status: 'pending', attempts: 2 });
      expect(row.last_error).toMatch(/^MLLP 127\.0\.0\.1:\d+: MLLP connection closed/);
      expect(row.next_attempt_at.toISOString()).toBe('2026-11-23T08:00:30.000Z');

      await p.at('2026-11-23T08:00:30Z');
      expect(await sender.drainNow()).toBe(1);
      row = (await p.outbox()).find((r) => r.id === rowId)!;
      expect(row).toMatchObject({ status: 'sent', attempts: 3, result: `AA CIRCWB${rowId}` });

      // Three tries of the same message (same MSH-10), one accepted; nothing more afterwards.
      const tries = received.slice(before);
      expect(tries.map((r) => r.answered)).toEqual(['AE', 'drop', 'AA']);
      expect(new Set(tries.map((r) => controlIdOf(r.text)))).toEqual(new Set([`CIRCWB${rowId}`]));
      await p.at('2026-11-23T09:00:00Z');
      expect(await sender.drainNow()).toBe(0);
      expect(received.length).toBe(before + 3);
    });

    it('keeps a case’s changes in order, and sends nothing that came from the EHR itself', async () => {
      const c = await book(p.t, 'PL-WB3');
      await p.at('2026-11-23T09:10:00Z');
      await p
        .as('nurse')
        .post(`/api/cases/${c.id}/milestones`, { milestone: 'inRoom', at: '2026-11-23T09:01:00Z' })
        .expect(200);
      await p
        .as('nurse')
        .post(`/api/cases/${c.id}/milestones`, { milestone: 'procedureStart', at: '2026-11-23T09:05:00Z' })
        .expect(200);
      // An ADT transfer into the room (the EHR's own news) moves another case in: nothing to write back.
      const other = await book(p.t, 'PL-WB4');
      const mllp = new MllpClient({ ackTimeoutMs: 10_000 });
      await mllp.connect('127.0.0.1', p.t.platform.mllpPort!);
      const transfer = adt({
        trigger: 'A02',
        controlId: 'WB-A02',
        at: '20261123083200',
        mrn: 'M-PL-WB4',
        family: 'Everyman',
        given: 'Adam',
        location: 'OR3^^^GENHOSP',
      });
      expect(await mllp.send(transfer)).toMatch(/MSA\|AA\|/);
      await mllp.close();
      await waitFor(
        async () => {
          const token = await tokenFor(p.t.url, 'admin', ADMIN_PASSWORD);
          const view = (
            await requestAs(p.t.url, () => token)
              .get(`/api/cases/${other.id}`)
              .expect(200)
          ).body as CaseView;
          return view.milestones.inRoom;
        },
        { what: 'the transfer applied' },
      );
      expect((await p.outbox()).filter((r) => r.case_id === other.id)).toEqual([]);
      const rows = (await p.outbox()).filter((r) => r.case_id === c.id);
      expect(rows).toHaveLength(2);
      expect(rows.map((r) => r.status)).toEqual(['pending', 'pending']);

      // The first fails: the second, of the same case, waits for it.
      failures.push('AE');
      const before = received.length;
      expect(await sender.drainNow()).toBe(1);
      await p.at('2026-11-23T09:10:10Z');
      expect(await sender.drainNow()).toBe(2);
      expect(received.slice(before).map((r) => controlIdOf(r.text))).toEqual([
        `CIRCWB${rows[0]!.id}`,
        `CIRCWB${rows[0]!.id}`,
        `CIRCWB${rows[1]!.id}`,
      ]);
      expect((await p.outbox()).filter((r) => r.case_id === c.id).map((r) => r.status)).toEqual(['sent', 'sent']);
      const last = received.at(-1)!.text;
      expect(last).toContain('OBX|2|TS|procedureStart^Procedure start (incision)^99CIRC||20261123100500+0100');
    });
  });

  describe('FHIR_WRITEBACK=fhir: Encounter and Procedure updates on FHIR_BASE_URL', () => {
    const clock = new ManualClock(new Date('2013-12-10T08:00:00Z'));
    let ehr: FhirTestServer;
    let p: Awaited<ReturnType<typeof platformWith>>;
    let sender: WritebackSender;

    beforeAll(async () => {
      ehr = await startFhirServer();
      await ehr.loadCorpus();
      // The EHR's perioperative Encounter for the corpus' surgical Appointment.
      await ehr.put({
        resourceType: 'Encounter',
        id: 'periop',
        status: 'planned',
        class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'IMP' },
        subject: { reference: 'Patient/example' },
        appointment: [{ reference: 'Appointment/example' }],
      });
      p = await platformWith(
        {
          FHIR_BASE_URL: ehr.url,
          FHIR_SYNC_INTERVAL_SECONDS: '0',
          FHIR_WRITEBACK: 'fhir',
          FHIR_WRITEBACK_INTERVAL_SECONDS: '0',
        },
        clock,
      );
      sender = p.t.platform.app.get(WritebackSender);
      await p.t.platform.app.get(FhirSyncService).syncNow('test');
    });
    afterAll(async () => {
      await p?.db.end();
      await p?.t.stop();
      p?.t.dataDir.remove();
      await ehr?.close();
    });

    it('updates the Encounter (If-Match) and creates the Procedure once, after a failing EHR', async () => {
      const token = await tokenFor(p.t.url, 'admin', ADMIN_PASSWORD);
      const c = await waitFor(
        async () =>
          (
            (
              await requestAs(p.t.url, () => token)
                .get('/api/cases?date=2013-12-10')
                .expect(200)
            ).body as CaseView[]
          ).find((x) => x.identifiers.fhirAppointmentId === 'example'),
        { what: 'the synced appointment' },
      );
      await p.at('2013-12-10T09:30:00Z');
      await p
        .as('nurse')
        .post(`/api/cases/${c.id}/milestones`, { milestone: 'inRoom', at: '2013-12-10T09:02:00Z' })
        .expect(200);
      await p
        .as('nurse')
        .post(`/api/cases/${c.id}/milestones`, { milestone: 'procedureStart', at: '2013-12-10T09:21:00Z' })
        .expect(200);
      expect((await p.outbox()).map((r) => [r.target, r.status])).toEqual([
        ['fhir', 'pending'],
        ['fhir', 'pending'],
      ]);

      // The EHR is down for the first attempt.
      ehr.failNext(1, 503);
      expect(await sender.drainNow()).toBe(1);
      expect((await p.outbox())[0]).toMatchObject({ status: 'pending', attempts: 1 });
      expect((await p.outbox())[0]!.last_error).toMatch(/HTTP 503/);

      await p.at('2013-12-10T09:30:10Z');
      const asked = ehr.requests.length;
      expect(await sender.drainNow()).toBe(2);
      const rows = await p.outbox();
      expect(rows.map((r) => r.status)).toEqual(['sent', 'sent']);
      expect(rows[0]!.result).toMatch(/^Encounter\/periop\/_history\//);
      // Incision changes nothing on the Encounter (in progress since in room): only the Procedure.
      expect(rows[1]!.result).toMatch(/^Procedure\/[^/]+\/_history\/[^,]+$/);

      const encounter = await ehr.repo.readResource<Encounter>('Encounter', 'periop');
      expect(encounter.status).toBe('in-progress');
      expect(Date.parse(encounter.period!.start!)).toBe(Date.parse('2013-12-10T09:02:00Z'));
      expect(encounter.location).toEqual([
        expect.objectContaining({
          location: expect.objectContaining({ reference: 'Location/1' }),
          status: 'active',
          period: { start: expect.any(String) },
        }),
      ]);
      const procedures = await ehr.repo.searchResources<Procedure>({
        resourceType: 'Procedure',
        filters: [{ code: 'identifier', operator: 'eq', value: `urn:circulator:case|${c.id}` }],
      });
      expect(procedures).toHaveLength(1);
      expect(procedures[0]).toMatchObject({
        status: 'in-progress',
        subject: { reference: 'Patient/example' },
        encounter: { reference: 'Encounter/periop' },
      });
      expect(Date.parse(procedures[0]!.performedPeriod!.start!)).toBe(Date.parse('2013-12-10T09:21:00Z'));

      // Updates carry the version read; the create is conditional on our case identifier.
      const writes = ehr.requests.slice(asked).filter((r) => r.method !== 'GET');
      expect(writes.filter((r) => r.method === 'PUT').every((r) => /^W\/"[^"]+"$/.test(r.ifMatch ?? ''))).toBe(true);
      expect(writes.filter((r) => r.method === 'POST').map((r) => r.ifNoneExist)).toEqual([
        `identifier=urn:circulator:case|${c.id}`,
      ]);
      await p.at('2013-12-10T10:30:00Z');
      expect(await sender.drainNow()).toBe(0);
    });
  });
});

/** MSH-10 of a message. */
function controlIdOf(message: string): string {
  const msh = readMsh(message);
  return msh.ok ? msh.header.controlId : '';
}
