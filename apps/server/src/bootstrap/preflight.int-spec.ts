import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startPrivateRedis } from '../../../../test/support/private-redis';
import { createTempDir, deadPort, type TempDir } from '../../../../test/support/services';
import { loadConfig } from '../config/app-config';
import { describeListenError, pingRedis, preflight, redisEvictionPolicy, StartupError } from './preflight';

describe('preflight', () => {
  let dir: TempDir;
  const lines: string[] = [];
  beforeEach(() => {
    dir = createTempDir();
    lines.length = 0;
  });
  afterEach(() => dir.remove());

  it('starts a private redis-server under DATA_DIR when the default Redis does not answer', async () => {
    const config = loadConfig({ DATA_DIR: dir.path });
    // Point the "default" URL at a dead port, as if no Redis ran on 6379.
    const result = await preflight(
      { ...config, redis: { ...config.redis, url: `redis://127.0.0.1:${await deadPort()}` } },
      (l) => lines.push(l),
    );
    try {
      expect(result.privateRedis).toBeDefined();
      await expect(pingRedis(result.redisUrl)).resolves.toBeUndefined();
      expect(lines.join('\n')).toMatch(
        /started a private redis-server at redis:\/\/127\.0\.0\.1:\d+ \(data in .*\/redis\)/,
      );
    } finally {
      result.privateRedis?.stop();
    }
  });

  it('names REDIS_URL in one line when a configured Redis does not answer', async () => {
    const config = loadConfig({ DATA_DIR: dir.path, REDIS_URL: `redis://127.0.0.1:${await deadPort()}` });
    await expect(preflight(config, (l) => lines.push(l))).rejects.toThrow(
      expect.objectContaining({
        name: 'StartupError',
        message: expect.stringMatching(/^REDIS_URL: nothing answers at .*set REDIS_URL$/),
      }),
    );
  });

  it('names DATABASE_URL in one line when PostgreSQL cannot be reached', async () => {
    const config = loadConfig({
      DATA_DIR: dir.path,
      DATABASE_URL: `postgres://postgres@127.0.0.1:${await deadPort()}/nowhere`,
    });
    await expect(preflight(config, (l) => lines.push(l))).rejects.toThrow(
      /^DATABASE_URL: cannot reach PostgreSQL at 127\.0\.0\.1:\d+\/nowhere/,
    );
  });

  it('names DATA_DIR when it cannot be written', async () => {
    // A path under a regular file can never be a folder (ENOTDIR), whoever runs the test.
    writeFileSync(join(dir.path, 'a-file'), '');
    const config = loadConfig({ DATA_DIR: join(dir.path, 'a-file', 'data') });
    await expect(preflight(config, (l) => lines.push(l))).rejects.toThrow(/^DATA_DIR: .* is not a writable folder/);
  });

  it('turns a taken port into a line naming the setting', () => {
    const err = Object.assign(new Error('listen EADDRINUSE'), { code: 'EADDRINUSE' });
    const line = describeListenError(err, 'MLLP_PORT', 2575);
    expect(line).toBeInstanceOf(StartupError);
    expect(line?.message).toBe(
      'MLLP_PORT: port 2575 is taken by another program; stop it or set MLLP_PORT to a free port',
    );
    expect(describeListenError(new Error('other'), 'HTTP_PORT', 1)).toBeUndefined();
  });

  describe('a Redis that may evict queued work (maxmemory-policy other than noeviction)', () => {
    it('refuses to start in production, naming the policy and the fix', async () => {
      const redis = await startPrivateRedis(['--maxmemory-policy', 'allkeys-lru']);
      try {
        expect(await redisEvictionPolicy(redis.url)).toBe('allkeys-lru');
        const config = loadConfig({ DATA_DIR: dir.path, REDIS_URL: redis.url, NODE_ENV: 'production' });
        await expect(preflight(config, (l) => lines.push(l))).rejects.toThrow(
          expect.objectContaining({
            name: 'StartupError',
            message: expect.stringMatching(
              /^REDIS_URL: Redis at 127\.0\.0\.1:\d+ has maxmemory-policy allkeys-lru, which can evict queued messages .*set maxmemory-policy noeviction/,
            ),
          }),
        );
        // Outside production: a warning, and the start goes on.
        const dev = loadConfig({ DATA_DIR: dir.path, REDIS_URL: redis.url });
        await expect(preflight(dev, (l) => lines.push(l))).resolves.toEqual({ redisUrl: redis.url });
        expect(lines).toEqual([expect.stringMatching(/^warning: Redis at .* has maxmemory-policy allkeys-lru/)]);
      } finally {
        await redis.destroy();
      }
    });

    it('starts in production on noeviction', async () => {
      const redis = await startPrivateRedis(['--maxmemory-policy', 'noeviction']);
      try {
        const config = loadConfig({ DATA_DIR: dir.path, REDIS_URL: redis.url, NODE_ENV: 'production' });
        await expect(preflight(config, (l) => lines.push(l))).resolves.toEqual({ redisUrl: redis.url });
        expect(lines).toEqual([]);
      } finally {
        await redis.destroy();
      }
    });
  });
});
