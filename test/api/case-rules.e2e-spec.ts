import { Client } from 'pg';
import request from 'supertest';
import { connectAsync, type MqttClient } from 'mqtt';
import type { Socket } from 'socket.io-client';
import type { AlertEvent, CaseEventView, CaseView, UpdateEvent, WorkOrderView } from '@circulator/contracts';
import { ManualClock, caseRecordOf, replayEvents, type CaseEvent, type CaseState } from '@circulator/domain';
import { MllpClient } from '@circulator/hl7';
import { DeviceRepository } from '@circulator/persistence';
import { DeviceWatchdog } from '@circulator/pipeline';
import { pcdVitals, siu } from '../support/hl7-messages';
import {
  ADMIN_PASSWORD,
  connectLive,
  requestAs,
  startTestPlatform,
  tokenFor,
  type TestPlatform,
} from '../support/platform';
import { waitFor } from '../support/services';

const PASSWORD = 'case-rules-e2e-password';

/**
 * The worker's rule tick on a running platform (docs/alert-rules.md): equipment conflicts between
 * two bookings that need the one robot, stale data after the monitor's readings stop, the room's
 * temperature from its sensor over MQTT; and per-case vital limits (`PUT /api/cases/{id}/limits`)
 * that the stale rule then uses; a C-arm due for service that a later booking needs, until biomed
 * records the service. The clock is the test's (23 Nov 2026, Paris); each tick is called.
 */
describe('rule tick and per-case limits', () => {
  let t: TestPlatform;
  let db: Client;
  let live: Socket;
  let mqtt: MqttClient | undefined;
  const clock = new ManualClock(new Date('2026-11-23T06:00:00Z'));
  const tokens: Record<string, string> = {};
  const ids = { a: '', b: '', c: '', roomA: '', roomB: '' };
  const alerts: AlertEvent[] = [];

  const as = (who: string) => requestAs(t.url, () => tokens[who]);
  async function at(iso: string): Promise<void> {
    clock.set(new Date(iso));
    for (const who of Object.keys(tokens)) {
      tokens[who] = await tokenFor(t.url, who, who === 'admin' ? ADMIN_PASSWORD : PASSWORD);
    }
  }
  const caseOf = async (id: string) => (await as('admin').get(`/api/cases/${id}`).expect(200)).body as CaseView;
  const eventsOf = async (id: string) =>
    (await as('admin').get(`/api/cases/${id}/events`).expect(200)).body as CaseEventView[];
  const tick = () => t.platform.app.get(DeviceWatchdog).tick();
  async function sendHl7(...messages: string[]): Promise<void> {
    const mllp = new MllpClient({ ackTimeoutMs: 10_000 });
    await mllp.connect('127.0.0.1', t.platform.mllpPort!);
    for (const m of messages) expect(await mllp.send(m)).toMatch(/MSA\|AA\|/);
    await mllp.close();
  }

  beforeAll(async () => {
    // Everyone signs in again at each move of the clock: not the sign-in limit's subject.
    t = await startTestPlatform({
      clock,
      env: {
        RULE_TICK: 'on',
        RATE_LIMIT_LOGIN_PER_MINUTE: '0',
        ROOM_ZONES: 'suite-1=or21-genhosp;suite-2=or22-genhosp,or23-genhosp',
      },
    });
    db = new Client({ connectionString: t.database!.url });
    await db.connect();
    tokens.admin = await tokenFor(t.url, 'admin', ADMIN_PASSWORD);
    for (const [username, roles] of [
      ['anes-r', ['anesthesiologist']],
      ['nurse-r', ['nurse']],
      ['biomed-r', ['biomed']],
      ['ie-r', ['integration']],
    ] as const) {
      await as('admin').post('/api/users', { username, password: PASSWORD, displayName: username, roles }).expect(201);
      tokens[username] = await tokenFor(t.url, username, PASSWORD);
    }
    const base = { trigger: 'S12', family: 'Everyman', given: 'Eve' } as const;
    // Both need the robot (AIG-3, the registry's device type): OR21 08:30–10:30 and OR22 09:00–10:00, Paris time.
    const robot = 'AIG|1|A|surgical-robot^da Vinci Xi^L|101^Equipment^L';
    await sendHl7(
      `${siu({ ...base, controlId: 'RT-1', placerId: 'PL-R1', fillerId: '', start: '20261123083000', minutes: 120, room: 'OR21', mrn: 'M-R1' })}\r${robot}`,
      `${siu({ ...base, controlId: 'RT-2', placerId: 'PL-R2', fillerId: '', start: '20261123090000', minutes: 60, room: 'OR22', mrn: 'M-R2' })}\r${robot}`,
    );
    const cases = await waitFor(
      async () => {
        const list = (await as('admin').get('/api/cases?date=2026-11-23').expect(200)).body as CaseView[];
        return list.length === 2 ? list : undefined;
      },
      { timeoutMs: 10_000, what: 'the two bookings' },
    );
    const a = cases.find((c) => c.identifiers.placerAppointmentId === 'PL-R1')!;
    const b = cases.find((c) => c.identifiers.placerAppointmentId === 'PL-R2')!;
    Object.assign(ids, { a: a.id, b: b.id, roomA: a.roomId, roomB: b.roomId });
    expect(a.equipment).toEqual([{ code: 'surgical-robot', text: 'da Vinci Xi' }]);
    live = await connectLive(t.url, tokens.admin);
    live.on('alert', (e: AlertEvent) => alerts.push(e));
    const ack = await new Promise<{ ok: boolean }>((resolve) => live.emit('subscribe', { topic: 'alerts' }, resolve));
    expect(ack.ok).toBe(true);
  }, 60_000);

  afterAll(async () => {
    await mqtt?.endAsync();
    live?.close();
    await db?.end();
    await t?.stop();
  });

  it('two bookings that need the one registered robot at overlapping times: a low equipment conflict on each', async () => {
    await as('biomed-r')
      .post('/api/devices', { id: 'robot-21', type: 'surgical-robot', roomId: ids.roomB })
      .expect(201);
    expect((await tick()).changedCases.sort()).toEqual([ids.a, ids.b].sort());
    for (const id of [ids.a, ids.b]) {
      expect((await caseOf(id)).alerts).toEqual([
        {
          id: 'rule:equipment-conflict:surgical-robot',
          kind: 'equipment-conflict',
          priority: 'low',
          message: 'da Vinci Xi: 2 overlapping cases need one, 1 fit for use',
          raisedAt: '2026-11-23T06:00:00.000Z',
        },
      ]);
      const last = (await eventsOf(id)).at(-1)!;
      expect([last.kind, last.source.kind]).toEqual(['alert-raised', 'engine']);
    }
    // The alerts topic hears of both.
    await waitFor(() => alerts.filter((e) => e.alert.id === 'rule:equipment-conflict:surgical-robot').length === 2, {
      what: 'two alert events',
    });
    // The same tick again changes nothing.
    expect((await tick()).changedCases).toEqual([]);
  });

  it('PUT /api/cases/{id}/limits: anesthesiologist or admin, body checked, audited, in the log', async () => {
    const url = `/api/cases/${ids.a}/limits`;
    const body = { limits: { spo2: { low: 88 }, hr: { staleSeconds: 120 } }, reason: 'COPD, baseline SpO2 90 %' };
    await request(t.url).put(url).send(body).expect(401);
    const put = (who: string, payload: object) =>
      request(t.url).put(url).set('Authorization', `Bearer ${tokens[who]}`).send(payload);
    await put('nurse-r', body).expect(403);
    for (const bad of [
      { limits: { spo2: { low: 'low' } }, reason: 'because' },
      { limits: { pulse: { low: 40 } }, reason: 'because' },
      { limits: { hr: { low: 130, high: 120 } }, reason: 'because' },
      { limits: { spo2: { low: 88 } } },
      { limits: { spo2: { low: 88, sustain: 5 } }, reason: 'because' },
    ]) {
      const res = await put('anes-r', bad).expect(400);
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    }
    await request(t.url)
      .put('/api/cases/00000000-0000-4000-8000-000000000000/limits')
      .set('Authorization', `Bearer ${tokens['anes-r']}`)
      .send(body)
      .expect(404);

    const res = await put('anes-r', body).expect(200);
    expect((res.body as CaseView).limits).toEqual(body.limits);
    const last = (await eventsOf(ids.a)).at(-1)!;
    expect(last.kind).toBe('limits-changed');
    expect(last.change).toMatchObject({
      limits: { from: null, to: body.limits },
      reason: body.reason,
      actor: { role: 'anesthesiologist', name: 'anes-r' },
    });
    // The message log shows the request as the command it is, not as text.
    const logged = (await as('ie-r').get(`/api/messages/${last.source.id}`).expect(200)).body as Record<
      string,
      unknown
    >;
    expect(logged).toMatchObject({
      message: { channel: 'api', messageType: 'limits' },
      tree: null,
      command: {
        kind: 'limits',
        label: 'set vital limits (anesthesiologist)',
        caseId: ids.a,
        actor: { role: 'anesthesiologist', name: 'anes-r' },
        fact: { limits: body.limits, reason: body.reason },
      },
    });
    expect(logged.problem).toBeUndefined();
    const audit = await db.query<{ detail: unknown }>(
      `SELECT detail FROM audit_log WHERE action = 'cases.limits' AND target_id = $1`,
      [ids.a],
    );
    expect(audit.rows).toEqual([{ detail: { from: null, to: body.limits, reason: body.reason } }]);
  });

  it('stale data: SpO2 after 60 s without a reading, HR only after its own 120 s', async () => {
    await at('2026-11-23T07:36:00Z');
    await as('nurse-r')
      .post(`/api/cases/${ids.a}/milestones`, { milestone: 'inRoom', at: '2026-11-23T07:35:00Z' })
      .expect(200);
    await sendHl7(
      pcdVitals({ controlId: 'RT-V1', at: '20261123084000', location: 'OR21^^^GENHOSP', spo2: 97, hr: 72 }),
    );
    await waitFor(async () => (await caseOf(ids.a)).vitals.hr?.value === 72, { what: 'the readings' });

    await at('2026-11-23T07:41:00Z');
    await tick();
    expect((await caseOf(ids.a)).alerts.filter((a) => a.kind === 'stale-data')).toEqual([]);
    await at('2026-11-23T07:41:01Z');
    await tick();
    expect((await caseOf(ids.a)).alerts.filter((a) => a.kind === 'stale-data').map((a) => a.message)).toEqual([
      'No SpO2 reading for over 60 s',
    ]);
    await at('2026-11-23T07:42:01Z');
    await tick();
    expect((await caseOf(ids.a)).alerts.filter((a) => a.kind === 'stale-data').map((a) => a.message)).toEqual([
      'No SpO2 reading for over 60 s',
      'No HR reading for over 2 min',
    ]);
    // Readings again: the next tick clears both, logged as alert-cleared from the engine.
    await sendHl7(
      pcdVitals({ controlId: 'RT-V2', at: '20261123084230', location: 'OR21^^^GENHOSP', spo2: 96, hr: 70 }),
    );
    await waitFor(async () => (await caseOf(ids.a)).vitals.hr?.value === 70, { what: 'the new readings' });
    await at('2026-11-23T07:42:35Z');
    await tick();
    expect((await caseOf(ids.a)).alerts.filter((a) => a.kind === 'stale-data')).toEqual([]);
    const last = (await eventsOf(ids.a)).at(-1)!;
    expect([last.kind, last.source.kind, last.change.alerts]).toEqual([
      'alert-cleared',
      'engine',
      { cleared: ['rule:stale:spo2', 'rule:stale:hr'] },
    ]);
  });

  it("room environment: the sensor's 25.5 °C sustained 5 min raises a low alert on the case in the room", async () => {
    const sensor = await as('biomed-r')
      .post('/api/devices', { id: 'env-21', type: 'environment-sensor', roomId: ids.roomA })
      .expect(201);
    mqtt = await connectAsync(`mqtt://127.0.0.1:${t.platform.mqttPort}`, {
      username: 'env-21',
      password: (sensor.body as { mqttPassword: string }).mqttPassword,
      reconnectPeriod: 0,
    });
    const devices = t.platform.app.get(DeviceRepository);
    const publish = async (atIso: string, temperatureC: number) => {
      await mqtt!.publishAsync(
        `circulator/v1/rooms/${ids.roomA}/environment`,
        JSON.stringify({ at: atIso, temperatureC, humidityPct: 45 }),
        { qos: 1 },
      );
      await waitFor(async () => (await devices.environment(ids.roomA))?.at === new Date(atIso).toISOString(), {
        what: 'the stored reading',
      });
    };
    await at('2026-11-23T07:43:00Z');
    await publish('2026-11-23T07:43:00Z', 25.5);
    await tick();
    expect((await caseOf(ids.a)).alerts.filter((a) => a.kind === 'environment')).toEqual([]);
    await at('2026-11-23T07:48:05Z');
    await publish('2026-11-23T07:48:00Z', 25.5);
    await tick();
    const env = (await caseOf(ids.a)).alerts.filter((a) => a.kind === 'environment');
    expect(env).toEqual([
      {
        id: `rule:env:${ids.roomA}:temp:high`,
        kind: 'environment',
        priority: 'low',
        message: 'Room temperature high: 25.5 °C > 24 °C',
        raisedAt: '2026-11-23T07:48:00.000Z',
      },
    ]);
    const raised = (await eventsOf(ids.a)).at(-1)!;
    expect(raised.kind).toBe('alert-raised');
    expect(raised.change.environment).toEqual([
      { parameter: 'temp', value: 25.5, unit: '°C', at: '2026-11-23T07:48:00.000Z' },
      { parameter: 'humidity', value: 45, unit: '%', at: '2026-11-23T07:48:00.000Z' },
    ]);
    // The case in the other room, not in its room yet, is not told about OR21's air.
    expect((await caseOf(ids.b)).alerts.map((a) => a.kind)).toEqual(['equipment-conflict']);
  });

  it('the other booking is cancelled: the next tick clears the conflict on both', async () => {
    await sendHl7(
      siu({
        trigger: 'S15',
        controlId: 'RT-3',
        placerId: 'PL-R2',
        fillerId: '',
        start: '20261123090000',
        minutes: 60,
        room: 'OR22',
        mrn: 'M-R2',
        family: 'Everyman',
        given: 'Eve',
        sent: '20261123085000',
      }),
    );
    await waitFor(async () => (await caseOf(ids.b)).status === 'cancelled', { what: 'the cancellation' });
    await tick();
    expect((await caseOf(ids.a)).alerts.some((a) => a.kind === 'equipment-conflict')).toBe(false);
    expect((await caseOf(ids.b)).alerts).toEqual([]);
  });

  it('a later booking needs a C-arm whose service date has passed: maintenance due on the case until it is serviced', async () => {
    await at('2026-11-23T07:50:00Z');
    // A desk that signs in now (the first socket's access token has expired on the test's clock).
    const desk = { alerts: [] as AlertEvent[], updates: [] as UpdateEvent[] };
    const socket = await connectLive(t.url, tokens.admin!);
    socket.on('alert', (e: AlertEvent) => desk.alerts.push(e));
    socket.on('update', (u: UpdateEvent) => desk.updates.push(u));
    const ack = await new Promise<{ ok: boolean }>((resolve) => socket.emit('subscribe', { topic: 'alerts' }, resolve));
    expect(ack.ok).toBe(true);
    // OR23 11:00–12:00 Paris (10:00Z), needing a C-arm (AIG-3 imaging, a registry device type).
    await sendHl7(
      `${siu({ trigger: 'S12', controlId: 'RT-4', placerId: 'PL-R3', fillerId: '', start: '20261123110000', minutes: 60, room: 'OR23', mrn: 'M-R3', family: 'Everyman', given: 'Eve' })}\rAIG|1|A|imaging^Ziehm C-arm^L|101^Equipment^L`,
    );
    const c = await waitFor(
      async () => {
        const list = (await as('admin').get('/api/cases?date=2026-11-23').expect(200)).body as CaseView[];
        return list.find((x) => x.identifiers.placerAppointmentId === 'PL-R3');
      },
      { timeoutMs: 10_000, what: 'the third booking' },
    );
    ids.c = c.id;
    // The C-arm in OR23 was last serviced on 20 Oct, every 30 days: due since 19 Nov. Spares sit in
    // OR21 (suite 1) and OR22 (suite 2, with OR23: ROOM_ZONES): the one in the case's suite is named.
    expect([ids.roomA, ids.roomB, c.roomId]).toEqual(['or21-genhosp', 'or22-genhosp', 'or23-genhosp']);
    await as('biomed-r')
      .post('/api/devices', {
        id: 'carm-23',
        type: 'imaging',
        label: 'C-arm 23',
        roomId: c.roomId,
        serviceIntervalDays: 30,
        lastServiceAt: '2026-10-20T08:00:00Z',
      })
      .expect(201);
    await as('biomed-r')
      .post('/api/devices', { id: 'carm-21', type: 'imaging', label: 'C-arm 21', roomId: ids.roomA })
      .expect(201);
    await as('biomed-r')
      .post('/api/devices', { id: 'carm-22', type: 'imaging', label: 'C-arm 22', roomId: ids.roomB })
      .expect(201);
    expect((await tick()).changedCases).toContain(ids.c);
    const due = {
      id: 'rule:maintenance-due:carm-23',
      kind: 'maintenance-due',
      priority: 'low',
      message: `C-arm 23 due for service (service due 2026-11-19T08:00:00.000Z); use C-arm 22 (${ids.roomB})`,
      raisedAt: '2026-11-23T07:50:00.000Z',
    };
    // One case, C-arms fit for use: no conflict, only the maintenance alert.
    expect((await caseOf(ids.c)).alerts).toEqual([due]);
    const raised = (await eventsOf(ids.c)).at(-1)!;
    expect([raised.kind, raised.source.kind, raised.change.alerts]).toEqual([
      'alert-raised',
      'engine',
      { raised: [due] },
    ]);
    await waitFor(() => desk.alerts.some((e) => e.alert.id === due.id && e.alert.caseId === ids.c), {
      what: 'the maintenance alert event',
    });
    expect((await tick()).changedCases).not.toContain(ids.c);

    // Biomed services it (work order closed with serviced: true): the next tick clears the alert.
    const order = (
      await as('biomed-r').post('/api/work-orders', { deviceId: 'carm-23', note: 'overdue 30-day check' }).expect(201)
    ).body as WorkOrderView;
    await as('biomed-r')
      .post(`/api/work-orders/${order.id}/close`, { note: 'checked, passed', serviced: true })
      .expect(200);
    const seen = desk.updates.length;
    expect((await tick()).changedCases).toContain(ids.c);
    expect((await caseOf(ids.c)).alerts).toEqual([]);
    const cleared = (await eventsOf(ids.c)).at(-1)!;
    expect([cleared.kind, cleared.source.kind, cleared.change.alerts]).toEqual([
      'alert-cleared',
      'engine',
      { cleared: [due.id] },
    ]);
    // The alerts topic carries the case again, without it.
    await waitFor(
      () =>
        desk.updates
          .slice(seen)
          .some((u) => u.topic === 'alerts' && u.cases?.some((x) => x.id === ids.c && x.alerts.length === 0)),
      { what: 'the alerts update without it' },
    );
    socket.close();
  });

  it('rebuilding each case from its stored events equals the stored case (limits and tick facts included)', async () => {
    for (const id of [ids.a, ids.b, ids.c]) {
      const events = await db.query<{ version: number; kind: CaseEvent['kind']; change: Record<string, unknown> }>(
        `SELECT version, kind, change FROM case_event WHERE case_id = $1 ORDER BY version`,
        [id],
      );
      const stored = await db.query<{ state: CaseState }>(`SELECT state FROM surgical_case WHERE id = $1`, [id]);
      const log = events.rows.map((e): CaseEvent => ({
        ...e,
        caseId: id,
        at: '',
        receivedAt: '',
        source: { kind: 'engine', id: '' },
      }));
      expect(log.map((e) => e.kind)).toEqual(expect.arrayContaining(['case-created', 'alert-raised', 'alert-cleared']));
      expect(replayEvents(log)).toEqual(caseRecordOf(stored.rows[0]!.state));
    }
  });
});
