import { isMainThread, parentPort, Worker } from 'node:worker_threads';
import { join } from 'node:path';
import type { AppConfig } from './config/app-config';
import { loadConfig } from './config/app-config';
import type { CounterSnapshot } from './metrics/platform.metrics';
import { PlatformMetrics } from './metrics/platform.metrics';
import { startPlatform } from './platform';

/**
 * WORKER_THREAD=on: the worker role (apply, predict, publish) runs in a thread of its own, so that
 * its long synchronous stretches never hold an MLLP ACK, a PUBACK or a display update on the main
 * thread, and the process can use a second core. The two threads share nothing in memory: they
 * meet where separate processes do (PostgreSQL, the BullMQ queue and the change stream in Redis),
 * so the thread is exactly a `ROLES=worker` process that lives and dies with this one.
 */

/** Main thread → worker thread. */
type Command = { kind: 'stop' } | { kind: 'counters'; id: number };
/** Worker thread → main thread. */
type Report =
  | { kind: 'ready' }
  | { kind: 'failed'; error: string }
  | { kind: 'stopped' }
  | { kind: 'counters'; id: number; counters: CounterSnapshot };

export interface WorkerThread {
  /** Stops the thread's platform (its jobs finish or return to the queue), then the thread. */
  stop(): Promise<void>;
}

/** How long a stopping worker may take before the thread is ended (its jobs then stall and are retried). */
const STOP_TIMEOUT_MS = 20_000;

/**
 * The settings of the thread: this process's, with ROLES=worker and an HTTP listener of its own on
 * a free loopback port (health only; nothing is routed to it), and the Redis preflight chose.
 */
export function workerThreadEnv(env: NodeJS.ProcessEnv, redisUrl: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined) out[k] = v;
  delete out['HTTP_TLS_CERT'];
  delete out['HTTP_TLS_KEY'];
  return { ...out, ROLES: 'worker', WORKER_THREAD: 'off', HTTP_PORT: '0', HTTP_HOST: '127.0.0.1', REDIS_URL: redisUrl };
}

/**
 * Starts the worker thread and resolves once its platform is up. `onExit` is told if the thread
 * ends without being asked to (the process should then end too, and be restarted: nothing is lost,
 * the queue and the inbox hold every message).
 */
export function startWorkerThread(
  env: Record<string, string>,
  metrics: PlatformMetrics | undefined,
  onExit: (reason: string) => void,
): Promise<WorkerThread> {
  const thread = new Worker(join(__dirname, 'worker.thread.js'), { env, stdout: false, stderr: false });
  let stopping = false;
  let nextId = 0;
  const waiting = new Map<number, (c: CounterSnapshot) => void>();
  return new Promise<WorkerThread>((resolve, reject) => {
    let started = false;
    thread.on('message', (report: Report) => {
      if (report.kind === 'ready') {
        started = true;
        metrics?.addCounterSource(
          () =>
            new Promise<CounterSnapshot>((answer) => {
              const id = (nextId += 1);
              waiting.set(id, answer);
              thread.postMessage({ kind: 'counters', id } satisfies Command);
            }),
        );
        resolve({
          stop: () => {
            stopping = true;
            return new Promise<void>((done) => {
              const timer = setTimeout(() => void thread.terminate().then(() => done()), STOP_TIMEOUT_MS);
              thread.once('exit', () => {
                clearTimeout(timer);
                done();
              });
              thread.postMessage({ kind: 'stop' } satisfies Command);
            });
          },
        });
      } else if (report.kind === 'failed' && !started) {
        reject(new Error(`the worker thread did not start: ${report.error}`));
      } else if (report.kind === 'counters') {
        waiting.get(report.id)?.(report.counters);
        waiting.delete(report.id);
      }
    });
    thread.on('error', (err) => {
      if (!started) reject(err);
      else if (!stopping) onExit(`the worker thread failed: ${err.stack ?? err.message}`);
    });
    thread.on('exit', (code) => {
      for (const answer of waiting.values()) answer([]);
      waiting.clear();
      if (!started) reject(new Error(`the worker thread ended (code ${code}) before it started`));
      else if (!stopping) onExit(`the worker thread ended (code ${code})`);
    });
  });
}

/** The thread's side: start the worker role, answer the main thread, stop when told. */
async function runThread(port: NonNullable<typeof parentPort>): Promise<void> {
  const say = (report: Report) => port.postMessage(report);
  let config: AppConfig;
  let platform: Awaited<ReturnType<typeof startPlatform>>;
  try {
    config = loadConfig(process.env);
    platform = await startPlatform(config);
  } catch (err) {
    say({ kind: 'failed', error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
    return;
  }
  const metrics = platform.app.get(PlatformMetrics, { strict: false });
  port.on('message', (command: Command) => {
    if (command.kind === 'counters') {
      void metrics
        .counters()
        .catch(() => [])
        .then((counters) => say({ kind: 'counters', id: command.id, counters }));
    } else if (command.kind === 'stop') {
      void platform
        .close()
        .catch((err: unknown) => process.stderr.write(`circulator: worker thread stop: ${String(err)}\n`))
        .finally(() => {
          say({ kind: 'stopped' });
          port.close();
        });
    }
  });
  say({ kind: 'ready' });
}

if (!isMainThread && parentPort) void runThread(parentPort);
