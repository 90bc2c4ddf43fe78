import { Client } from 'pg';
import request from 'supertest';
import type { CaseEventView, CaseView, KpiView } from '@circulator/contracts';
import { ManualClock } from '@circulator/domain';
import { MllpClient } from '@circulator/hl7';
import { siu } from '../support/hl7-messages';
import {
  ADMIN_PASSWORD,
  connectLive,
  requestAs,
  startTestPlatform,
  tokenFor,
  type TestPlatform,
} from '../support/platform';
import { waitFor } from '../support/services';

const PASSWORD = 'case-commands-e2e-password';

/**
 * What people do to cases (CONTRACT §3): milestones, the checklist, acknowledgements and the
 * desk's moves, each a fact on the one path (inbox row, engine, event log with the person), on a
 * running platform with PostgreSQL and Redis. The clock is the test's: 23 Nov 2026, 08:00 in Paris.
 */
describe('case commands: milestones, checklist, acknowledgements, desk moves', () => {
  let t: TestPlatform;
  let db: Client;
  const clock = new ManualClock(new Date('2026-11-23T07:00:00Z'));
  const tokens: Record<string, string> = {};
  const ids: Record<'first' | 'second' | 'other', string> = { first: '', second: '', other: '' };

  const as = (who: string) => requestAs(t.url, () => tokens[who]);
  /** Moves the clock; tokens are short-lived by the same clock, so everyone signs in again. */
  async function at(iso: string): Promise<void> {
    clock.set(new Date(iso));
    for (const who of Object.keys(tokens)) {
      tokens[who] = await tokenFor(t.url, who, who === 'admin' ? ADMIN_PASSWORD : PASSWORD);
    }
  }
  const events = async (id: string) =>
    (await as('admin').get(`/api/cases/${id}/events`).expect(200)).body as CaseEventView[];

  beforeAll(async () => {
    t = await startTestPlatform({ clock, env: { PREDICTIONS: 'on' } });
    db = new Client({ connectionString: t.database!.url });
    await db.connect();
    tokens.admin = await tokenFor(t.url, 'admin', ADMIN_PASSWORD);
    for (const [username, roles] of [
      ['nurse-cmd', ['nurse']],
      ['sched-cmd', ['scheduler']],
      ['biomed-cmd', ['biomed']],
    ] as const) {
      await as('admin').post('/api/users', { username, password: PASSWORD, displayName: username, roles }).expect(201);
      tokens[username] = await tokenFor(t.url, username, PASSWORD);
    }
    const mllp = new MllpClient({ ackTimeoutMs: 10_000 });
    await mllp.connect('127.0.0.1', t.platform.mllpPort!);
    const base = { trigger: 'S12', minutes: 60, family: 'Everyman', given: 'Adam' } as const;
    const bookings = [
      {
        ...base,
        controlId: 'CMD-1',
        placerId: 'PL-C1',
        fillerId: 'FL-C1',
        start: '20261123083000',
        room: 'OR5',
        mrn: 'M-C1',
      },
      {
        ...base,
        controlId: 'CMD-2',
        placerId: 'PL-C2',
        fillerId: 'FL-C2',
        start: '20261123100000',
        room: 'OR5',
        mrn: 'M-C2',
      },
      {
        ...base,
        controlId: 'CMD-3',
        placerId: 'PL-C3',
        fillerId: 'FL-C3',
        start: '20261123090000',
        room: 'OR6',
        mrn: 'M-C3',
      },
    ];
    for (const b of bookings) expect(await mllp.send(siu(b))).toMatch(/MSA\|AA\|/);
    await mllp.close();
    const cases = await waitFor(
      async () => {
        const list = (await as('admin').get('/api/cases?date=2026-11-23').expect(200)).body as CaseView[];
        return list.length === 3 ? list : undefined;
      },
      { timeoutMs: 10_000, what: 'three booked cases' },
    );
    const byPlacer = (p: string) => cases.find((c) => c.identifiers.placerAppointmentId === p)!.id;
    ids.first = byPlacer('PL-C1');
    ids.second = byPlacer('PL-C2');
    ids.other = byPlacer('PL-C3');
  });

  afterAll(async () => {
    await db?.end();
    await t?.stop();
    t?.dataDir.remove();
  });

  it('refuses without a token (401) and for roles that may not (403)', async () => {
    await request(t.url).post(`/api/cases/${ids.first}/milestones`).send({ milestone: 'inRoom' }).expect(401);
    await request(t.url).post('/api/alerts/checklist:timeOut/ack').expect(401);
    await request(t.url).patch(`/api/cases/${ids.first}`).send({ roomId: 'x' }).expect(401);
    await as('sched-cmd').post(`/api/cases/${ids.first}/milestones`, { milestone: 'inRoom' }).expect(403);
    await as('nurse-cmd').patch(`/api/cases/${ids.first}`, { scheduledStart: '2026-11-23T13:00:00Z' }).expect(403);
    await as('biomed-cmd').post(`/api/cases/${ids.first}/checklist`, { phase: 'signIn' }).expect(403);
  });

  it('refuses bad bodies with problem JSON (400/422) and unknown cases with 404', async () => {
    const bad = await as('nurse-cmd').post(`/api/cases/${ids.first}/milestones`, { milestone: 'lunch' }).expect(400);
    expect(bad.headers['content-type']).toMatch(/application\/problem\+json/);
    expect((bad.body as { detail: string }).detail).toContain('milestone');
    await as('nurse-cmd')
      .post(`/api/cases/${ids.first}/milestones`, { milestone: 'inRoom', colour: 'red' })
      .expect(400);
    await as('nurse-cmd')
      .post(`/api/cases/${ids.first}/milestones`, { milestone: 'inRoom', at: '2026-11-23T12:00:00Z' })
      .expect(422);
    await as('nurse-cmd')
      .post('/api/cases/00000000-0000-4000-8000-000000000000/milestones', { milestone: 'inRoom' })
      .expect(404);
  });

  it('a nurse records in-room (now by default): the case is in-room, on the live topic and in the log with her name', async () => {
    const live = await connectLive(t.url, tokens.admin!);
    const ack = (await live.emitWithAck('subscribe', { topic: `case:${ids.first}` })) as { ok: boolean };
    expect(ack.ok).toBe(true);
    const update = new Promise<{ cases: CaseView[] }>((resolve) => live.once('update', resolve));

    await at('2026-11-23T07:31:00Z');
    const res = await as('nurse-cmd').post(`/api/cases/${ids.first}/milestones`, { milestone: 'inRoom' }).expect(200);
    const view = res.body as CaseView;
    expect(view.milestones.inRoom).toBe('2026-11-23T07:31:00.000Z');
    expect(view.status).toBe('in-room');
    expect((await update).cases[0]?.milestones.inRoom).toBe('2026-11-23T07:31:00.000Z');
    live.close();

    const last = (await events(ids.first)).filter((e) => e.kind !== 'prediction-updated').at(-1)!;
    expect(last).toMatchObject({
      kind: 'milestone-recorded',
      source: { kind: 'manual' },
      change: { milestone: 'inRoom', via: 'manual', actor: { role: 'nurse', name: 'nurse-cmd' } },
    });
  });

  it('a correction needs a reason; it is applied with it and audited', async () => {
    const path = `/api/cases/${ids.first}/milestones`;
    const refused = await as('nurse-cmd').post(path, { milestone: 'inRoom', at: '2026-11-23T07:25:00Z' }).expect(422);
    expect((refused.body as { detail: string }).detail).toContain('reason');
    const fixed = await as('nurse-cmd')
      .post(path, { milestone: 'inRoom', at: '2026-11-23T07:25:00Z', reason: 'entered late at the desk' })
      .expect(200);
    expect((fixed.body as CaseView).milestones.inRoom).toBe('2026-11-23T07:25:00.000Z');
    const last = (await events(ids.first)).filter((e) => e.kind !== 'prediction-updated').at(-1)!;
    expect(last.change).toMatchObject({ reason: 'entered late at the desk' });
    const audit = await db.query<{ detail: { reason: string; from: string } }>(
      `SELECT detail FROM audit_log WHERE action = 'cases.milestone.correct' AND target_id = $1`,
      [ids.first],
    );
    expect(audit.rows).toEqual([
      { detail: expect.objectContaining({ reason: 'entered late at the desk', from: '2026-11-23T07:31:00.000Z' }) },
    ]);
  });

  it('incision without a Time Out raises a high alert; acknowledged by the nurse, not the desk; cleared by the Time Out', async () => {
    await at('2026-11-23T07:45:00Z');
    const view = (
      await as('nurse-cmd').post(`/api/cases/${ids.first}/milestones`, { milestone: 'procedureStart' }).expect(200)
    ).body as CaseView;
    expect(view.status).toBe('in-procedure');
    expect(view.alerts).toEqual([
      expect.objectContaining({ id: 'checklist:timeOut', kind: 'checklist', priority: 'high' }),
    ]);

    await as('sched-cmd').post('/api/alerts/checklist:timeOut/ack').expect(403);
    await as('nurse-cmd').post('/api/alerts/no-such-alert/ack').expect(404);
    await at('2026-11-23T07:46:00Z');
    const acked = await as('nurse-cmd').post('/api/alerts/checklist:timeOut/ack').expect(200);
    expect(acked.body).toEqual({
      caseId: ids.first,
      alert: expect.objectContaining({ id: 'checklist:timeOut', acknowledgedAt: '2026-11-23T07:46:00.000Z' }),
    });

    const done = (await as('nurse-cmd').post(`/api/cases/${ids.first}/checklist`, { phase: 'timeOut' }).expect(200))
      .body as CaseView;
    expect(done.alerts).toEqual([]);
    expect(done.checklist).toEqual({ timeOut: { at: '2026-11-23T07:46:00.000Z', by: 'nurse-cmd' } });
    const kinds = (await events(ids.first)).map((e) => e.kind);
    expect(kinds.filter((k) => k !== 'prediction-updated').slice(-3)).toEqual([
      'milestone-recorded',
      'alert-acknowledged',
      'checklist-recorded',
    ]);
  });

  it('a repeated Idempotency-Key is applied once', async () => {
    // Predictions write their own events when they move: count the checklist's only.
    const checklistEvents = async () => (await events(ids.other)).filter((e) => e.kind === 'checklist-recorded').length;
    const before = await checklistEvents();
    for (let i = 0; i < 2; i++) {
      await request(t.url)
        .post(`/api/cases/${ids.other}/checklist`)
        .set('Authorization', `Bearer ${tokens['nurse-cmd']}`)
        .set('Idempotency-Key', 'sign-in-once')
        .send({ phase: 'signIn' })
        .expect(200);
    }
    expect(await checklistEvents()).toBe(before + 1);
  });

  it('the desk moves a case: 409 with the conflict on an occupied slot, 409 for a case in the room, 200 otherwise', async () => {
    const clash = await as('sched-cmd')
      .patch(`/api/cases/${ids.second}`, { scheduledStart: '2026-11-23T07:45:00Z' })
      .expect(409);
    expect(clash.body).toMatchObject({
      type: 'urn:circulator:problem:schedule-conflict',
      conflicts: [expect.objectContaining({ kind: 'overlap', caseId: ids.first })],
    });
    await as('sched-cmd').patch(`/api/cases/${ids.first}`, { scheduledStart: '2026-11-23T12:00:00Z' }).expect(409);
    await as('sched-cmd').patch(`/api/cases/${ids.second}`, { roomId: 'no-such-room' }).expect(422);

    const rooms = (await as('admin').get('/api/rooms').expect(200)).body as { id: string; name: string }[];
    const or6 = rooms.find((r) => r.name.includes('OR6'))!;
    const moved = (
      await as('sched-cmd')
        .patch(`/api/cases/${ids.second}`, { roomId: or6.id, scheduledStart: '2026-11-23T10:30:00Z' })
        .expect(200)
    ).body as CaseView;
    expect(moved).toMatchObject({
      roomId: or6.id,
      scheduledStart: '2026-11-23T10:30:00.000Z',
      scheduledEnd: '2026-11-23T11:30:00.000Z',
    });
    const last = (await events(ids.second)).filter((e) => e.kind !== 'prediction-updated').at(-1)!;
    expect(last).toMatchObject({ kind: 'schedule-changed', source: { kind: 'manual' } });
  });

  it('KPIs of the day: OR5 first case on time (in at 07:25Z for 07:30Z), OR6 first case late so far; refused without a token or date', async () => {
    await request(t.url).get('/api/kpis?date=2026-11-23').expect(401);
    await as('sched-cmd').get('/api/kpis').expect(400);
    const kpis = (await as('sched-cmd').get('/api/kpis?date=2026-11-23').expect(200)).body as KpiView;
    const room = (name: string) => kpis.rooms.find((r) => r.roomName.includes(name))!;
    expect(room('OR5').firstCase).toMatchObject({
      caseId: ids.first,
      actualStart: '2026-11-23T07:25:00.000Z',
      onTime: true,
    });
    // OR6's first case (09:00 Paris = 08:00Z) has had no patient in room; the clock says 07:46Z: pending.
    expect(room('OR6').firstCase).toMatchObject({ caseId: ids.other, onTime: null, status: 'pending' });
    // Staffed 07:00-17:00 Paris = 06:00Z-16:00Z by default (OR_HOURS).
    expect(room('OR5').utilisation.staffedMinutesDay).toBe(600);
  });

  it('predictions: every case gets a predicted start and end with its basis, written by the engine into the log', async () => {
    // No finished cases yet, so the basis is the schedule; OR5's first case is in the room (actual start).
    const first = await waitFor(
      async () => {
        const c = (await as('admin').get(`/api/cases/${ids.first}`).expect(200)).body as CaseView;
        return c.predictedStart === '2026-11-23T07:25:00.000Z' ? c : undefined;
      },
      { timeoutMs: 10_000, what: 'the first case predicted from its in-room' },
    );
    expect(first.prediction?.method).toBe('schedule');
    expect(Date.parse(first.predictedEnd!)).toBeGreaterThan(Date.parse(first.predictedStart!));
    const predicted = (await events(ids.first)).filter((e) => e.kind === 'prediction-updated');
    expect(predicted.at(-1)).toMatchObject({ source: { kind: 'engine' }, change: { basis: { method: 'schedule' } } });
  });
});
