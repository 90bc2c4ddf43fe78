import type { Role } from '@circulator/contracts';

/** The kinds of principal a bearer token can stand for. */
export type PrincipalKind = 'user' | 'display' | 'consult';

/**
 * Who is calling, as established from a verified bearer token.
 *
 * - `user`: a person or integration account; `sub` is the user id. `roles` are the token's roles
 *   that the account still holds. `sessionId` names the sign-in (refresh-token family) the token
 *   came from, when it came from one.
 * - `display`: a wall-display credential; `sub` is the credential id and `roomId` the only room
 *   it may read (CONTRACT §2). Its `roles` are exactly `['display']`.
 * - `consult`: a remote consultation; `sub` is the consultation id and `caseId` the only case it
 *   may read (REST `GET /api/cases/{caseId}` and its events; socket.io `case:{caseId}`). It holds
 *   no role (`roles` is empty), so every `@Roles(...)` check refuses it: the access guard lets it
 *   through to its own case's read routes only.
 */
export interface Principal {
  kind: PrincipalKind;
  sub: string;
  username: string;
  roles: Role[];
  roomId?: string;
  caseId?: string;
  sessionId?: string;
}

/**
 * Who an audit entry is about: a principal, the platform itself (`system`, e.g. start-up work) or
 * nobody authenticated (`null`, e.g. a failed sign-in).
 */
export type Actor = Principal | 'system' | null;

/** The audit `actor` column: stable ids, prefixed by kind so the id spaces never mix. */
export function actorOf(actor: Actor): string {
  if (actor === null) return 'anonymous';
  if (actor === 'system') return 'system';
  return `${actor.kind}:${actor.sub}`;
}
