import { Logger, type OnApplicationShutdown } from '@nestjs/common';
import { type ThrottlerStorage, ThrottlerStorageService } from '@nestjs/throttler';
import type { Redis } from 'ioredis';

/**
 * One fixed window per key, atomically: INCR, and PEXPIRE when the window is new. Past the limit
 * the key is blocked for `block` ms (a key of its own), and blocked calls are not counted, so a
 * client that waits out the block starts afresh. Both keys share a hash tag, so the script also
 * runs on a Redis Cluster.
 *
 * KEYS: hits, block. ARGV: window ms, limit, block ms.
 * Returns {hits, window ms left, blocked 0|1, block ms left, newly blocked 0|1}.
 */
const SCRIPT = `
local blockLeft = redis.call('PTTL', KEYS[2])
if blockLeft > 0 then
  local hits = tonumber(redis.call('GET', KEYS[1]) or '0')
  return {hits, math.max(redis.call('PTTL', KEYS[1]), 0), 1, blockLeft, 0}
end
local hits = redis.call('INCR', KEYS[1])
local left = redis.call('PTTL', KEYS[1])
if left < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  left = tonumber(ARGV[1])
end
if hits > tonumber(ARGV[2]) then
  local block = tonumber(ARGV[3])
  if block <= 0 then block = left end
  redis.call('SET', KEYS[2], '1', 'PX', block)
  return {hits, left, 1, block, 1}
end
return {hits, left, 0, 0, 0}
`;

/** What a count answers (the package exports the type's name only as a value). */
type ThrottlerStorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

type ScriptResult = [hits: number, windowLeftMs: number, blocked: 0 | 1, blockLeftMs: number, newlyBlocked: 0 | 1];

interface RateLimitRedis extends Redis {
  circulatorRateLimit(
    hitsKey: string,
    blockKey: string,
    windowMs: number,
    limit: number,
    blockMs: number,
  ): Promise<ScriptResult>;
}

/** How often, at most, a Redis failure is logged while counting falls back to this process. */
const FAILURE_LOG_INTERVAL_MS = 30_000;

/**
 * `@nestjs/throttler` counters in Redis, so that every gateway process behind the load balancer
 * counts against the same limit. Keys live under the deployment's prefix
 * (`{REDIS_PREFIX}:ratelimit:{key}:hits|block`) and expire on their own.
 *
 * When Redis does not answer, counting goes on in this process's memory (each gateway then
 * limits on its own) and the failure is logged: a Redis outage already stops the queues, and the
 * sign-in limit must not become a way to lock everyone out of an emergency session, nor vanish.
 */
export class RedisThrottlerStorage implements ThrottlerStorage, OnApplicationShutdown {
  private readonly logger = new Logger('RateLimit');
  private readonly redis: RateLimitRedis;
  private readonly fallback = new ThrottlerStorageService();
  private lastFailureLog = 0;

  /**
   * @param redis a connection of its own; best with `enableOfflineQueue: false` and a
   *   `commandTimeout`, so that a request never waits for a Redis that is away.
   * @param keyPrefix e.g. `circulator:ratelimit`.
   */
  constructor(
    redis: Redis,
    private readonly keyPrefix: string,
  ) {
    redis.defineCommand('circulatorRateLimit', { numberOfKeys: 2, lua: SCRIPT });
    this.redis = redis as RateLimitRedis;
  }

  /**
   * Counts one request against `key`. `ttl` and `blockDuration` are in milliseconds; the times
   * returned are in whole seconds, rounded up, as `@nestjs/throttler` expects (Retry-After).
   */
  async increment(
    key: string,
    ttl: number,
    limit: number,
    blockDuration: number,
    throttlerName: string,
  ): Promise<ThrottlerStorageRecord> {
    const base = `${this.keyPrefix}:{${throttlerName}:${key}}`;
    let result: ScriptResult;
    try {
      result = await this.redis.circulatorRateLimit(`${base}:hits`, `${base}:block`, ttl, limit, blockDuration);
    } catch (err) {
      this.logFailure(err);
      return this.fallback.increment(key, ttl, limit, blockDuration, throttlerName);
    }
    const [totalHits, windowLeftMs, blocked, blockLeftMs, newlyBlocked] = result;
    if (newlyBlocked === 1) {
      this.logger.warn(
        `rate limit ${throttlerName}: ${key} went past ${limit} requests in ${ttl / 1000} s; refused for ${Math.ceil(blockLeftMs / 1000)} s`,
      );
    }
    return {
      totalHits,
      timeToExpire: Math.ceil(windowLeftMs / 1000),
      isBlocked: blocked === 1,
      timeToBlockExpire: blocked === 1 ? Math.max(1, Math.ceil(blockLeftMs / 1000)) : 0,
    };
  }

  /** Stops the in-memory fallback's sweep timer (the Redis connection belongs to its maker). */
  onApplicationShutdown(): void {
    this.fallback.onApplicationShutdown();
  }

  private logFailure(err: unknown): void {
    const now = Date.now();
    if (now - this.lastFailureLog < FAILURE_LOG_INTERVAL_MS) return;
    this.lastFailureLog = now;
    this.logger.warn(
      `rate limits counted in this process only: Redis did not answer (${err instanceof Error ? err.message : String(err)})`,
    );
  }
}
