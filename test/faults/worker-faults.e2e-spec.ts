import { readFileSync } from 'node:fs';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { Client } from 'pg';
import { MllpClient } from '@circulator/hl7';
import { DisplayWatcher } from '../support/display-watcher';
import { ackCode, checkAppliedOnce } from '../support/fault-checker';
import { seededRandom, startFaultProxy } from '../support/fault-proxy';
import { siu } from '../support/hl7-messages';
import { ADMIN_PASSWORD, tokenFor } from '../support/platform';
import { startServerProcess, type ServerProcess } from '../support/server-process';
import {
  createTempDir,
  createTestDatabase,
  dropRedisPrefix,
  TEST_REDIS_URL,
  uniqueName,
  waitFor,
  type TempDir,
  type TestDatabase,
} from '../support/services';

/** The queue lock the processes run with: a silent worker's jobs go to another within seconds. */
const LOCK_SECONDS = 4;

/** The process's state letter in /proc (T: stopped by a signal). */
function processState(pid: number): string {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0] ?? '?';
}

/**
 * Issue 10: the worker alone fails while ingest (a process of its own, ROLES) keeps acknowledging.
 * A worker stopped (SIGSTOP) longer than its queue lock loses its jobs to another worker, and
 * applies nothing twice when it wakes up; a worker killed with SIGKILL loses nothing, once a new
 * one starts. The checker is the kill test's: every acknowledged message applied exactly once.
 */
describe('worker faults: stopped past its queue lock, killed while ingest acknowledges', () => {
  let db: TestDatabase;
  let dir: TempDir;
  let pg: Client;
  const processes: ServerProcess[] = [];
  const prefixes: string[] = [];
  const queues: Queue[] = [];
  const redisClients: Redis[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    dir = createTempDir();
    pg = new Client({ connectionString: db.url });
    await pg.connect();
  }, 60_000);
  afterAll(async () => {
    for (const p of processes) {
      // A worker left stopped by a failed test must run to take SIGTERM.
      if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGCONT');
      await p.stop();
    }
    for (const q of queues) await q.close();
    for (const r of redisClients) r.disconnect();
    await pg?.end();
    for (const prefix of prefixes) await dropRedisPrefix(prefix);
    await db?.drop();
    dir?.remove();
  });

  /** One process of the platform, with the roles given; its database sessions carry `name`. */
  const start = async (
    prefix: string,
    roles: string,
    name: string,
    env: Record<string, string> = {},
  ): Promise<ServerProcess> => {
    const url = new URL(db.url);
    url.searchParams.set('application_name', name);
    const p = await startServerProcess({
      DATABASE_URL: url.toString(),
      REDIS_URL: TEST_REDIS_URL,
      REDIS_PREFIX: prefix,
      DATA_DIR: dir.path,
      FACILITY_TZ: 'Europe/Paris',
      PREDICTIONS: 'off',
      RULE_TICK: 'off',
      ROLES: roles,
      WORKER_LOCK_SECONDS: String(LOCK_SECONDS),
      ADMIN_PASSWORD,
      ...env,
    });
    processes.push(p);
    return p;
  };
  const queueOf = (prefix: string): Queue => {
    // BullMQ does not close a connection it was given: the test closes it (else jest never exits).
    const connection = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
    const q = new Queue('inbound', { connection, prefix: `${prefix}:bull` });
    queues.push(q);
    redisClients.push(connection);
    return q;
  };
  const booking = (tag: string, i: number, change: Partial<Parameters<typeof siu>[0]> = {}) =>
    siu({
      trigger: 'S12',
      controlId: `${tag}-${i}`,
      placerId: `PL-${tag}-${i}`,
      fillerId: `FL-${tag}-${i}`,
      start: '20261124083000',
      minutes: 30,
      room: `OR${(i % 6) + 1}`,
      mrn: `MRN-${tag}-${i}`,
      family: 'Worker',
      given: `P${i}`,
      ...change,
    });
  /** Sends the bookings `ids` over one connection, each until AA; calls `accepted` after each. */
  const send = async (
    port: number,
    tag: string,
    ids: number[],
    acknowledged: Set<string>,
    accepted: () => void = () => undefined,
  ): Promise<void> => {
    const client = new MllpClient({ ackTimeoutMs: 10_000 });
    await client.connect('127.0.0.1', port);
    for (const i of ids) {
      for (;;) {
        const code = ackCode(await client.send(booking(tag, i)));
        if (code === 'AA') break;
      }
      acknowledged.add(`${tag}-${i}`);
      accepted();
    }
    await client.close();
  };
  const range = (from: number, to: number, step = 1): number[] =>
    Array.from({ length: Math.ceil((to - from) / step) }, (_, k) => from + k * step);

  it('a worker stopped (SIGSTOP) past its queue lock: another worker takes its jobs; woken, it applies nothing twice', async () => {
    const tag = 'STALL';
    const prefix = uniqueName('stall');
    prefixes.push(prefix);
    const queue = queueOf(prefix);
    const ingest = await start(prefix, 'gateway,ingest', 'ingest');
    const a = await start(prefix, 'worker', 'worker-a');
    const acknowledged = new Set<string>();

    // Worker A is held inside its jobs: the test locks the case table, so A's apply waits there
    // (the ingest never touches it: every message is still stored and acknowledged).
    const blocker = new Client({ connectionString: db.url });
    await blocker.connect();
    await blocker.query('BEGIN');
    await blocker.query('LOCK TABLE surgical_case IN EXCLUSIVE MODE');
    await send(ingest.ports.mllpPort!, tag, range(0, 60), acknowledged);
    const held = await waitFor(
      async () => {
        const { rows } = await pg.query(
          `SELECT 1 FROM pg_stat_activity WHERE application_name = 'worker-a' AND wait_event_type = 'Lock'`,
        );
        const active = await queue.getActive();
        return rows.length && active.length ? active.map((j) => j.id!) : undefined;
      },
      { timeoutMs: 20_000, what: "worker A's jobs waiting on the case table" },
    );

    // A freezes with its jobs active. Its waiting database session is cut, as a frozen host's
    // would be in time (otherwise its row locks would hold every other worker back until it wakes).
    a.child.kill('SIGSTOP');
    await waitFor(() => processState(a.child.pid!) === 'T', { what: 'worker A stopped' });
    await pg.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'worker-a' AND state <> 'idle'`,
    );
    await blocker.query('ROLLBACK');
    await blocker.end();

    // Worker B: it takes A's jobs once their lock has run out (BullMQ's stalled-job check).
    const b = await start(prefix, 'worker', 'worker-b');
    const applied = await checkAppliedOnce(pg, {
      controlPrefix: `${tag}-`,
      placerPrefix: `PL-${tag}-`,
      acknowledged,
      timeoutMs: 60_000,
    });
    const taken = await waitFor(
      async () => {
        const jobs = await Promise.all(held.map((id) => queue.getJob(id)));
        const states = await Promise.all(jobs.map((j) => (j ? j.getState() : Promise.resolve('missing'))));
        return states.every((s) => s === 'completed') ? jobs : undefined;
      },
      { timeoutMs: 10 * LOCK_SECONDS * 1_000, intervalMs: 200, what: "A's stalled jobs completed by worker B" },
    );
    // All of that happened while A was still stopped.
    expect(processState(a.child.pid!)).toBe('T');
    expect(applied).toEqual({
      acknowledged: 60,
      missing: 0,
      storedTwice: 0,
      appliedTwice: 0,
      cases: 60,
    });
    expect(taken.every((j) => (j?.stalledCounter ?? 0) >= 1)).toBe(true);

    // B goes; A wakes up, finishes what it was doing (already applied) and takes new work alone:
    // once it has applied the new messages, whatever it held before is behind it (one batch at a time).
    await b.stop();
    a.child.kill('SIGCONT');
    await send(ingest.ports.mllpPort!, tag, range(60, 80), acknowledged);
    const verdict = await checkAppliedOnce(pg, {
      controlPrefix: `${tag}-`,
      placerPrefix: `PL-${tag}-`,
      acknowledged,
      timeoutMs: 60_000,
    });
    process.stdout.write(
      `worker-stall checker: ${JSON.stringify({ ...verdict, stalledJobs: held.length, lockSeconds: LOCK_SECONDS })}\n`,
    );
    expect(verdict).toEqual({
      acknowledged: 80,
      missing: 0,
      storedTwice: 0,
      appliedTwice: 0,
      cases: 80,
    });
    expect(a.child.exitCode).toBeNull();
    expect(a.output()).not.toMatch(/uncaught|unhandled/i);
    await a.stop();
    await ingest.stop();
  }, 180_000);

  it('a worker killed (SIGKILL) while ingest keeps acknowledging: all applied exactly once after a new worker starts', async () => {
    const tag = 'WKILL';
    const prefix = uniqueName('wkill');
    prefixes.push(prefix);
    const ingest = await start(prefix, 'gateway,ingest', 'ingest');
    const first = await start(prefix, 'worker', 'worker-1');
    const acknowledged = new Set<string>();
    const TOTAL = 160;
    const KILL_AT = 40;
    const RESTART_AT = 100;

    // Kill the worker at the first mark; start a new one at the second; the senders never pause.
    let chaos: Promise<void> | undefined;
    let step = 0;
    const gap = { killedAt: 0, restartedAt: 0, pendingBeforeRestart: 0 };
    const accepted = (): void => {
      if (chaos) return;
      if (step === 0 && acknowledged.size >= KILL_AT) {
        step = 1;
        chaos = (async () => {
          first.child.kill('SIGKILL');
          await new Promise((resolve) => first.child.once('exit', resolve));
          gap.killedAt = acknowledged.size;
        })().finally(() => (chaos = undefined));
      } else if (step === 1 && acknowledged.size >= RESTART_AT) {
        step = 2;
        chaos = (async () => {
          const { rows } = await pg.query<{ n: string }>(
            `SELECT count(*)::text AS n FROM inbox WHERE control_id LIKE $1 AND status = 'received'`,
            [`${tag}-%`],
          );
          gap.pendingBeforeRestart = Number(rows[0]?.n);
          gap.restartedAt = acknowledged.size;
          await start(prefix, 'worker', 'worker-2');
        })().finally(() => (chaos = undefined));
      }
    };
    await Promise.all(
      [0, 1].map((lane) => send(ingest.ports.mllpPort!, tag, range(lane, TOTAL, 2), acknowledged, accepted)),
    );
    await chaos;
    expect(step).toBe(2);

    const verdict = await checkAppliedOnce(pg, {
      controlPrefix: `${tag}-`,
      placerPrefix: `PL-${tag}-`,
      acknowledged,
      timeoutMs: 60_000,
    });
    process.stdout.write(`worker-kill checker: ${JSON.stringify({ ...verdict, ...gap })}\n`);
    // Acknowledged with no worker at all: stored, waiting, not applied.
    // Every message acknowledged after the kill was still waiting when the new worker started.
    expect(gap.restartedAt - gap.killedAt).toBeGreaterThanOrEqual((RESTART_AT - KILL_AT) / 2);
    expect(gap.pendingBeforeRestart).toBeGreaterThanOrEqual(gap.restartedAt - gap.killedAt);
    expect(verdict).toEqual({
      acknowledged: TOTAL,
      missing: 0,
      storedTwice: 0,
      appliedTwice: 0,
      cases: TOTAL,
    });
  }, 180_000);

  it('a worker frozen between its commit and its publish: a screen never goes back to the older version', async () => {
    const tag = 'FREEZE';
    const prefix = uniqueName('freeze');
    prefixes.push(prefix);
    const ingest = await start(prefix, 'gateway,ingest', 'ingest');
    // Worker A reaches Redis through a proxy the test can freeze; its database is direct.
    const redisPort = Number(new URL(TEST_REDIS_URL).port || 6379);
    const proxy = await startFaultProxy({ targetPort: redisPort, random: seededRandom(7) });
    const a = await start(prefix, 'worker', 'worker-a', { REDIS_URL: `redis://127.0.0.1:${proxy.port}` });
    const board = new DisplayWatcher('board:2026-11-24', (url) => tokenFor(url, 'admin', ADMIN_PASSWORD));
    await board.connect(ingest.url);
    const mllp = new MllpClient({ ackTimeoutMs: 10_000 });
    await mllp.connect('127.0.0.1', ingest.ports.mllpPort!);
    const statusOf = async (controlId: string): Promise<string | undefined> =>
      (await pg.query<{ status: string }>(`SELECT status FROM inbox WHERE control_id = $1`, [controlId])).rows[0]
        ?.status;
    const onScreen = (placer: string): number | undefined =>
      [...board.cases()].find((c) => c.identifiers.placerAppointmentId === placer)?.version;

    try {
      // A takes the booking and waits on the case table; frozen towards Redis, it commits version 1
      // and then cannot publish it.
      const blocker = new Client({ connectionString: db.url });
      await blocker.connect();
      await blocker.query('BEGIN');
      await blocker.query('LOCK TABLE surgical_case IN EXCLUSIVE MODE');
      expect(ackCode(await mllp.send(booking(tag, 0)))).toBe('AA');
      await waitFor(
        async () =>
          (
            await pg.query(
              `SELECT 1 FROM pg_stat_activity WHERE application_name = 'worker-a' AND wait_event_type = 'Lock'`,
            )
          ).rows.length > 0,
        { timeoutMs: 20_000, what: 'worker A waiting on the case table' },
      );
      proxy.hold();
      await blocker.query('ROLLBACK');
      await blocker.end();
      await waitFor(async () => (await statusOf(`${tag}-0`)) === 'applied', { what: 'version 1 committed by A' });

      // Worker B moves the case (version 2), which the screen shows.
      const b = await start(prefix, 'worker', 'worker-b');
      const moved = booking(tag, 0, { trigger: 'S14', controlId: `${tag}-1`, minutes: 90, sent: '20261120130000' });
      expect(ackCode(await mllp.send(moved))).toBe('AA');
      await waitFor(() => (onScreen(`PL-${tag}-0`) ?? 0) >= 2, { timeoutMs: 30_000, what: 'version 2 on the screen' });

      // B goes; A thaws and publishes what it committed long ago. Once A has applied a new
      // booking (one batch at a time), that publish is behind it.
      await b.stop();
      proxy.release();
      expect(ackCode(await mllp.send(booking(tag, 2)))).toBe('AA');
      await waitFor(() => onScreen(`PL-${tag}-2`) !== undefined, { timeoutMs: 30_000, what: 'the next booking' });
      const display = await board.converged(
        ingest.url,
        await tokenFor(ingest.url, 'admin', ADMIN_PASSWORD),
        '2026-11-24',
        { timeoutMs: 5_000 },
      );
      process.stdout.write(
        `worker-freeze display: ${JSON.stringify({ ...board.verdict(), backwardsSeen: board.backwards, ...display })}\n`,
      );
      expect(board.backwards).toEqual([]);
      expect(display).toEqual({ converged: true, onScreenOnly: 0, inRestOnly: 0, different: 0 });
    } finally {
      board.close();
      await mllp.close();
      proxy.release();
      await a.stop();
      await ingest.stop();
      await proxy.close();
    }
  }, 120_000);
});
