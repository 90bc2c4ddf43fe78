import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, accessSync, constants } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { Client } from 'pg';
import type { AppConfig } from '../config/app-config';

/** A dependency problem, said in one line naming it and how to fix it (CONTRACT §1). */
export class StartupError extends Error {
  override readonly name = 'StartupError';
}

export async function pingRedis(url: string, timeoutMs = 1_500): Promise<void> {
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    enableOfflineQueue: false,
  });
  client.on('error', () => undefined); // the failure is reported by connect() below
  try {
    await client.connect();
    await client.ping();
  } finally {
    client.disconnect();
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      srv.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

function onPath(binary: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${binary}`], { stdio: 'ignore' }).status === 0;
}

export interface PrivateRedis {
  url: string;
  stop(): void;
}

/**
 * When REDIS_URL was left at its default and nothing answers there, start a private Redis under
 * DATA_DIR (append-only file on, so queued work survives a restart) — the "works on the
 * first try" for a laptop; production always names its Redis.
 */
export async function startPrivateRedis(dataDir: string): Promise<PrivateRedis> {
  const dir = join(dataDir, 'redis');
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  const child: ChildProcess = spawn(
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--dir',
      dir,
      '--appendonly',
      'yes',
      '--save',
      '',
      '--daemonize',
      'no',
      '--maxmemory-policy',
      'noeviction',
    ],
    { stdio: 'ignore' },
  );
  const url = `redis://127.0.0.1:${port}`;
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      await pingRedis(url, 500);
      break;
    } catch (err) {
      if (child.exitCode !== null || Date.now() > deadline) {
        child.kill();
        throw new StartupError(
          `REDIS_URL: could not start a private redis-server under ${dir} (${(err as Error).message}); start Redis or set REDIS_URL`,
        );
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  const stop = () => {
    if (child.exitCode === null) child.kill('SIGTERM');
  };
  process.once('exit', stop);
  return { url, stop };
}

/** Checks every dependency before Nest starts, so a fault is one clear line, not a stack trace. */
export async function preflight(
  config: AppConfig,
  log: (line: string) => void,
): Promise<{ redisUrl: string; privateRedis?: PrivateRedis }> {
  try {
    mkdirSync(config.dataDir, { recursive: true });
    accessSync(config.dataDir, constants.W_OK);
  } catch (err) {
    throw new StartupError(
      `DATA_DIR: ${config.dataDir} is not a writable folder (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); point DATA_DIR at a writable folder`,
    );
  }

  if (config.database.url) {
    const client = new Client({ connectionString: config.database.url, connectionTimeoutMillis: 5_000 });
    try {
      await client.connect();
      await client.query('SELECT 1');
    } catch (err) {
      const where = new URL(config.database.url);
      throw new StartupError(
        `DATABASE_URL: cannot reach PostgreSQL at ${where.hostname}:${where.port || 5432}${where.pathname} (${(err as Error).message}); check that the server runs and the URL, user and database are right`,
      );
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  try {
    await pingRedis(config.redis.url);
  } catch (err) {
    if (config.redis.urlIsDefault && onPath('redis-server')) {
      const priv = await startPrivateRedis(config.dataDir);
      log(
        `nothing answers at ${config.redis.url}: started a private redis-server at ${priv.url} (data in ${join(config.dataDir, 'redis')})`,
      );
      return { redisUrl: priv.url, privateRedis: priv };
    }
    throw new StartupError(
      `REDIS_URL: nothing answers at ${config.redis.url} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); start Redis (apt-get install redis-server) or set REDIS_URL`,
    );
  }
  const policy = await redisEvictionPolicy(config.redis.url);
  if (policy !== undefined && policy !== 'noeviction') {
    const where = redisAddress(config.redis.url);
    const fix =
      'set maxmemory-policy noeviction on that Redis (redis.conf, or redis-cli CONFIG SET maxmemory-policy noeviction; a managed Redis: its parameter group)';
    if (config.production) {
      throw new StartupError(
        `REDIS_URL: Redis at ${where} has maxmemory-policy ${policy}, which can evict queued messages when memory runs short; ${fix}`,
      );
    }
    log(`warning: Redis at ${where} has maxmemory-policy ${policy}, which can evict queued messages; ${fix}`);
  }
  return { redisUrl: config.redis.url };
}

/** host:port of a Redis URL, never its password. */
function redisAddress(url: string): string {
  const u = new URL(url);
  return `${u.hostname}:${u.port || 6379}`;
}

/**
 * The Redis's `maxmemory-policy`, read from `INFO memory` (allowed where `CONFIG GET` is not, e.g.
 * on managed Redis); undefined when the server does not say. BullMQ's queue and our change stream
 * live in Redis: any policy but `noeviction` may drop a queued job's key under memory pressure
 * (BullMQ's documentation asks for noeviction), and a message whose job is evicted waits for the
 * sweep instead of being applied at once.
 */
export async function redisEvictionPolicy(url: string, timeoutMs = 1_500): Promise<string | undefined> {
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    enableOfflineQueue: false,
  });
  client.on('error', () => undefined); // reported by connect() below
  try {
    await client.connect();
    const info = await client.info('memory');
    return /^maxmemory_policy:(\S+)/m.exec(info)?.[1];
  } finally {
    client.disconnect();
  }
}

/** Turns a listen failure into the one line CONTRACT §1 asks for. */
export function describeListenError(err: unknown, variable: string, port: number): StartupError | undefined {
  const code = (err as NodeJS.ErrnoException)?.code;
  if (code === 'EADDRINUSE')
    return new StartupError(
      `${variable}: port ${port} is taken by another program; stop it or set ${variable} to a free port`,
    );
  if (code === 'EACCES')
    return new StartupError(
      `${variable}: no permission to listen on port ${port}; use a port above 1023 or set ${variable}`,
    );
  return undefined;
}
