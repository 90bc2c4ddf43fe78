import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { parseReadyLine, type ReadyPorts } from '@circulator/contracts';
import { waitFor } from './services';

const root = join(__dirname, '../..');

export interface ServerProcess {
  child: ChildProcess;
  ports: ReadyPorts;
  url: string;
  output(): string;
  stop(): Promise<void>;
}

/**
 * The server as its own process, with the environment given (over free ports and quiet logs),
 * once it prints its ready line. By default the built server (dist/, built once by the e2e
 * layer's global setup), for tests about several processes (ROLES) sharing one database and one
 * Redis prefix; `entry: 'scripts/start.mjs'` runs it as `npm start` does.
 */
export async function startServerProcess(
  env: Record<string, string>,
  { entry = 'dist/apps/server/src/main.js', timeoutMs = 60_000 } = {},
): Promise<ServerProcess> {
  const child = spawn(process.execPath, [join(root, entry)], {
    cwd: root,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      HTTP_HOST: '127.0.0.1',
      HTTP_PORT: '0',
      MLLP_PORT: '0',
      MQTT_PORT: '0',
      LOG_LEVEL: 'warn',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const ports = await waitFor(
    () => {
      if (child.exitCode !== null) throw new Error(`the server exited ${child.exitCode}:\n${out}`);
      return parseReadyLine(out);
    },
    { timeoutMs, intervalMs: 50, what: `the ready line of ${entry}` },
  );
  return {
    child,
    ports,
    url: `http://127.0.0.1:${ports.httpPort}`,
    output: () => out,
    async stop() {
      // Already gone (exited, or killed by a signal: its 'exit' has fired).
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
