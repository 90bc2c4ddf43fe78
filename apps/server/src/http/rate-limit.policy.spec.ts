import { addressKey, callerKey, canonicalRoute, rateLimitClass } from './rate-limit.policy';
import { rateLimitThrottlers } from './rate-limit.module';

describe('rateLimitClass', () => {
  it.each([
    ['/api/auth/token', 'login'],
    ['/api/auth/refresh', 'login'],
    ['/api/auth/oidc/login', 'login'],
    ['/api/auth/oidc/callback', 'login'],
    ['/api/auth/oidc/exchange', 'login'],
    ['/api/auth/oidc', 'api'],
    // Express routes these to the same handlers: they must count against the same limit.
    ['/API/Auth/Token', 'login'],
    ['/api/auth/token/', 'login'],
    ['//api//auth/token', 'login'],
    ['/api/cases/:id', 'api'],
    ['/api/users', 'api'],
    ['/api', 'api'],
    ['/fhir/Appointment/:id', 'api'],
    ['/fhir/metadata', 'api'],
    ['/health/live', 'exempt'],
    ['/health/ready', 'exempt'],
    ['/health', 'exempt'],
    ['/fhir/subscription-hook', 'exempt'],
    ['/FHIR/Subscription-Hook/', 'exempt'],
    ['/', 'exempt'],
    ['/apis', 'exempt'],
    ['/healthy', 'exempt'],
  ])('%s counts as %s', (route, expected) => {
    expect(rateLimitClass(route)).toBe(expected);
  });
});

describe('canonicalRoute', () => {
  it('keeps the root', () => {
    expect(canonicalRoute('/')).toBe('/');
    expect(canonicalRoute('//')).toBe('/');
  });
});

describe('counter keys', () => {
  it('counts IPv4-mapped addresses as IPv4 and IPv6 per /64', () => {
    expect(addressKey('::ffff:10.0.8.3')).toBe('ip:10.0.8.3');
    expect(addressKey('10.0.8.3')).toBe('ip:10.0.8.3');
    expect(addressKey('2001:db8:1:2:aaaa:bbbb:cccc:dddd')).toBe(addressKey('2001:db8:1:2::1'));
    expect(addressKey(undefined)).toBe('ip:unknown');
  });

  it('counts a signed-in caller by principal, whatever its address', () => {
    expect(callerKey({ kind: 'user', sub: 'u-1' }, '10.0.8.3')).toBe('user:u-1');
    expect(callerKey({ kind: 'display', sub: 'd-1' }, '10.0.8.3')).toBe('display:d-1');
    expect(callerKey(undefined, '10.0.8.3')).toBe('ip:10.0.8.3');
  });
});

describe('rateLimitThrottlers', () => {
  it('has one named limit per setting, and leaves out a limit of 0', () => {
    expect(rateLimitThrottlers({ loginPerMinute: 30, apiPerMinute: 1200 })).toEqual([
      expect.objectContaining({ name: 'login', limit: 30, ttl: 60_000 }),
      expect.objectContaining({ name: 'api', limit: 1200, ttl: 60_000 }),
    ]);
    expect(rateLimitThrottlers({ loginPerMinute: 0, apiPerMinute: 5 }).map((t) => t.name)).toEqual(['api']);
    expect(rateLimitThrottlers({ loginPerMinute: 0, apiPerMinute: 0 })).toEqual([]);
  });
});
