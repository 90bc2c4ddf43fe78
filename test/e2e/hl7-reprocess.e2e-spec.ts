import request from 'supertest';
import type { CaseView } from '@circulator/contracts';
import { MllpClient } from '@circulator/hl7';
import { orm, siu } from '../support/hl7-messages';
import { ADMIN_PASSWORD, startTestPlatform, tokenFor, type TestPlatform } from '../support/platform';
import { waitFor } from '../support/services';

interface Summary {
  id: string;
  controlId: string | null;
  status: string;
  error: string | null;
}
interface Detail {
  message: Summary;
  attempts: { attempt: number; trigger: string; outcome: string; error: string | null }[];
  events: { caseId: string; version: number; kind: string }[];
}

const PASSWORD = 'reprocess-e2e-password';
const DAY = '2026-11-24';

function booking(controlId: string, placer: string, room: string): string {
  return siu({
    trigger: 'S12',
    controlId,
    placerId: placer,
    fillerId: `F${placer}`,
    start: '20261124083000',
    minutes: 60,
    room,
    mrn: `MRN-${placer}`,
    family: 'Reprocess',
    given: placer,
  });
}

function msaCodes(ack: string): string[] {
  return ack
    .split('\r')
    .filter((s) => s.startsWith('MSA|'))
    .map((s) => s.split('|')[1] ?? '?');
}

/**
 * Issue 3, done-when 4: a message that fails for want of a mapping, reprocessed after an integration
 * engineer adds the mapping, updates its case once, and the log shows both attempts. Also: a batch
 * in one MLLP frame, and an HL7 file uploaded through the API.
 */
describe('reprocessing after a mapping fix, batches and uploads', () => {
  let t: TestPlatform;
  let mllp: MllpClient;
  let engineer: string;

  const api = (method: 'get' | 'put' | 'post', path: string) =>
    request(t.url)[method](path).set('Authorization', `Bearer ${engineer}`);

  async function message(controlId: string, settled = true): Promise<Summary> {
    return waitFor(
      async () => {
        const res = await api('get', `/api/messages?controlId=${controlId}`).expect(200);
        const item = (res.body as { items: Summary[] }).items[0];
        return item && (!settled || item.status !== 'received') ? item : undefined;
      },
      { timeoutMs: 20_000, what: `message ${controlId} processed` },
    );
  }

  async function casesOfDay(): Promise<CaseView[]> {
    return (await api('get', `/api/cases?date=${DAY}`).expect(200)).body as CaseView[];
  }

  beforeAll(async () => {
    t = await startTestPlatform();
    const admin = await tokenFor(t.url, 'admin', ADMIN_PASSWORD);
    await request(t.url)
      .post('/api/users')
      .set('Authorization', `Bearer ${admin}`)
      .send({ username: 'ie-reprocess', password: PASSWORD, displayName: 'IE', roles: ['integration', 'scheduler'] })
      .expect(201);
    engineer = await tokenFor(t.url, 'ie-reprocess', PASSWORD);
    mllp = new MllpClient();
    await mllp.connect('127.0.0.1', t.platform.mllpPort!);
  }, 60_000);
  afterAll(async () => {
    await mllp?.close();
    await t?.stop();
    t?.dataDir.remove();
  });

  it('fails a booking at an unmapped location, then applies it once when reprocessed after the mapping', async () => {
    // The site wants every location mapped by hand.
    await api('put', '/api/interfaces/default').send({ locationPolicy: 'require-mapping' }).expect(200);
    expect(msaCodes(await mllp.send(booking('RP-1', 'RP1', 'THEATRE9')))).toEqual(['AA']);
    const failed = await message('RP-1');
    expect(failed.status).toBe('failed');
    expect(failed.error).toContain('location THEATRE9^^^GENHOSP is not mapped');
    expect(await casesOfDay()).toEqual([]);

    // The fix: map the location to a room, then reprocess the dead letter.
    await api('put', '/api/interfaces/default')
      .send({ locationPolicy: 'require-mapping', locations: { 'THEATRE9^^^GENHOSP': 'or-9' } })
      .expect(200);
    const queued = await api('post', '/api/messages/reprocess')
      .send({ ids: [failed.id] })
      .expect(202);
    expect(queued.body).toEqual({ queued: [failed.id], skipped: [] });
    expect((await message('RP-1')).status).toBe('applied');

    const [created] = await casesOfDay();
    expect(created).toMatchObject({ roomId: 'or-9', version: 1, identifiers: { placerAppointmentId: 'RP1' } });
    const detail = (await api('get', `/api/messages/${failed.id}`).expect(200)).body as Detail;
    expect(detail.attempts.map((a) => [a.attempt, a.trigger, a.outcome])).toEqual([
      [1, 'queue', 'failed'],
      [2, 'reprocess', 'applied'],
    ]);
    expect(detail.attempts[0]?.error).toContain('not mapped');
    expect(detail.events).toEqual([expect.objectContaining({ caseId: created!.id, version: 1, kind: 'case-created' })]);

    // Reprocessing what is applied changes nothing (idempotent), and is recorded.
    await api('post', '/api/messages/reprocess')
      .send({ ids: [failed.id] })
      .expect(202);
    await waitFor(
      async () => {
        const d = (await api('get', `/api/messages/${failed.id}`).expect(200)).body as Detail;
        return d.attempts.length === 3 && d.message.status === 'applied' ? d : undefined;
      },
      { timeoutMs: 20_000, what: 'the third attempt' },
    );
    const after = await casesOfDay();
    expect(after).toEqual([created]);
  }, 60_000);

  it('answers a batch in one MLLP frame with a batch of ACKs, one per message', async () => {
    const batch = [
      'FHS|^~\\&|EPIC|GENHOSP|CIRCULATOR|OR|20261124060000',
      'BHS|^~\\&|EPIC|GENHOSP|CIRCULATOR|OR|20261124060000||||B-1',
      booking('RP-B1', 'RPB1', 'THEATRE9'),
      booking('RP-B2', 'RPB2', 'THEATRE9'),
      'BTS|2',
      'FTS|1',
    ].join('\r');
    const ack = await mllp.send(batch);
    expect(ack.split('\r')[0]).toMatch(/^FHS\|/);
    expect(ack).toMatch(/\rBHS\|[^\r]*\|B-1(\||\r)/);
    expect(msaCodes(ack)).toEqual(['AA', 'AA']);
    expect(ack).toMatch(/\rBTS\|2(\||\r|$)/);
    await message('RP-B1');
    await message('RP-B2');
    const placers = (await casesOfDay()).map((c) => c.identifiers.placerAppointmentId).sort();
    expect(placers).toEqual(['RP1', 'RPB1', 'RPB2']);
  }, 30_000);

  it('links a surgical order to its booking by the order number, whichever comes first', async () => {
    const order = (controlId: string, orderNumber: string, mrn: string) =>
      orm({
        controlId,
        at: '20261124070000',
        control: 'NW',
        orderNumber,
        mrn,
        procedure: ['44970', 'Laparoscopic appendectomy'],
      });
    const booked = (controlId: string, placer: string, orderNumber: string) =>
      siu({
        trigger: 'S12',
        controlId,
        placerId: placer,
        fillerId: `F${placer}`,
        start: '20261124100000',
        minutes: 60,
        room: 'THEATRE9',
        mrn: `MRN-${placer}`,
        family: 'Ordered',
        given: placer,
        orderNumber,
      });
    // Booking first, then its order; and an order that arrives before its booking.
    expect(msaCodes(await mllp.send(booked('RP-O1', 'RPO1', 'ORD-77')))).toEqual(['AA']);
    expect(msaCodes(await mllp.send(order('RP-O2', 'ORD-77', 'MRN-RPO1')))).toEqual(['AA']);
    expect(msaCodes(await mllp.send(order('RP-O3', 'ORD-78', 'MRN-RPO2')))).toEqual(['AA']);
    expect(msaCodes(await mllp.send(booked('RP-O4', 'RPO2', 'ORD-78')))).toEqual(['AA']);
    for (const id of ['RP-O1', 'RP-O2', 'RP-O3', 'RP-O4']) expect((await message(id)).status).toBe('applied');
    const ordered = (await casesOfDay()).filter((c) => c.identifiers.placerAppointmentId?.startsWith('RPO'));
    expect(
      ordered
        .map((c) => [c.identifiers.placerAppointmentId, c.identifiers.orderNumber, c.orders?.map((o) => o.number)])
        .sort(),
    ).toEqual([
      ['RPO1', 'ORD-77', ['ORD-77']],
      ['RPO2', 'ORD-78', ['ORD-78']],
    ]);
  }, 30_000);

  it('takes an HL7 file uploaded by an integration engineer, each message on its own', async () => {
    const file = [booking('RP-U1', 'RPU1', 'THEATRE9'), booking('RP-U2', 'RPU2', 'NOWHERE')].join('\n');
    const res = await api('post', '/api/messages/upload')
      .set('Content-Type', 'application/hl7-v2')
      .send(file)
      .expect(200);
    expect(res.body).toMatchObject({
      messages: 2,
      acks: [
        { controlId: 'RP-U1', code: 'AA' },
        { controlId: 'RP-U2', code: 'AA' },
      ],
    });
    expect((await message('RP-U1')).status).toBe('applied');
    // Still no mapping for NOWHERE: kept as a dead letter for the console.
    expect((await message('RP-U2')).status).toBe('failed');
    const nurse = await api('post', '/api/messages/upload?interface=nope')
      .set('Content-Type', 'application/hl7-v2')
      .send(file)
      .expect(404);
    expect(nurse.headers['content-type']).toContain('application/problem+json');
  }, 30_000);
});
