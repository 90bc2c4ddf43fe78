import { connectAsync, type MqttClient } from 'mqtt';
import request from 'supertest';
import type { Socket } from 'socket.io-client';
import type { CaseView, DeviceEventView, DeviceView, RoomView, VitalsEvent } from '@circulator/contracts';
import { ManualClock } from '@circulator/domain';
import { DeviceWatchdog } from '@circulator/pipeline';
import { MllpClient } from '@circulator/hl7';
import { adt, pcdVitals, siu } from '../support/hl7-messages';
import {
  ADMIN_PASSWORD,
  connectLive,
  requestAs,
  startTestPlatform,
  tokenFor,
  type TestPlatform,
} from '../support/platform';
import { waitFor } from '../support/services';

const PASSWORD = 'mqtt-devices-e2e-password';

interface UpdateEvent {
  topic: string;
  version: number;
  cases?: CaseView[];
}

/**
 * Device feeds over MQTT on the embedded broker (CONTRACT §6, issue 5): the registry and its
 * credentials, refusals (wrong password, anonymous, another device's topic, a subscription), a
 * reading reaching a `room:` subscriber, an IHE PCD-01 message over MLLP reaching the same place,
 * a bad payload kept and flagged, and rotation and revocation dropping a device at once.
 */
describe('MQTT device feeds on the embedded broker', () => {
  let t: TestPlatform;
  const clock = new ManualClock(new Date('2026-11-23T07:40:00Z'));
  const tokens: Record<string, string> = {};
  const secrets: Record<string, string> = {};
  const open: MqttClient[] = [];
  let live: Socket;
  let roomId = '';
  let otherRoomId = '';
  let caseId = '';
  const updates: UpdateEvent[] = [];
  const vitalsEvents: VitalsEvent[] = [];

  const as = (who: string) => requestAs(t.url, () => tokens[who]);
  const mqttUrl = () => `mqtt://127.0.0.1:${t.platform.mqttPort}`;
  async function device(id: string, password = secrets[id]): Promise<MqttClient> {
    const client = await connectAsync(mqttUrl(), {
      username: id,
      password,
      reconnectPeriod: 0,
      clientId: `${id}-${open.length}`,
    });
    open.push(client);
    return client;
  }
  /** Waits for a connection attempt to be refused; resolves with the error. */
  async function refusedConnect(options: { username?: string; password?: string }): Promise<Error> {
    try {
      const client = await connectAsync(mqttUrl(), { ...options, reconnectPeriod: 0, connectTimeout: 5_000 });
      open.push(client);
    } catch (err) {
      return err as Error;
    }
    throw new Error('the connection was accepted');
  }
  const events = async (id: string) =>
    ((await as('biomed').get(`/api/devices/${id}/events`).expect(200)).body as { events: DeviceEventView[] }).events;
  const vitalsOf = (u: UpdateEvent) => u.cases?.find((c) => c.id === caseId)?.vitals;

  beforeAll(async () => {
    t = await startTestPlatform({ clock });
    tokens.admin = await tokenFor(t.url, 'admin', ADMIN_PASSWORD);
    for (const [username, roles] of [
      ['biomed', ['biomed']],
      ['nurse', ['nurse']],
    ] as const) {
      await as('admin').post('/api/users', { username, password: PASSWORD, displayName: username, roles }).expect(201);
      tokens[username] = await tokenFor(t.url, username, PASSWORD);
    }
    const mllp = new MllpClient({ ackTimeoutMs: 10_000 });
    await mllp.connect('127.0.0.1', t.platform.mllpPort!);
    const booking = siu({
      trigger: 'S12',
      controlId: 'DEV-1',
      placerId: 'PL-D1',
      fillerId: 'FL-D1',
      start: '20261123083000',
      minutes: 120,
      room: 'OR7',
      mrn: 'M-D1',
      family: 'Everyman',
      given: 'Eve',
    });
    expect(await mllp.send(booking)).toMatch(/MSA\|AA\|/);
    const other = siu({
      trigger: 'S12',
      controlId: 'DEV-2',
      placerId: 'PL-D2',
      fillerId: 'FL-D2',
      start: '20261123140000',
      minutes: 60,
      room: 'OR8',
      mrn: 'M-D2',
      family: 'Doe',
      given: 'Jo',
    });
    expect(await mllp.send(other)).toMatch(/MSA\|AA\|/);
    await mllp.close();
    const cases = await waitFor(
      async () => {
        const list = (await as('admin').get('/api/cases?date=2026-11-23').expect(200)).body as CaseView[];
        return list.length === 2 ? list : undefined;
      },
      { timeoutMs: 10_000, what: 'the booked cases' },
    );
    const ours = cases.find((c) => c.identifiers.placerAppointmentId === 'PL-D1')!;
    caseId = ours.id;
    roomId = ours.roomId;
    otherRoomId = cases.find((c) => c.identifiers.placerAppointmentId === 'PL-D2')!.roomId;
    const rooms = (await as('admin').get('/api/rooms').expect(200)).body as RoomView[];
    expect(rooms.map((r) => r.id)).toContain(roomId);
    live = await connectLive(t.url, tokens.admin);
    live.on('update', (u: UpdateEvent) => updates.push(u));
    live.on('vitals', (v: VitalsEvent) => vitalsEvents.push(v));
    for (const topic of [`room:${roomId}`, 'board:2026-11-23']) {
      const ack = await new Promise<{ ok: boolean }>((resolve) => live.emit('subscribe', { topic }, resolve));
      expect(ack.ok).toBe(true);
    }
  });

  afterAll(async () => {
    for (const c of open) await c.endAsync(true).catch(() => undefined);
    live?.close();
    await t?.stop();
    t?.dataDir.remove();
  });

  it('registers devices for biomed and admin only, with the secret shown once', async () => {
    await request(t.url).post('/api/devices').send({ id: 'mon-7', type: 'monitor' }).expect(401);
    await as('nurse').post('/api/devices', { id: 'mon-7', type: 'monitor' }).expect(403);
    const bad = await as('biomed').post('/api/devices', { id: 'mon/7#', type: 'toaster' }).expect(400);
    expect(bad.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(JSON.stringify(bad.body)).toMatch(/id/);
    await as('biomed').post('/api/devices', { id: 'mon-x', type: 'monitor', roomId: 'no-such-room' }).expect(422);

    for (const [id, type, by] of [
      ['mon-7', 'monitor', 'biomed'],
      ['pump-7', 'infusion-pump', 'admin'],
      ['env-7', 'environment-sensor', 'biomed'],
    ] as const) {
      const res = await as(by)
        .post('/api/devices', { id, type, roomId, vendor: 'Acme', serviceIntervalUses: 500 })
        .expect(201);
      expect(res.body).toEqual({ id, mqttPassword: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/) });
      secrets[id] = (res.body as { mqttPassword: string }).mqttPassword;
    }
    await as('biomed').post('/api/devices', { id: 'mon-7', type: 'monitor' }).expect(409);

    const shown = (await as('biomed').get('/api/devices/mon-7').expect(200)).body as DeviceView;
    expect(shown).toMatchObject({
      id: 'mon-7',
      type: 'monitor',
      roomId,
      connectivity: 'unknown',
      credentials: { issued: true, version: 1 },
    });
    expect(JSON.stringify(shown)).not.toContain(secrets['mon-7']);
    const list = (await as('admin').get(`/api/devices?roomId=${roomId}`).expect(200)).body as { devices: DeviceView[] };
    expect(list.devices.map((d) => d.id)).toEqual(['env-7', 'mon-7', 'pump-7']);
  });

  it('refuses a wrong password, an unknown device and anonymous connections, and records each', async () => {
    const wrong = await refusedConnect({ username: 'mon-7', password: 'not-the-secret' });
    expect(wrong.message).toMatch(/bad user ?name or password/i);
    await refusedConnect({ username: 'ghost-1', password: 'x' });
    await refusedConnect({});
    const history = await events('mon-7');
    expect(history.find((e) => e.kind === 'security')).toMatchObject({
      priority: 'high',
      message: 'connection refused: wrong-password',
    });
  });

  it('drops a device that publishes under another device, and applies nothing of it', async () => {
    const pump = await device('pump-7');
    const closed = new Promise<void>((resolve) => pump.once('close', () => resolve()));
    pump.publish(
      'circulator/v1/devices/mon-7/observations',
      JSON.stringify({ at: '2026-11-23T07:45:00Z', observations: [{ code: 'spo2', value: 61 }] }),
      { qos: 1 },
    );
    await closed;
    const history = await waitFor(async () => {
      const h = await events('pump-7');
      return h.some((e) => e.kind === 'security') ? h : undefined;
    });
    expect(history.find((e) => e.kind === 'security')?.message).toBe(
      'publish refused: circulator/v1/devices/mon-7/observations',
    );
    const c = (await as('admin').get(`/api/cases/${caseId}`).expect(200)).body as CaseView;
    expect(c.vitals.spo2).toBeUndefined();
  });

  it('refuses subscriptions (devices read nothing) and keeps the session', async () => {
    const env = await device('env-7');
    // MQTT 3.1.1 SUBACK 0x80 (failure), which mqtt.js reports as an error.
    await expect(env.subscribeAsync('circulator/v1/#', { qos: 1 })).rejects.toThrow(/subscribe error/i);
    expect(env.connected).toBe(true);
    const refused = (await events('env-7')).find((e) => e.kind === 'security');
    expect(refused?.message).toBe('subscription refused: circulator/v1/#');
  });

  it("puts a monitor's readings on its room's case, seen by a room: subscriber", async () => {
    const monitor = await device('mon-7');
    await monitor.publishAsync(
      'circulator/v1/devices/mon-7/observations',
      JSON.stringify({
        at: '2026-11-23T07:45:00Z',
        observations: [
          { code: 'MDC_PULS_OXIM_SAT_O2', value: 97, unit: '%' },
          { code: 147842, value: 72 },
          { code: 'etco2', value: 4.8, unit: 'kPa' },
        ],
      }),
      { qos: 1 },
    );
    const update = await waitFor(() => updates.find((u) => vitalsOf(u)?.spo2?.value === 97), {
      what: 'the reading on room:',
    });
    expect(update.topic).toBe(`room:${roomId}`);
    expect(vitalsOf(update)).toMatchObject({
      spo2: { value: 97, unit: '%', at: '2026-11-23T07:45:00.000Z' },
      hr: { value: 72, unit: '/min' },
      etco2: { value: 36, unit: 'mmHg' },
    });
    const vitals = await waitFor(() => vitalsEvents.find((v) => v.values.spo2?.value === 97), {
      what: 'a vitals event',
    });
    expect(vitals).toMatchObject({ topic: `room:${roomId}`, caseId, roomId, at: '2026-11-23T07:45:00.000Z' });
    const shown = (await as('biomed').get('/api/devices/mon-7').expect(200)).body as DeviceView;
    expect(shown.connectivity).toBe('online');
    expect(shown.lastSeenAt).toBe(clock.now().toISOString());
  });

  it("keeps readings off the day's board, which hears of the case at its next change it shows", async () => {
    const onBoard = (u: UpdateEvent) =>
      u.topic === 'board:2026-11-23' ? u.cases?.find((c) => c.id === caseId) : undefined;
    const read = await waitFor(() => updates.find((u) => vitalsOf(u)?.spo2?.value === 97), { what: 'the reading' });
    const readVersion = read.cases!.find((c) => c.id === caseId)!.version;
    const mllp = new MllpClient({ ackTimeoutMs: 10_000 });
    await mllp.connect('127.0.0.1', t.platform.mllpPort!);
    const renamed = adt({
      trigger: 'A08',
      controlId: 'DEV-A08',
      at: '20261123074600',
      mrn: 'M-D1',
      family: 'Everyman',
      given: 'Eva',
    });
    expect(await mllp.send(renamed)).toMatch(/MSA\|AA\|DEV-A08/);
    await mllp.close();
    const renamedOnBoard = await waitFor(
      () => updates.map(onBoard).find((c) => c !== undefined && c.version > readVersion),
      { what: 'the A08 on the board' },
    );
    expect(renamedOnBoard.patient.name).toBe('EVERYMAN, Eva');
    // Changes reach a topic in commit order: had the reading gone to the board, it would be here.
    expect(updates.map(onBoard).filter((c) => c?.version === readVersion)).toEqual([]);
    // The board shows no vitals; the room topic has the case with them.
    expect(renamedOnBoard.vitals).toEqual({});
    const inRoom = await waitFor(
      () =>
        updates.find(
          (u) =>
            u.topic === `room:${roomId}` &&
            vitalsOf(u)?.spo2 &&
            u.cases?.find((c) => c.id === caseId)?.patient.name === 'EVERYMAN, Eva',
        ),
      { what: 'the A08 on room:' },
    );
    expect(vitalsOf(inRoom)?.spo2?.value).toBe(97);
  });

  it('puts an IHE PCD-01 message over MLLP in the same place', async () => {
    const mllp = new MllpClient({ ackTimeoutMs: 10_000 });
    await mllp.connect('127.0.0.1', t.platform.mllpPort!);
    const ack = await mllp.send(
      pcdVitals({ controlId: 'PCD-D1', at: '20261123084600+0100', location: 'OR7^^^GENHOSP', spo2: 93, hr: 88 }),
    );
    await mllp.close();
    expect(ack).toMatch(/MSA\|AA\|PCD-D1/);
    const update = await waitFor(() => updates.find((u) => vitalsOf(u)?.spo2?.value === 93), {
      what: 'the PCD-01 reading on room:',
    });
    expect(vitalsOf(update)?.hr?.value).toBe(88);
  });

  it('keeps a bad payload for the console, flags the device and still acknowledges it', async () => {
    const monitor = await device('mon-7');
    await monitor.publishAsync('circulator/v1/devices/mon-7/observations', '{"observations": [{"code": "spo2"}]}', {
      qos: 1,
    });
    const flagged = await waitFor(async () => {
      const d = (await as('biomed').get('/api/devices/mon-7').expect(200)).body as DeviceView;
      return d.flagged ? d : undefined;
    });
    expect(flagged.flagged?.reason).toMatch(/^bad payload: observations\[0\]\.value/);
    const rejected = (await as('admin').get('/api/messages?status=rejected').expect(200)).body as {
      items: { sender: string; error: string }[];
    };
    expect(rejected.items.find((m) => m.sender === 'mon-7')?.error).toMatch(/observations\[0\]\.value/);
    expect((await events('mon-7')).some((e) => e.kind === 'bad-payload')).toBe(true);
  });

  it('records status, usage and the room environment', async () => {
    const pump = await device('pump-7');
    await pump.publishAsync(
      'circulator/v1/devices/pump-7/status',
      JSON.stringify({ state: 'online', usageCount: 40, firmware: '2.1.0' }),
      { qos: 1 },
    );
    await pump.publishAsync(
      'circulator/v1/devices/pump-7/status',
      JSON.stringify({ state: 'error', usageCount: 43, errorCode: 'E-OCCL' }),
      { qos: 1 },
    );
    const shown = await waitFor(async () => {
      const d = (await as('biomed').get('/api/devices/pump-7').expect(200)).body as DeviceView;
      return d.connectivity === 'error' ? d : undefined;
    });
    expect(shown).toMatchObject({ usageCount: 43, usesSinceService: 3, errorCode: 'E-OCCL', firmware: '2.1.0' });

    const env = await device('env-7');
    await env.publishAsync(
      `circulator/v1/rooms/${roomId}/environment`,
      JSON.stringify({ temperatureC: 19.5, humidityPct: 45 }),
      { qos: 1 },
    );
    const snapshot = await waitFor(async () => {
      const ack = await new Promise<{ ok: boolean; snapshot: { environment?: { temperatureC?: number } } }>((resolve) =>
        live.emit('subscribe', { topic: `room:${roomId}` }, resolve),
      );
      return ack.snapshot.environment?.temperatureC === 19.5 ? ack.snapshot : undefined;
    });
    expect(snapshot.environment).toMatchObject({ temperatureC: 19.5, humidityPct: 45 });
  });

  it('puts a silent device offline and raises a device-offline alert on the case with the nearest backup', async () => {
    await as('nurse')
      .post(`/api/cases/${caseId}/milestones`, { milestone: 'inRoom', at: '2026-11-23T07:40:00Z' })
      .expect(200);
    const spare = await as('biomed')
      .post('/api/devices', { id: 'mon-8', type: 'monitor', roomId: otherRoomId, label: 'Spare monitor' })
      .expect(201);
    secrets['mon-8'] = (spare.body as { mqttPassword: string }).mqttPassword;
    const backup = await device('mon-8');
    await backup.publishAsync('circulator/v1/devices/mon-8/status', JSON.stringify({ state: 'online' }), { qos: 1 });
    await waitFor(
      async () =>
        ((await as('biomed').get('/api/devices/mon-8').expect(200)).body as DeviceView).connectivity === 'online',
    );
    const watchdog = t.platform.app.get(DeviceWatchdog);

    // mon-7 was last heard at 07:40 (heartbeat 60 s): offline from 07:41, alerted after 30 s more.
    clock.set(new Date('2026-11-23T07:41:20Z'));
    expect((await watchdog.tick()).offline).toContain('mon-7');
    let c = (await as('admin').get(`/api/cases/${caseId}`).expect(200)).body as CaseView;
    expect(c.alerts.find((a) => a.kind === 'device-offline' && a.id.endsWith('mon-7'))).toBeUndefined();

    clock.set(new Date('2026-11-23T07:41:40Z'));
    // The spare reports in (the first look put every silent device offline, the spare too).
    await backup.publishAsync('circulator/v1/devices/mon-8/status', JSON.stringify({ state: 'online' }), { qos: 1 });
    await waitFor(
      async () =>
        ((await as('biomed').get('/api/devices/mon-8').expect(200)).body as DeviceView).connectivity === 'online',
    );
    await watchdog.tick();
    c = (await as('admin').get(`/api/cases/${caseId}`).expect(200)).body as CaseView;
    const alert = c.alerts.find((a) => a.id === 'rule:device-offline:mon-7');
    expect(alert).toMatchObject({ kind: 'device-offline', priority: 'medium' });
    expect(alert?.message).toBe(`monitor mon-7 offline; backup: Spare monitor (${otherRoomId})`);
    expect((await events('mon-7')).find((e) => e.kind === 'connectivity')?.message).toMatch(/^offline: silent since/);

    // It speaks again: online, and the next look clears the alert.
    tokens.biomed = await tokenFor(t.url, 'biomed', PASSWORD);
    tokens.admin = await tokenFor(t.url, 'admin', ADMIN_PASSWORD);
    const monitor = await device('mon-7');
    await monitor.publishAsync('circulator/v1/devices/mon-7/status', JSON.stringify({ state: 'online' }), { qos: 1 });
    await waitFor(
      async () =>
        ((await as('biomed').get('/api/devices/mon-7').expect(200)).body as DeviceView).connectivity === 'online',
    );
    await watchdog.tick();
    c = (await as('admin').get(`/api/cases/${caseId}`).expect(200)).body as CaseView;
    expect(c.alerts.some((a) => a.id === 'rule:device-offline:mon-7')).toBe(false);
  });

  it('drops a device at once when its credentials are rotated or revoked', async () => {
    const monitor = await device('mon-7');
    const closed = new Promise<void>((resolve) => monitor.once('close', () => resolve()));
    const rotated = await as('biomed').post('/api/devices/mon-7/credentials').expect(200);
    await closed;
    const fresh = (rotated.body as { mqttPassword: string }).mqttPassword;
    expect(fresh).not.toBe(secrets['mon-7']);
    await refusedConnect({ username: 'mon-7', password: secrets['mon-7']! });
    const again = await device('mon-7', fresh);
    const dropped = new Promise<void>((resolve) => again.once('close', () => resolve()));
    await as('biomed').delete('/api/devices/mon-7/credentials').expect(204);
    await dropped;
    await refusedConnect({ username: 'mon-7', password: fresh });
    const shown = (await as('biomed').get('/api/devices/mon-7').expect(200)).body as DeviceView;
    expect(shown.credentials).toEqual({ issued: false, version: 3 });
  });
});
