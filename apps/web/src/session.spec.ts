import { describe, expect, it } from '@jest/globals';
import type { FetchLike } from './auth.api';
import { refreshDelayMs, REFRESH_RETRY_MS, Session, type SessionTimers } from './session';

/** A token of the shape the server issues (the signature is not the browser's business). */
function jwt(claims: Record<string, unknown>): string {
  const part = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${part({ alg: 'HS256', typ: 'JWT' })}.${part(claims)}.sig`;
}
const userToken = (n: number) => jwt({ kind: 'user', username: 'anest', roles: ['anesthesiologist'], n });
const displayToken = jwt({ kind: 'display', username: 'display', roles: ['display'], roomId: 'or5' });

/** Timers the test runs by hand. */
class Clock implements SessionTimers {
  time = 0;
  private timers: { at: number; fn: () => unknown; id: number }[] = [];
  private next = 0;
  now = () => this.time;
  setTimeout = (fn: () => unknown, ms: number) => {
    const id = ++this.next;
    this.timers.push({ at: this.time + ms, fn, id });
    return id;
  };
  clearTimeout = (id: unknown) => {
    this.timers = this.timers.filter((t) => t.id !== id);
  };
  pending(): number[] {
    return this.timers.map((t) => t.at - this.time);
  }
  /** Moves to the next timer, runs it and waits for what it started (a refresh). */
  async fire(): Promise<void> {
    const first = this.timers.sort((a, b) => a.at - b.at).shift();
    if (!first) throw new Error('no timer');
    this.time = first.at;
    await first.fn();
  }
}

function server(answers: (Response | Error)[]): { fetchFn: FetchLike; calls: { url: string; body: unknown }[] } {
  const calls: { url: string; body: unknown }[] = [];
  const fetchFn: FetchLike = (url, init) => {
    calls.push({ url, body: JSON.parse(init.body as string) });
    const next = answers.shift();
    if (next === undefined) throw new Error(`unexpected call to ${url}`);
    return next instanceof Error ? Promise.reject(next) : Promise.resolve(next);
  };
  return { fetchFn, calls };
}
const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

describe('refreshDelayMs', () => {
  it('refreshes a minute before expiry, or at 4/5 of a short life', () => {
    expect(refreshDelayMs(900)).toBe(840_000);
    expect(refreshDelayMs(60)).toBe(48_000);
    expect(refreshDelayMs(0)).toBe(1_000);
  });
});

describe('Session', () => {
  it('exchanges the refresh token before the access token expires, and tells who listens', async () => {
    const clock = new Clock();
    const { fetchFn, calls } = server([
      json(200, { access_token: userToken(2), token_type: 'Bearer', expires_in: 900, refresh_token: 'r2' }),
    ]);
    const ended: (string | undefined)[] = [];
    const session = Session.start(
      { token: userToken(1), expiresInSeconds: 900, refreshToken: 'r1' },
      'Europe/Paris',
      fetchFn,
      { onEnded: (n) => ended.push(n) },
      clock,
    )!;
    expect(session.claims).toEqual({ kind: 'user', username: 'anest', roles: ['anesthesiologist'] });
    let changed = 0;
    session.onTokenChange(() => (changed += 1));
    expect(clock.pending()).toEqual([840_000]);
    await clock.fire();
    expect(calls).toEqual([{ url: '/api/auth/refresh', body: { refresh_token: 'r1' } }]);
    expect(session.token()).toBe(userToken(2));
    expect(changed).toBe(1);
    expect(clock.pending()).toEqual([840_000]);
    expect(ended).toEqual([]);
  });

  it('retries while the server is out of reach, and ends when the token has run out', async () => {
    const clock = new Clock();
    const offline = new TypeError('Failed to fetch');
    const { fetchFn } = server([offline, offline, offline, offline, offline, offline, offline]);
    const ended: (string | undefined)[] = [];
    Session.start(
      { token: userToken(1), expiresInSeconds: 120, refreshToken: 'r1' },
      undefined,
      fetchFn,
      { onEnded: (n) => ended.push(n) },
      clock,
    );
    await clock.fire(); // at 96 s: offline
    expect(clock.pending()).toEqual([REFRESH_RETRY_MS]);
    await clock.fire(); // 106 s
    await clock.fire(); // 116 s
    expect(clock.pending()).toEqual([4_000]);
    await clock.fire(); // 120 s: the access token is over
    expect(ended).toEqual(['Your session expired. Please sign in again.']);
    expect(clock.pending()).toEqual([]);
  });

  it('ends when the server refuses the refresh token', async () => {
    const clock = new Clock();
    const { fetchFn } = server([json(401, { title: 'Unauthorized' })]);
    const ended: (string | undefined)[] = [];
    const session = Session.start(
      { token: userToken(1), expiresInSeconds: 900, refreshToken: 'spent' },
      undefined,
      fetchFn,
      { onEnded: (n) => ended.push(n) },
      clock,
    )!;
    await clock.fire();
    expect(ended).toEqual(['Your session has ended. Please sign in again.']);
    expect(session.token()).toBe('');
  });

  it('signs out on the server too, and forgets the tokens', async () => {
    const clock = new Clock();
    const { fetchFn, calls } = server([new Response(null, { status: 204 })]);
    const ended: (string | undefined)[] = [];
    const session = Session.start(
      { token: userToken(1), expiresInSeconds: 900, refreshToken: 'r1' },
      undefined,
      fetchFn,
      { onEnded: (n) => ended.push(n) },
      clock,
    )!;
    await session.logout();
    expect(calls).toEqual([{ url: '/api/auth/logout', body: { refresh_token: 'r1' } }]);
    expect(ended).toEqual([undefined]);
    expect(session.token()).toBe('');
    expect(clock.pending()).toEqual([]);
  });

  it('never refreshes a display and has no timer for it', () => {
    const clock = new Clock();
    const session = Session.start(
      { token: displayToken, expiresInSeconds: undefined },
      undefined,
      server([]).fetchFn,
      { onEnded: () => undefined },
      clock,
    )!;
    expect(session.isDisplay).toBe(true);
    expect(session.claims.roomId).toBe('or5');
    expect(clock.pending()).toEqual([]);
  });

  it('signs out at expiry when the server gave no refresh token', async () => {
    const clock = new Clock();
    const ended: (string | undefined)[] = [];
    Session.start(
      { token: userToken(1), expiresInSeconds: 60 },
      undefined,
      server([]).fetchFn,
      {
        onEnded: (n) => ended.push(n),
      },
      clock,
    );
    expect(clock.pending()).toEqual([60_000]);
    await clock.fire();
    expect(ended).toEqual(['Your session expired. Please sign in again.']);
  });

  it('refuses a token that is not one of ours', () => {
    expect(
      Session.start({ token: 'opaque', expiresInSeconds: 60 }, undefined, server([]).fetchFn, {
        onEnded: () => undefined,
      }),
    ).toBeUndefined();
  });
});
