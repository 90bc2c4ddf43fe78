import { profileFromClaims, rolesFromClaims, usernameCandidates } from './oidc.claims';

describe('rolesFromClaims', () => {
  it('keeps only roles of our list, once each, from an array', () => {
    expect(rolesFromClaims({ roles: ['surgeon', 'Surgeon', 'nurse', 'surgeon', 'chef', 42] }, 'roles')).toEqual([
      'surgeon',
      'nurse',
    ]);
  });

  it('reads a space- or comma-separated string', () => {
    expect(rolesFromClaims({ groups: 'nurse, scheduler biomed' }, 'groups')).toEqual(['nurse', 'scheduler', 'biomed']);
  });

  it('never grants display, the role of wall displays', () => {
    expect(rolesFromClaims({ roles: ['display', 'admin'] }, 'roles')).toEqual(['admin']);
  });

  it('walks a dotted name into objects (Keycloak realm_access.roles), an exact name first', () => {
    expect(rolesFromClaims({ realm_access: { roles: ['anesthesiologist'] } }, 'realm_access.roles')).toEqual([
      'anesthesiologist',
    ]);
    expect(rolesFromClaims({ 'https://x.example/roles': ['nurse'] }, 'https://x.example/roles')).toEqual(['nurse']);
  });

  it('gives no role for a missing or odd claim', () => {
    expect(rolesFromClaims({}, 'roles')).toEqual([]);
    expect(rolesFromClaims({ roles: { admin: true } }, 'roles')).toEqual([]);
    expect(rolesFromClaims({ a: 'nurse' }, 'a.b')).toEqual([]);
  });
});

describe('profileFromClaims', () => {
  it('takes the display name from name, else preferred_username, else e-mail', () => {
    expect(profileFromClaims({ name: ' Dr Ada ', roles: ['surgeon'] }, 'roles')).toMatchObject({
      displayName: 'Dr Ada',
      roles: ['surgeon'],
    });
    expect(profileFromClaims({ preferred_username: 'ada' }, 'roles').displayName).toBe('ada');
    expect(profileFromClaims({ email: 'ada@h.example' }, 'roles')).toMatchObject({
      displayName: 'ada@h.example',
      preferredUsername: 'ada',
    });
    expect(profileFromClaims({}, 'roles').displayName).toBe('OpenID user');
  });
});

describe('usernameCandidates', () => {
  it('offers the provider name when it is valid, then one derived from issuer and subject', () => {
    const [first, second] = usernameCandidates('https://idp.example', 'abc', 'Ada.L');
    expect(first).toBe('ada.l');
    expect(second).toMatch(/^oidc-[0-9a-f]{12}$/);
  });

  it('derives the same name for the same account and another for another issuer', () => {
    const a = usernameCandidates('https://idp.example', 'abc', undefined);
    expect(a).toEqual(usernameCandidates('https://idp.example', 'abc', 'not valid!'));
    expect(a).not.toEqual(usernameCandidates('https://other.example', 'abc', undefined));
  });

  it('never offers a name in the derived namespace', () => {
    expect(usernameCandidates('https://idp.example', 'abc', 'oidc-000000000000')).toHaveLength(1);
  });
});
