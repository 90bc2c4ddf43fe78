import request from 'supertest';
import { MllpClient } from '@circulator/hl7';
import { siu } from '../support/hl7-messages';
import { startServerProcess, type ServerProcess } from '../support/server-process';
import { createTestDatabase, dropRedisPrefix, uniqueName, waitFor, type TestDatabase } from '../support/services';

const PASSWORD = 'worker-thread-admin-password';
const METRICS_TOKEN = 'worker-thread-metrics-secret-0123456789';

/** One sample of the exposition text: the value of `name{labels}`. */
function sample(text: string, name: string, labels: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}} `));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

/**
 * WORKER_THREAD=on (README): one process whose worker role runs in a thread of its own. What is
 * sent over MLLP is applied (by the thread: the main thread has no worker), the main thread's
 * /metrics counts what the thread applied, and SIGTERM stops both threads cleanly.
 */
describe('the worker role in its own thread (WORKER_THREAD=on)', () => {
  let db: TestDatabase;
  let server: ServerProcess | undefined;
  const prefix = uniqueName('wthread');

  beforeAll(async () => {
    db = await createTestDatabase();
    server = await startServerProcess({
      DATABASE_URL: db.url,
      REDIS_PREFIX: prefix,
      ADMIN_PASSWORD: PASSWORD,
      FACILITY_TZ: 'UTC',
      METRICS_TOKEN,
      WORKER_THREAD: 'on',
      PREDICTIONS: 'off',
      RULE_TICK: 'off',
    });
  }, 120_000);

  afterAll(async () => {
    await server?.stop();
    await db?.drop();
    await dropRedisPrefix(prefix);
  });

  it('applies what the main thread acknowledged and counts it on /metrics', async () => {
    const t = server!;
    expect(t.output()).toMatch(/"workerThread":true/);
    const mllp = new MllpClient({ ackTimeoutMs: 10_000 });
    await mllp.connect('127.0.0.1', t.ports.mllpPort!);
    try {
      for (let n = 1; n <= 3; n += 1) {
        const ack = await mllp.send(
          siu({
            trigger: 'S12',
            controlId: `WT-${n}`,
            sent: `2026112106000${n}`,
            placerId: `PL-WT-${n}`,
            fillerId: `FL-WT-${n}`,
            start: `20261130${String(7 + n).padStart(2, '0')}0000`,
            minutes: 45,
            room: 'OR7',
            mrn: `MRN-WT-${n}`,
            family: `Thread${n}`,
            given: 'Pat',
          }),
        );
        expect(ack).toMatch(/MSA\|AA\|WT-/);
      }
    } finally {
      await mllp.close();
    }
    const token = (
      (await request(t.url).post('/api/auth/token').send({ username: 'admin', password: PASSWORD }).expect(200))
        .body as { access_token: string }
    ).access_token;
    const applied = await waitFor(
      async () => {
        const res = await request(t.url)
          .get('/api/cases')
          .query({ date: '2026-11-30' })
          .set('Authorization', `Bearer ${token}`)
          .expect(200);
        const cases = res.body as { identifiers: { placerAppointmentId?: string } }[];
        const ours = cases.filter((c) => c.identifiers.placerAppointmentId?.startsWith('PL-WT-'));
        return ours.length === 3 ? ours : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 100, what: 'the three bookings applied by the worker thread' },
    );
    expect(applied.map((c) => c.identifiers.placerAppointmentId).sort()).toEqual(['PL-WT-1', 'PL-WT-2', 'PL-WT-3']);

    // The main thread runs no worker: the applied count on /metrics is the thread's.
    const text = (await request(t.url).get('/metrics').set('Authorization', `Bearer ${METRICS_TOKEN}`).expect(200))
      .text;
    expect(
      sample(text, 'circulator_messages_applied_total', 'channel="mllp",interface="default",outcome="applied"'),
    ).toBe(3);
    expect(
      sample(text, 'circulator_messages_answered_total', 'channel="mllp",interface="default",outcome="accepted"'),
    ).toBe(3);
  });

  it('stops both threads on SIGTERM', async () => {
    const t = server!;
    const exited = new Promise<number | null>((resolve) => t.child.once('exit', (code) => resolve(code)));
    t.child.kill('SIGTERM');
    expect(await exited).toBe(0);
    server = undefined;
  });
});
