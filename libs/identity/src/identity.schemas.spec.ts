import { IdentityError } from './identity.error';
import { newDisplaySchema, parseBody, parseNewUser, tokenRequestSchema } from './identity.schemas';

const valid = { username: 'Nurse.Ng', password: 'a long enough passphrase', displayName: ' N. Ng ', roles: ['nurse'] };

function failure(fn: () => unknown): IdentityError {
  try {
    fn();
  } catch (err) {
    if (err instanceof IdentityError) return err;
    throw err;
  }
  throw new Error('expected an IdentityError');
}

describe('parseNewUser', () => {
  it('normalises the username, trims the display name and removes repeated roles', () => {
    expect(parseNewUser({ ...valid, roles: ['nurse', 'surgeon', 'nurse'] })).toEqual({
      username: 'nurse.ng',
      password: 'a long enough passphrase',
      displayName: 'N. Ng',
      roles: ['nurse', 'surgeon'],
    });
  });

  it.each([
    ['a username too short', { username: 'ab' }, '/username'],
    ['a username with spaces', { username: 'a b c' }, '/username'],
    ['a username too long', { username: 'a'.repeat(65) }, '/username'],
    ['no roles', { roles: [] }, '/roles'],
    ['an unknown role', { roles: ['nurse', 'janitor'] }, '/roles/1'],
    ['the display role', { roles: ['display'] }, '/roles'],
    ['an empty display name', { displayName: '   ' }, '/displayName'],
    ['a missing password', { password: undefined }, '/password'],
  ])('refuses %s as invalid_request pointing at the field', (_what, change, pointer) => {
    const err = failure(() => parseNewUser({ ...valid, ...change }));
    expect(err.code).toBe('invalid_request');
    expect(err.errors.map((e) => e.pointer)).toContain(pointer);
  });

  it('refuses a weak password as weak_password', () => {
    const err = failure(() => parseNewUser({ ...valid, password: 'short' }));
    expect(err.code).toBe('weak_password');
    expect(err.message).toBe('password: must be at least 12 characters long');
  });

  it('refuses a password that contains the username, naming the rule and never the password', () => {
    const err = failure(() => parseNewUser({ ...valid, password: 'NurseNg-on-the-ward' }));
    expect(err.code).toBe('weak_password');
    expect(err.message).toBe('password: must not contain the username');
    expect(err.errors).toEqual([{ pointer: '/password', detail: 'must not contain the username' }]);
  });

  it('refuses a body that is not an object', () => {
    expect(failure(() => parseNewUser(undefined)).errors).toEqual([{ pointer: '', detail: expect.any(String) }]);
    expect(failure(() => parseNewUser('admin')).code).toBe('invalid_request');
  });
});

describe('request bodies', () => {
  it('needs a username and password in a token request, without checking the policy', () => {
    expect(parseBody(tokenRequestSchema, { username: 'admin', password: 'x', extra: 1 })).toEqual({
      username: 'admin',
      password: 'x',
    });
    expect(failure(() => parseBody(tokenRequestSchema, { username: 'admin' })).errors[0]?.pointer).toBe('/password');
  });

  it('needs a non-empty roomId for a display', () => {
    expect(parseBody(newDisplaySchema, { roomId: ' or-1 ' })).toEqual({ roomId: 'or-1' });
    expect(failure(() => parseBody(newDisplaySchema, { roomId: '' })).code).toBe('invalid_request');
  });

  it('points at a field of the wrong type', () => {
    const err = failure(() => parseBody(newDisplaySchema, { roomId: 1 }));
    expect(err.errors[0]?.pointer).toBe('/roomId');
  });
});
