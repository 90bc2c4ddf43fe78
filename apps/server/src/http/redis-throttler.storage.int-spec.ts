import { Redis } from 'ioredis';
import { deadPort, dropRedisPrefix, TEST_REDIS_URL, uniqueName, waitFor } from '../../../../test/support/services';
import { RedisThrottlerStorage } from './redis-throttler.storage';

describe('RedisThrottlerStorage on the real Redis', () => {
  let prefix: string;
  const clients: Redis[] = [];
  const storages: RedisThrottlerStorage[] = [];

  /** A storage as one gateway process has it: its own connection, the deployment's prefix. */
  function gateway(url = TEST_REDIS_URL): RedisThrottlerStorage {
    const redis = new Redis(url, { enableOfflineQueue: false, commandTimeout: 1_000, maxRetriesPerRequest: 0 });
    redis.on('error', () => undefined); // the dead-Redis case expects failures; the storage reports them
    clients.push(redis);
    const storage = new RedisThrottlerStorage(redis, `${prefix}:ratelimit`);
    storages.push(storage);
    return storage;
  }
  const ready = (s: RedisThrottlerStorage) => waitFor(() => clients[storages.indexOf(s)]?.status === 'ready');

  beforeEach(() => {
    prefix = uniqueName('ratelimit');
  });

  afterEach(async () => {
    for (const s of storages.splice(0)) s.onApplicationShutdown();
    for (const c of clients.splice(0)) c.disconnect();
    await dropRedisPrefix(prefix);
  });

  it('counts up to the limit, then refuses for the block time without counting the refusals', async () => {
    const storage = gateway();
    await ready(storage);
    const results = [];
    for (let i = 0; i < 5; i++) results.push(await storage.increment('ip:10.0.0.1', 60_000, 3, 60_000, 'login'));
    expect(results.map((r) => [r.totalHits, r.isBlocked])).toEqual([
      [1, false],
      [2, false],
      [3, false],
      [4, true],
      [4, true],
    ]);
    expect(results[0]).toMatchObject({ timeToExpire: 60, timeToBlockExpire: 0 });
    expect(results[3]?.timeToBlockExpire).toBe(60);
    // Another client is not affected.
    expect(await storage.increment('ip:10.0.0.2', 60_000, 3, 60_000, 'login')).toMatchObject({
      totalHits: 1,
      isBlocked: false,
    });
  });

  it('keeps its keys under the prefix, with an expiry', async () => {
    const storage = gateway();
    await ready(storage);
    for (let i = 0; i < 3; i++) await storage.increment('user:u1', 60_000, 2, 30_000, 'api');
    const probe = new Redis(TEST_REDIS_URL);
    try {
      const keys = (await probe.keys(`${prefix}:*`)).sort();
      expect(keys).toEqual([`${prefix}:ratelimit:{api:user:u1}:block`, `${prefix}:ratelimit:{api:user:u1}:hits`]);
      for (const key of keys) expect(await probe.pttl(key)).toBeGreaterThan(0);
      expect(await probe.pttl(`${prefix}:ratelimit:{api:user:u1}:block`)).toBeLessThanOrEqual(30_000);
    } finally {
      probe.disconnect();
    }
  });

  it('starts afresh once the window and the block have passed', async () => {
    const storage = gateway();
    await ready(storage);
    for (let i = 0; i < 3; i++) await storage.increment('ip:10.0.0.3', 200, 2, 200, 'login');
    expect((await storage.increment('ip:10.0.0.3', 200, 2, 200, 'login')).isBlocked).toBe(true);
    const fresh = await waitFor(
      async () => {
        const r = await storage.increment('ip:10.0.0.3', 200, 2, 200, 'login');
        return r.isBlocked ? undefined : r;
      },
      { timeoutMs: 3_000, intervalMs: 50, what: 'the block to end' },
    );
    expect(fresh.totalHits).toBe(1);
  });

  it('shares one count between gateway processes, exactly, under concurrency', async () => {
    const a = gateway();
    const b = gateway();
    await Promise.all([ready(a), ready(b)]);
    const results: Awaited<ReturnType<RedisThrottlerStorage['increment']>>[] = await Promise.all(
      Array.from({ length: 40 }, (_, i) => (i % 2 ? a : b).increment('ip:10.0.0.4', 60_000, 10, 60_000, 'login')),
    );
    expect(results.filter((r) => !r.isBlocked)).toHaveLength(10);
    expect(results.filter((r) => r.isBlocked)).toHaveLength(30);
  });

  it('keeps counting in this process when Redis does not answer', async () => {
    const storage = gateway(`redis://127.0.0.1:${await deadPort()}`);
    const results = [];
    for (let i = 0; i < 3; i++) results.push(await storage.increment('ip:10.0.0.5', 60_000, 2, 60_000, 'login'));
    expect(results.map((r) => r.isBlocked)).toEqual([false, false, true]);
    expect(results[2]?.timeToBlockExpire).toBeGreaterThan(0);
  });
});
