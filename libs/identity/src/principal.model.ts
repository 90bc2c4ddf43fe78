import type { Role } from '@circulator/contracts';

/**
 * Who is calling, as established from a verified bearer token.
 *
 * - `user`: a person or integration account; `sub` is the user id.
 * - `display`: a wall-display credential; `sub` is the credential id and `roomId` the only room
 *   it may read (CONTRACT §2). Its `roles` are exactly `['display']`.
 */
export interface Principal {
  kind: 'user' | 'display';
  sub: string;
  username: string;
  roles: Role[];
  roomId?: string;
}

/**
 * Who an audit entry is about: a principal, the platform itself (`system`, e.g. start-up work) or
 * nobody authenticated (`null`, e.g. a failed sign-in).
 */
export type Actor = Principal | 'system' | null;

/** The audit `actor` column: stable ids, prefixed by kind so the two id spaces never mix. */
export function actorOf(actor: Actor): string {
  if (actor === null) return 'anonymous';
  if (actor === 'system') return 'system';
  return `${actor.kind}:${actor.sub}`;
}
