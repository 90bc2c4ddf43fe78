import type { FetchLike } from './auth.api';

/** The answer of a REST call made for a screen: its body, or what went wrong in words. */
export type ApiResult<T> = { ok: true; body: T } | { ok: false; status: number; message: string };

/**
 * The one authorised REST call of every screen (boards, consoles): any method, JSON in and out, or
 * text (the compliance CSV and report). The token goes in the Authorization header, never in a URL;
 * nothing is cached (`no-store`), so no answer with patient data is kept by the browser.
 */
export async function requestApi<T>(
  fetchFn: FetchLike,
  token: string,
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
  path: string,
  options: { body?: unknown; as?: 'json' | 'text'; accept?: string } = {},
): Promise<ApiResult<T>> {
  const { body, as = 'json' } = options;
  let response: Response;
  try {
    response = await fetchFn(path, {
      method,
      headers: {
        accept: options.accept ?? (as === 'text' ? 'text/csv, text/plain' : 'application/json'),
        authorization: `Bearer ${token}`,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      credentials: 'omit',
      cache: 'no-store',
    });
  } catch {
    return { ok: false, status: 0, message: 'Cannot reach the server.' };
  }
  const text = await response.text().catch(() => '');
  if (!response.ok) return { ok: false, status: response.status, message: problemText(text, response.status) };
  if (as === 'text') return { ok: true, body: text as T };
  if (text === '') return { ok: true, body: undefined as T };
  try {
    return { ok: true, body: JSON.parse(text) as T };
  } catch {
    return { ok: false, status: response.status, message: 'The server sent an unexpected answer.' };
  }
}

/** An RFC 9457 problem's `detail` (else its `title`), or the status. */
export function problemText(text: string, status: number): string {
  try {
    const json = JSON.parse(text) as { detail?: unknown; title?: unknown };
    if (typeof json.detail === 'string' && json.detail !== '') return json.detail;
    if (typeof json.title === 'string' && json.title !== '') return json.title;
  } catch {
    // not JSON: the status says it
  }
  return `HTTP ${status}`;
}

/** A query string of the values that are set (`?a=1&b=x`, or '' when none is). */
export function queryString(params: Record<string, string | undefined>): string {
  const q = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== undefined && value !== '') q.set(key, value);
  const s = q.toString();
  return s === '' ? '' : `?${s}`;
}
