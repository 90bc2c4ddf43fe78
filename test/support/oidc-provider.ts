import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { waitFor } from './services';

const root = join(__dirname, '../..');

/** A test account of the provider: its `sub` and the claims it releases. */
export interface ProviderAccount {
  sub: string;
  name: string;
  email?: string;
  preferred_username?: string;
  roles?: string[];
}

export interface TestOpenIdProvider {
  issuer: string;
  clientId: string;
  clientSecret: string;
  stop(): Promise<void>;
}

/**
 * A real, certified OpenID Provider (oidc-provider 9) on a free port, in its own Node process: it
 * is an ES module with ES-module dependencies, which Node loads natively and Jest would have to
 * compile. One confidential client (`client_secret_basic`, PKCE required by the provider) with the
 * redirect URI given; the accounts given, each released with `name`, `email`,
 * `preferred_username` and `roles` under scope `profile` (roles: our OIDC_ROLES_CLAIM default).
 * Sign-in goes through the provider's own development interaction pages: POST
 * `prompt=login&login=<sub>`, then `prompt=consent` (see {@link signInAtProvider}).
 */
export async function startOpenIdProvider(
  redirectUri: string,
  accounts: ProviderAccount[],
): Promise<TestOpenIdProvider> {
  const clientId = 'circulator-e2e';
  const clientSecret = 'e2e-client-secret-of-sufficient-length';
  const script = `
    import { createServer } from 'node:http';
    import Provider from 'oidc-provider';
    const accounts = new Map(${JSON.stringify(accounts.map((a) => [a.sub, a]))});
    const server = createServer();
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    const issuer = 'http://127.0.0.1:' + server.address().port;
    const provider = new Provider(issuer, {
      clients: [{
        client_id: ${JSON.stringify(clientId)},
        client_secret: ${JSON.stringify(clientSecret)},
        redirect_uris: [${JSON.stringify(redirectUri)}],
        grant_types: ['authorization_code'],
        response_types: ['code'],
      }],
      claims: { openid: ['sub'], profile: ['name', 'preferred_username', 'roles'], email: ['email'] },
      features: { devInteractions: { enabled: true } },
      cookies: { keys: ['e2e-cookie-key-0123456789'] },
      async findAccount(ctx, sub) {
        const account = accounts.get(sub);
        if (!account) return undefined;
        return { accountId: sub, claims: async () => ({ ...account }) };
      },
    });
    server.on('request', provider.callback());
    process.stdout.write('ISSUER ' + issuer + '\\n');
  `;
  const child: ChildProcess = spawn(process.execPath, ['--input-type=module', '-e', script], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const issuer = await waitFor(
    () => {
      if (child.exitCode !== null) throw new Error(`the OpenID Provider exited ${child.exitCode}:\n${out}`);
      return /^ISSUER (\S+)$/m.exec(out)?.[1];
    },
    { timeoutMs: 20_000, intervalMs: 50, what: 'the OpenID Provider to listen' },
  );
  return {
    issuer,
    clientId,
    clientSecret,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** Cookies of one user agent, by name (the provider scopes them by path; sending all is harmless here). */
class CookieJar {
  private readonly cookies = new Map<string, string>();
  store(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const eq = pair.indexOf('=');
      if (eq > 0) this.cookies.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
    }
  }
  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
}

/**
 * Acts as the browser at the provider: follows its redirects from `authorizationUrl`, signs in as
 * `sub` and consents on the interaction pages, and answers the URL the provider finally sends the
 * browser to (our redirect URI with `code` and `state`, or with `error`).
 */
export async function signInAtProvider(authorizationUrl: string, sub: string, redirectUri: string): Promise<URL> {
  const jar = new CookieJar();
  let url = new URL(authorizationUrl);
  let body: URLSearchParams | undefined;
  for (let hop = 0; hop < 20; hop++) {
    const response = await fetch(url, {
      method: body ? 'POST' : 'GET',
      redirect: 'manual',
      headers: { cookie: jar.header(), ...(body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
      ...(body ? { body } : {}),
    });
    jar.store(response);
    const location = response.headers.get('location');
    if (response.status >= 300 && response.status < 400 && location) {
      url = new URL(location, url);
      body = undefined;
      if (url.href.startsWith(redirectUri)) return url;
      continue;
    }
    const html = await response.text();
    if (response.status !== 200) throw new Error(`the provider answered ${response.status} at ${url.href}: ${html}`);
    // An interaction page: the login form, then the consent form, both posting to the same page.
    body = new URLSearchParams(
      html.includes('name="login"') ? { prompt: 'login', login: sub, password: 'any' } : { prompt: 'consent' },
    );
  }
  throw new Error('the provider did not send the browser back');
}
