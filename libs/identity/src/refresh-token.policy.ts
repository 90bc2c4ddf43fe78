import { createHash, randomBytes } from 'node:crypto';

/**
 * Refresh tokens (RFC 6749 §1.5, §6) with rotation and reuse detection (OAuth 2.0 Security BCP,
 * RFC 9700 §4.14.2): each refresh spends the token presented and issues the next one of the same
 * family; a spent token presented again means two parties hold the family, so the whole family is
 * revoked. A family has an absolute end (a shift), whatever the rotations.
 */

/** 256 bits of randomness: unguessable without any signature, so the token is opaque. */
const REFRESH_TOKEN_BYTES = 32;

/** A new opaque refresh token (base64url, 43 characters). */
export function newRefreshToken(): string {
  return randomBytes(REFRESH_TOKEN_BYTES).toString('base64url');
}

/**
 * What is stored of a refresh token: its SHA-256 in hex. A fast hash is right here (unlike for
 * passwords): the token has 256 bits of entropy, so nothing can be guessed from the hash.
 */
export function hashRefreshToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Whether a string could be a refresh token we issued (before any database work). */
export function isRefreshTokenShape(value: string): boolean {
  return /^[A-Za-z0-9_-]{43}$/.test(value);
}

/** The stored facts about a presented refresh token and its family. */
export interface PresentedRefreshToken {
  spentAt: Date | null;
  familyRevokedAt: Date | null;
  familyExpiresAt: Date;
}

/**
 * What to do with a presented refresh token at `now`:
 * - `rotate`: spend it and issue the next one;
 * - `reuse`: it was spent already: revoke its family (and audit `auth.refresh.reuse`);
 * - `revoked` / `expired`: its family has ended; refuse.
 */
export type RefreshDecision = 'rotate' | 'reuse' | 'revoked' | 'expired';

export function decideRefresh(token: PresentedRefreshToken, now: Date): RefreshDecision {
  // An ended family is refused before reuse is considered: a replay after logout or after a
  // detected reuse has nothing left to revoke.
  if (token.familyRevokedAt !== null) return 'revoked';
  if (token.familyExpiresAt.getTime() <= now.getTime()) return 'expired';
  if (token.spentAt !== null) return 'reuse';
  return 'rotate';
}

/** Seconds from `now` until `end`, rounded down, never negative. */
export function secondsUntil(end: Date, now: Date): number {
  return Math.max(0, Math.floor((end.getTime() - now.getTime()) / 1000));
}
