import { Client } from 'pg';
import { MllpClient } from '@circulator/hl7';
import { siu } from '../support/hl7-messages';
import { seededRandom, startFaultProxy, type FaultProxy } from '../support/fault-proxy';
import { startPrivateRedis, type PrivateRedis } from '../support/private-redis';
import { startServerProcess, type ServerProcess } from '../support/server-process';
import {
  createTempDir,
  createTestDatabase,
  uniqueName,
  waitFor,
  type TempDir,
  type TestDatabase,
} from '../support/services';

/**
 * How many seeded runs, and messages per run. CI runs a few small ones; the done-when
 * (twenty runs of a 10,000-message burst) is `FAULT_RUNS=20 FAULT_MESSAGES=10000` (docs/reliability.md).
 */
const RUNS = Number(process.env.FAULT_RUNS ?? 2);
const MESSAGES = Number(process.env.FAULT_MESSAGES ?? 200);
const KILLS_PER_RUN = Number(process.env.FAULT_KILLS ?? 2);
const SEED = Number(process.env.FAULT_SEED ?? 20261121);
/** A run's time limit: 10 minutes, more for the long form (the proxy keeps senders near 30 messages/s). */
const RUN_TIMEOUT_MS = Math.max(600_000, MESSAGES * 150);
const CONNECTIONS = 4;

function ackCode(ack: string): string {
  return (
    ack
      .split('\r')
      .find((s) => s.startsWith('MSA|'))
      ?.split('|')[1] ?? '?'
  );
}

/** What the senders were told, message by message: the checker's history. */
interface History {
  acknowledged: Set<string>;
  resends: number;
}

/**
 * Issue 10, done-when 1: the platform killed with SIGKILL mid-burst, several times, while four MLLP
 * connections send through a fault proxy that slices every frame into 1–7 byte pieces, adds latency
 * and resets connections. The checker: every message a sender heard AA for is in the inbox once,
 * applied, and created its case with exactly one event (applied once); nothing else was created.
 */
describe('kill -9 of the platform mid-burst (seeded runs)', () => {
  let db: TestDatabase;
  let redis: PrivateRedis;
  let dir: TempDir;
  let server: ServerProcess | undefined;
  let proxy: FaultProxy | undefined;
  let pg: Client;

  beforeAll(async () => {
    db = await createTestDatabase();
    redis = await startPrivateRedis(['--maxmemory-policy', 'noeviction', '--appendonly', 'yes']);
    dir = createTempDir();
    pg = new Client({ connectionString: db.url });
    await pg.connect();
  }, 60_000);
  afterAll(async () => {
    await proxy?.close();
    await server?.stop();
    await pg?.end();
    await redis?.destroy();
    await db?.drop();
    dir?.remove();
  });

  const start = (prefix: string): Promise<ServerProcess> =>
    startServerProcess({
      DATABASE_URL: db.url,
      REDIS_URL: redis.url,
      REDIS_PREFIX: prefix,
      DATA_DIR: dir.path,
      FACILITY_TZ: 'Europe/Paris',
      PREDICTIONS: 'off',
    });

  for (let run = 0; run < RUNS; run++) {
    const seed = SEED + run;
    it(
      `run ${run + 1}/${RUNS} (seed ${seed}): ${MESSAGES} messages, ${KILLS_PER_RUN} kill(s)`,
      async () => {
        const random = seededRandom(seed);
        const tag = `K${seed}`;
        const prefix = uniqueName('kill');
        server = await start(prefix);
        proxy = await startFaultProxy({
          targetPort: server.ports.mllpPort!,
          random,
          slice: true,
          maxLatencyMs: 5,
          resetProbability: 0.002,
        });
        const killAt = Array.from({ length: KILLS_PER_RUN }, () => Math.floor(random() * MESSAGES * 0.9))
          .sort((a, b) => a - b)
          .map((n, i) => Math.max(n, i + 1));
        const history: History = { acknowledged: new Set(), resends: 0 };
        const messageOf = (i: number) =>
          siu({
            trigger: 'S12',
            controlId: `${tag}-${i}`,
            placerId: `PL-${tag}-${i}`,
            fillerId: `FL-${tag}-${i}`,
            start: '20261123083000',
            minutes: 30,
            room: `OR${(i % 8) + 1}`,
            mrn: `MRN-${tag}-${i}`,
            family: 'Kill',
            given: `P${i}`,
          });

        // The chaos: kill -9 when the acknowledged count passes each mark, then start again.
        let restarting: Promise<void> | undefined;
        const kills: number[] = [];
        const maybeKill = (): void => {
          const next = killAt[kills.length];
          if (restarting || next === undefined || history.acknowledged.size < next) return;
          kills.push(history.acknowledged.size);
          const victim = server!;
          restarting = (async () => {
            victim.child.kill('SIGKILL');
            await new Promise((resolve) => victim.child.once('exit', resolve));
            server = await start(prefix);
            proxy!.setTarget(server.ports.mllpPort!);
          })().finally(() => (restarting = undefined));
        };

        // Four senders share the messages; each sends in order and resends until it hears AA.
        const sender = async (lane: number): Promise<void> => {
          const client = new MllpClient({ ackTimeoutMs: 5_000, connectTimeoutMs: 2_000 });
          let connected = false;
          for (let i = lane; i < MESSAGES; i += CONNECTIONS) {
            for (;;) {
              try {
                if (!connected) {
                  await client.connect('127.0.0.1', proxy!.port);
                  connected = true;
                }
                const code = ackCode(await client.send(messageOf(i)));
                if (code === 'AA') {
                  history.acknowledged.add(`${tag}-${i}`);
                  maybeKill();
                  break;
                }
                history.resends += 1;
              } catch {
                // The connection dropped (killed platform, proxy reset, no ACK in time): reconnect, resend.
                history.resends += 1;
                connected = false;
                await client.close().catch(() => undefined);
                // A sender's pause before it reconnects (an interface engine's retry interval).
                await new Promise((r) => setTimeout(r, 50));
              }
            }
          }
          await client.close();
        };
        await Promise.all(Array.from({ length: CONNECTIONS }, (_, lane) => sender(lane)));
        await restarting;

        // The checker, against PostgreSQL once the worker is done.
        const ids = [...history.acknowledged];
        await waitFor(
          async () => {
            const { rows } = await pg.query<{ n: string }>(
              `SELECT count(*)::text AS n FROM inbox WHERE control_id LIKE $1 AND status = 'applied'`,
              [`${tag}-%`],
            );
            return rows[0]?.n === String(MESSAGES) ? true : undefined;
          },
          { timeoutMs: 180_000, intervalMs: 200, what: 'every acknowledged message applied' },
        );
        const inbox = await pg.query<{ control_id: string; n: string; applied: boolean }>(
          `SELECT control_id, count(*)::text AS n, bool_and(status = 'applied') AS applied
         FROM inbox WHERE control_id LIKE $1 GROUP BY control_id`,
          [`${tag}-%`],
        );
        const cases = await pg.query<{ placer: string; events: string; version: number }>(
          `SELECT c.state -> 'identifiers' ->> 'placerAppointmentId' AS placer, count(e.id)::text AS events,
                max(c.version) AS version
         FROM surgical_case c JOIN case_event e ON e.case_id = c.id
         WHERE c.state -> 'identifiers' ->> 'placerAppointmentId' LIKE $1 GROUP BY c.id`,
          [`PL-${tag}-%`],
        );
        const stored = new Map(inbox.rows.map((r) => [r.control_id, r]));
        const missing = ids.filter((id) => stored.get(id)?.applied !== true);
        const storedTwice = inbox.rows.filter((r) => r.n !== '1').map((r) => r.control_id);
        const appliedTwice = cases.rows.filter((r) => r.events !== '1' || Number(r.version) !== 1).map((r) => r.placer);
        const verdict = {
          seed,
          acknowledged: ids.length,
          kills: kills.length,
          proxyResets: proxy.resets(),
          resends: history.resends,
          missing: missing.length,
          storedTwice: storedTwice.length,
          appliedTwice: appliedTwice.length,
          cases: cases.rows.length,
        };
        // The checker's verdict, in the test output.
        process.stdout.write(`kill-9 checker: ${JSON.stringify(verdict)}\n`);
        expect(verdict).toEqual({
          seed,
          acknowledged: MESSAGES,
          kills: KILLS_PER_RUN,
          proxyResets: expect.any(Number),
          resends: expect.any(Number),
          missing: 0,
          storedTwice: 0,
          appliedTwice: 0,
          cases: MESSAGES,
        });
        await proxy.close();
        proxy = undefined;
        await server.stop();
        server = undefined;
      },
      RUN_TIMEOUT_MS,
    );
  }
});
