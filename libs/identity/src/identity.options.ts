/** Settings of {@link IdentityModule}; the app reads them from its validated config. */
export interface IdentityModuleOptions {
  /**
   * When set, at start user `admin` (role `admin`) is made to exist with exactly this password
   * (CONTRACT §1 `ADMIN_PASSWORD`). Sensitive: never logged. Must satisfy the password policy.
   */
  adminPassword?: string;
  /** Lifetime of a user access token in seconds, 1 … 900; default 900 (15 minutes). */
  accessTokenTtlSeconds?: number;
  /**
   * Absolute lifetime of a sign-in's refresh tokens in seconds, however often they are rotated;
   * 300 … 86400, default 43200 (12 hours: a shift). After it the user signs in again.
   */
  refreshTokenTtlSeconds?: number;
  /** Consecutive failed sign-ins of one user name that lock it; 1 … 100, default 5. */
  lockoutThreshold?: number;
  /** How long a lock lasts in seconds; 1 … 86400, default 900 (15 minutes). */
  lockoutSeconds?: number;
  /** The clock for token times, audit rows and timestamps; default the system clock. */
  now?: () => Date;
  /** Sign-in through an external OpenID Provider; off when absent. */
  oidc?: OidcOptions;
}

/** An external OpenID Provider users may sign in with (authorization code flow with PKCE). */
export interface OidcOptions {
  /** The provider's issuer identifier; its discovery document is read from it (OIDC_ISSUER). */
  issuer: string;
  /** Our client id at the provider (OIDC_CLIENT_ID). */
  clientId: string;
  /** Our client secret (OIDC_CLIENT_SECRET; sensitive). Absent: a public client, PKCE only. */
  clientSecret?: string;
  /** Our callback, `…/api/auth/oidc/callback`, as registered at the provider (OIDC_REDIRECT_URI). */
  redirectUri: string;
  /** Scopes asked for; must include `openid` (OIDC_SCOPES). */
  scopes: readonly string[];
  /** The claim that holds role names (OIDC_ROLES_CLAIM); a dotted name walks into objects. */
  rolesClaim: string;
  /**
   * Allow an `http:` issuer (loopback only: development and tests). openid-client refuses plain
   * HTTP otherwise, and so should we.
   */
  allowInsecureRequests?: boolean;
}

/** The options after defaults and validation. */
export interface ResolvedIdentityOptions {
  adminPassword: string | undefined;
  accessTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
  lockoutThreshold: number;
  lockoutSeconds: number;
  now: () => Date;
  oidc: OidcOptions | undefined;
}

/** Injection token of {@link ResolvedIdentityOptions}. */
export const IDENTITY_OPTIONS = Symbol('IDENTITY_OPTIONS');

/**
 * Default user access-token lifetime. Short because a signed token is accepted without asking
 * anyone until it expires; refresh tokens (rotated, revocable) carry the session beyond it.
 */
export const DEFAULT_ACCESS_TOKEN_TTL_SECONDS = 900;
/** Default absolute lifetime of a sign-in (its refresh-token family): one 12-hour shift. */
export const DEFAULT_REFRESH_TOKEN_TTL_SECONDS = 12 * 3600;
/** Default number of consecutive failed sign-ins that lock a user name. */
export const DEFAULT_LOCKOUT_THRESHOLD = 5;
/** Default duration of a lock: long enough to make guessing pointless, short enough for a helpdesk-free morning. */
export const DEFAULT_LOCKOUT_SECONDS = 900;

/** Applies defaults and refuses nonsense at start, where a clear message is cheapest. */
export function resolveIdentityOptions(options: IdentityModuleOptions): ResolvedIdentityOptions {
  return {
    adminPassword: options.adminPassword === '' ? undefined : options.adminPassword,
    // Upper bound 15 minutes: an access token outlives a revocation by at most its lifetime.
    accessTokenTtlSeconds: integerIn(
      'accessTokenTtlSeconds',
      options.accessTokenTtlSeconds ?? DEFAULT_ACCESS_TOKEN_TTL_SECONDS,
      1,
      900,
    ),
    refreshTokenTtlSeconds: integerIn(
      'refreshTokenTtlSeconds',
      options.refreshTokenTtlSeconds ?? DEFAULT_REFRESH_TOKEN_TTL_SECONDS,
      300,
      86_400,
    ),
    lockoutThreshold: integerIn('lockoutThreshold', options.lockoutThreshold ?? DEFAULT_LOCKOUT_THRESHOLD, 1, 100),
    lockoutSeconds: integerIn('lockoutSeconds', options.lockoutSeconds ?? DEFAULT_LOCKOUT_SECONDS, 1, 86_400),
    now: options.now ?? (() => new Date()),
    oidc: options.oidc,
  };
}

function integerIn(name: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`identity: ${name} must be an integer from ${min} to ${max}, got ${String(value)}`);
  }
  return value;
}
