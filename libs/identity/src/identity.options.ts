/** Settings of {@link IdentityModule}; the app reads them from its validated config. */
export interface IdentityModuleOptions {
  /**
   * When set, at start user `admin` (role `admin`) is made to exist with exactly this password
   * (CONTRACT §1 `ADMIN_PASSWORD`). Sensitive: never logged. Must satisfy the password policy.
   */
  adminPassword?: string;
  /** Lifetime of a user access token in seconds; default 900 (15 minutes). */
  accessTokenTtlSeconds?: number;
  /** The clock for token times, audit rows and timestamps; default the system clock. */
  now?: () => Date;
}

/** The options after defaults and validation. */
export interface ResolvedIdentityOptions {
  adminPassword: string | undefined;
  accessTokenTtlSeconds: number;
  now: () => Date;
}

/** Injection token of {@link ResolvedIdentityOptions}. */
export const IDENTITY_OPTIONS = Symbol('IDENTITY_OPTIONS');

/** Default user access-token lifetime: short, because a user token is not revocable. */
export const DEFAULT_ACCESS_TOKEN_TTL_SECONDS = 900;

/** Applies defaults and refuses nonsense at start, where a clear message is cheapest. */
export function resolveIdentityOptions(options: IdentityModuleOptions): ResolvedIdentityOptions {
  const ttl = options.accessTokenTtlSeconds ?? DEFAULT_ACCESS_TOKEN_TTL_SECONDS;
  // Upper bound: a day. Longer-lived user tokens would outlive a disabled account by too much.
  if (!Number.isInteger(ttl) || ttl < 1 || ttl > 86_400) {
    throw new Error(`identity: accessTokenTtlSeconds must be an integer from 1 to 86400, got ${String(ttl)}`);
  }
  return {
    adminPassword: options.adminPassword === '' ? undefined : options.adminPassword,
    accessTokenTtlSeconds: ttl,
    now: options.now ?? (() => new Date()),
  };
}
