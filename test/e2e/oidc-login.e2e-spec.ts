import request from 'supertest';
import { signInAtProvider, startOpenIdProvider, type TestOpenIdProvider } from '../support/oidc-provider';
import { startServerProcess, type ServerProcess } from '../support/server-process';
import { createTestDatabase, dropRedisPrefix, uniqueName, type TestDatabase } from '../support/services';

const ADMIN_PASSWORD = 'oidc-e2e-admin-password';
/**
 * Our callback as the provider knows it. The test plays the browser, so this address is never
 * dialled: the test carries its query to the server, as a reverse proxy for that name would.
 */
const REDIRECT_URI = 'http://localhost/api/auth/oidc/callback';

interface SignedIn {
  access_token: string;
  refresh_token: string;
  token_type: string;
}

const text = (v: unknown): string => (typeof v === 'string' ? v : '');

interface AuditEntry {
  action: string;
  actor: string;
  detail: Record<string, unknown>;
}

/**
 * Sign-in through a real OpenID Provider (oidc-provider 9): our redirect with state, nonce and
 * PKCE, the provider's login and consent, the callback's checks, the one-time code hand-over and
 * our own session; users created and updated from the roles claim; refusals and audit rows.
 */
describe('sign-in with the hospital account (OpenID Connect)', () => {
  let provider: TestOpenIdProvider;
  let server: ServerProcess;
  let db: TestDatabase;
  const prefix = uniqueName('oidc');
  const accounts = [
    { sub: 'ext-alice-1', name: 'Alice Surgeon', preferred_username: 'alice', roles: ['surgeon', 'mystery'] },
    { sub: 'ext-bob-2', name: 'Bob Visitor', preferred_username: 'bob', roles: ['visitor'] },
    // Tries to take the local admin account by name: must get an account of its own.
    { sub: 'ext-admin-3', name: 'Not The Admin', preferred_username: 'admin', roles: ['nurse', 'display'] },
  ];

  /** Login redirect → provider → callback: the response of our callback. */
  async function throughProvider(sub: string): Promise<request.Response> {
    const login = await request(server.url).get('/api/auth/oidc/login').expect(302);
    const authorization = new URL(login.headers.location as string);
    expect(authorization.origin).toBe(provider.issuer);
    expect(authorization.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorization.searchParams.get('state')).toBeTruthy();
    expect(authorization.searchParams.get('nonce')).toBeTruthy();
    const back = await signInAtProvider(authorization.href, sub, REDIRECT_URI);
    return request(server.url).get(`/api/auth/oidc/callback${back.search}`);
  }

  async function signIn(sub: string): Promise<SignedIn> {
    const callback = await throughProvider(sub);
    expect(callback.status).toBe(302);
    const target = new URL(callback.headers.location as string, 'http://web.invalid');
    expect(target.pathname).toBe('/login');
    const code = target.searchParams.get('oidc');
    expect(code).toBeTruthy();
    // Nothing but the one-time code travels in the URL.
    expect([...target.searchParams.keys()]).toEqual(['oidc']);
    const exchanged = await request(server.url).post('/api/auth/oidc/exchange').send({ code }).expect(200);
    return exchanged.body as SignedIn;
  }

  async function auditOf(action: string): Promise<AuditEntry[]> {
    const admin = await request(server.url)
      .post('/api/auth/token')
      .send({ username: 'admin', password: ADMIN_PASSWORD })
      .expect(200);
    const res = await request(server.url)
      .get(`/api/audit?action=${action}&limit=100`)
      .set('Authorization', `Bearer ${(admin.body as SignedIn).access_token}`)
      .expect(200);
    return (res.body as { entries: AuditEntry[] }).entries;
  }

  beforeAll(async () => {
    provider = await startOpenIdProvider(REDIRECT_URI, accounts);
    db = await createTestDatabase();
    server = await startServerProcess({
      DATABASE_URL: db.url,
      REDIS_PREFIX: prefix,
      ADMIN_PASSWORD,
      FACILITY_TZ: 'Europe/Paris',
      PREDICTIONS: 'off',
      RULE_TICK: 'off',
      // Every sign-in here counts against the per-address sign-in limit (30 a minute): not this test's subject.
      RATE_LIMIT_LOGIN_PER_MINUTE: '0',
      OIDC_ISSUER: provider.issuer,
      OIDC_CLIENT_ID: provider.clientId,
      OIDC_CLIENT_SECRET: provider.clientSecret,
      OIDC_REDIRECT_URI: REDIRECT_URI,
    });
  }, 90_000);

  afterAll(async () => {
    await server?.stop();
    await provider?.stop();
    await db?.drop();
    await dropRedisPrefix(prefix);
  });

  it('says that it is configured, without a token', async () => {
    const res = await request(server.url).get('/api/auth/oidc').expect(200);
    expect(res.body).toEqual({ enabled: true, loginUrl: '/api/auth/oidc/login' });
  });

  it('signs a provider user in: a user created with the roles of the claim, our tokens work', async () => {
    const signedIn = await signIn('ext-alice-1');
    expect(signedIn.token_type).toBe('Bearer');
    await request(server.url)
      .get('/api/cases?date=2026-11-23')
      .set('Authorization', `Bearer ${signedIn.access_token}`)
      .expect(200);
    // The refresh token continues the sign-in like after a password grant.
    const refreshed = await request(server.url)
      .post('/api/auth/refresh')
      .send({ refresh_token: signedIn.refresh_token })
      .expect(200);
    expect((refreshed.body as SignedIn).access_token).toBeTruthy();

    const admin = await request(server.url)
      .post('/api/auth/token')
      .send({ username: 'admin', password: ADMIN_PASSWORD });
    const users = await request(server.url)
      .get('/api/users')
      .set('Authorization', `Bearer ${(admin.body as SignedIn).access_token}`)
      .expect(200);
    const alice = (users.body as { username: string; displayName: string; roles: string[] }[]).find(
      (u) => u.username === 'alice',
    );
    // Only roles of our list count.
    expect(alice).toMatchObject({ displayName: 'Alice Surgeon', roles: ['surgeon'] });

    // No local password: the password grant refuses the account, whatever is tried.
    await request(server.url).post('/api/auth/token').send({ username: 'alice', password: '!oidc' }).expect(401);
    await request(server.url).post('/api/auth/token').send({ username: 'alice', password: '' }).expect(400);
  });

  it('signs the same provider user in again as the same user', async () => {
    const first = await signIn('ext-alice-1');
    const second = await signIn('ext-alice-1');
    const subOf = (t: string) =>
      (JSON.parse(Buffer.from(t.split('.')[1] ?? '', 'base64url').toString()) as { sub: string }).sub;
    expect(subOf(second.access_token)).toBe(subOf(first.access_token));
  });

  it('never links a provider account to a local one by name', async () => {
    const signedIn = await signIn('ext-admin-3');
    const claims = JSON.parse(Buffer.from(signedIn.access_token.split('.')[1] ?? '', 'base64url').toString()) as {
      username: string;
      roles: string[];
    };
    expect(claims.username).toMatch(/^oidc-[0-9a-f]{12}$/);
    // `display` is a role of wall displays: a provider cannot grant it.
    expect(claims.roles).toEqual(['nurse']);
  });

  it('refuses a provider user with no role of ours (403) and creates no user', async () => {
    const callback = await throughProvider('ext-bob-2');
    expect(callback.status).toBe(403);
    expect(callback.headers['content-type']).toMatch(/application\/problem\+json/);
    await request(server.url)
      .post('/api/auth/token')
      .send({ username: 'bob', password: 'whatever-password' })
      .expect(401);
  });

  it('refuses a forged or unknown state (400), and a state used twice', async () => {
    await request(server.url).get('/api/auth/oidc/callback?code=forged&state=forged').expect(400);
    await request(server.url).get('/api/auth/oidc/callback?code=forged').expect(400);
    const login = await request(server.url).get('/api/auth/oidc/login').expect(302);
    const authorization = new URL(login.headers.location as string);
    const back = await signInAtProvider(authorization.href, 'ext-alice-1', REDIRECT_URI);
    await request(server.url).get(`/api/auth/oidc/callback${back.search}`).expect(302);
    await request(server.url).get(`/api/auth/oidc/callback${back.search}`).expect(400);
  });

  it('refuses a code from the provider that does not go with the state (PKCE, nonce)', async () => {
    // Two sign-ins started; the provider's code of the first presented with the state of the second.
    const first = await request(server.url).get('/api/auth/oidc/login').expect(302);
    const second = await request(server.url).get('/api/auth/oidc/login').expect(302);
    const back = await signInAtProvider(first.headers.location as string, 'ext-alice-1', REDIRECT_URI);
    const otherState = new URL(second.headers.location as string).searchParams.get('state') ?? '';
    const code = back.searchParams.get('code') ?? '';
    await request(server.url)
      .get(`/api/auth/oidc/callback?code=${encodeURIComponent(code)}&state=${encodeURIComponent(otherState)}`)
      .expect(401);
  });

  it('takes a one-time code once', async () => {
    const callback = await throughProvider('ext-alice-1');
    const code = new URL(callback.headers.location as string, 'http://web.invalid').searchParams.get('oidc');
    await request(server.url).post('/api/auth/oidc/exchange').send({ code }).expect(200);
    await request(server.url).post('/api/auth/oidc/exchange').send({ code }).expect(401);
    await request(server.url).post('/api/auth/oidc/exchange').send({ code: 'made-up' }).expect(401);
    await request(server.url).post('/api/auth/oidc/exchange').send({}).expect(400);
  });

  it('audits successes and failures as auth.oidc', async () => {
    const entries = await auditOf('auth.oidc');
    const outcomes = entries.map((e) => `${text(e.detail.outcome)}:${text(e.detail.reason)}`);
    expect(outcomes).toEqual(
      expect.arrayContaining([
        'success:',
        'failure:no-role',
        'failure:unknown-state',
        'failure:invalid-response',
        'failure:unknown-code',
      ]),
    );
    const success = entries.find((e) => e.detail.outcome === 'success' && e.detail.subject === 'ext-alice-1');
    expect(success?.actor).toMatch(/^user:/);
    expect(success?.detail.roles).toEqual(['surgeon']);
  });
});
