import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { chownSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './private-postgres';

const run = promisify(execFile);

/** Debian's broker binary (package `mosquitto`), outside PATH for non-root users. */
export const MOSQUITTO_BIN = '/usr/sbin/mosquitto';

export interface PrivateMosquitto {
  port: number;
  url: string;
  /** The folder holding its configuration and the two files. */
  dir: string;
  /** What the broker logged so far (for a failing test's message). */
  log(): string;
  /**
   * Replaces the password and ACL files and has the broker read them again (SIGHUP to this broker
   * only); resolves once it has logged the reload.
   */
  reload(files: { passwords: string; acl: string }): Promise<void>;
  /** Stops the broker (SIGTERM) and keeps its folder, for {@link start} on the same port. */
  stop(): Promise<void>;
  /** Starts it again on its port with its configuration and the files as they are now. */
  start(): Promise<void>;
  /** Stops the broker (SIGTERM, SIGKILL after 5 s) and removes its folder. */
  destroy(): Promise<void>;
}

/**
 * A Mosquitto of the test's own: a temporary folder with a configuration, the given password and
 * ACL files, on a free loopback port (never the machine broker's 1883). Started as root, Mosquitto
 * drops to its `mosquitto` user before reading the files, so the folder is handed to that user.
 * Readiness is the broker's own "running" log line; a port taken between choosing and binding is
 * retried on another.
 */
export async function startPrivateMosquitto(files: { passwords: string; acl: string }): Promise<PrivateMosquitto> {
  const dir = mkdtempSync(join(tmpdir(), 'circulator-mosquitto-'));
  try {
    const owner = process.getuid?.() === 0 ? await userIds('mosquitto') : undefined;
    writeFileSync(join(dir, 'passwords'), files.passwords, { mode: 0o600 });
    writeFileSync(join(dir, 'acl'), files.acl, { mode: 0o600 });
    for (let attempt = 1; ; attempt += 1) {
      const port = await freePort();
      if (port === 1883) continue;
      const conf = [
        `listener ${port} 127.0.0.1`,
        'allow_anonymous false',
        `password_file ${join(dir, 'passwords')}`,
        `acl_file ${join(dir, 'acl')}`,
        'persistence false',
        'log_dest stderr',
        'log_type all',
        ...(owner ? ['user mosquitto'] : []),
        '',
      ].join('\n');
      writeFileSync(join(dir, 'mosquitto.conf'), conf, { mode: 0o600 });
      if (owner) {
        chownSync(dir, owner.uid, owner.gid);
        for (const f of readdirSync(dir)) chownSync(join(dir, f), owner.uid, owner.gid);
      }
      const started = await launch(join(dir, 'mosquitto.conf'));
      if ('child' in started) {
        let { child, log } = started;
        const earlier: string[] = [];
        return {
          port,
          url: `mqtt://127.0.0.1:${port}`,
          dir,
          log: () => earlier.join('') + log(),
          async stop() {
            await stop(child);
          },
          async start() {
            earlier.push(log());
            const again = await launch(join(dir, 'mosquitto.conf'));
            if (!('child' in again)) throw new Error(`mosquitto did not start again:\n${again.log}`);
            ({ child, log } = again);
          },
          async reload(next) {
            writeFileSync(join(dir, 'passwords'), next.passwords, { mode: 0o600 });
            writeFileSync(join(dir, 'acl'), next.acl, { mode: 0o600 });
            const before = (log().match(/Reloading config/g) ?? []).length;
            child.kill('SIGHUP');
            const deadline = Date.now() + 10_000;
            while ((log().match(/Reloading config/g) ?? []).length <= before) {
              if (Date.now() > deadline) throw new Error(`mosquitto did not reload:\n${log()}`);
              await new Promise((r) => setTimeout(r, 20));
            }
          },
          async destroy() {
            await stop(child);
            rmSync(dir, { recursive: true, force: true });
          },
        };
      }
      if (!/Address already in use/i.test(started.log) || attempt >= 3) {
        throw new Error(`mosquitto did not start:\n${started.log}`);
      }
    }
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}

async function userIds(name: string): Promise<{ uid: number; gid: number }> {
  const { stdout: uid } = await run('id', ['-u', name]);
  const { stdout: gid } = await run('id', ['-g', name]);
  return { uid: Number(uid.trim()), gid: Number(gid.trim()) };
}

/** Starts the broker and waits, at most 10 s, for "running" (started) or its exit (failed). */
function launch(conf: string): Promise<{ child: ChildProcess; log: () => string } | { log: string }> {
  return new Promise((resolve) => {
    const child = spawn(MOSQUITTO_BIN, ['-c', conf], { stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    let settled = false;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      settle({ log: `${text}\nno "running" line within 10 s` });
    }, 10_000);
    const settle = (value: { child: ChildProcess; log: () => string } | { log: string }) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(value);
    };
    const onData = (chunk: Buffer) => {
      text += chunk.toString('utf8');
      if (/mosquitto version \S+ running/.test(text)) settle({ child, log: () => text });
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('error', (e) => settle({ log: `${text}\n${e.message}` }));
    child.once('exit', (code, signal) => settle({ log: `${text}\nexited with ${code ?? signal}` }));
  });
}

/** SIGTERM, then SIGKILL if it has not exited within 5 s; resolves once it has exited. */
function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
