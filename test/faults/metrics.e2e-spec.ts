import request from 'supertest';
import type { Socket } from 'socket.io-client';
import type { SubscribeAck } from '@circulator/contracts';
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

const METRICS_TOKEN = 'metrics-scraper-secret-0123456789abcdef';
const DATE = '2026-11-23';

/** One sample of the exposition text: the value of `name{labels}` (labels in prom-client's order). */
function sample(text: string, name: string, labels = ''): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name}${labels ? `{${labels}}` : ''} `));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

/** Issue 10 (observability): GET /metrics counts what flows through and is never open. */
describe('Prometheus metrics and readiness', () => {
  let t: TestPlatform;
  let admin: string;
  let live: Socket;
  const scrape = async (): Promise<string> =>
    (await request(t.url).get('/metrics').set('Authorization', `Bearer ${METRICS_TOKEN}`).expect(200)).text;

  beforeAll(async () => {
    t = await startTestPlatform({
      clock: new ManualClock(new Date('2026-11-23T05:00:00Z')),
      env: { METRICS_TOKEN },
    });
    admin = await tokenFor(t.url, 'admin', ADMIN_PASSWORD);
  });
  afterAll(async () => {
    live?.close();
    await t?.stop();
    t?.dataDir.remove();
  });

  it('answers only the scraper token and admin or integration users', async () => {
    const none = await request(t.url).get('/metrics').expect(401);
    expect(none.headers['content-type']).toMatch(/^application\/problem\+json/);
    await request(t.url).get('/metrics').set('Authorization', 'Bearer not-the-token').expect(401);
    await request(t.url)
      .get('/metrics')
      .set('Authorization', `Bearer ${METRICS_TOKEN.slice(0, -1)}x`)
      .expect(401);
    await requestAs(t.url, () => admin)
      .post('/api/users', {
        username: 'nurse-metrics',
        password: 'ward-scrub-lantern-92',
        displayName: 'Nurse',
        roles: ['nurse'],
      })
      .expect(201);
    const nurse = await tokenFor(t.url, 'nurse-metrics', 'ward-scrub-lantern-92');
    await request(t.url).get('/metrics').set('Authorization', `Bearer ${nurse}`).expect(403);
    const byAdmin = await request(t.url).get('/metrics').set('Authorization', `Bearer ${admin}`).expect(200);
    expect(byAdmin.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(byAdmin.headers['cache-control']).toBe('no-store');
    const text = await scrape();
    expect(text).toMatch(/^# TYPE nodejs_eventloop_lag_p99_seconds gauge$/m);
    expect(text).toMatch(/^# TYPE circulator_queue_jobs gauge$/m);
    expect(sample(text, 'circulator_queue_jobs', 'state="waiting"')).toBeGreaterThanOrEqual(0);
  });

  it('counts messages in, answered, applied per interface, and the update delivered to a display', async () => {
    live = await connectLive(t.url, admin);
    const subscribed = await new Promise<SubscribeAck>((resolve) =>
      live.emit('subscribe', { topic: `board:${DATE}` }, resolve),
    );
    expect(subscribed.ok).toBe(true);
    const updated = new Promise<void>((resolve) => live.once('update', () => resolve()));

    const sender = new MllpClient({ ackTimeoutMs: 20_000 });
    await sender.connect('127.0.0.1', t.platform.mllpPort!);
    try {
      const good = siu({
        trigger: 'S12',
        controlId: 'MET-1',
        placerId: 'PL-MET-1',
        fillerId: 'FL-MET-1',
        start: '20261123083000',
        minutes: 60,
        room: 'OR1',
        mrn: 'MRN-MET-1',
        family: 'Metric',
        given: 'Ann',
      });
      expect(await sender.send(good)).toMatch(/\rMSA\|AA\|MET-1/);
      // A type we do not support: refused (AR), kept.
      const unsupported = good.replace('SIU^S12', 'ZZZ^Z01').replace('MET-1', 'MET-2');
      expect(await sender.send(unsupported)).toMatch(/\rMSA\|AR\|MET-2/);
      const text = await scrape();
      expect(sample(text, 'circulator_mllp_connections')).toBe(1);
      expect(sample(text, 'circulator_messages_received_total', 'channel="mllp",interface="default"')).toBe(2);
      expect(
        sample(text, 'circulator_messages_answered_total', 'channel="mllp",interface="default",outcome="accepted"'),
      ).toBe(1);
      expect(
        sample(text, 'circulator_messages_answered_total', 'channel="mllp",interface="default",outcome="refused"'),
      ).toBe(1);
    } finally {
      await sender.close();
    }

    await updated;
    const text = await waitFor(
      async () => {
        const now = await scrape();
        return sample(
          now,
          'circulator_messages_applied_total',
          'channel="mllp",interface="default",outcome="applied"',
        ) === 1 && (sample(now, 'circulator_display_latency_seconds_count') ?? 0) >= 1
          ? now
          : undefined;
      },
      { timeoutMs: 20_000, what: 'the message applied and its update counted' },
    );
    expect(sample(text, 'circulator_socket_clients')).toBe(1);
    expect(sample(text, 'circulator_display_latency_seconds_bucket', 'le="+Inf"')).toBeGreaterThanOrEqual(1);
    // Nothing patient-identifying in the exposition.
    expect(text).not.toMatch(/MRN-MET|Metric/);
  });

  it('reports the MQTT broker among the dependencies of readiness', async () => {
    const ready = await request(t.url).get('/health/ready').expect(200);
    expect(ready.body).toMatchObject({
      status: 'ok',
      info: { database: { status: 'up' }, redis: { status: 'up' }, mllp: { status: 'up' }, mqtt: { status: 'up' } },
    });
  });
});
