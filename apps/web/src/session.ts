import { claimsOf, endSignIn, refreshTokens, type FetchLike, type TokenClaims, type Tokens } from './auth.api';

/**
 * A signed-in user or an enrolled display, held in memory only: nothing is written to
 * localStorage, sessionStorage or cookies, so no token or patient data outlives the tab.
 *
 * A user's access token lives 15 minutes; the session exchanges its refresh token for the next
 * pair a minute before that (POST /api/auth/refresh), so a screen left open through a case stays
 * signed in for the sign-in's 12 hours. When the server refuses the refresh, or the access token
 * runs out while the server cannot be reached, the session ends. A display's token is long-lived
 * and revocable: it is never refreshed.
 */
export interface SessionHandlers {
  /** The session is over; `notice` says why (undefined for a sign-out the user asked for). */
  onEnded(notice: string | undefined): void;
}

export interface SessionTimers {
  now(): number;
  /** `fn` may return a promise (a refresh): a test's timers can wait for it. */
  setTimeout(fn: () => unknown, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const browserTimers: SessionTimers = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(() => void fn(), ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** setTimeout's limit (about 24 days); longer waits are capped. */
const MAX_TIMER_MS = 2_147_483_647;
/** After a refresh that failed for want of the server, try again this soon. */
export const REFRESH_RETRY_MS = 10_000;

/** When to refresh a token that lives `expiresInSeconds`: a minute before, or at 4/5 of a short life. */
export function refreshDelayMs(expiresInSeconds: number): number {
  const life = expiresInSeconds * 1000;
  return Math.max(1_000, life - Math.min(60_000, life / 5));
}

export class Session {
  private access: string;
  private refresh: string | undefined;
  /** Epoch ms the access token stops working; undefined when it does not say. */
  private expiresAt: number | undefined;
  private timer: unknown;
  private ended = false;
  private readonly tokenListeners = new Set<() => void>();

  private constructor(
    readonly claims: TokenClaims,
    tokens: Tokens,
    /** The facility's IANA zone (GET /api/site): times are shown in it. */
    readonly timeZone: string | undefined,
    private readonly fetchFn: FetchLike,
    private readonly handlers: SessionHandlers,
    private readonly timers: SessionTimers,
  ) {
    this.access = tokens.token;
    this.refresh = tokens.refreshToken;
    this.expiresAt = expiryOf(tokens, timers.now());
    this.schedule(tokens.expiresInSeconds);
  }

  /** A session for tokens the server just issued; undefined when the token is not one we issue. */
  static start(
    tokens: Tokens,
    timeZone: string | undefined,
    fetchFn: FetchLike,
    handlers: SessionHandlers,
    timers: SessionTimers = browserTimers,
  ): Session | undefined {
    const claims = claimsOf(tokens.token);
    return claims && new Session(claims, tokens, timeZone, fetchFn, handlers, timers);
  }

  /** The current access token: read it at each use, it changes with every refresh. */
  token(): string {
    return this.access;
  }

  get isDisplay(): boolean {
    return this.claims.kind === 'display';
  }

  onTokenChange(listener: () => void): () => void {
    this.tokenListeners.add(listener);
    return () => this.tokenListeners.delete(listener);
  }

  /** Signs out: the sign-in ends on the server too (its access tokens stop working at once). */
  async logout(): Promise<void> {
    const refresh = this.refresh;
    this.end(undefined);
    if (refresh !== undefined) await endSignIn(this.fetchFn, refresh);
  }

  /** Ends the session here (e.g. the server refused the token), with a notice for the sign-in page. */
  end(notice: string | undefined): void {
    if (this.ended) return;
    this.ended = true;
    this.timers.clearTimeout(this.timer);
    this.access = '';
    this.refresh = undefined;
    this.handlers.onEnded(notice);
  }

  private schedule(expiresInSeconds: number | undefined): void {
    this.timers.clearTimeout(this.timer);
    if (expiresInSeconds === undefined || this.isDisplay) return;
    if (this.refresh === undefined) {
      // No refresh token (an older server): sign out when the token expires rather than keep
      // showing patient data on an unattended screen.
      this.timer = this.timers.setTimeout(
        () => this.end('Your session expired. Please sign in again.'),
        Math.min(expiresInSeconds * 1000, MAX_TIMER_MS),
      );
      return;
    }
    this.timer = this.timers.setTimeout(() => this.renew(), Math.min(refreshDelayMs(expiresInSeconds), MAX_TIMER_MS));
  }

  private async renew(): Promise<void> {
    const refresh = this.refresh;
    if (this.ended || refresh === undefined) return;
    const result = await refreshTokens(this.fetchFn, refresh);
    if (this.ended) return;
    if (result.ok) {
      this.access = result.token;
      this.refresh = result.refreshToken;
      this.expiresAt = expiryOf(result, this.timers.now());
      this.schedule(result.expiresInSeconds);
      for (const listener of [...this.tokenListeners]) listener();
      return;
    }
    if (result.ended) {
      this.end(result.message);
      return;
    }
    // The server is out of reach: try again while the access token still works.
    const left = this.expiresAt === undefined ? REFRESH_RETRY_MS : this.expiresAt - this.timers.now();
    if (left <= 0) {
      this.end('Your session expired. Please sign in again.');
      return;
    }
    this.timer = this.timers.setTimeout(() => this.renew(), Math.min(REFRESH_RETRY_MS, left));
  }
}

function expiryOf(tokens: Tokens, now: number): number | undefined {
  return tokens.expiresInSeconds === undefined ? undefined : now + tokens.expiresInSeconds * 1000;
}
