import { isRole, type Role } from '@circulator/contracts';
import type { Principal } from './principal.model';

/** `iss` of every token this platform signs. */
export const TOKEN_ISSUER = 'circulator';
/** `aud` of every token: the Circulator API (REST, FHIR façade and socket.io). */
export const TOKEN_AUDIENCE = 'circulator-api';
/** Lifetime of a display token: a wall display is set up once and left alone; it is revocable. */
export const DISPLAY_TOKEN_TTL_SECONDS = 365 * 24 * 3600;

/** The private claims we sign next to the registered ones (`sub`, `jti`, `iss`, `aud`, `iat`, `exp`). */
export interface PrivateClaims {
  kind: 'user' | 'display' | 'consult';
  username: string;
  roles: Role[];
  roomId?: string;
  caseId?: string;
  /** User tokens from a sign-in: the refresh-token family (session) they belong to. */
  sid?: string;
}

/**
 * Reads a principal out of claims whose signature, issuer, audience and expiry have already been
 * checked. Anything unexpected yields undefined: a well-signed token of a shape we never issue is
 * still not one we accept.
 */
export function principalFromClaims(claims: unknown): Principal | undefined {
  if (typeof claims !== 'object' || claims === null) return undefined;
  const c = claims as Record<string, unknown>;
  const { kind, sub, username, roles, roomId, caseId, jti, sid } = c;
  if (typeof sub !== 'string' || sub === '' || typeof username !== 'string') return undefined;
  if (!Array.isArray(roles) || !roles.every(isRole)) return undefined;
  switch (kind) {
    case 'user':
      if (roles.length === 0 || roles.includes('display') || roomId !== undefined || caseId !== undefined) {
        return undefined;
      }
      if (sid !== undefined && (typeof sid !== 'string' || sid === '')) return undefined;
      return typeof sid === 'string' ? { kind, sub, username, roles, sessionId: sid } : { kind, sub, username, roles };
    case 'display':
      // A display is its credential: jti and sub both name it, and it holds exactly one role.
      if (jti !== sub || typeof roomId !== 'string' || roomId === '' || caseId !== undefined) return undefined;
      if (roles.length !== 1 || roles[0] !== 'display') return undefined;
      return { kind, sub, username, roles: ['display'], roomId };
    case 'consult':
      // A consultation is its row: jti and sub both name it; it holds no role and one case.
      if (jti !== sub || typeof caseId !== 'string' || caseId === '' || roomId !== undefined) return undefined;
      if (roles.length !== 0) return undefined;
      return { kind, sub, username, roles: [], caseId };
    default:
      return undefined;
  }
}
