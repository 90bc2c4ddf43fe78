import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { connectAsync, type IClientOptions, type MqttClient } from 'mqtt';
import {
  mosquittoAclFile,
  mosquittoPasswordFile,
  mosquittoPasswordFileFromHashes,
  mosquittoPasswordHash,
  mosquittoPasswordLine,
  type AclDevice,
} from './mosquitto.files';
import { startPrivateMosquitto, type PrivateMosquitto } from '../../../../test/support/private-mosquitto';

/**
 * The generated files in a real Mosquitto 2.x (Debian's 2.0.11), on a private broker of this test's
 * own. Waits are on events (a message arriving, a connection settling), never on sleeps.
 */

const run = promisify(execFile);
const secret = (): string => randomBytes(32).toString('base64url');

const SERVICE = { username: 'circulator', secret: secret() };
const DEVICES: (AclDevice & { secret: string })[] = [
  { id: 'mon-1', type: 'monitor', roomId: 'or-2', secret: secret() },
  { id: 'mon-2', type: 'monitor', roomId: 'or-3', secret: secret() },
  { id: 'tag-9', type: 'rtls-tag', secret: secret() },
  { id: 'env-3', type: 'environment-sensor', roomId: 'or-2', secret: secret() },
];
const secretOf = (id: string): string => DEVICES.find((d) => d.id === id)?.secret ?? '';
/** A device whose stored hash was made with 1,000 iterations: the broker reads the count from each line. */
const SLOW = { username: 'pump-4', secret: secret() };

interface Received {
  topic: string;
  payload: string;
}

let broker: PrivateMosquitto;
let service: MqttClient;
const received: Received[] = [];
const clients: MqttClient[] = [];

function connect(username: string | undefined, password: string | undefined, extra: IClientOptions = {}) {
  // No reconnection: a refused connection must fail the promise, not retry.
  return connectAsync(broker.url, { username, password, reconnectPeriod: 0, connectTimeout: 5_000, ...extra });
}

async function device(id: string, extra: IClientOptions = {}): Promise<MqttClient> {
  const client = await connect(id, secretOf(id), extra);
  clients.push(client);
  return client;
}

/** Resolves with the first message (already received or to come) matching, or fails after 5 s. */
function waitForMessage(match: (m: Received) => boolean, what: string): Promise<Received> {
  const found = received.find(match);
  if (found) return Promise.resolve(found);
  return new Promise((resolve, reject) => {
    const onMessage = (topic: string, payload: Buffer) => {
      const m = { topic, payload: payload.toString('utf8') };
      if (!match(m)) return;
      clearTimeout(timer);
      service.off('message', onMessage);
      resolve(m);
    };
    const timer = setTimeout(() => {
      service.off('message', onMessage);
      reject(new Error(`no message ${what} within 5 s; got ${JSON.stringify(received)}\n${broker.log()}`));
    }, 5_000);
    service.on('message', onMessage);
  });
}

/**
 * Publishes `foreign` then `own` on the same connection at QoS 1, waits for `own` at the service
 * subscriber and says whether `foreign` arrived. The broker handles one connection's packets in
 * order and delivers to a subscriber in order, so had the foreign message been routed it would
 * have arrived before the own one: its absence once the own one is in is a proof, not a timeout.
 */
async function foreignThenOwn(client: MqttClient, foreign: string, own: string): Promise<boolean> {
  const marker = randomBytes(6).toString('hex');
  // MQTT 3.1.1 has no way to refuse a publish: the broker acknowledges it and drops it.
  await client.publishAsync(foreign, `foreign ${marker}`, { qos: 1 });
  await client.publishAsync(own, `own ${marker}`, { qos: 1 });
  await waitForMessage((m) => m.payload === `own ${marker}`, `on ${own}`);
  return received.some((m) => m.payload === `foreign ${marker}`);
}

beforeAll(async () => {
  const passwords =
    mosquittoPasswordFile({ service: SERVICE, devices: DEVICES }) +
    mosquittoPasswordFileFromHashes([
      { username: SLOW.username, hash: mosquittoPasswordHash(SLOW.secret, randomBytes(12), 1000) },
    ]);
  const acl = mosquittoAclFile({
    serviceUser: SERVICE.username,
    devices: [...DEVICES, { id: SLOW.username, type: 'infusion-pump' }],
  });
  broker = await startPrivateMosquitto({ passwords, acl });
  service = await connect(SERVICE.username, SERVICE.secret);
  service.on('message', (topic, payload) => received.push({ topic, payload: payload.toString('utf8') }));
  await service.subscribeAsync('circulator/v1/#', { qos: 1 });
});

afterAll(async () => {
  await Promise.all([...clients, service].filter(Boolean).map((c) => c.endAsync(true)));
  await broker?.destroy();
});

describe('generated Mosquitto files in a real broker', () => {
  it('lets a device connect with its secret and publish to its own topic', async () => {
    const mon1 = await device('mon-1');
    await mon1.publishAsync('circulator/v1/devices/mon-1/status', '{"state":"online"}', { qos: 1 });
    const m = await waitForMessage((r) => r.topic === 'circulator/v1/devices/mon-1/status', 'from mon-1');
    expect(m.payload).toBe('{"state":"online"}');
  });

  it('accepts a line hashed with another iteration count', async () => {
    const pump = await connect(SLOW.username, SLOW.secret);
    clients.push(pump);
    await pump.publishAsync('circulator/v1/devices/pump-4/status', 'slow', { qos: 1 });
    await waitForMessage((r) => r.payload === 'slow', 'from pump-4');
  });

  it('refuses a wrong password, another device’s secret and an unknown user (CONNACK 5, not authorised)', async () => {
    await expect(connect('mon-1', 'wrong')).rejects.toMatchObject({ code: 5 });
    await expect(connect('mon-1', secretOf('mon-2'))).rejects.toMatchObject({ code: 5 });
    await expect(connect('mon-99', secretOf('mon-1'))).rejects.toMatchObject({ code: 5 });
  });

  it('refuses an anonymous connection', async () => {
    await expect(connect(undefined, undefined)).rejects.toMatchObject({ code: 5 });
    await expect(connect(undefined, undefined, { protocolVersion: 5 })).rejects.toMatchObject({ code: 135 });
  });

  it("does not pass a device's publish to another device's topic on to the service", async () => {
    const mon1 = await device('mon-1');
    const leaked = await foreignThenOwn(
      mon1,
      'circulator/v1/devices/mon-2/observations',
      'circulator/v1/devices/mon-1/observations',
    );
    expect(leaked).toBe(false);
  });

  it('says "not authorised" to an MQTT 5 device publishing to another device’s topic', async () => {
    const mon1 = await device('mon-1', { protocolVersion: 5 });
    await expect(mon1.publishAsync('circulator/v1/devices/mon-2/status', 'x', { qos: 1 })).rejects.toMatchObject({
      code: 135,
    });
  });

  it('lets an RTLS tag write its rtls topic and not another tag’s', async () => {
    const tag = await device('tag-9');
    expect(await foreignThenOwn(tag, 'circulator/v1/rtls/tag-8', 'circulator/v1/rtls/tag-9')).toBe(false);
    // A monitor may not write RTLS positions at all.
    const mon2 = await device('mon-2');
    expect(await foreignThenOwn(mon2, 'circulator/v1/rtls/mon-2', 'circulator/v1/devices/mon-2/status')).toBe(false);
  });

  it('lets an environment sensor write its own room’s environment and not another room’s', async () => {
    const env = await device('env-3');
    expect(
      await foreignThenOwn(env, 'circulator/v1/rooms/or-3/environment', 'circulator/v1/rooms/or-2/environment'),
    ).toBe(false);
    // A monitor in or-2 is no environment sensor.
    const mon1 = await device('mon-1');
    expect(
      await foreignThenOwn(mon1, 'circulator/v1/rooms/or-2/environment', 'circulator/v1/devices/mon-1/status'),
    ).toBe(false);
  });
});

describe('agreement with mosquitto_passwd', () => {
  it('writes the same line as mosquitto_passwd for the same salt', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'circulator-passwd-'));
    try {
      const file = join(dir, 'pw');
      const user = { username: 'mon-1', secret: 'p@ss wörd:with$signs' };
      await run('/usr/bin/mosquitto_passwd', ['-c', '-b', file, user.username, user.secret]);
      const line = readFileSync(file, 'utf8').trim();
      const salt = Buffer.from(line.split('$')[3] ?? '', 'base64');
      expect(line).toMatch(/^mon-1:\$7\$101\$[A-Za-z0-9+/]{16}\$[A-Za-z0-9+/]{86}==$/);
      expect(mosquittoPasswordLine(user, { salt: () => salt })).toBe(line);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
