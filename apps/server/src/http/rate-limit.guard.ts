import { type ExecutionContext, HttpException, HttpStatus, Injectable } from '@nestjs/common';
import { ThrottlerGuard, type ThrottlerLimitDetail } from '@nestjs/throttler';

/** RFC 9457 problem type of a 429. */
export const RATE_LIMITED_PROBLEM = 'urn:circulator:problem:rate-limited';

/**
 * `@nestjs/throttler`'s guard, for HTTP only (Nest also runs global guards on socket.io handlers,
 * which authenticate at the handshake and are not counted here), answering a refusal as RFC 9457
 * problem JSON with `Retry-After` in seconds (RFC 9110 §10.2.3), whatever the limit's name.
 */
@Injectable()
export class HttpRateLimitGuard extends ThrottlerGuard {
  override async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    return super.canActivate(context);
  }

  protected override throwThrottlingException(context: ExecutionContext, detail: ThrottlerLimitDetail): Promise<void> {
    const seconds = Math.max(1, Math.ceil(detail.timeToBlockExpire));
    context
      .switchToHttp()
      .getResponse<{ setHeader(name: string, value: string): void }>()
      .setHeader('Retry-After', String(seconds));
    throw new HttpException(
      {
        type: RATE_LIMITED_PROBLEM,
        title: 'Too many requests',
        detail: `more than ${detail.limit} requests in ${detail.ttl / 1000} s; try again in ${seconds} s`,
      },
      HttpStatus.TOO_MANY_REQUESTS,
    );
  }
}
