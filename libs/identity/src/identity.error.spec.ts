import { type IdentityErrorCode, problemForIdentityError } from './identity.error';

describe('problemForIdentityError', () => {
  it.each<[IdentityErrorCode, number]>([
    ['unauthorized', 401],
    ['account_locked', 401],
    ['forbidden', 403],
    ['invalid_request', 400],
    ['weak_password', 400],
    ['username_taken', 409],
    ['conflict', 409],
    ['not_found', 404],
    ['invalid_configuration', 500],
  ])('answers %s with %i and a Circulator problem type', (code, status) => {
    const problem = problemForIdentityError(code);
    expect(problem.status).toBe(status);
    expect(problem.type).toMatch(/^urn:circulator:problem:[a-z-]+$/);
    expect(problem.title).not.toBe('');
  });
});
