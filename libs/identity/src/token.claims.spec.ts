import { principalFromClaims } from './token.claims';

const user = { kind: 'user', sub: 'u-1', username: 'sam', roles: ['scheduler'], iss: 'circulator', aud: 'x' };
const consult = {
  kind: 'consult',
  sub: 'c-1',
  jti: 'c-1',
  username: 'consult:case-1',
  roles: [],
  caseId: 'case-1',
};
const display = {
  kind: 'display',
  sub: 'd-1',
  jti: 'd-1',
  username: 'display:or-1',
  roles: ['display'],
  roomId: 'or-1',
};

describe('principalFromClaims', () => {
  it('reads a user principal', () => {
    expect(principalFromClaims(user)).toEqual({ kind: 'user', sub: 'u-1', username: 'sam', roles: ['scheduler'] });
  });

  it('reads a display principal with its room', () => {
    expect(principalFromClaims(display)).toEqual({
      kind: 'display',
      sub: 'd-1',
      username: 'display:or-1',
      roles: ['display'],
      roomId: 'or-1',
    });
  });

  it('reads the session of a user token from a sign-in', () => {
    expect(principalFromClaims({ ...user, sid: 'f-1' })).toEqual({
      kind: 'user',
      sub: 'u-1',
      username: 'sam',
      roles: ['scheduler'],
      sessionId: 'f-1',
    });
  });

  it('reads a consultation principal with its case and no role', () => {
    expect(principalFromClaims(consult)).toEqual({
      kind: 'consult',
      sub: 'c-1',
      username: 'consult:case-1',
      roles: [],
      caseId: 'case-1',
    });
  });

  it.each([
    ['not an object', 'sam'],
    ['no kind', { ...user, kind: undefined }],
    ['an unknown kind', { ...user, kind: 'service' }],
    ['no subject', { ...user, sub: undefined }],
    ['no roles', { ...user, roles: [] }],
    ['an unknown role', { ...user, roles: ['root'] }],
    ['a user with the display role', { ...user, roles: ['display'] }],
    ['a user bound to a room', { ...user, roomId: 'or-1' }],
    ['a display without a room', { ...display, roomId: undefined }],
    ['a display whose jti is not its subject', { ...display, jti: 'd-2' }],
    ['a display with more roles', { ...display, roles: ['display', 'admin'] }],
    ['a display with another role', { ...display, roles: ['admin'] }],
    ['a user bound to a case', { ...user, caseId: 'case-1' }],
    ['a user with an empty session', { ...user, sid: '' }],
    ['a consultation without a case', { ...consult, caseId: undefined }],
    ['a consultation whose jti is not its subject', { ...consult, jti: 'c-2' }],
    ['a consultation holding a role', { ...consult, roles: ['surgeon'] }],
    ['a consultation bound to a room', { ...consult, roomId: 'or-1' }],
    ['a display bound to a case', { ...display, caseId: 'case-1' }],
  ])('refuses %s', (_what, claims) => {
    expect(principalFromClaims(claims)).toBeUndefined();
  });
});
