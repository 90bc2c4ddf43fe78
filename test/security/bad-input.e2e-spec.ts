import { request as httpRequest } from 'node:http';
import { connect, type Socket as NetSocket } from 'node:net';
import { connectAsync, type MqttClient } from 'mqtt';
import { Client } from 'pg';
import request from 'supertest';
import type { Socket } from 'socket.io-client';
import type { SubscribeAck } from '@circulator/contracts';
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

const HOOK_SECRET = 'bad-input-hook-secret-0123456789';

/** A raw GET whose path is sent exactly as written (no client-side normalisation of `..`). */
function rawGet(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, method: 'GET' }, (res) => {
      let body = '';
      res.setEncoding('latin1');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Opens a raw TCP connection, writes bytes, resolves once the server has closed it. */
function rawBytesClosed(port: number, bytes: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket: NetSocket = connect(port, '127.0.0.1', () => socket.write(bytes));
    socket.on('error', () => undefined);
    socket.on('close', () => resolve());
    socket.setTimeout(20_000, () => reject(new Error('the server kept a bad connection open')));
  });
}

/**
 * Issue 10, bad-input catalogue (REST, FHIR hook, MQTT, socket.io, identifiers): each gets a
 * bounded, clear refusal, and the platform is healthy afterwards: an ordinary HL7 message still
 * gets AA and readiness is 200.
 */
describe('bad input on every other edge', () => {
  let t: TestPlatform;
  let admin: string;
  let db: Client;
  let sender: MllpClient;
  let n = 0;
  const normal = (mrn?: string): string => {
    n += 1;
    return siu({
      trigger: 'S12',
      controlId: `BADX-${n}`,
      placerId: `PL-BADX-${n}`,
      fillerId: `FL-BADX-${n}`,
      start: '20261123083000',
      minutes: 60,
      room: 'OR2',
      mrn: mrn ?? `MRN-BADX-${n}`,
      family: 'Healthy',
      given: `After${n}`,
    });
  };
  const msa = (ack: string) =>
    ack
      .split('\r')
      .find((s) => s.startsWith('MSA|'))
      ?.split('|')[1];

  beforeAll(async () => {
    t = await startTestPlatform({ env: { FHIR_HOOK_SECRET: HOOK_SECRET } });
    admin = await tokenFor(t.url, 'admin', ADMIN_PASSWORD);
    db = new Client({ connectionString: t.database!.url });
    await db.connect();
    sender = new MllpClient({ ackTimeoutMs: 20_000 });
    await sender.connect('127.0.0.1', t.platform.mllpPort!);
  }, 120_000);
  afterEach(async () => {
    expect(msa(await sender.send(normal()))).toBe('AA');
    await request(t.url).get('/health/ready').expect(200);
  });
  afterAll(async () => {
    await sender?.close();
    await db?.end();
    await t?.stop();
    t?.dataDir.remove();
  });

  describe('REST and the FHIR hook', () => {
    it('refuses a JSON body over 1 MB with 413 problem JSON', async () => {
      const res = await requestAs(t.url, () => admin)
        .post('/api/users', { username: 'big', password: 'x'.repeat(2 * 1024 * 1024), displayName: 'B', roles: [] })
        .expect(413);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    });

    it('refuses deeply nested JSON with a 4xx problem, not a crash', async () => {
      const depth = 100_000;
      const res = await request(t.url)
        .post('/api/users')
        .set('Authorization', `Bearer ${admin}`)
        .set('Content-Type', 'application/json')
        .send(`{"username":${'['.repeat(depth)}${']'.repeat(depth)}}`);
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    });

    it('refuses a FHIR bundle over 1 MB on the subscription hook with 413', async () => {
      const entry = { resource: { resourceType: 'Patient', id: 'p', text: { div: 'x'.repeat(2048) } } };
      const bundle = { resourceType: 'Bundle', type: 'collection', entry: Array.from({ length: 700 }, () => entry) };
      const res = await request(t.url)
        .post('/fhir/subscription-hook')
        .set('Content-Type', 'application/fhir+json')
        .set('X-Hook-Secret', HOOK_SECRET)
        .send(JSON.stringify(bundle))
        .expect(413);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    });

    it('answers SQL-looking and path-traversal identifiers with a 4xx, never data or a file', async () => {
      const port = t.platform.httpPort;
      for (const id of [
        "1' OR '1'='1",
        '1;DROP TABLE inbox;--',
        '..%2F..%2F..%2Fetc%2Fpasswd',
        '%00',
        '😀'.repeat(50),
      ]) {
        for (const path of [`/api/cases/${encodeURIComponent(id)}`, `/api/cases/${encodeURIComponent(id)}/events`]) {
          const res = await request(t.url).get(path).set('Authorization', `Bearer ${admin}`);
          expect({ path, status: res.status >= 400 && res.status < 500 }).toEqual({ path, status: true });
          expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
        }
      }
      for (const path of ['/../../../../etc/passwd', '/%2e%2e/%2e%2e/%2e%2e/etc/passwd', '/api/../../etc/passwd']) {
        const res = await rawGet(port, path);
        expect({ path, leaked: res.body.includes('root:x:0:0') }).toEqual({ path, leaked: false });
      }
      const tables = await db.query(`SELECT to_regclass('inbox') AS inbox`);
      expect(tables.rows[0]).toEqual({ inbox: 'inbox' });
    });
  });

  describe('HL7 identifiers', () => {
    it('stores SQL-looking and path-traversal MRNs literally', async () => {
      for (const mrn of ["X1'); DROP TABLE inbox;--", '../../../etc/passwd']) {
        expect(msa(await sender.send(normal(mrn)))).toBe('AA');
        const controlId = `BADX-${n}`;
        const stored = await waitFor(
          async () => {
            const { rows } = await db.query<{ mrn: string }>(
              `SELECT state -> 'patient' ->> 'mrn' AS mrn FROM surgical_case
               WHERE state -> 'identifiers' ->> 'placerAppointmentId' = $1`,
              [`PL-${controlId}`],
            );
            return rows[0];
          },
          { timeoutMs: 20_000, what: 'the case' },
        );
        expect(stored.mrn).toBe(mrn.replace(/\^.*/, ''));
      }
    });
  });

  describe('MQTT', () => {
    let password = '';
    const url = () => `mqtt://127.0.0.1:${t.platform.mqttPort}`;
    beforeAll(async () => {
      const res = await requestAs(t.url, () => admin)
        .post('/api/devices', { id: 'bomb-1', type: 'monitor' })
        .expect(201);
      password = (res.body as { mqttPassword: string }).mqttPassword;
    });

    it('closes the connection of a payload bomb before reading it, and the device can go on', async () => {
      const client: MqttClient = await connectAsync(url(), { username: 'bomb-1', password, reconnectPeriod: 0 });
      const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
      client.publish('circulator/v1/devices/bomb-1/status', Buffer.alloc(8 * 1024 * 1024, 0x7b), { qos: 1 });
      await closed;
      await client.endAsync(true);
      const again = await connectAsync(url(), { username: 'bomb-1', password, reconnectPeriod: 0 });
      await again.publishAsync('circulator/v1/devices/bomb-1/status', JSON.stringify({ state: 'online' }), { qos: 1 });
      await again.endAsync();
    });

    it('refuses wildcard identities', async () => {
      for (const username of ['#', '+', 'bomb-1/#']) {
        await expect(
          connectAsync(url(), { username, password, reconnectPeriod: 0, connectTimeout: 5_000 }),
        ).rejects.toThrow();
      }
    });

    it('closes connections that send malformed packets', async () => {
      const port = t.platform.mqttPort!;
      await rawBytesClosed(port, Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n', 'latin1'));
      await rawBytesClosed(port, Buffer.of(0x10, 0xff, 0xff, 0xff, 0xff, 0x7f));
      // A CONNECT whose protocol name is wrong.
      await rawBytesClosed(
        port,
        Buffer.of(0x10, 0x0c, 0x00, 0x04, 0x4e, 0x4f, 0x50, 0x45, 0x04, 0x02, 0x00, 0x3c, 0x00, 0x00),
      );
      await rawBytesClosed(port, Buffer.alloc(64, 0xff));
    });
  });

  describe('socket.io', () => {
    let live: Socket | undefined;
    afterEach(() => live?.close());

    it('answers a flood of bad subscriptions and ignores unknown events; others are served', async () => {
      live = await connectLive(t.url, admin);
      const acks: Promise<SubscribeAck | 'disconnected'>[] = [];
      const gone = new Promise<'disconnected'>((resolve) => live!.once('disconnect', () => resolve('disconnected')));
      for (let i = 0; i < 2_000; i++) {
        live.emit('no-such-event', { x: 'y'.repeat(100) });
        acks.push(
          Promise.race([
            new Promise<SubscribeAck>((resolve) =>
              live!.emit('subscribe', { topic: i % 2 ? `case:../../${i}` : `board:' OR 1=1--${i}` }, resolve),
            ),
            gone,
          ]),
        );
      }
      const answers = await Promise.all(acks);
      // Every bad subscription is refused (or the flooding socket was cut off): none accepted.
      expect(answers.filter((a) => a !== 'disconnected' && a.ok)).toEqual([]);
      const other = await connectLive(t.url, admin);
      try {
        const ok = await new Promise<SubscribeAck>((resolve) =>
          other.emit('subscribe', { topic: 'board:2026-11-23' }, resolve),
        );
        expect(ok.ok).toBe(true);
      } finally {
        other.close();
      }
    });
  });
});
