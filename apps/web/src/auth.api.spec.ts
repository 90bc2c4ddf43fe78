import { describe, expect, it } from '@jest/globals';
import { requestSiteZone, requestToken, type FetchLike } from './auth.api';

function respond(status: number, body: unknown, contentType = 'application/json'): FetchLike {
  return (input, init) => {
    expect(input).toBe('/api/auth/token');
    expect(init.method).toBe('POST');
    expect(JSON.parse(init.body as string)).toEqual({ username: 'nurse1', password: 'secret' });
    return Promise.resolve(
      new Response(typeof body === 'string' ? body : JSON.stringify(body), {
        status,
        headers: { 'content-type': contentType },
      }),
    );
  };
}

describe('requestToken', () => {
  it('returns the access token', async () => {
    const result = await requestToken(
      respond(200, { access_token: 'abc', token_type: 'Bearer', expires_in: 3600 }),
      'nurse1',
      'secret',
    );
    expect(result).toEqual({ ok: true, token: 'abc', expiresInSeconds: 3600 });
  });

  it('says when the credentials are wrong', async () => {
    const result = await requestToken(respond(401, { title: 'Unauthorized', status: 401 }), 'nurse1', 'secret');
    expect(result).toEqual({ ok: false, message: 'Wrong username or password.' });
  });

  it('shows a problem detail, or the status', async () => {
    const problem = { type: 'about:blank', title: 'Too Many Requests', status: 429, detail: 'Try again in a minute.' };
    expect(await requestToken(respond(429, problem, 'application/problem+json'), 'nurse1', 'secret')).toEqual({
      ok: false,
      message: 'Try again in a minute.',
    });
    expect(await requestToken(respond(502, '<html>bad gateway</html>', 'text/html'), 'nurse1', 'secret')).toEqual({
      ok: false,
      message: 'Sign-in failed (HTTP 502).',
    });
  });

  it('handles an unreachable server and an odd answer', async () => {
    const offline: FetchLike = () => Promise.reject(new TypeError('Failed to fetch'));
    expect((await requestToken(offline, 'nurse1', 'secret')).ok).toBe(false);
    expect(await requestToken(respond(200, { token: 'x' }), 'nurse1', 'secret')).toEqual({
      ok: false,
      message: 'The server sent an unexpected answer.',
    });
  });
});

describe('requestSiteZone', () => {
  const answering =
    (status: number, body: unknown, seen: { url?: string; auth?: string } = {}): FetchLike =>
    (input, init) => {
      seen.url = input;
      seen.auth = (init.headers as Record<string, string>).authorization;
      return Promise.resolve(
        new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } }),
      );
    };

  it("asks /api/site with the token and returns the facility's zone", async () => {
    const seen: { url?: string; auth?: string } = {};
    expect(await requestSiteZone(answering(200, { facilityTz: 'Europe/Paris' }, seen), 'tok')).toBe('Europe/Paris');
    expect(seen).toEqual({ url: '/api/site', auth: 'Bearer tok' });
  });

  it('falls back (undefined) on an error, a strange answer or a zone the browser does not know', async () => {
    expect(await requestSiteZone(answering(403, { title: 'Forbidden' }), 'tok')).toBeUndefined();
    expect(await requestSiteZone(answering(200, { facilityTz: 42 }), 'tok')).toBeUndefined();
    expect(await requestSiteZone(answering(200, { facilityTz: 'Mars/Olympus' }), 'tok')).toBeUndefined();
    expect(await requestSiteZone(() => Promise.reject(new Error('offline')), 'tok')).toBeUndefined();
  });
});
