import { createHash } from 'node:crypto';
import { type Role, isRole } from '@circulator/contracts';
import { USERNAME_PATTERN } from './identity.schemas';

/** What a provider's claims give us about a user, decided without I/O. */
export interface OidcProfile {
  /** The roles of our list the claim names; never `display` (a role of wall displays only). */
  roles: Role[];
  displayName: string;
  /** A name for a user created on first sign-in; see {@link usernameCandidates}. */
  preferredUsername: string | undefined;
}

/**
 * The roles a provider grants, from the claim named `claimName` (OIDC_ROLES_CLAIM). Providers send
 * it as an array of strings (Keycloak mappers, Entra ID app roles) or as one space- or
 * comma-separated string; both are read. Names are compared as they are (our roles are lower
 * case); anything not on our Role list is ignored, and so is `display`.
 */
export function rolesFromClaims(claims: Readonly<Record<string, unknown>>, claimName: string): Role[] {
  const value = claimAt(claims, claimName);
  const names = Array.isArray(value)
    ? value.filter((v): v is string => typeof v === 'string')
    : typeof value === 'string'
      ? value.split(/[\s,]+/)
      : [];
  const roles = names
    .map((n) => n.trim())
    .filter(isRole)
    .filter((r) => r !== 'display');
  return [...new Set(roles)];
}

/**
 * A claim by name; a dotted name (`realm_access.roles`, as Keycloak nests its roles) walks into
 * objects when there is no claim of that exact name.
 */
function claimAt(claims: Readonly<Record<string, unknown>>, name: string): unknown {
  if (name in claims) return claims[name];
  let current: unknown = claims;
  for (const part of name.split('.')) {
    if (typeof current !== 'object' || current === null || Array.isArray(current)) return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}

/** The profile our user gets from the provider's claims (OpenID Connect Core 1.0 §5.1). */
export function profileFromClaims(claims: Readonly<Record<string, unknown>>, rolesClaim: string): OidcProfile {
  const text = (key: string) => {
    const v = claims[key];
    return typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined;
  };
  const email = text('email');
  const displayName = (text('name') ?? text('preferred_username') ?? email ?? 'OpenID user').slice(0, 200);
  return {
    roles: rolesFromClaims(claims, rolesClaim),
    displayName,
    preferredUsername: text('preferred_username') ?? email?.split('@')[0],
  };
}

/**
 * Usernames to try, in order, for a user created on first sign-in: the provider's
 * `preferred_username` (or e-mail local part) when it is a valid name of ours, then
 * `oidc-<12 hex>` derived from issuer and subject. The first free one is taken. A provider name
 * never links to an existing local account: a user is found by issuer and subject only, so nobody
 * who can choose their name at the provider can take over our `admin`.
 */
export function usernameCandidates(issuer: string, subject: string, preferred: string | undefined): string[] {
  const derived = `oidc-${createHash('sha256').update(`${issuer}\n${subject}`).digest('hex').slice(0, 12)}`;
  const wanted = preferred?.toLowerCase();
  return wanted && USERNAME_PATTERN.test(wanted) && !wanted.startsWith('oidc-') ? [wanted, derived] : [derived];
}
