import { connectAsync, type IClientOptions, type MqttClient } from 'mqtt';
import request from 'supertest';
import type { Socket } from 'socket.io-client';
import type { CaseView, DeviceEventView } from '@circulator/contracts';
import { MqttEdge } from '@circulator/devices';
import { ManualClock } from '@circulator/domain';
import { MllpClient } from '@circulator/hl7';
import { selfSignedCertificate, type TestCertificate } from '../support/certificates';
import { pcdVitals, siu } from '../support/hl7-messages';
import {
  ADMIN_PASSWORD,
  connectLive,
  requestAs,
  startTestPlatform,
  tokenFor,
  type TestPlatform,
} from '../support/platform';
import { createTempDir, waitFor, type TempDir } from '../support/services';

const PASSWORD = 'device-series-e2e-password';

interface UpdateEvent {
  topic: string;
  version: number;
  cases?: CaseView[];
}

interface VitalsAnswer {
  caseId: string;
  step: string;
  from: string;
  to: string;
  series: { name: string; unit: string; points: Record<string, unknown>[] }[];
  next?: string;
}

/**
 * Devices over MQTT over TLS on the embedded broker, and what their readings become (issue 5): a
 * monitor connecting over TLS with its credentials reaches a `room:` subscriber and a wrong
 * password over TLS is refused; readings (MQTT and PCD-01) are stored as a series read by
 * `GET /api/cases/{id}/vitals`; firmware approvals; a patient's RTLS tag entering and leaving PACU.
 */
describe('device series over TLS, vitals trends, firmware approvals and PACU', () => {
  let t: TestPlatform;
  let certDir: TempDir;
  let cert: TestCertificate;
  const clock = new ManualClock(new Date('2026-11-23T07:40:00Z'));
  const tokens: Record<string, string> = {};
  const secrets: Record<string, string> = {};
  const open: MqttClient[] = [];
  let live: Socket;
  let caseId = '';
  let roomId = '';
  const updates: UpdateEvent[] = [];

  const as = (who: string) => requestAs(t.url, () => tokens[who]);
  const tlsOptions = (username: string, password: string): IClientOptions => ({
    username,
    password,
    reconnectPeriod: 0,
    connectTimeout: 5_000,
    ca: cert.cert,
    rejectUnauthorized: true,
    servername: 'localhost',
    clientId: `${username}-${open.length}`,
  });
  const tlsUrl = () => `mqtts://127.0.0.1:${t.platform.app.get(MqttEdge).ports()!.tlsPort!}`;
  async function device(id: string): Promise<MqttClient> {
    const client = await connectAsync(tlsUrl(), tlsOptions(id, secrets[id]!));
    open.push(client);
    return client;
  }
  const caseView = async () => (await as('admin').get(`/api/cases/${caseId}`).expect(200)).body as CaseView;
  const vitals = async (query: string, who = 'nurse') =>
    (await as(who).get(`/api/cases/${caseId}/vitals?${query}`).expect(200)).body as VitalsAnswer;
  const security = async (id: string) =>
    (
      (await as('biomed').get(`/api/devices/${id}/events?kind=security`).expect(200)).body as {
        events: DeviceEventView[];
      }
    ).events;

  beforeAll(async () => {
    certDir = createTempDir('circulator-mqtt-tls-');
    cert = selfSignedCertificate(certDir.path);
    t = await startTestPlatform({
      clock,
      env: {
        MQTT_TLS_CERT: cert.certFile,
        MQTT_TLS_KEY: cert.keyFile,
        MQTT_TLS_PORT: '0',
        PACU_ROOMS: 'PACU-1,PACU-2',
      },
    });
    tokens.admin = await tokenFor(t.url, 'admin', ADMIN_PASSWORD);
    for (const [username, roles] of [
      ['biomed', ['biomed']],
      ['nurse', ['nurse']],
      ['scheduler', ['scheduler']],
    ] as const) {
      await as('admin').post('/api/users', { username, password: PASSWORD, displayName: username, roles }).expect(201);
      tokens[username] = await tokenFor(t.url, username, PASSWORD);
    }
    const mllp = new MllpClient({ ackTimeoutMs: 10_000 });
    await mllp.connect('127.0.0.1', t.platform.mllpPort!);
    const booking = siu({
      trigger: 'S12',
      controlId: 'SER-1',
      placerId: 'PL-S1',
      fillerId: 'FL-S1',
      start: '20261123083000',
      minutes: 120,
      room: 'OR5',
      mrn: 'M-S1',
      family: 'Roe',
      given: 'Ria',
    });
    expect(await mllp.send(booking)).toMatch(/MSA\|AA\|/);
    await mllp.close();
    const booked = await waitFor(
      async () => {
        const list = (await as('admin').get('/api/cases?date=2026-11-23').expect(200)).body as CaseView[];
        return list[0];
      },
      { what: 'the booked case' },
    );
    caseId = booked.id;
    roomId = booked.roomId;
    for (const body of [
      { id: 'mon-s1', type: 'monitor', roomId },
      { id: 'pump-s1', type: 'infusion-pump', roomId },
      { id: 'tag-s1', type: 'rtls-tag', binding: { kind: 'patient', mrn: 'M-S1' } },
    ]) {
      const res = await as('biomed').post('/api/devices', body).expect(201);
      secrets[body.id] = (res.body as { mqttPassword: string }).mqttPassword;
    }
    live = await connectLive(t.url, tokens.admin);
    live.on('update', (u: UpdateEvent) => updates.push(u));
    const ack = await new Promise<{ ok: boolean }>((resolve) =>
      live.emit('subscribe', { topic: `room:${roomId}` }, resolve),
    );
    expect(ack.ok).toBe(true);
  });

  afterAll(async () => {
    for (const c of open) await c.endAsync(true).catch(() => undefined);
    live?.close();
    await t?.stop();
    t?.dataDir.remove();
    certDir?.remove();
  });

  it("takes a monitor's reading over MQTT over TLS to a room: subscriber", async () => {
    const monitor = await device('mon-s1');
    await monitor.publishAsync(
      'circulator/v1/devices/mon-s1/observations',
      JSON.stringify({
        at: '2026-11-23T07:45:00Z',
        observations: [
          { code: 150456, value: 96 },
          { code: 147842, value: 70 },
        ],
      }),
      { qos: 1 },
    );
    const update = await waitFor(
      () => updates.find((u) => u.cases?.find((c) => c.id === caseId)?.vitals.spo2?.value === 96),
      { what: 'the TLS reading on room:' },
    );
    expect(update.topic).toBe(`room:${roomId}`);
  });

  it('refuses a wrong password over TLS, and records it', async () => {
    const refused = await connectAsync(tlsUrl(), tlsOptions('mon-s1', 'not-the-secret')).then(
      (client) => {
        open.push(client);
        return undefined;
      },
      (err: Error) => err,
    );
    expect(refused?.message).toMatch(/bad user ?name or password/i);
    expect((await security('mon-s1'))[0]?.message).toBe('connection refused: wrong-password');
  });

  it('stores the readings of MQTT and PCD-01 as a series: raw readings and one-minute aggregates', async () => {
    // Readings dated more than 5 min ahead of the platform's clock are refused (clock skew).
    clock.set(new Date('2026-11-23T07:47:00Z'));
    const monitor = await device('mon-s1');
    for (const [at, hr] of [
      ['2026-11-23T07:45:30Z', 80],
      ['2026-11-23T07:46:10Z', 75],
    ] as const) {
      await monitor.publishAsync(
        'circulator/v1/devices/mon-s1/observations',
        JSON.stringify({ at, observations: [{ code: 'hr', value: hr }] }),
        { qos: 1 },
      );
    }
    const mllp = new MllpClient({ ackTimeoutMs: 10_000 });
    await mllp.connect('127.0.0.1', t.platform.mllpPort!);
    const ack = await mllp.send(
      pcdVitals({ controlId: 'PCD-S1', at: '20261123084650+0100', location: 'OR5^^^GENHOSP', spo2: 94, hr: 90 }),
    );
    await mllp.close();
    expect(ack).toMatch(/MSA\|AA\|PCD-S1/);

    const window = 'from=2026-11-23T07:00:00Z&to=2026-11-23T09:00:00Z';
    const raw = await waitFor(
      async () => {
        const answer = await vitals(`${window}&step=raw`);
        return answer.series.find((s) => s.name === 'hr')?.points.length === 4 ? answer : undefined;
      },
      { what: 'four heart-rate readings stored' },
    );
    expect(raw).toMatchObject({
      caseId,
      step: 'raw',
      from: '2026-11-23T07:00:00.000Z',
      to: '2026-11-23T09:00:00.000Z',
    });
    expect(raw.series.find((s) => s.name === 'hr')).toEqual({
      name: 'hr',
      unit: '/min',
      points: [
        { at: '2026-11-23T07:45:00.000Z', value: 70 },
        { at: '2026-11-23T07:45:30.000Z', value: 80 },
        { at: '2026-11-23T07:46:10.000Z', value: 75 },
        { at: '2026-11-23T07:46:50.000Z', value: 90 },
      ],
    });
    expect(raw.series.find((s) => s.name === 'spo2')?.points).toEqual([
      { at: '2026-11-23T07:45:00.000Z', value: 96 },
      { at: '2026-11-23T07:46:50.000Z', value: 94 },
    ]);
    const minutes = await vitals(`${window}&step=1m`, 'admin');
    expect(minutes.series.find((s) => s.name === 'hr')?.points).toEqual([
      { at: '2026-11-23T07:45:00.000Z', min: 70, max: 80, mean: 75, count: 2 },
      { at: '2026-11-23T07:46:00.000Z', min: 75, max: 90, mean: 82.5, count: 2 },
    ]);
    // The readings' MQTT message: its attempt names the case, without copying the readings.
    const found = (await as('admin').get(`/api/messages?caseId=${caseId}&type=MQTT`).expect(200)).body as {
      items: { id: string }[];
    };
    expect(found.items.length).toBeGreaterThan(0);
    const detail = (await as('admin').get(`/api/messages/${found.items[0]!.id}`).expect(200)).body as {
      attempts: { outcome: string; facts: unknown[]; caseIds: string[] }[];
    };
    expect(detail.attempts.at(-1)).toMatchObject({ outcome: 'applied', facts: [], caseIds: [caseId] });

    // The default step is 1m and the default window starts an hour before the case.
    const byDefault = await vitals('');
    expect(byDefault).toMatchObject({ step: '1m', from: '2026-11-23T06:30:00.000Z' });
    expect(byDefault.series.find((s) => s.name === 'hr')?.points).toHaveLength(2);
  });

  it('audits each read, allows clinical roles only and answers bad queries with problem JSON', async () => {
    await vitals('step=raw&from=2026-11-23T07:00:00Z&to=2026-11-23T08:00:00Z');
    const audit = (await as('admin').get(`/api/audit?action=cases.vitals&targetId=${caseId}`).expect(200)).body as {
      entries: { action: string; targetId: string; detail: { step: string } }[];
    };
    expect(audit.entries.length).toBeGreaterThanOrEqual(1);
    expect(audit.entries[0]).toMatchObject({ action: 'cases.vitals', targetId: caseId, detail: { step: 'raw' } });

    await request(t.url).get(`/api/cases/${caseId}/vitals`).expect(401);
    await as('scheduler').get(`/api/cases/${caseId}/vitals`).expect(403);
    await as('biomed').get(`/api/cases/${caseId}/vitals`).expect(403);
    for (const bad of [
      'step=5m',
      'from=yesterday',
      'from=2026-11-23T09:00:00Z&to=2026-11-23T08:00:00Z',
      'step=raw&from=2026-11-20T00:00:00Z&to=2026-11-23T00:00:00Z',
    ]) {
      const res = await as('nurse').get(`/api/cases/${caseId}/vitals?${bad}`).expect(400);
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(res.body).toMatchObject({ type: 'urn:circulator:problem:invalid-request', status: 400 });
    }
    const missing = await as('nurse').get('/api/cases/00000000-0000-4000-8000-000000000000/vitals').expect(404);
    expect(missing.headers['content-type']).toMatch(/application\/problem\+json/);
  });

  it('raises a security alert for firmware changed without an approval, and none with one', async () => {
    await as('nurse').post('/api/devices/pump-s1/firmware-approvals', { firmware: '2.0.0' }).expect(403);
    const bad = await as('biomed').post('/api/devices/pump-s1/firmware-approvals', { version: '2' }).expect(400);
    expect(bad.headers['content-type']).toMatch(/application\/problem\+json/);
    await as('biomed').post('/api/devices/no-such/firmware-approvals', { firmware: '2.0.0' }).expect(404);

    const pump = await device('pump-s1');
    const report = (firmware: string) =>
      pump.publishAsync('circulator/v1/devices/pump-s1/status', JSON.stringify({ state: 'online', firmware }), {
        qos: 1,
      });
    await report('1.0.0');
    await waitFor(async () => {
      const d = (await as('biomed').get('/api/devices/pump-s1').expect(200)).body as { firmware: string | null };
      return d.firmware === '1.0.0' || undefined;
    });
    const approved = await as('biomed')
      .post('/api/devices/pump-s1/firmware-approvals', { firmware: '2.0.0', reference: 'CHG-7' })
      .expect(201);
    expect(approved.body).toMatchObject({ deviceId: 'pump-s1', firmware: '2.0.0', reference: 'CHG-7' });
    clock.set(new Date('2026-11-23T07:50:00Z')); // after the approval, as in life
    await report('2.0.0');
    await report('2.0.1');
    const alerts = await waitFor(async () => {
      const s = await security('pump-s1');
      return s.length ? s : undefined;
    });
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({
      priority: 'high',
      message: 'Device pump-s1 firmware changed 2.0.0 → 2.0.1 without an approved update record',
    });
    const list = (await as('admin').get('/api/devices/pump-s1/firmware-approvals').expect(200)).body as {
      approvals: { firmware: string }[];
    };
    expect(list.approvals.map((a) => a.firmware)).toEqual(['2.0.0']);
  });

  it("gives pacuIn and pacuOut from a patient's tag entering and leaving a PACU location", async () => {
    clock.set(new Date('2026-11-23T10:10:00Z'));
    tokens.admin = await tokenFor(t.url, 'admin', ADMIN_PASSWORD); // tokens live 15 min of the clock
    const tag = await device('tag-s1');
    const seen = (room: string, at: string) =>
      tag.publishAsync('circulator/v1/rtls/tag-s1', JSON.stringify({ roomId: room, at }), { qos: 1 });
    await seen(roomId, '2026-11-23T07:42:00Z');
    await seen('PACU-1', '2026-11-23T09:20:00Z');
    const recovering = await waitFor(async () => {
      const c = await caseView();
      return c.milestones.pacuIn ? c : undefined;
    });
    expect(recovering.milestones).toMatchObject({
      inRoom: '2026-11-23T07:42:00.000Z',
      outOfRoom: '2026-11-23T09:20:00.000Z',
      pacuIn: '2026-11-23T09:20:00.000Z',
    });
    expect(recovering.status).toBe('recovery');
    await seen('ward-3', '2026-11-23T10:05:00Z');
    const out = await waitFor(async () => {
      const c = await caseView();
      return c.milestones.pacuOut ? c : undefined;
    });
    expect(out.milestones.pacuOut).toBe('2026-11-23T10:05:00.000Z');
    expect(out.status).toBe('completed');
    const events = (await as('admin').get(`/api/cases/${caseId}/events`).expect(200)).body as {
      kind: string;
      source: { kind: string };
      change: { milestone?: string; via?: string };
    }[];
    expect(events.filter((e) => e.change.via === 'rtls').map((e) => e.change.milestone)).toEqual(
      expect.arrayContaining(['inRoom', 'outOfRoom', 'pacuIn', 'pacuOut']),
    );
  });
});
