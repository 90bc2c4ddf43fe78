import type { Role } from '@circulator/contracts';

/**
 * The pure access rules, kept free of Nest so they can be tested exhaustively.
 *
 * Deny by default: a route that declares no roles is refused to everyone, admin included, so a
 * forgotten annotation shows up as a 403 the first time anyone calls the route rather than as an
 * open endpoint. `admin` passes every declared `@Roles` check.
 */
export type RoleDecision = 'allow' | 'forbidden';

/** Whether a principal holding `held` may call a route that declares `required` (undefined: none). */
export function decideRoles(held: readonly Role[], required: readonly Role[] | undefined): RoleDecision {
  if (required === undefined || required.length === 0) return 'forbidden';
  if (held.includes('admin')) return 'allow';
  return required.some((role) => held.includes(role)) ? 'allow' : 'forbidden';
}

/**
 * What a consultation principal may call over REST: reading its own case (`GET /api/cases/{id}`)
 * and that case's event log (`GET /api/cases/{id}/events`), nothing else. Compared on the exact
 * path (no query string): any other spelling is refused, which fails closed.
 */
export function decideConsultAccess(caseId: string | undefined, method: string, path: string): RoleDecision {
  if (caseId === undefined || method.toUpperCase() !== 'GET') return 'forbidden';
  const own = `/api/cases/${caseId}`;
  return path === own || path === `${own}/events` ? 'allow' : 'forbidden';
}

/** The path of a request URL, without query string or fragment. */
export function pathOf(url: string): string {
  const end = url.search(/[?#]/);
  return end < 0 ? url : url.slice(0, end);
}

// RFC 6750 §2.1: `Bearer` then b64token; the scheme name is case-insensitive (RFC 9110 §11.1).
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

/** The token of an `Authorization: Bearer <token>` header, or undefined when absent or malformed. */
export function parseBearer(header: string | string[] | undefined): string | undefined {
  // A repeated Authorization header is ambiguous: refuse rather than pick one.
  if (typeof header !== 'string') return undefined;
  return BEARER.exec(header)?.[1];
}
