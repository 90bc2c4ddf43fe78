import { HANDOFF_TTL_SECONDS, LOGIN_TTL_SECONDS, expiryOf, isLive, randomKey, storageKey } from './oidc.pending';

describe('pending OpenID sign-in state', () => {
  const start = new Date('2026-11-23T08:00:00Z');
  const at = (seconds: number) => new Date(start.getTime() + seconds * 1000);

  it('keeps a sign-in at the provider for 10 minutes, the end excluded', () => {
    const expires = expiryOf(start, LOGIN_TTL_SECONDS);
    expect(isLive(expires, at(0))).toBe(true);
    expect(isLive(expires, at(599))).toBe(true);
    expect(isLive(expires, at(600))).toBe(false);
  });

  it('keeps a one-time code for 60 seconds', () => {
    const expires = expiryOf(start, HANDOFF_TTL_SECONDS);
    expect(isLive(expires, at(59))).toBe(true);
    expect(isLive(expires, at(60))).toBe(false);
  });

  it('makes 256-bit keys and stores only their hash', () => {
    const key = randomKey();
    expect(key).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(randomKey()).not.toBe(key);
    expect(storageKey(key)).not.toContain(key);
    expect(storageKey(key)).toBe(storageKey(key));
  });
});
