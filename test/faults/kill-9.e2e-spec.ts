import { Client } from 'pg';
import { MllpClient } from '@circulator/hl7';
import { siu } from '../support/hl7-messages';
import { DisplayWatcher } from '../support/display-watcher';
import { ackCode, checkAppliedOnce } from '../support/fault-checker';
import { seededRandom, startFaultProxy, type FaultProxy } from '../support/fault-proxy';
import { ADMIN_PASSWORD, tokenFor } from '../support/platform';
import { startPrivateRedis, type PrivateRedis } from '../support/private-redis';
import { startServerProcess, type ServerProcess } from '../support/server-process';
import { createTempDir, createTestDatabase, uniqueName, type TempDir, type TestDatabase } from '../support/services';

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
/** Cases a fifth sender books, then moves again and again (S14) during the burst. */
const UPDATED_CASES = 4;
const UPDATES_PER_CASE = Math.max(5, Math.round(MESSAGES / 20));
const DATE = '2026-11-23';

/** What the senders were told, message by message: the checker's history. */
interface History {
  acknowledged: Set<string>;
  resends: number;
}

/**
 * Issue 10, done-when 1: the platform killed with SIGKILL mid-burst, several times, while four MLLP
 * connections send through a fault proxy that slices every frame into 1–7 byte pieces, adds latency
 * and resets connections, and a fifth sender moves a few cases again and again (S14). The checker:
 * every message a sender heard AA for is in the inbox once and applied; each booking made its case
 * with one event, each moved case has one event per acknowledged message (applied once). A board
 * screen (socket.io `/live`, reconnected after each restart) is never shown a case version lower
 * than one it showed before, and ends showing what REST reads.
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
      ADMIN_PASSWORD,
      // Work a killed process held goes back to the queue within seconds (not BullMQ's 30 s).
      WORKER_LOCK_SECONDS: '4',
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
        // The moved cases: booked (step 0), then each step moves its end a minute later, sent later.
        const updateOf = (step: number, k: number) =>
          siu({
            trigger: step === 0 ? 'S12' : 'S14',
            controlId: `${tag}-U${k}-${step}`,
            placerId: `PU-${tag}-${k}`,
            fillerId: `FU-${tag}-${k}`,
            start: '20261123140000',
            minutes: 60 + step,
            room: `OR${k + 1}`,
            mrn: `MRN-${tag}-U${k}`,
            family: 'Moved',
            given: `P${k}`,
            sent: new Date(Date.UTC(2026, 10, 20, 12, step)).toISOString().replace(/[-:T]/g, '').slice(0, 14),
          });

        // A board screen, connected again to each new process.
        const board = new DisplayWatcher(`board:${DATE}`, (url) => tokenFor(url, 'admin', ADMIN_PASSWORD));
        await board.connect(server.url);

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
            await board.connect(server.url);
          })().finally(() => (restarting = undefined));
        };

        /** Sends one message until it hears AA (a resend after a dropped connection, AR or no ACK). */
        const sendUntilAccepted = async (client: MllpClient, state: { connected: boolean }, message: string) => {
          for (;;) {
            try {
              if (!state.connected) {
                await client.connect('127.0.0.1', proxy!.port);
                state.connected = true;
              }
              if (ackCode(await client.send(message)) === 'AA') return;
              history.resends += 1;
            } catch {
              // The connection dropped (killed platform, proxy reset, no ACK in time): reconnect, resend.
              history.resends += 1;
              state.connected = false;
              await client.close().catch(() => undefined);
              // A sender's pause before it reconnects (an interface engine's retry interval).
              await new Promise((r) => setTimeout(r, 50));
            }
          }
        };
        // Four senders share the bookings, each in order.
        const sender = async (lane: number): Promise<void> => {
          const client = new MllpClient({ ackTimeoutMs: 5_000, connectTimeoutMs: 2_000 });
          const state = { connected: false };
          for (let i = lane; i < MESSAGES; i += CONNECTIONS) {
            await sendUntilAccepted(client, state, messageOf(i));
            history.acknowledged.add(`${tag}-${i}`);
            maybeKill();
          }
          await client.close();
        };
        // A fifth moves its cases, step by step, each step accepted before the next is sent.
        const updatesOf = new Map<string, number>();
        const updater = async (): Promise<void> => {
          const client = new MllpClient({ ackTimeoutMs: 5_000, connectTimeoutMs: 2_000 });
          const state = { connected: false };
          for (let step = 0; step <= UPDATES_PER_CASE; step++) {
            for (let k = 0; k < UPDATED_CASES; k++) {
              await sendUntilAccepted(client, state, updateOf(step, k));
              history.acknowledged.add(`${tag}-U${k}-${step}`);
              if (step > 0) updatesOf.set(`PU-${tag}-${k}`, step);
            }
          }
          await client.close();
        };
        await Promise.all([...Array.from({ length: CONNECTIONS }, (_, lane) => sender(lane)), updater()]);
        await restarting;

        // The checker, against PostgreSQL once the worker is done: the bookings, then the moved cases.
        const bookings = new Set([...history.acknowledged].filter((id) => !id.startsWith(`${tag}-U`)));
        const booked = await checkAppliedOnce(pg, {
          controlPrefix: `${tag}-`,
          placerPrefix: `PL-${tag}-`,
          acknowledged: bookings,
          timeoutMs: 180_000,
        });
        const moved = await checkAppliedOnce(pg, {
          controlPrefix: `${tag}-U`,
          placerPrefix: `PU-${tag}-`,
          acknowledged: new Set([...history.acknowledged].filter((id) => id.startsWith(`${tag}-U`))),
          updatesOf,
        });
        const movedToLastStep = async (): Promise<number> => {
          const { rows } = await pg.query<{ ends: string }>(
            `SELECT state ->> 'scheduledEnd' AS ends FROM surgical_case
           WHERE state -> 'identifiers' ->> 'placerAppointmentId' LIKE $1`,
            [`PU-${tag}-%`],
          );
          // Booked 14:00 Paris (13:00Z) for 60 minutes, each step a minute more.
          const last = Date.UTC(2026, 10, 23, 13, 60 + UPDATES_PER_CASE);
          return rows.filter((r) => Date.parse(r.ends) === last).length;
        };
        const display = await board.converged(server.url, await tokenFor(server.url, 'admin', ADMIN_PASSWORD), DATE);
        board.close();
        const verdict = {
          seed,
          acknowledged: history.acknowledged.size,
          kills: kills.length,
          proxyResets: proxy.resets(),
          resends: history.resends,
          // storedTwice counts the moved cases' messages too (they share the control id prefix).
          missing: booked.missing + moved.missing,
          storedTwice: booked.storedTwice,
          appliedTwice: booked.appliedTwice + moved.appliedTwice,
          // Each moved case ends where its last step put it (no acknowledged step lost or undone).
          movedToLastStep: await movedToLastStep(),
          cases: booked.cases,
          movedCases: moved.cases,
          display: { ...board.verdict(), converged: display.converged },
        };
        // The checker's verdict, in the test output.
        process.stdout.write(`kill-9 checker: ${JSON.stringify(verdict)}\n`);
        expect(board.backwards).toEqual([]);
        expect(display).toEqual({ converged: true, onScreenOnly: 0, inRestOnly: 0, different: 0 });
        expect(verdict).toEqual({
          seed,
          acknowledged: MESSAGES + UPDATED_CASES * (UPDATES_PER_CASE + 1),
          kills: KILLS_PER_RUN,
          proxyResets: expect.any(Number),
          resends: expect.any(Number),
          missing: 0,
          storedTwice: 0,
          appliedTwice: 0,
          movedToLastStep: UPDATED_CASES,
          cases: MESSAGES,
          movedCases: UPDATED_CASES,
          display: {
            snapshots: expect.any(Number),
            updates: expect.any(Number),
            gaps: expect.any(Number),
            casesSeen: expect.any(Number),
            backwards: 0,
            converged: true,
          },
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
