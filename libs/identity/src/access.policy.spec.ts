import { ROLES, type Role } from '@circulator/contracts';
import { decideConsultAccess, decideRoles, parseBearer, pathOf } from './access.policy';

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

describe('decideConsultAccess', () => {
  const caseId = '1b4e28ba-2fa1-4d2b-883f-0016d3cca427';

  it('lets a consultation read its own case and its events', () => {
    expect(decideConsultAccess(caseId, 'GET', `/api/cases/${caseId}`)).toBe('allow');
    expect(decideConsultAccess(caseId, 'get', `/api/cases/${caseId}/events`)).toBe('allow');
  });

  it.each([
    ['another case', 'GET', '/api/cases/2b4e28ba-2fa1-4d2b-883f-0016d3cca427'],
    ['the case list', 'GET', '/api/cases'],
    ['a write to its case', 'POST', `/api/cases/${caseId}/milestones`],
    ['a change to its case', 'PATCH', `/api/cases/${caseId}`],
    ['its consultations', 'GET', `/api/cases/${caseId}/consultations`],
    ['the rooms', 'GET', '/api/rooms'],
    ['the FHIR facade', 'GET', `/fhir/Encounter/${caseId}`],
    ['a trailing segment', 'GET', `/api/cases/${caseId}/events/x`],
    ['a HEAD', 'HEAD', `/api/cases/${caseId}`],
  ])('forbids %s', (_what, method, path) => {
    expect(decideConsultAccess(caseId, method, path)).toBe('forbidden');
  });

  it('forbids everything without a case', () => {
    expect(decideConsultAccess(undefined, 'GET', '/api/cases/undefined')).toBe('forbidden');
  });

  it('compares the path without its query string', () => {
    expect(pathOf(`/api/cases/${caseId}?x=1`)).toBe(`/api/cases/${caseId}`);
    expect(pathOf('/api/cases#frag')).toBe('/api/cases');
    expect(pathOf('/api/rooms')).toBe('/api/rooms');
  });
});
