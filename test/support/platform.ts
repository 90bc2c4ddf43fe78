import { Writable } from 'node:stream';
import request from 'supertest';
import type { Clock } from '@circulator/domain';
import { io, type Socket } from 'socket.io-client';
import { loadConfig, type AppConfig } from '../../apps/server/src/config/app-config';
import { startPlatform, type RunningPlatform } from '../../apps/server/src/platform';
import {
  createTempDir,
  createTestDatabase,
  dropRedisPrefix,
  TEST_REDIS_URL,
  uniqueName,
  type TempDir,
  type TestDatabase,
} from './services';

export const ADMIN_PASSWORD = 'e2e-admin-password-long';

export interface TestPlatform {
  platform: RunningPlatform;
  config: AppConfig;
  url: string;
  logs: string[];
  dataDir: TempDir;
  database?: TestDatabase;
  stop(): Promise<void>;
}

/**
 * Starts the whole platform in this process on free ports, with its own database (PostgreSQL or
 * embedded), its own Redis prefix and its own data folder.
 */
export async function startTestPlatform(
  options: {
    embedded?: boolean;
    dataDir?: TempDir;
    prefix?: string;
    env?: Record<string, string>;
    clock?: Clock;
    /** A database the test made itself (e.g. a private PostgreSQL it will stop). */
    databaseUrl?: string;
  } = {},
): Promise<TestPlatform> {
  const dataDir = options.dataDir ?? createTempDir();
  const database = options.embedded || options.databaseUrl ? undefined : await createTestDatabase();
  const config = loadConfig({
    HTTP_PORT: '0',
    HTTP_HOST: '127.0.0.1',
    MLLP_PORT: '0',
    MQTT_PORT: '0',
    DATA_DIR: dataDir.path,
    REDIS_URL: TEST_REDIS_URL,
    REDIS_PREFIX: options.prefix ?? uniqueName('e2e'),
    FACILITY_TZ: 'Europe/Paris',
    ADMIN_PASSWORD,
    LOG_LEVEL: 'warn',
    // Predictions depend on "now" and write events as time passes: off unless a test is about them.
    PREDICTIONS: 'off',
    // Likewise the tick's rules (stale data after 60 s of real time…): on in the tests about them.
    RULE_TICK: 'off',
    ...(database ? { DATABASE_URL: database.url } : {}),
    ...(options.databaseUrl ? { DATABASE_URL: options.databaseUrl } : {}),
    ...options.env,
  });
  const logs: string[] = [];
  const logStream = new Writable({
    write(chunk: Buffer, _enc, done) {
      logs.push(chunk.toString());
      done();
    },
  });
  const platform = await startPlatform(config, { logStream, ...(options.clock ? { clock: options.clock } : {}) });
  return {
    platform,
    config,
    url: `http://127.0.0.1:${platform.httpPort}`,
    logs,
    dataDir,
    database,
    async stop() {
      await platform.close();
      await database?.drop();
      await dropRedisPrefix(config.redis.prefix);
    },
  };
}

export async function tokenFor(url: string, username: string, password: string): Promise<string> {
  const res = await request(url).post('/api/auth/token').send({ username, password }).expect(200);
  return (res.body as { access_token: string }).access_token;
}

/** A connected `/live` client; rejects with the server's reason if the handshake is refused. */
export function connectLive(url: string, token: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = io(`${url}/live`, {
      auth: { token },
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
    });
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', (err) => {
      socket.close();
      reject(err);
    });
  });
}

/** Requests as one signed-in user; the token is read at each call, so a test may sign in again. */
export function requestAs(url: string, token: () => string | undefined) {
  const auth = (): string => `Bearer ${token() ?? ''}`;
  return {
    get: (path: string) => request(url).get(path).set('Authorization', auth()),
    post: (path: string, body?: object) =>
      request(url)
        .post(path)
        .set('Authorization', auth())
        .send(body ?? {}),
    patch: (path: string, body: object) => request(url).patch(path).set('Authorization', auth()).send(body),
    delete: (path: string) => request(url).delete(path).set('Authorization', auth()),
  };
}
