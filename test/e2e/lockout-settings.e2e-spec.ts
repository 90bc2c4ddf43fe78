import request from 'supertest';
import { ADMIN_PASSWORD, requestAs, startTestPlatform, tokenFor, type TestPlatform } from '../support/platform';

const PASSWORD = 'lockout-settings-e2e-password';

/** A site's lockout policy (LOGIN_LOCKOUT_ATTEMPTS) reaches the sign-in: two failures lock here, not five. */
describe("a site's lockout policy", () => {
  let t: TestPlatform;

  beforeAll(async () => {
    t = await startTestPlatform({ env: { LOGIN_LOCKOUT_ATTEMPTS: '2', LOGIN_LOCKOUT_MINUTES: '30' } });
    const admin = await tokenFor(t.url, 'admin', ADMIN_PASSWORD);
    await requestAs(t.url, () => admin)
      .post('/api/users', { username: 'fay', password: PASSWORD, displayName: 'Fay', roles: ['nurse'] })
      .expect(201);
  }, 60_000);

  afterAll(async () => {
    await t?.stop();
  });

  it('locks the name after the configured number of failures, even for the right password', async () => {
    const signIn = (password: string) => request(t.url).post('/api/auth/token').send({ username: 'fay', password });
    expect((await signIn('wrong-password-one')).body).toMatchObject({ type: 'urn:circulator:problem:unauthorized' });
    expect((await signIn('wrong-password-two')).status).toBe(401);
    const locked = await signIn(PASSWORD);
    expect(locked.status).toBe(401);
    expect(locked.body).toMatchObject({ type: 'urn:circulator:problem:account-locked' });
  });
});
