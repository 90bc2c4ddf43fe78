import {
  decideRefresh,
  hashRefreshToken,
  isRefreshTokenShape,
  newRefreshToken,
  secondsUntil,
} from './refresh-token.policy';

const now = new Date('2026-11-21T07:00:00Z');
const later = new Date('2026-11-21T19:00:00Z');

describe('refresh tokens', () => {
  it('are 256 random bits in base64url, stored as SHA-256 hex', () => {
    const token = newRefreshToken();
    expect(Buffer.from(token, 'base64url')).toHaveLength(32);
    expect(isRefreshTokenShape(token)).toBe(true);
    expect(newRefreshToken()).not.toBe(token);
    expect(hashRefreshToken(token)).toMatch(/^[0-9a-f]{64}$/);
    expect(hashRefreshToken(token)).toBe(hashRefreshToken(token));
    expect(hashRefreshToken('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('refuse shapes we never issue', () => {
    expect(isRefreshTokenShape('')).toBe(false);
    expect(isRefreshTokenShape('a'.repeat(42))).toBe(false);
    expect(isRefreshTokenShape('a'.repeat(42) + '=')).toBe(false);
  });

  it('rotate an unspent token of a live family', () => {
    expect(decideRefresh({ spentAt: null, familyRevokedAt: null, familyExpiresAt: later }, now)).toBe('rotate');
  });

  it('treat a spent token as reuse', () => {
    expect(decideRefresh({ spentAt: now, familyRevokedAt: null, familyExpiresAt: later }, now)).toBe('reuse');
  });

  it('refuse any token of a revoked or ended family', () => {
    expect(decideRefresh({ spentAt: now, familyRevokedAt: now, familyExpiresAt: later }, now)).toBe('revoked');
    expect(decideRefresh({ spentAt: null, familyRevokedAt: now, familyExpiresAt: later }, now)).toBe('revoked');
    expect(decideRefresh({ spentAt: null, familyRevokedAt: null, familyExpiresAt: now }, now)).toBe('expired');
    expect(decideRefresh({ spentAt: now, familyRevokedAt: null, familyExpiresAt: now }, now)).toBe('expired');
  });

  it('count whole seconds left, never negative', () => {
    expect(secondsUntil(later, now)).toBe(43_200);
    expect(secondsUntil(now, later)).toBe(0);
    expect(secondsUntil(new Date(now.getTime() + 1999), now)).toBe(1);
  });
});
