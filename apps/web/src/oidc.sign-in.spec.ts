import { describe, expect, it } from '@jest/globals';
import { exchangeOidcCode, readOidcCode, requestOidcLoginUrl, takeOidcCode } from './oidc.sign-in';
import type { FetchLike } from './auth.api';

const answer =
  (status: number, body: unknown): FetchLike =>
  () =>
    Promise.resolve(new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } }));

describe('sign-in with the hospital account', () => {
  it('reads the one-time code and sends the sign-in page to the start page', () => {
    expect(readOidcCode('https://or.example/login?oidc=abc')).toEqual({ code: 'abc', cleaned: '/' });
    expect(readOidcCode('https://or.example/board?theme=dark&oidc=abc#x')).toEqual({
      code: 'abc',
      cleaned: '/board?theme=dark#x',
    });
    expect(readOidcCode('https://or.example/login')).toBeUndefined();
  });

  it('takes the code out of the address bar at once (history.replaceState)', () => {
    const replaced: string[] = [];
    const win = {
      location: { href: 'https://or.example/login?oidc=secret' },
      history: { replaceState: (_d: unknown, _u: string, url: string) => replaced.push(url) },
    } as unknown as Pick<Window, 'location' | 'history'>;
    expect(takeOidcCode(win)).toBe('secret');
    expect(replaced).toEqual(['/']);
    const empty = { ...win, location: { href: 'https://or.example/login?oidc=' } } as typeof win;
    expect(takeOidcCode(empty)).toBeUndefined();
  });

  it('offers the button only when the server says so, and only for a path of ours', async () => {
    await expect(requestOidcLoginUrl(answer(200, { enabled: true, loginUrl: '/api/auth/oidc/login' }))).resolves.toBe(
      '/api/auth/oidc/login',
    );
    await expect(requestOidcLoginUrl(answer(200, { enabled: false }))).resolves.toBeUndefined();
    await expect(
      requestOidcLoginUrl(answer(200, { enabled: true, loginUrl: 'https://evil.example/' })),
    ).resolves.toBeUndefined();
    await expect(requestOidcLoginUrl(answer(404, {}))).resolves.toBeUndefined();
    await expect(requestOidcLoginUrl(() => Promise.reject(new Error('offline')))).resolves.toBeUndefined();
  });

  it('exchanges the code for tokens, and says so plainly when it is spent', async () => {
    const sent: { input: string; init: RequestInit }[] = [];
    const ok: FetchLike = (input, init) => {
      sent.push({ input, init });
      return answer(200, { access_token: 'a.b.c', token_type: 'Bearer', expires_in: 900, refresh_token: 'r' })(
        input,
        init,
      );
    };
    await expect(exchangeOidcCode(ok, 'one-time')).resolves.toEqual({
      ok: true,
      token: 'a.b.c',
      expiresInSeconds: 900,
      refreshToken: 'r',
    });
    expect(sent[0]?.input).toBe('/api/auth/oidc/exchange');
    expect(JSON.parse(sent[0]?.init.body as string)).toEqual({ code: 'one-time' });
    await expect(exchangeOidcCode(answer(401, {}), 'spent')).resolves.toMatchObject({ ok: false });
  });
});
