import { createHash, timingSafeEqual } from 'node:crypto';
import { Controller, Get, Header, Inject, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { IdentityError, Public, TokenService, parseBearer, type AuthenticatedRequest } from '@circulator/identity';
import { PlatformMetrics, PROMETHEUS_CONTENT_TYPE } from './platform.metrics';

/** The scraper's shared secret (METRICS_TOKEN); undefined: only signed-in admins and integration engineers. */
export const METRICS_TOKEN = Symbol('METRICS_TOKEN');

/** Roles whose own bearer token may read /metrics (a person looking, e.g. from the console). */
const METRICS_ROLES = new Set(['admin', 'integration']);

const digest = (value: string): Buffer => createHash('sha256').update(value, 'utf8').digest();

/**
 * `GET /metrics` (Prometheus text exposition). Never open: a scraper sends
 * `Authorization: Bearer <METRICS_TOKEN>` (compared in constant time, through SHA-256 so that the
 * length leaks nothing either); a person sends their own token and needs the admin or integration
 * role. The metrics carry no patient data, but queue depths and interface names tell an attacker
 * about the hospital's integration, so they are not public.
 *
 * `@Public()` lets it past the global guard, which knows only user tokens; this handler does the
 * checking, with the same 401/403 problem answers.
 */
@ApiTags('metrics')
@ApiBearerAuth()
@Public()
@Controller('metrics')
export class MetricsController {
  constructor(
    private readonly metrics: PlatformMetrics,
    private readonly tokens: TokenService,
    @Inject(METRICS_TOKEN) private readonly scrapeToken: string | undefined,
  ) {}

  @Get()
  @Header('Cache-Control', 'no-store')
  @Header('Content-Type', PROMETHEUS_CONTENT_TYPE)
  @ApiOperation({ summary: 'Prometheus metrics: METRICS_TOKEN, or an admin or integration token' })
  async scrape(@Req() req: AuthenticatedRequest): Promise<string> {
    await this.authorize(req);
    return this.metrics.exposition();
  }

  private async authorize(req: AuthenticatedRequest): Promise<void> {
    const token = parseBearer(req.headers['authorization']);
    if (token === undefined) throw new IdentityError('unauthorized', 'an Authorization: Bearer token is required');
    if (this.scrapeToken !== undefined && timingSafeEqual(digest(token), digest(this.scrapeToken))) return;
    const principal = await this.tokens.verify(token);
    req.principal = principal;
    if (principal.kind !== 'user' || !principal.roles.some((r) => METRICS_ROLES.has(r))) {
      throw new IdentityError('forbidden', 'metrics need METRICS_TOKEN, or the admin or integration role');
    }
  }
}
