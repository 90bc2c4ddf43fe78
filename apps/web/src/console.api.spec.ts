import { describe, expect, it } from '@jest/globals';
import type { FetchLike } from './auth.api';
import { requestApi } from './console.api';

/** A fetch that answers `response` and keeps what it was asked. */
function fetchAnswering(response: () => Response): { fetchFn: FetchLike; seen: { url: string; init: RequestInit }[] } {
  const seen: { url: string; init: RequestInit }[] = [];
  return {
    seen,
    fetchFn: (url, init) => {
      seen.push({ url, init });
      return Promise.resolve(response());
    },
  };
}

describe('requestApi', () => {
  it('sends the token in the header, a JSON body, nothing cached, and reads JSON', async () => {
    const { fetchFn, seen } = fetchAnswering(() => new Response(JSON.stringify({ a: 1 }), { status: 200 }));
    expect(await requestApi(fetchFn, 'tok', 'PATCH', '/api/x', { body: { b: 2 } })).toEqual({
      ok: true,
      body: { a: 1 },
    });
    expect(seen[0]).toMatchObject({
      url: '/api/x',
      init: {
        method: 'PATCH',
        body: '{"b":2}',
        credentials: 'omit',
        cache: 'no-store',
        headers: { authorization: 'Bearer tok', 'content-type': 'application/json', accept: 'application/json' },
      },
    });
    await requestApi(fetchFn, 'tok', 'GET', '/api/y');
    expect(seen[1]?.init.body).toBeUndefined();
    expect(seen[1]?.init.headers).not.toHaveProperty('content-type');
  });

  it('answers a problem by its detail, else its title, else the status', async () => {
    const problem = (body: string, status: number) => fetchAnswering(() => new Response(body, { status })).fetchFn;
    const detail = JSON.stringify({ title: 'Forbidden', detail: 'a device-alarm alert is acknowledged by nurse' });
    expect(await requestApi(problem(detail, 403), 'tok', 'POST', '/api/x')).toEqual({
      ok: false,
      status: 403,
      message: 'a device-alarm alert is acknowledged by nurse',
    });
    expect(await requestApi(problem(JSON.stringify({ title: 'Conflict' }), 409), 'tok', 'POST', '/x')).toMatchObject({
      message: 'Conflict',
    });
    expect(await requestApi(problem('<html>', 502), 'tok', 'GET', '/x')).toMatchObject({ message: 'HTTP 502' });
  });

  it('says when the server cannot be reached or answers what is not JSON', async () => {
    expect(await requestApi(() => Promise.reject(new Error('x')), 'tok', 'GET', '/api/x')).toEqual({
      ok: false,
      status: 0,
      message: 'Cannot reach the server.',
    });
    const html = fetchAnswering(() => new Response('<html>', { status: 200 })).fetchFn;
    expect(await requestApi(html, 'tok', 'GET', '/api/x')).toMatchObject({ ok: false, status: 200 });
    const empty = fetchAnswering(() => new Response(null, { status: 204 })).fetchFn;
    expect(await requestApi(empty, 'tok', 'DELETE', '/api/x')).toEqual({ ok: true, body: undefined });
  });

  it('reads text when asked, with the accept header asked for', async () => {
    const { fetchFn, seen } = fetchAnswering(() => new Response('<!DOCTYPE html>', { status: 200 }));
    expect(await requestApi(fetchFn, 'tok', 'GET', '/r.html', { as: 'text', accept: 'text/html' })).toEqual({
      ok: true,
      body: '<!DOCTYPE html>',
    });
    expect(seen[0]?.init.headers).toMatchObject({ accept: 'text/html' });
    await requestApi(fetchFn, 'tok', 'GET', '/r.csv', { as: 'text' });
    expect(seen[1]?.init.headers).toMatchObject({ accept: 'text/csv, text/plain' });
  });
});
