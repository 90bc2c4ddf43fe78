import { connectAsync, type MqttClient } from 'mqtt';
import request from 'supertest';
import type { CaseView } from '@circulator/contracts';
import { mosquittoAclFile, mosquittoPasswordFile } from '@circulator/devices';
import { ManualClock } from '@circulator/domain';
import { MllpClient } from '@circulator/hl7';
import { ackCode } from '../support/fault-checker';
import { siu } from '../support/hl7-messages';
import { ADMIN_PASSWORD, startTestPlatform, tokenFor, type TestPlatform } from '../support/platform';
import { startPrivateMosquitto, type PrivateMosquitto } from '../support/private-mosquitto';
import { waitFor } from '../support/services';

const SERVICE_USER = 'circulator';
const SERVICE_PASSWORD = 'service-password-for-the-outage-broker';

interface Readiness {
  status: string;
  info?: Record<string, { status: string }>;
  error?: Record<string, { status: string; message?: string }>;
}

/**
 * Issue 10: the external MQTT broker (MQTT_URL; a private Mosquitto on a port of its own) stops in
 * the middle of a device's feed and starts again. The platform stays up and keeps taking HL7, its
 * readiness names the broker as down and then up again, it reconnects and subscribes again by
 * itself, and the readings the device sends after the restart reach the case.
 */
describe('external MQTT broker stopped and started again mid-feed', () => {
  let broker: PrivateMosquitto;
  let t: TestPlatform;
  let admin = '';
  let caseId = '';
  let device: MqttClient | undefined;
  const clock = new ManualClock(new Date('2026-11-23T07:40:00Z'));
  const get = (path: string) => request(t.url).get(path).set('Authorization', `Bearer ${admin}`);
  const ready = async (): Promise<{ code: number; body: Readiness }> => {
    const res = await request(t.url).get('/health/ready');
    return { code: res.status, body: res.body as Readiness };
  };
  const heartRate = async (): Promise<number | undefined> =>
    ((await get(`/api/cases/${caseId}`).expect(200)).body as CaseView).vitals.hr?.value;

  beforeAll(async () => {
    broker = await startPrivateMosquitto({
      passwords: mosquittoPasswordFile({ service: { username: SERVICE_USER, secret: SERVICE_PASSWORD }, devices: [] }),
      acl: mosquittoAclFile({ serviceUser: SERVICE_USER, devices: [] }),
    });
    const url = new URL(broker.url);
    url.username = SERVICE_USER;
    url.password = SERVICE_PASSWORD;
    t = await startTestPlatform({ clock, env: { MQTT_URL: url.toString() } });
    admin = await tokenFor(t.url, 'admin', ADMIN_PASSWORD);
  });
  afterAll(async () => {
    await device?.endAsync(true).catch(() => undefined);
    await t?.stop();
    t?.dataDir.remove();
    await broker?.destroy();
  });

  it('reports the outage and the recovery, stays up, and takes the readings sent after the restart', async () => {
    // A case in OR5 now, and a monitor there, known to the broker.
    const mllp = new MllpClient({ ackTimeoutMs: 10_000 });
    await mllp.connect('127.0.0.1', t.platform.mllpPort!);
    const book = (id: string) =>
      siu({
        trigger: 'S12',
        controlId: `MQ-${id}`,
        placerId: `PL-MQ-${id}`,
        fillerId: `FL-MQ-${id}`,
        start: '20261123083000',
        minutes: 180,
        room: id === '1' ? 'OR5' : 'OR6',
        mrn: `M-MQ-${id}`,
        family: 'Broker',
        given: id,
      });
    expect(ackCode(await mllp.send(book('1')))).toBe('AA');
    caseId = await waitFor(
      async () => ((await get('/api/cases?date=2026-11-23').expect(200)).body as CaseView[])[0]?.id,
      { timeoutMs: 10_000, what: 'the booked case' },
    );
    const roomId = ((await get(`/api/cases/${caseId}`).expect(200)).body as CaseView).roomId;
    const created = await request(t.url)
      .post('/api/devices')
      .set('Authorization', `Bearer ${admin}`)
      .send({ id: 'mon-5', type: 'monitor', roomId })
      .expect(201);
    const secret = (created.body as { mqttPassword: string }).mqttPassword;
    await broker.reload({
      passwords: (await get('/api/devices/mosquitto/passwd').expect(200)).text,
      acl: (await get('/api/devices/mosquitto/acl').expect(200)).text,
    });
    expect(await ready()).toMatchObject({ code: 200, body: { info: { mqtt: { status: 'up' } } } });

    // The monitor's feed: a heart rate every 200 ms (its own pace), QoS 1, the k-th reading 20 + k
    // (a plausible rate for k < 280, so each value names its reading); its client reconnects by
    // itself, as a device's would.
    device = await connectAsync(broker.url, {
      username: 'mon-5',
      password: secret,
      clientId: 'mon-5',
      reconnectPeriod: 200,
      connectTimeout: 2_000,
    });
    let sent = 0;
    let acked = 0;
    let feeding = true;
    const feed = (async () => {
      while (feeding) {
        if (sent >= 279) throw new Error('the feed ran out of distinct heart rates');
        sent += 1;
        const hr = 20 + sent;
        // While the broker is away the publish waits in the client and goes out after it reconnects.
        await device
          .publishAsync(
            'circulator/v1/devices/mon-5/observations',
            JSON.stringify({ observations: [{ code: 'hr', value: hr }] }),
            {
              qos: 1,
            },
          )
          .then(() => (acked += 1))
          .catch(() => undefined);
        await new Promise((r) => setTimeout(r, 200));
      }
    })();
    await waitFor(async () => (acked >= 5 && (await heartRate()) !== undefined ? true : undefined), {
      timeoutMs: 15_000,
      what: 'the first readings on the case',
    });

    // The broker stops mid-feed.
    await broker.stop();
    const down = await waitFor(
      async () => {
        const r = await ready();
        return r.code === 503 && r.body.error?.mqtt?.status === 'down' ? r : undefined;
      },
      { timeoutMs: 15_000, what: 'readiness to name the broker down' },
    );
    expect(down.body.error?.mqtt?.message).toMatch(/not connected/);
    // Only the broker is down; the process is alive and HL7 is still taken.
    expect(Object.keys(down.body.error ?? {})).toEqual(['mqtt']);
    await request(t.url).get('/health/live').expect(200);
    expect(ackCode(await mllp.send(book('2')))).toBe('AA');
    await mllp.close();

    // It starts again on its port: the platform reconnects and subscribes again.
    await broker.start();
    await waitFor(async () => ((await ready()).code === 200 ? true : undefined), {
      timeoutMs: 20_000,
      what: 'readiness after the broker returns',
    });
    expect(await ready()).toMatchObject({ code: 200, body: { info: { mqtt: { status: 'up' } } } });
    const restartedAt = sent;
    // A reading sent after the restart reaches the case (the feed goes on; its later values count).
    const after = await waitFor(
      async () => {
        const hr = await heartRate();
        const n = sent;
        return hr !== undefined && hr - 20 > restartedAt && hr - 20 <= n ? { hr, k: hr - 20 } : undefined;
      },
      { timeoutMs: 20_000, intervalMs: 100, what: 'a reading sent after the restart on the case' },
    );
    feeding = false;
    await feed;
    process.stdout.write(
      `mqtt-broker-outage: ${JSON.stringify({ sent, acked, restartedAt, seenAfterRestart: after })}\n`,
    );
    expect(after.k).toBeGreaterThan(restartedAt);
    // No unhandled failure in the platform's log.
    expect(t.logs.join('')).not.toMatch(/uncaught|unhandled/i);
  }, 90_000);
});
