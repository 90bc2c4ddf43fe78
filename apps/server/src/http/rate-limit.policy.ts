import { normalizeIp } from '@nestjs/throttler';

/**
 * Which limit a request counts against:
 * - `login`: sign-in (and token refresh, should one come), per client address, strict: this is
 *   where passwords are guessed.
 * - `api`: every other `/api/**` and `/fhir/**` route, per principal (per address before sign-in),
 *   generous: it stops a runaway script, not a busy desk.
 * - `exempt`: health probes (load balancers and orchestrators poll them) and the FHIR
 *   subscription hook (an EHR's notifications must never be refused for volume; it has its own
 *   secret), and anything outside the API.
 */
export type RateLimitClass = 'login' | 'api' | 'exempt';

const LOGIN_ROUTES = new Set([
  '/api/auth/token',
  '/api/auth/refresh',
  // OpenID sign-in: each start stores a pending row, each callback and exchange is a sign-in.
  '/api/auth/oidc/login',
  '/api/auth/oidc/callback',
  '/api/auth/oidc/exchange',
]);
const EXEMPT_ROUTES = new Set(['/fhir/subscription-hook']);

/**
 * The route as Express matched it, in one spelling: Express matches paths case-insensitively and
 * with or without a trailing slash, so `/API/Auth/Token/` reaches the sign-in handler too and must
 * count against the same limit.
 */
export function canonicalRoute(path: string): string {
  const lower = path.toLowerCase().replace(/\/{2,}/g, '/');
  const trimmed = lower.length > 1 ? lower.replace(/\/+$/, '') : lower;
  return trimmed === '' ? '/' : trimmed;
}

const under = (path: string, prefix: string) => path === prefix || path.startsWith(`${prefix}/`);

/** The limit a route (its matched pattern, e.g. `/api/cases/:id`) counts against. */
export function rateLimitClass(routePath: string): RateLimitClass {
  const path = canonicalRoute(routePath);
  if (LOGIN_ROUTES.has(path)) return 'login';
  if (under(path, '/health') || EXEMPT_ROUTES.has(path)) return 'exempt';
  if (under(path, '/api') || under(path, '/fhir')) return 'api';
  return 'exempt';
}

/**
 * A client address as a counter key. IPv4-mapped IPv6 reads as IPv4; other IPv6 addresses count
 * per /64, the block one host is normally given (else one machine could rotate its way past).
 */
export function addressKey(ip: string | undefined): string {
  return `ip:${ip === undefined || ip === '' ? 'unknown' : normalizeIp(ip)}`;
}

/** Who an API call counts against: the verified principal, else the client address. */
export function callerKey(principal: { kind: string; sub: string } | undefined, ip: string | undefined): string {
  return principal ? `${principal.kind}:${principal.sub}` : addressKey(ip);
}
