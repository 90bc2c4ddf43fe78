import crypto from 'node:crypto';
import { hookSecretMatches } from './hook.secret';

describe('hookSecretMatches', () => {
  const secret = 'a-hook-secret-of-some-length';

  it('accepts the secret and nothing else', () => {
    expect(hookSecretMatches(secret, secret)).toBe(true);
    expect(hookSecretMatches('a-hook-secret-of-some-lengtH', secret)).toBe(false);
    expect(hookSecretMatches(secret.slice(0, -1), secret)).toBe(false);
    expect(hookSecretMatches(`${secret}x`, secret)).toBe(false);
    expect(hookSecretMatches('', secret)).toBe(false);
    expect(hookSecretMatches(undefined, secret)).toBe(false);
    expect(hookSecretMatches([secret, secret], secret)).toBe(false);
  });

  it('accepts nothing when no secret is configured', () => {
    expect(hookSecretMatches('', undefined)).toBe(false);
    expect(hookSecretMatches('', '')).toBe(false);
    expect(hookSecretMatches(undefined, undefined)).toBe(false);
  });

  it('compares fixed-length digests with timingSafeEqual, whatever was sent', () => {
    const spy = jest.spyOn(crypto, 'timingSafeEqual');
    try {
      for (const given of [secret, 'x', `${secret}${secret}`, undefined]) hookSecretMatches(given, secret);
      expect(spy).toHaveBeenCalledTimes(4);
      for (const [a, b] of spy.mock.calls) {
        expect((a as Buffer).length).toBe(32);
        expect((b as Buffer).length).toBe(32);
      }
    } finally {
      spy.mockRestore();
    }
  });
});
