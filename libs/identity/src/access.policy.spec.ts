import { ROLES, type Role } from '@circulator/contracts';
import { decideRoles, parseBearer } from './access.policy';

describe('decideRoles', () => {
  it('allows a principal holding one of the declared roles', () => {
    expect(decideRoles(['scheduler'], ['scheduler'])).toBe('allow');
    expect(decideRoles(['nurse', 'scheduler'], ['surgeon', 'scheduler'])).toBe('allow');
  });

  it('forbids a principal holding none of them', () => {
    expect(decideRoles(['scheduler'], ['admin'])).toBe('forbidden');
    expect(decideRoles(['display'], ['nurse', 'surgeon'])).toBe('forbidden');
    expect(decideRoles([], ['nurse'])).toBe('forbidden');
  });

  it.each(ROLES.map((role) => [role]))('lets admin pass a check for %s', (role: Role) => {
    expect(decideRoles(['admin'], [role])).toBe('allow');
  });

  it('forbids everyone, admin included, on a route that declares no roles (deny by default)', () => {
    for (const role of ROLES) {
      expect(decideRoles([role], undefined)).toBe('forbidden');
      expect(decideRoles([role], [])).toBe('forbidden');
    }
  });
});

describe('parseBearer', () => {
  it('reads the token of a Bearer header, whatever the case of the scheme', () => {
    expect(parseBearer('Bearer abc.def-ghi_jkl')).toBe('abc.def-ghi_jkl');
    expect(parseBearer('bearer abc.def')).toBe('abc.def');
    expect(parseBearer('BEARER  abc.def ')).toBe('abc.def');
  });

  it('refuses what is not one well-formed bearer token', () => {
    expect(parseBearer(undefined)).toBeUndefined();
    expect(parseBearer('')).toBeUndefined();
    expect(parseBearer('Bearer')).toBeUndefined();
    expect(parseBearer('Bearer ')).toBeUndefined();
    expect(parseBearer('Basic YWRtaW46eA==')).toBeUndefined();
    expect(parseBearer('Bearer a b')).toBeUndefined();
    expect(parseBearer('Bearer a"b')).toBeUndefined();
    expect(parseBearer(['Bearer a', 'Bearer b'])).toBeUndefined();
  });
});
