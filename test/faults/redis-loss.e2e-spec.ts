import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { ManualClock } from '@circulator/domain';
import { MllpClient } from '@circulator/hl7';
import { siu } from '../support/hl7-messages';
import { startTestPlatform, type TestPlatform } from '../support/platform';
import { startPrivateRedis, type PrivateRedis } from '../support/private-redis';
import { waitFor } from '../support/services';

const run = promisify(execFile);

/**
 * Issue 10: Redis is rebuildable. Its data wiped (FLUSHALL) or the server gone (SHUTDOWN NOSAVE,
 * then started again empty): every message a sender heard AA for is still applied, once, from
 * what PostgreSQL holds (the worker's sweep queues stored messages not yet applied).
 */
describe('Redis lost (FLUSHALL, SHUTDOWN NOSAVE)', () => {
  let redis: PrivateRedis;
  let t: TestPlatform;
  let sender: MllpClient;
  let db: Client;
  const clock = new ManualClock(new Date('2026-11-23T05:00:00Z'));
  const acknowledged = new Set<string>();

  const message = (i: number) =>
    siu({
      trigger: 'S12',
      controlId: `RL-${i}`,
      placerId: `PL-RL-${i}`,
      fillerId: `FL-RL-${i}`,
      start: '20261123083000',
      minutes: 30,
      room: `OR${(i % 4) + 1}`,
      mrn: `MRN-RL-${i}`,
      family: 'Redis',
      given: `Lost${i}`,
    });
  /** Sends until AA, resending on AR or a dropped connection (an interface engine's behaviour). */
  const send = async (i: number): Promise<void> => {
    for (;;) {
      try {
        const ack = await sender.send(message(i));
        if (/\rMSA\|AA\|/.test(ack)) {
          acknowledged.add(`RL-${i}`);
          return;
        }
      } catch {
        await sender.close();
        await sender.connect('127.0.0.1', t.platform.mllpPort!);
      }
    }
  };
  const redisCli = (...args: string[]) => run('redis-cli', ['-p', String(redis.port), ...args]).catch(() => undefined);

  beforeAll(async () => {
    redis = await startPrivateRedis(['--maxmemory-policy', 'noeviction']);
    t = await startTestPlatform({ clock, env: { REDIS_URL: redis.url } });
    db = new Client({ connectionString: t.database!.url });
    await db.connect();
    sender = new MllpClient({ ackTimeoutMs: 20_000 });
    await sender.connect('127.0.0.1', t.platform.mllpPort!);
  }, 120_000);
  afterAll(async () => {
    await sender?.close();
    await db?.end();
    await t?.stop();
    t?.dataDir.remove();
    await redis?.destroy();
  });

  it('applies every acknowledged message exactly once after FLUSHALL and after SHUTDOWN NOSAVE', async () => {
    for (let i = 0; i < 40; i++) await send(i);
    await redisCli('FLUSHALL');
    for (let i = 40; i < 80; i++) await send(i);
    await redisCli('SHUTDOWN', 'NOSAVE');
    // Redis away: messages are still stored and acknowledged (the queueing waits for the sweep).
    for (let i = 80; i < 100; i++) await send(i);
    await redis.destroy(); // already gone: removes its folder
    redis = await startPrivateRedis(['--maxmemory-policy', 'noeviction'], { port: redis.port });
    for (let i = 100; i < 120; i++) await send(i);
    // The sweep looks at messages stored over a minute ago (platform clock): let that minute pass.
    clock.advance(5 * 60_000);

    await waitFor(
      async () => {
        const { rows } = await db.query<{ n: string }>(
          `SELECT count(*)::text AS n FROM inbox WHERE control_id LIKE 'RL-%' AND status = 'applied'`,
        );
        return rows[0]?.n === '120' ? true : undefined;
      },
      { timeoutMs: 120_000, intervalMs: 250, what: 'every acknowledged message applied' },
    );
    const inbox = await db.query<{ n: string }>(
      `SELECT count(*)::text AS n FROM inbox WHERE control_id LIKE 'RL-%' GROUP BY control_id HAVING count(*) > 1`,
    );
    const cases = await db.query<{ events: string }>(
      `SELECT count(e.id)::text AS events FROM surgical_case c JOIN case_event e ON e.case_id = c.id
       WHERE c.state -> 'identifiers' ->> 'placerAppointmentId' LIKE 'PL-RL-%' GROUP BY c.id`,
    );
    const verdict = {
      acknowledged: acknowledged.size,
      storedTwice: inbox.rows.length,
      cases: cases.rows.length,
      appliedTwice: cases.rows.filter((r) => r.events !== '1').length,
    };
    process.stdout.write(`redis-loss checker: ${JSON.stringify(verdict)}\n`);
    expect(verdict).toEqual({ acknowledged: 120, storedTwice: 0, cases: 120, appliedTwice: 0 });
  }, 300_000);
});
