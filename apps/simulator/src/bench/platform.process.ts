import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { Client } from 'pg';
import { parseReadyLine } from '@circulator/contracts';
import { parseProcStat } from './stats';

export interface BenchPlatform {
  url: string;
  mllpHost: string;
  mllpPort: number;
  /** Its MQTT broker (device feeds, CONTRACT §6). */
  mqttHost: string;
  mqttPort: number;
  username: string;
  password: string;
  /** Present when the bench started the platform itself (then its process is measured). */
  pid?: number;
  /** Its Redis key prefix, when the bench started it (the fan-out bench writes its change stream). */
  redisPrefix?: string;
  /** The Redis it uses, when the bench started it. */
  redisUrl?: string;
  /** The database it runs on, when the bench started it. */
  database?: 'postgresql' | 'embedded';
  stop(): Promise<void>;
}

/** Where the bench looks for a local PostgreSQL to make its own database in (`BENCH_POSTGRES_URL`). */
const LOCAL_POSTGRES = 'postgres://postgres@127.0.0.1:5432/postgres';

/**
 * A database of the bench's own on a local PostgreSQL (production's shape), dropped when the bench
 * ends; undefined when none answers within 2 s.
 */
async function benchDatabase(log: (line: string) => void): Promise<{ url: string; drop(): Promise<void> } | undefined> {
  const admin = process.env.BENCH_POSTGRES_URL ?? LOCAL_POSTGRES;
  const name = `circulator_bench_${randomBytes(4).toString('hex')}`;
  const client = new Client({ connectionString: admin, connectionTimeoutMillis: 2_000 });
  try {
    await client.connect();
    await client.query(`CREATE DATABASE ${name}`);
  } catch (err) {
    log(`no local PostgreSQL at ${redact(admin)} (${(err as Error).message}): the embedded database it is`);
    await client.end().catch(() => undefined);
    return undefined;
  }
  await client.end();
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = new Client({ connectionString: admin, connectionTimeoutMillis: 2_000 });
      try {
        await c.connect();
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } catch {
        log(`could not drop the bench database ${name}`);
      } finally {
        await c.end().catch(() => undefined);
      }
    },
  };
}

function redact(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:…@');
}

/**
 * Starts the built platform as a child process on free ports, with its own data folder and Redis
 * prefix. Its database: the bench's DATABASE_URL when set; else a database of its own on the local
 * PostgreSQL when one answers (production's shape, dropped afterwards); else, or with `--embedded`,
 * the embedded database, like `npm start`. It uses REDIS_URL when set, else the local Redis.
 */
export async function startBenchPlatform(
  serverMain: string,
  log: (line: string) => void,
  options: { profileDir?: string; embedded?: boolean } = {},
): Promise<BenchPlatform> {
  const own = process.env.DATABASE_URL || options.embedded ? undefined : await benchDatabase(log);
  const databaseUrl = process.env.DATABASE_URL || own?.url;
  const dataDir = mkdtempSync(join(tmpdir(), 'circulator-bench-'));
  const password = randomBytes(12).toString('hex');
  const prefix = `bench-${randomBytes(4).toString('hex')}`;
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    HTTP_HOST: '127.0.0.1',
    HTTP_PORT: '0',
    MLLP_PORT: '0',
    MQTT_PORT: '0',
    DATA_DIR: dataDir,
    REDIS_PREFIX: prefix,
    ADMIN_PASSWORD: password,
    FACILITY_TZ: 'UTC',
    LOG_LEVEL: 'warn',
    // One MLLP connection per room, all from this address (--rooms goes up to 200): over the
    // default limit of 64 per address, which is meant for real senders.
    MLLP_MAX_CONNECTIONS_PER_ADDRESS: '1024',
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
    ...(process.env.REDIS_URL ? { REDIS_URL: process.env.REDIS_URL } : {}),
    // The worker role in a thread of its own (README: WORKER_THREAD), to compare both ways.
    ...(process.env.WORKER_THREAD ? { WORKER_THREAD: process.env.WORKER_THREAD } : {}),
  };
  // --cpu-prof writes its profile when the process exits (stop() ends it with SIGTERM, which the
  // server answers with an orderly exit).
  const nodeArgs = options.profileDir ? ['--cpu-prof', '--cpu-prof-dir', options.profileDir] : [];
  const child: ChildProcess = spawn(process.execPath, [...nodeArgs, serverMain], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const cleanUp = async () => {
    rmSync(dataDir, { recursive: true, force: true });
    await dropPrefix(prefix, log);
    await own?.drop();
  };
  let ready: { httpPort: number; mllpPort: number; mqttPort: number };
  try {
    ready = await new Promise((resolve, reject) => {
      const deadline = setTimeout(() => reject(new Error(`the platform did not start in 60 s:\n${output}`)), 60_000);
      child.stdout?.on('data', () => {
        // The whole line: a chunk may end inside it, before the MQTT port.
        const line = /^.*ready: .*\n/m.exec(output)?.[0];
        const ports = line === undefined ? undefined : parseReadyLine(line);
        if (ports) {
          clearTimeout(deadline);
          if (ports.mllpPort === undefined || ports.mqttPort === undefined) {
            reject(new Error(`the platform runs no MLLP listener or no MQTT broker:\n${output}`));
          } else resolve({ httpPort: ports.httpPort, mllpPort: ports.mllpPort, mqttPort: ports.mqttPort });
        }
      });
      child.once('exit', (code) => {
        clearTimeout(deadline);
        reject(new Error(`the platform exited (${code}):\n${output}`));
      });
    });
  } catch (err) {
    // Never leave a server, a data folder or Redis keys behind.
    if (child.exitCode === null) child.kill('SIGKILL');
    await cleanUp();
    throw err;
  }
  const settings = /"database":("embedded"|"[^"]*")/.exec(output)?.[1] ?? '?';
  log(`platform started (database ${settings}), pid ${child.pid}`);
  return {
    url: `http://127.0.0.1:${ready.httpPort}`,
    mllpHost: '127.0.0.1',
    mllpPort: ready.mllpPort,
    mqttHost: '127.0.0.1',
    mqttPort: ready.mqttPort,
    username: 'admin',
    password,
    redisPrefix: prefix,
    redisUrl: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    database: databaseUrl ? 'postgresql' : 'embedded',
    ...(child.pid !== undefined ? { pid: child.pid } : {}),
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        const force = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(force);
      }
      await cleanUp();
    },
  };
}

/** Removes the bench platform's Redis keys. */
async function dropPrefix(prefix: string, log: (line: string) => void): Promise<void> {
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { lazyConnect: true });
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) await redis.del(...keys);
    } while (cursor !== '0');
  } catch {
    log(`could not remove Redis keys under ${prefix}:*`);
  } finally {
    redis.disconnect();
  }
}

/** CPU ms and RSS MB of a local process (Linux /proc). */
export function processStats(pid: number): { cpuMs: number; rssMB: number } {
  return parseProcStat(readFileSync(`/proc/${pid}/stat`, 'utf8'), readFileSync(`/proc/${pid}/status`, 'utf8'));
}
