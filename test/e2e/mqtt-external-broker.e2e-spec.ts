import { connectAsync, type MqttClient } from 'mqtt';
import request from 'supertest';
import type { Socket } from 'socket.io-client';
import type { CaseView, DeviceEventView, VitalsEvent } from '@circulator/contracts';
import { mosquittoAclFile, mosquittoPasswordFile, mosquittoPasswordLine } from '@circulator/devices';
import { ManualClock } from '@circulator/domain';
import { MllpClient } from '@circulator/hl7';
import { pcdVitals, siu } from '../support/hl7-messages';
import { startPrivateMosquitto, type PrivateMosquitto } from '../support/private-mosquitto';
import { ADMIN_PASSWORD, connectLive, startTestPlatform, tokenFor, type TestPlatform } from '../support/platform';
import { waitFor } from '../support/services';

const SERVICE_USER = 'circulator';
const SERVICE_PASSWORD = 'service-password-for-the-e2e-broker';

/**
 * The platform on an external broker (CONTRACT §1 `MQTT_URL`, issue 5): the machine's Mosquitto
 * (a private instance of it, on a free port) with the password file and ACL the platform generates,
 * its shared subscription, a reading reaching the case, a wrong password and a foreign topic
 * refused by the broker, and a message for no registered device refused by the platform.
 */
describe('MQTT device feeds through an external Mosquitto', () => {
  let broker: PrivateMosquitto;
  let t: TestPlatform;
  const clock = new ManualClock(new Date('2026-11-23T07:40:00Z'));
  let admin = '';
  let caseId = '';
  let live: Socket;
  /** What a `room:` subscriber of the case's room received. */
  const updates: { topic: string; cases?: CaseView[] }[] = [];
  const vitalsEvents: VitalsEvent[] = [];
  const secrets: Record<string, string> = {};
  const open: MqttClient[] = [];
  const get = (path: string) => request(t.url).get(path).set('Authorization', `Bearer ${admin}`);
  const post = (path: string, body: object) =>
    request(t.url).post(path).set('Authorization', `Bearer ${admin}`).send(body);
  async function connect(username: string, password: string): Promise<MqttClient> {
    const client = await connectAsync(broker.url, {
      username,
      password,
      reconnectPeriod: 0,
      clientId: `${username}-${open.length}`,
    });
    open.push(client);
    return client;
  }
  const caseView = async () => (await get(`/api/cases/${caseId}`).expect(200)).body as CaseView;

  beforeAll(async () => {
    // The broker starts knowing only the platform's user; devices are added from the platform's files.
    broker = await startPrivateMosquitto({
      passwords: mosquittoPasswordFile({ service: { username: SERVICE_USER, secret: SERVICE_PASSWORD }, devices: [] }),
      acl: mosquittoAclFile({ serviceUser: SERVICE_USER, devices: [] }),
    });
    const url = new URL(broker.url);
    url.username = SERVICE_USER;
    url.password = SERVICE_PASSWORD;
    t = await startTestPlatform({ clock, env: { MQTT_URL: url.toString() } });
    expect(t.platform.mqttPort).toBeUndefined();
    admin = await tokenFor(t.url, 'admin', ADMIN_PASSWORD);

    const mllp = new MllpClient({ ackTimeoutMs: 10_000 });
    await mllp.connect('127.0.0.1', t.platform.mllpPort!);
    const booking = siu({
      trigger: 'S12',
      controlId: 'EXT-1',
      placerId: 'PL-E1',
      fillerId: 'FL-E1',
      start: '20261123083000',
      minutes: 120,
      room: 'OR9',
      mrn: 'M-E1',
      family: 'Everyman',
      given: 'Ed',
    });
    expect(await mllp.send(booking)).toMatch(/MSA\|AA\|/);
    await mllp.close();
    const cases = await waitFor(
      async () => {
        const list = (await get('/api/cases?date=2026-11-23').expect(200)).body as CaseView[];
        return list.length === 1 ? list : undefined;
      },
      { timeoutMs: 10_000, what: 'the booked case' },
    );
    caseId = cases[0]!.id;
    for (const id of ['mon-9', 'pump-9']) {
      const res = await post('/api/devices', {
        id,
        type: id.startsWith('mon') ? 'monitor' : 'infusion-pump',
        roomId: cases[0]!.roomId,
      }).expect(201);
      secrets[id] = (res.body as { mqttPassword: string }).mqttPassword;
    }
    live = await connectLive(t.url, admin);
    live.on('update', (u: { topic: string; cases?: CaseView[] }) => updates.push(u));
    live.on('vitals', (v: VitalsEvent) => vitalsEvents.push(v));
    const subscribed = await new Promise<{ ok: boolean }>((resolve) =>
      live.emit('subscribe', { topic: `room:${cases[0]!.roomId}` }, resolve),
    );
    expect(subscribed.ok).toBe(true);
    const passwd = await get('/api/devices/mosquitto/passwd').expect(200);
    const acl = await get('/api/devices/mosquitto/acl').expect(200);
    expect(passwd.headers['content-type']).toMatch(/^text\/plain/);
    // A stand-in for a mis-configured ACL: a user the broker lets write anywhere.
    const rogue = mosquittoPasswordLine({ username: 'rogue', secret: 'rogue-password' });
    await broker.reload({
      passwords: `${passwd.text}${rogue}\n`,
      acl: `${acl.text}\nuser rogue\ntopic write circulator/v1/#\n`,
    });
  });

  afterAll(async () => {
    for (const c of open) await c.endAsync(true).catch(() => undefined);
    live?.close();
    await t?.stop();
    t?.dataDir.remove();
    await broker?.destroy();
  });

  it('generates files that name every device with its hash and topics, and never a secret', async () => {
    const passwd = (await get('/api/devices/mosquitto/passwd').expect(200)).text;
    const acl = (await get('/api/devices/mosquitto/acl').expect(200)).text;
    expect(
      passwd
        .split('\n')
        .filter(Boolean)
        .map((l) => l.split(':')[0]),
    ).toEqual([SERVICE_USER, 'mon-9', 'pump-9']);
    for (const secret of Object.values(secrets)) expect(passwd + acl).not.toContain(secret);
    expect(acl).toContain('user mon-9\ntopic write circulator/v1/devices/mon-9/#\n');
    expect(acl).toContain(`user ${SERVICE_USER}\ntopic read circulator/v1/#\n`);
  });

  it('takes a reading through the broker to the case, and a PCD-01 message over MLLP to the same place', async () => {
    const monitor = await waitFor(() => connect('mon-9', secrets['mon-9']!).catch(() => undefined), {
      what: 'the reloaded broker',
    });
    await monitor.publishAsync(
      'circulator/v1/devices/mon-9/observations',
      JSON.stringify({ at: '2026-11-23T07:45:00Z', observations: [{ code: 150456, value: 96 }] }),
      { qos: 1 },
    );
    await waitFor(async () => ((await caseView()).vitals.spo2?.value === 96 ? true : undefined), {
      what: 'the MQTT reading',
    });

    const mllp = new MllpClient({ ackTimeoutMs: 10_000 });
    await mllp.connect('127.0.0.1', t.platform.mllpPort!);
    expect(
      await mllp.send(
        pcdVitals({ controlId: 'PCD-E1', at: '20261123084600+0100', location: 'OR9^^^GENHOSP', spo2: 91, hr: 80 }),
      ),
    ).toMatch(/MSA\|AA\|/);
    await mllp.close();
    await waitFor(async () => ((await caseView()).vitals.spo2?.value === 91 ? true : undefined), {
      what: 'the PCD-01 reading',
    });
    // Both reached the room's subscribers, as updates and as vitals events.
    const onRoom = (spo2: number) =>
      updates.some((u) => u.topic.startsWith('room:') && u.cases?.some((c) => c.vitals.spo2?.value === spo2));
    await waitFor(() => onRoom(96) && onRoom(91), { what: 'both readings on room:' });
    await waitFor(() => vitalsEvents.some((v) => v.caseId === caseId && v.values.spo2?.value === 91), {
      what: 'a vitals event of the PCD-01 reading',
    });
  });

  it('is refused by the broker with a wrong password, and for another device topic', async () => {
    await expect(
      connectAsync(broker.url, { username: 'mon-9', password: 'wrong', reconnectPeriod: 0 }),
    ).rejects.toThrow(/not authori[sz]ed|bad user/i);
    const pump = await connect('pump-9', secrets['pump-9']!);
    // Mosquitto drops the foreign publish silently (MQTT 3.1.1); the pump's own one after it arrives.
    await pump.publishAsync(
      'circulator/v1/devices/mon-9/observations',
      JSON.stringify({ observations: [{ code: 'spo2', value: 50 }] }),
      { qos: 1 },
    );
    await pump.publishAsync('circulator/v1/devices/pump-9/status', JSON.stringify({ state: 'online', usageCount: 7 }), {
      qos: 1,
    });
    await waitFor(
      async () => ((await get('/api/devices/pump-9').expect(200)).body as { usageCount?: number }).usageCount === 7,
    );
    expect((await caseView()).vitals.spo2?.value).toBe(91);
  });

  it('refuses, and records, a message no registered device may send (the broker let it through)', async () => {
    const rogue = await connect('rogue', 'rogue-password');
    await rogue.publishAsync(
      'circulator/v1/devices/ghost-9/observations',
      JSON.stringify({ observations: [{ code: 'hr', value: 60 }] }),
      { qos: 1 },
    );
    const events = await waitFor(async () => {
      const res = await get('/api/devices/events?kind=security').expect(200);
      const list = (res.body as { events: DeviceEventView[] }).events;
      return list.some((e) => e.message.includes('ghost-9')) ? list : undefined;
    });
    expect(events.find((e) => e.message.includes('ghost-9'))).toMatchObject({ kind: 'security', priority: 'high' });
  });
});
