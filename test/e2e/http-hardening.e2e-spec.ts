import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect as connectTls } from 'node:tls';
import { chromium, type Browser } from 'playwright-core';
import { io } from 'socket.io-client';
import request from 'supertest';
import { loadConfig } from '../../apps/server/src/config/app-config';
import { StartupError } from '../../apps/server/src/bootstrap/preflight';
import { startPlatform } from '../../apps/server/src/platform';
import { selfSignedCertificate, type TestCertificate } from '../support/certificates';
import { ADMIN_PASSWORD, requestAs, startTestPlatform, type TestPlatform } from '../support/platform';
import { createTempDir, type TempDir } from '../support/services';

/** Debian's chromium (CI installs it); playwright never downloads a browser here. */
const CHROMIUM = '/usr/bin/chromium';
const LISTED = 'https://desk.hospital.example';
const PASSWORD = 'hardening-e2e-password';

/** The directives of a Content-Security-Policy header, by name. */
function csp(header: string | undefined): Record<string, string> {
  return Object.fromEntries(
    (header ?? '')
      .split(';')
      .map((d) => d.trim())
      .filter(Boolean)
      .map((d) => {
        const [name = '', ...values] = d.split(/\s+/);
        return [name, values.join(' ')];
      }),
  );
}

describe('HTTP hardening on a running platform', () => {
  let t: TestPlatform;
  /** Tokens of the admin (2 of its 8 API calls used by beforeAll) and of a nurse (none used). */
  const tokens: { admin?: string; nurse?: string } = {};
  // The platform trusts X-Forwarded-For from loopback (HTTP_TRUST_PROXY's default), so a test
  // can be a client of its own address; each sign-in limit below is per address.
  const signInFrom = async (from: string, username: string, password: string) =>
    (
      (
        await request(t.url)
          .post('/api/auth/token')
          .set('X-Forwarded-For', from)
          .send({ username, password })
          .expect(200)
      ).body as { access_token: string }
    ).access_token;

  beforeAll(async () => {
    t = await startTestPlatform({
      env: {
        CORS_ORIGINS: LISTED,
        RATE_LIMIT_LOGIN_PER_MINUTE: '3',
        RATE_LIMIT_API_PER_MINUTE: '8',
      },
    });
    tokens.admin = await signInFrom('198.51.100.1', 'admin', ADMIN_PASSWORD);
    for (const username of ['nurse-hardening', 'viewer-hardening']) {
      await requestAs(t.url, () => tokens.admin)
        .post('/api/users', { username, password: PASSWORD, displayName: username, roles: ['nurse'] })
        .expect(201);
    }
    tokens.nurse = await signInFrom('198.51.100.2', 'nurse-hardening', PASSWORD);
  });
  afterAll(async () => {
    await t?.stop();
    t?.dataDir.remove();
  });

  describe('security headers', () => {
    it('puts a strict policy on API answers, errors included', async () => {
      for (const res of [
        await request(t.url).get('/health/live').expect(200),
        await request(t.url).get('/api/site').expect(401),
        await request(t.url).get('/api/no-such-route').expect(404),
      ]) {
        const policy = csp(res.headers['content-security-policy']);
        expect(policy).toMatchObject({
          'default-src': "'self'",
          'script-src': "'self'",
          'style-src': "'self'",
          'object-src': "'none'",
          'frame-ancestors': "'none'",
          'base-uri': "'none'",
        });
        expect(policy['connect-src']).toBe(`'self' ws://${t.url.slice(7)} wss://${t.url.slice(7)}`);
        // Plain HTTP: no promise of HTTPS, no upgrade of the page's requests to it.
        expect(policy['upgrade-insecure-requests']).toBeUndefined();
        expect(res.headers['strict-transport-security']).toBeUndefined();
        expect(res.headers).toMatchObject({
          'x-frame-options': 'DENY',
          'referrer-policy': 'no-referrer',
          'x-content-type-options': 'nosniff',
          'cross-origin-opener-policy': 'same-origin',
          'cross-origin-resource-policy': 'same-origin',
          'permissions-policy': expect.stringContaining('camera=()'),
        });
        expect(res.headers['x-powered-by']).toBeUndefined();
      }
    });

    it('keeps API answers out of caches', async () => {
      const res = await request(t.url).get('/api/site').expect(401);
      expect(res.headers['cache-control']).toBe('no-store');
    });

    it('relaxes only the styles of the Swagger page, which still works', async () => {
      const page = await request(t.url).get('/api/docs/').expect(200);
      expect(page.text).toContain('swagger-ui');
      const policy = csp(page.headers['content-security-policy']);
      expect(policy['style-src']).toBe("'self' 'unsafe-inline'");
      expect(policy['script-src']).toBe("'self'");
      const openapi = await request(t.url).get('/api/docs/openapi.json').expect(200);
      expect((openapi.body as { info: { title: string } }).info.title).toBe('Circulator API');
    });

    it('serves a web client that needs no inline script or style', async () => {
      const page = await request(t.url).get('/').expect(200);
      expect(page.text).toContain('<div id="app"');
      const scripts = [...page.text.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
      expect(scripts.length).toBeGreaterThan(0);
      for (const [, attributes, body] of scripts) {
        expect(attributes).toMatch(/\bsrc=/);
        expect(body?.trim()).toBe('');
      }
      expect(page.text).not.toMatch(/<style\b|\sstyle=|\son[a-z]+=/i);
      expect(csp(page.headers['content-security-policy'])['style-src']).toBe("'self'");
    });
  });

  describe('socket.io Origin allow-list', () => {
    /** The outcome of a `/live` handshake sent with an Origin header: connected or the refusal. */
    const handshake = (origin: string) =>
      new Promise<string>((resolve) => {
        const socket = io(`${t.url}/live`, {
          auth: { token: tokens.admin },
          transports: ['websocket'],
          extraHeaders: { Origin: origin },
          reconnection: false,
          forceNew: true,
        });
        socket.once('connect', () => {
          socket.close();
          resolve('connected');
        });
        socket.once('connect_error', (err) => {
          socket.close();
          resolve(err.message);
        });
      });

    it('refuses a page of another site, even with a valid token, and lets listed and own pages in', async () => {
      expect(await handshake('https://evil.example')).toBe('forbidden origin');
      expect(await handshake(LISTED)).toBe('connected');
      expect(await handshake(t.url)).toBe('connected');
    });
  });

  describe('CORS', () => {
    const preflight = (origin: string) =>
      request(t.url)
        .options('/api/cases?date=2026-11-23')
        .set('Origin', origin)
        .set('Access-Control-Request-Method', 'GET')
        .set('Access-Control-Request-Headers', 'authorization');

    it('answers a listed origin', async () => {
      const res = await preflight(LISTED).expect(204);
      expect(res.headers['access-control-allow-origin']).toBe(LISTED);
      expect(res.headers['access-control-allow-headers']).toMatch(/Authorization/);
      expect(res.headers['access-control-allow-credentials']).toBeUndefined();
      expect(res.headers['vary']).toMatch(/Origin/);
    });

    it('gives an unlisted origin nothing to read', async () => {
      for (const origin of ['https://evil.example', `${LISTED}:8443`, 'null']) {
        const res = await preflight(origin);
        expect(res.headers['access-control-allow-origin']).toBeUndefined();
        expect(res.headers['access-control-allow-methods']).toBeUndefined();
      }
      const simple = await request(t.url).get('/health/live').set('Origin', 'https://evil.example').expect(200);
      expect(simple.headers['access-control-allow-origin']).toBeUndefined();
    });

    it('lets our own pages through', async () => {
      const res = await preflight(t.url).expect(204);
      expect(res.headers['access-control-allow-origin']).toBe(t.url);
    });
  });

  describe('rate limits', () => {
    const signIn = (from: string, path = '/api/auth/token', password = 'wrong-password-1') =>
      request(t.url).post(path).set('X-Forwarded-For', from).send({ username: 'admin', password });

    it('refuses the sign-in past the limit per address, as problem JSON with Retry-After', async () => {
      for (let i = 0; i < 3; i++) await signIn('198.51.100.7').expect(401);
      const refused = await signIn('198.51.100.7').expect(429);
      expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(refused.body).toMatchObject({
        type: 'urn:circulator:problem:rate-limited',
        title: 'Too many requests',
        status: 429,
        detail: expect.stringMatching(/^more than 3 requests in 60 s; try again in \d+ s$/),
      });
      const retryAfter = Number(refused.headers['retry-after']);
      expect(retryAfter).toBeGreaterThan(0);
      expect(retryAfter).toBeLessThanOrEqual(60);
      // Even the right password waits, and another spelling of the route is the same route.
      await signIn('198.51.100.7', '/api/auth/token', ADMIN_PASSWORD).expect(429);
      await signIn('198.51.100.7', '/API/Auth/Token/').expect(429);
      // Another address is not affected.
      await signIn('198.51.100.8', '/api/auth/token', ADMIN_PASSWORD).expect(200);
    });

    it('counts API calls per principal, after authentication, and never health probes', async () => {
      const from = { 'X-Forwarded-For': '198.51.100.20' };
      const asAdmin = requestAs(t.url, () => tokens.admin);
      // The admin has used 2 of 8 (the users of beforeAll): 6 more pass, the next is refused,
      // whatever the address.
      for (let i = 0; i < 6; i++) await asAdmin.get('/api/site').set(from).expect(200);
      const refused = await asAdmin.get('/api/site').expect(429);
      expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(refused.body).toMatchObject({ status: 429, type: 'urn:circulator:problem:rate-limited' });
      expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
      // Same address, another principal: its own count (so AccessGuard ran first).
      await requestAs(t.url, () => tokens.nurse)
        .get('/api/site')
        .set(from)
        .expect(200);
      // No token: refused by AccessGuard (401), not counted against anyone.
      await request(t.url).get('/api/site').set(from).expect(401);
      for (let i = 0; i < 20; i++) await request(t.url).get('/health/live').set(from).expect(200);
    });
  });

  describe('request bodies', () => {
    it('refuses JSON over 1 MB with 413 problem JSON', async () => {
      const res = await request(t.url)
        .post('/api/auth/token')
        .set('X-Forwarded-For', '198.51.100.30')
        .set('Content-Type', 'application/json')
        .send(JSON.stringify({ username: 'admin', password: 'x'.repeat(1_100_000) }))
        .expect(413);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body).toMatchObject({ status: 413, title: 'Payload Too Large' });
    });

    it('refuses JSON that does not parse with 400 problem JSON', async () => {
      const res = await request(t.url)
        .post('/api/auth/token')
        .set('X-Forwarded-For', '198.51.100.31')
        .set('Content-Type', 'application/json')
        .send('{"username":')
        .expect(400);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    });

    it('validates the query of the case list', async () => {
      const res = await requestAs(t.url, () => tokens.nurse)
        .get('/api/cases?date=2026-11-23&date=2026-11-24')
        .expect(400);
      expect(res.body).toMatchObject({
        type: 'urn:circulator:problem:invalid-request',
        errors: [{ pointer: '/date', detail: expect.any(String) }],
      });
    });
  });

  describe('in a browser', () => {
    let browser: Browser | undefined;
    beforeAll(async () => {
      if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install chromium (.ci/run does)`);
      browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    });
    afterAll(() => browser?.close());

    /** Console messages of a page that say the policy blocked something. */
    async function watched(path: string) {
      const page = await browser!.newPage();
      page.setDefaultTimeout(15_000);
      const violations: string[] = [];
      page.on('console', (m) => {
        if (/Content.Security.Policy|Refused to/i.test(m.text())) violations.push(m.text());
      });
      await page.goto(`${t.url}${path}`);
      return { page, violations };
    }

    it('the web client signs in and goes live over socket.io without a policy violation', async () => {
      const { page, violations } = await watched('/');
      await page.fill('#username', 'viewer-hardening');
      await page.fill('#password', PASSWORD);
      await page.getByRole('button', { name: /sign in/i }).click();
      await page.getByRole('status').getByText('live').waitFor();
      expect(violations).toEqual([]);
      await page.close();
    });

    it('the Swagger page renders without a policy violation', async () => {
      const { page, violations } = await watched('/api/docs');
      await page.locator('.swagger-ui .info .title').waitFor();
      await page.getByText('/api/cases').first().waitFor();
      expect(violations).toEqual([]);
      await page.close();
    });
  });
});

describe('HTTPS on HTTP_PORT', () => {
  let dir: TempDir;
  let pem: TestCertificate;
  let t: TestPlatform;
  let url: string;

  beforeAll(async () => {
    dir = createTempDir('http-tls-');
    pem = selfSignedCertificate(dir.path);
    t = await startTestPlatform({
      embedded: true,
      env: { HTTP_TLS_CERT: pem.certFile, HTTP_TLS_KEY: pem.keyFile, RATE_LIMIT_LOGIN_PER_MINUTE: '0' },
    });
    url = `https://127.0.0.1:${t.platform.httpPort}`;
  });
  afterAll(async () => {
    await t?.stop();
    t?.dataDir.remove();
    dir?.remove();
  });

  it('speaks HTTPS with the configured certificate, with HSTS', async () => {
    const res = await request(url).get('/health/live').ca(pem.cert).expect(200);
    expect(res.headers['strict-transport-security']).toBe('max-age=31536000');
    expect(csp(res.headers['content-security-policy'])).toHaveProperty('upgrade-insecure-requests');
  });

  it('does not speak plain HTTP on the same port', async () => {
    await expect(request(t.url).get('/health/live').timeout(5_000)).rejects.toThrow();
  });

  it('refuses TLS older than 1.2', async () => {
    const error = await new Promise<NodeJS.ErrnoException | undefined>((resolve) => {
      const socket = connectTls({
        host: '127.0.0.1',
        port: t.platform.httpPort,
        ca: pem.cert,
        minVersion: 'TLSv1',
        maxVersion: 'TLSv1.1',
        // Let this client offer TLS 1.1 at all, so that the refusal is the server's.
        ciphers: 'DEFAULT@SECLEVEL=0',
      });
      socket.once('secureConnect', () => {
        socket.destroy();
        resolve(undefined);
      });
      socket.once('error', resolve);
    });
    expect(error?.code).toBe('ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION');
  });

  it('serves sign-in, the API and socket.io over it (a limit of 0 is off)', async () => {
    let token = '';
    for (let i = 0; i < 5; i++) {
      const res = await request(url)
        .post('/api/auth/token')
        .ca(pem.cert)
        .send({ username: 'admin', password: ADMIN_PASSWORD })
        .expect(200);
      token = (res.body as { access_token: string }).access_token;
    }
    await request(url).get('/api/site').ca(pem.cert).set('Authorization', `Bearer ${token}`).expect(200);
    const socket = io(`${url}/live`, {
      auth: { token },
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
      ca: readFileSync(pem.certFile, 'utf8'),
    });
    try {
      await new Promise<void>((resolve, reject) => {
        socket.once('connect', resolve);
        socket.once('connect_error', reject);
      });
    } finally {
      socket.close();
    }
  });
});

describe('a bad HTTP certificate', () => {
  let dir: TempDir;
  beforeAll(() => (dir = createTempDir('http-tls-bad-')));
  afterAll(() => dir.remove());

  it('stops the start with one line naming the setting', async () => {
    const config = loadConfig({
      HTTP_PORT: '0',
      DATA_DIR: dir.path,
      HTTP_TLS_CERT: join(dir.path, 'missing.pem'),
      HTTP_TLS_KEY: join(dir.path, 'missing.key'),
    });
    const started = startPlatform(config);
    await expect(started).rejects.toBeInstanceOf(StartupError);
    await expect(started).rejects.toThrow(
      /^HTTP_TLS_CERT: cannot read .*missing\.pem \(ENOENT\); point HTTP_TLS_CERT at a readable PEM certificate file$/,
    );
  });
});
