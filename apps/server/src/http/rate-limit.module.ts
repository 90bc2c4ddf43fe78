import { type DynamicModule, type ExecutionContext, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import {
  getOptionsToken,
  getStorageToken,
  type ThrottlerModuleOptions,
  type ThrottlerOptions,
} from '@nestjs/throttler';
import type { Principal } from '@circulator/identity';
import { RedisConnections } from '@circulator/realtime';
import { HttpRateLimitGuard } from './rate-limit.guard';
import { addressKey, callerKey, rateLimitClass, type RateLimitClass } from './rate-limit.policy';
import { RedisThrottlerStorage } from './redis-throttler.storage';

export interface RateLimits {
  /** Sign-in attempts per client address per minute; 0 = off. */
  loginPerMinute: number;
  /** Other API calls per principal (or address) per minute; 0 = off. */
  apiPerMinute: number;
}

/** What the guard sees of an Express request. */
interface LimitedRequest {
  ip?: string;
  path?: string;
  route?: { path?: unknown };
  principal?: Principal;
}

const MINUTE_MS = 60_000;

/** The route Express matched (its pattern), else the path: what {@link rateLimitClass} reads. */
function routeOf(context: ExecutionContext): string {
  const req = context.switchToHttp().getRequest<LimitedRequest>();
  return typeof req.route?.path === 'string' ? req.route.path : (req.path ?? '/');
}

/** The named limits of a configuration; a limit of 0 is left out. */
export function rateLimitThrottlers(limits: RateLimits): ThrottlerOptions[] {
  const only = (name: RateLimitClass) => (context: ExecutionContext) => rateLimitClass(routeOf(context)) !== name;
  const throttlers: ThrottlerOptions[] = [];
  if (limits.loginPerMinute > 0) {
    throttlers.push({
      name: 'login',
      ttl: MINUTE_MS,
      limit: limits.loginPerMinute,
      skipIf: only('login'),
      getTracker: (req: LimitedRequest) => addressKey(req.ip),
    });
  }
  if (limits.apiPerMinute > 0) {
    throttlers.push({
      name: 'api',
      ttl: MINUTE_MS,
      limit: limits.apiPerMinute,
      skipIf: only('api'),
      getTracker: (req: LimitedRequest) => callerKey(req.principal, req.ip),
    });
  }
  return throttlers;
}

/**
 * Rate limits on the HTTP API (`@nestjs/throttler` with counters in Redis, so that every gateway
 * shares them): sign-in per client address, everything else per principal.
 *
 * Import it after `IdentityModule`: global guards run in the order their modules were scanned, and
 * the API limit needs the principal that `AccessGuard` puts on the request. Requests that guard
 * refuses (401, 403) are therefore not counted; the token check is a signature check, and the
 * password check, the costly and guessable one, sits behind the sign-in limit.
 */
@Module({})
export class RateLimitModule {
  static forRoot(limits: RateLimits): DynamicModule {
    const throttlers = rateLimitThrottlers(limits);
    if (throttlers.length === 0) return { module: RateLimitModule };
    const options: ThrottlerModuleOptions = {
      throttlers,
      // One counter per limit and caller across every route (the default is per route).
      generateKey: (_context, tracker) => tracker,
      // Only Retry-After, set by the guard on a refusal: the X-RateLimit-* headers of named
      // limits are per name and of no use to our clients.
      setHeaders: false,
    };
    return {
      module: RateLimitModule,
      providers: [
        { provide: getOptionsToken(), useValue: options },
        {
          provide: getStorageToken(),
          inject: [RedisConnections],
          // Its own connection: never queue a command while Redis is away (the storage counts in
          // memory meanwhile), and never wait long for an answer on a request's path.
          useFactory: (connections: RedisConnections) =>
            new RedisThrottlerStorage(
              connections.create('ratelimit', { enableOfflineQueue: false, commandTimeout: 1_000 }),
              connections.key('ratelimit'),
            ),
        },
        { provide: APP_GUARD, useClass: HttpRateLimitGuard },
      ],
    };
  }
}
