import { isRole, type Role, type TokenResponse } from '@circulator/contracts';

/** A sign-in or refresh that worked: the tokens, which the caller keeps in memory only. */
export interface Tokens {
  token: string;
  expiresInSeconds: number | undefined;
  /** Single use: exchanged at POST /api/auth/refresh for the next pair. */
  refreshToken?: string;
}

export type LoginResult = ({ ok: true } & Tokens) | { ok: false; message: string };

/** `fetch`, injected so the login flow is testable without a server. */
export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

/**
 * POST /api/auth/token (CONTRACT §2). The token is returned to the caller, which keeps it in
 * memory only: never in localStorage/sessionStorage/cookies, so nothing outlives the tab.
 */
export async function requestToken(fetchFn: FetchLike, username: string, password: string): Promise<LoginResult> {
  let response: Response;
  try {
    response = await fetchFn('/api/auth/token', jsonPost({ username, password }));
  } catch {
    return { ok: false, message: 'Cannot reach the server. Check the network and try again.' };
  }
  if (response.status === 401) return { ok: false, message: 'Wrong username or password.' };
  return readTokens(response, 'Sign-in');
}

/**
 * A POST that answers a token response (e.g. the one-time code of the OpenID sign-in); `refused`
 * is the message for a 401 or 400.
 */
export async function exchangeForTokens(
  fetchFn: FetchLike,
  path: string,
  body: unknown,
  refused: string,
): Promise<LoginResult> {
  let response: Response;
  try {
    response = await fetchFn(path, jsonPost(body));
  } catch {
    return { ok: false, message: 'Cannot reach the server. Check the network and try again.' };
  }
  if (response.status === 401 || response.status === 400) return { ok: false, message: refused };
  return readTokens(response, 'Sign-in');
}

export type RefreshResult = ({ ok: true } & Tokens) | { ok: false; ended: boolean; message: string };

/**
 * POST /api/auth/refresh: the next pair. `ended` when the server refused the refresh token (spent,
 * revoked, the sign-in over): sign in again. Otherwise (network, server fault) it may be retried.
 */
export async function refreshTokens(fetchFn: FetchLike, refreshToken: string): Promise<RefreshResult> {
  let response: Response;
  try {
    response = await fetchFn('/api/auth/refresh', jsonPost({ refresh_token: refreshToken }));
  } catch {
    return { ok: false, ended: false, message: 'Cannot reach the server.' };
  }
  if (response.status === 401 || response.status === 400) {
    return { ok: false, ended: true, message: 'Your session has ended. Please sign in again.' };
  }
  const result = await readTokens(response, 'Refresh');
  return result.ok ? result : { ok: false, ended: false, message: result.message };
}

/** POST /api/auth/logout: ends the sign-in on the server (its access tokens stop working). */
export async function endSignIn(fetchFn: FetchLike, refreshToken: string): Promise<void> {
  try {
    await fetchFn('/api/auth/logout', jsonPost({ refresh_token: refreshToken }));
  } catch {
    // Offline: the tokens are dropped from memory anyway, and the access token lives 15 minutes at most.
  }
}

async function readTokens(response: Response, what: string): Promise<LoginResult> {
  const body = await readJson(response);
  if (!response.ok) {
    const detail = isRecord(body) && typeof body.detail === 'string' ? body.detail : undefined;
    return { ok: false, message: detail ?? `${what} failed (HTTP ${response.status}).` };
  }
  if (!isRecord(body) || typeof body.access_token !== 'string' || body.access_token === '') {
    return { ok: false, message: 'The server sent an unexpected answer.' };
  }
  const { expires_in: expires, refresh_token: refresh } = body as Partial<TokenResponse>;
  return {
    ok: true,
    token: body.access_token,
    expiresInSeconds: typeof expires === 'number' && expires > 0 ? expires : undefined,
    ...(typeof refresh === 'string' && refresh !== '' ? { refreshToken: refresh } : {}),
  };
}

function jsonPost(body: unknown): RequestInit {
  return {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify(body),
    credentials: 'omit',
    cache: 'no-store',
  };
}

async function readJson(response: Response): Promise<unknown> {
  try {
    return (await response.json()) as unknown;
  } catch {
    return undefined;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/**
 * GET /api/site: the facility's time zone. Boards show times in it; a browser left in another zone
 * (kiosks often run in UTC) would otherwise show every case at the wrong hour. Undefined when the
 * server cannot say, and the browser's zone is used.
 */
export async function requestSiteZone(fetchFn: FetchLike, token: string): Promise<string | undefined> {
  try {
    const response = await fetchFn('/api/site', {
      method: 'GET',
      headers: { accept: 'application/json', authorization: `Bearer ${token}` },
      credentials: 'omit',
      cache: 'no-store',
    });
    const body = response.ok ? await readJson(response) : undefined;
    const zone = isRecord(body) && typeof body.facilityTz === 'string' ? body.facilityTz : undefined;
    if (zone === undefined) return undefined;
    new Intl.DateTimeFormat('en', { timeZone: zone }); // throws on a zone this browser does not know
    return zone;
  } catch {
    return undefined;
  }
}

/** Who a token says its holder is: for choosing screens only (the server decides what is allowed). */
export interface TokenClaims {
  kind: 'user' | 'display' | 'consult';
  username: string;
  roles: Role[];
  roomId?: string;
  /** Epoch seconds. */
  exp?: number;
}

/**
 * Reads the claims of one of our tokens (a JWT) without checking its signature: the browser has
 * no key and needs none, as every request is checked by the server. Undefined when it is not a
 * token of a shape we issue.
 */
export function claimsOf(token: string): TokenClaims | undefined {
  const parts = token.split('.');
  if (parts.length !== 3 || parts[1] === undefined) return undefined;
  let payload: unknown;
  try {
    payload = JSON.parse(base64UrlDecode(parts[1]));
  } catch {
    return undefined;
  }
  if (!isRecord(payload)) return undefined;
  const { kind, username, roles, roomId, exp } = payload;
  if (kind !== 'user' && kind !== 'display' && kind !== 'consult') return undefined;
  if (typeof username !== 'string' || !Array.isArray(roles) || !roles.every(isRole)) return undefined;
  return {
    kind,
    username,
    roles,
    ...(typeof roomId === 'string' ? { roomId } : {}),
    ...(typeof exp === 'number' ? { exp } : {}),
  };
}

function base64UrlDecode(text: string): string {
  const base64 = text
    .replace(/-/g, '+')
    .replace(/_/g, '/')
    .padEnd(Math.ceil(text.length / 4) * 4, '=');
  const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  return new TextDecoder().decode(bytes);
}
