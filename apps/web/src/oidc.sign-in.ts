import { exchangeForTokens, type FetchLike, type LoginResult } from './auth.api';

/**
 * Sign-in with the hospital account (OpenID Connect, issue 7). The server does the whole exchange
 * with the identity provider; at the end it sends the browser to `/login?oidc=<one-time code>`. The
 * code is good once, for 60 seconds, and only with `POST /api/auth/oidc/exchange`: the page takes
 * it out of the address at once (history.replaceState), before rendering, so it stays neither on
 * screen nor in the history, and trades it for the tokens, which are kept in memory like any other.
 */
export const OIDC_CODE_KEY = 'oidc';

/** Reads the one-time code from a URL's query; `cleaned` is where to be without it. */
export function readOidcCode(href: string): { code: string; cleaned: string } | undefined {
  const url = new URL(href);
  const code = url.searchParams.get(OIDC_CODE_KEY);
  if (code === null) return undefined;
  url.searchParams.delete(OIDC_CODE_KEY);
  // The server's landing path is the sign-in page, which the app shows wherever it is signed out:
  // once signed in, the start page is the place to be.
  const path = url.pathname === '/login' ? '/' : url.pathname;
  return { code, cleaned: `${path}${url.search}${url.hash}` };
}

/** Takes the one-time code out of the page's address, if there is one. */
export function takeOidcCode(win: Pick<Window, 'location' | 'history'>): string | undefined {
  const found = readOidcCode(win.location.href);
  if (found === undefined) return undefined;
  win.history.replaceState(null, '', found.cleaned);
  return found.code === '' ? undefined : found.code;
}

/** GET /api/auth/oidc: where to start the sign-in with the hospital account, if it is offered. */
export async function requestOidcLoginUrl(fetchFn: FetchLike): Promise<string | undefined> {
  try {
    const response = await fetchFn('/api/auth/oidc', { headers: { accept: 'application/json' }, credentials: 'omit' });
    if (!response.ok) return undefined;
    const body = (await response.json()) as unknown;
    if (typeof body !== 'object' || body === null) return undefined;
    const { enabled, loginUrl } = body as { enabled?: unknown; loginUrl?: unknown };
    // Only a path on our own server: never send the browser wherever an answer says.
    return enabled === true && typeof loginUrl === 'string' && /^\/api\/[\w/-]+$/.test(loginUrl) ? loginUrl : undefined;
  } catch {
    return undefined;
  }
}

/** POST /api/auth/oidc/exchange: the one-time code for the tokens. */
export function exchangeOidcCode(fetchFn: FetchLike, code: string): Promise<LoginResult> {
  return exchangeForTokens(
    fetchFn,
    '/api/auth/oidc/exchange',
    { code },
    'This sign-in link has expired or was used. Please sign in again.',
  );
}
