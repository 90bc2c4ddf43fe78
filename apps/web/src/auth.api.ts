import type { TokenResponse } from '@circulator/contracts';

export type LoginResult =
  { ok: true; token: string; expiresInSeconds: number | undefined } | { ok: false; message: string };

/** `fetch`, injected so the login flow is testable without a server. */
export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

/**
 * POST /api/auth/token (CONTRACT §2). The token is returned to the caller, which keeps it in
 * memory only: never in localStorage/sessionStorage/cookies, so nothing outlives the tab.
 */
export async function requestToken(fetchFn: FetchLike, username: string, password: string): Promise<LoginResult> {
  let response: Response;
  try {
    response = await fetchFn('/api/auth/token', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ username, password }),
      credentials: 'omit',
      cache: 'no-store',
    });
  } catch {
    return { ok: false, message: 'Cannot reach the server. Check the network and try again.' };
  }
  if (response.status === 401) return { ok: false, message: 'Wrong username or password.' };
  const body = await readJson(response);
  if (!response.ok) {
    const detail = isRecord(body) && typeof body.detail === 'string' ? body.detail : undefined;
    return { ok: false, message: detail ?? `Sign-in failed (HTTP ${response.status}).` };
  }
  if (!isRecord(body) || typeof body.access_token !== 'string' || body.access_token === '') {
    return { ok: false, message: 'The server sent an unexpected answer.' };
  }
  const expires = (body as Partial<TokenResponse>).expires_in;
  return {
    ok: true,
    token: body.access_token,
    expiresInSeconds: typeof expires === 'number' && expires > 0 ? expires : undefined,
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
