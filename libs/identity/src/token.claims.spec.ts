import { principalFromClaims } from './token.claims';

const user = { kind: 'user', sub: 'u-1', username: 'sam', roles: ['scheduler'], iss: 'circulator', aud: 'x' };
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
  ])('refuses %s', (_what, claims) => {
    expect(principalFromClaims(claims)).toBeUndefined();
  });
});
