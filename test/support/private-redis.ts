import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort } from './private-postgres';

export interface PrivateRedis {
  port: number;
  url: string;
  /** What the server logged so far (for a failing test's message). */
  log(): string;
  /** Stops it (SIGTERM, SIGKILL after 5 s) and removes its folder. */
  destroy(): Promise<void>;
}

/**
 * A redis-server of the test's own on a free loopback port, nothing persisted (`--save ''`), with
 * extra arguments (e.g. `['--maxmemory-policy', 'allkeys-lru']`); never the machine's Redis.
 * Resolves once it answers PING.
 */
export async function startPrivateRedis(
  args: readonly string[] = [],
  { port: wanted }: { port?: number } = {},
): Promise<PrivateRedis> {
  // A given port: a Redis started again where the platform expects it (after SHUTDOWN NOSAVE).
  const port = wanted ?? (await freePort());
  // Its own folder: with `--appendonly yes` its files must not land in the working directory.
  const dir = mkdtempSync(join(tmpdir(), 'circulator-redis-'));
  const child: ChildProcess = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no', ...args],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout?.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (output += c.toString()));
  const url = `redis://127.0.0.1:${port}`;
  const destroy = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`redis-server exited: ${output}`);
    const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.ping();
      break;
    } catch (err) {
      if (Date.now() > deadline) {
        await destroy();
        throw new Error(`redis-server on ${port} did not answer: ${(err as Error).message}\n${output}`);
      }
      // Polling the new server until it answers (bounded by the deadline above).
      await new Promise((r) => setTimeout(r, 50));
    } finally {
      client.disconnect();
    }
  }
  return { port, url, log: () => output, destroy };
}
