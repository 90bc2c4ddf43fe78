import { workerThreadEnv } from './worker.thread';

describe('workerThreadEnv', () => {
  it("is the process's settings with ROLES=worker, its own loopback HTTP port, and the Redis preflight chose", () => {
    const env = workerThreadEnv(
      {
        DATABASE_URL: 'postgres://db/x',
        ROLES: 'gateway,ingest,worker',
        WORKER_THREAD: 'on',
        HTTP_PORT: '3000',
        HTTP_HOST: '0.0.0.0',
        HTTP_TLS_CERT: '/c.pem',
        HTTP_TLS_KEY: '/k.pem',
        REDIS_URL: 'redis://default:6379',
        FACILITY_TZ: 'Europe/Paris',
        UNSET: undefined,
      },
      'redis://127.0.0.1:40000',
    );
    expect(env).toEqual({
      DATABASE_URL: 'postgres://db/x',
      ROLES: 'worker',
      WORKER_THREAD: 'off',
      HTTP_PORT: '0',
      HTTP_HOST: '127.0.0.1',
      REDIS_URL: 'redis://127.0.0.1:40000',
      FACILITY_TZ: 'Europe/Paris',
    });
  });
});
