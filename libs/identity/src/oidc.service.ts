import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Configuration } from 'openid-client';
import { Repository } from 'typeorm';
import { isRole } from '@circulator/contracts';
import { UserEntity } from '@circulator/persistence';
import { AuditService } from './audit.service';
import { AuthService, type SignedIn } from './auth.service';
import { IdentityError } from './identity.error';
import { IDENTITY_OPTIONS, type OidcOptions, type ResolvedIdentityOptions } from './identity.options';
import { type OidcProfile, profileFromClaims, usernameCandidates } from './oidc.claims';
import { HANDOFF_TTL_SECONDS, LOGIN_TTL_SECONDS, OidcPendingStore, randomKey } from './oidc.pending';
import type { Principal } from './principal.model';
import type { UserView } from './users.service';

/**
 * What stands in `password_hash` for a user created by an OpenID sign-in: not an argon2 hash, so no
 * password ever matches it and the password grant refuses the account (until an admin sets one).
 */
export const NO_LOCAL_PASSWORD = '!oidc';

type OpenIdClient = typeof import('openid-client');

/**
 * openid-client 6 is an ES module only; the server is built to CommonJS, so it is loaded with a
 * dynamic import, once, and only when OpenID sign-in is configured.
 */
let openIdClient: Promise<OpenIdClient> | undefined;
function loadOpenIdClient(): Promise<OpenIdClient> {
  openIdClient ??= import('openid-client');
  return openIdClient;
}

type FailureReason =
  | 'unknown-state'
  | 'provider-error'
  | 'invalid-response'
  | 'no-role'
  | 'disabled'
  | 'unknown-code'
  | 'provider-unavailable';

/**
 * Sign-in through an external OpenID Provider (OpenID Connect Core 1.0, authorization code flow
 * with PKCE, RFC 7636; RFC 9700 §2.1.1 for state and nonce). The provider proves who the user is;
 * from then on the sign-in is ours, exactly as after the password grant: our access token and a
 * refresh-token family.
 *
 * 1. `login()` makes state, nonce and a PKCE verifier, keeps them server-side for 10 minutes under
 *    the state, and answers the provider's authorization URL.
 * 2. `callback(params)` takes the state (once), lets openid-client redeem the code and check the ID
 *    token (issuer, audience, nonce, signature from the provider's JWKS, times), merges the
 *    UserInfo claims, finds or creates the user by issuer and `sub`, sets its roles from the roles
 *    claim, and answers a one-time code (60 s, single use) for the web client.
 * 3. `exchange(code)` takes that code (once) and starts our session. Tokens never travel in a URL.
 */
@Injectable()
export class OidcService {
  private readonly logger = new Logger(OidcService.name);
  private configuration: Promise<Configuration> | undefined;

  constructor(
    @InjectRepository(UserEntity) private readonly users: Repository<UserEntity>,
    private readonly pending: OidcPendingStore,
    private readonly auth: AuthService,
    private readonly audit: AuditService,
    @Inject(IDENTITY_OPTIONS) private readonly options: ResolvedIdentityOptions,
  ) {}

  get enabled(): boolean {
    return this.options.oidc !== undefined;
  }

  /** The provider's authorization URL for a new sign-in. */
  async login(): Promise<string> {
    const settings = this.settings();
    const client = await loadOpenIdClient();
    const config = await this.discover(settings);
    const state = randomKey();
    const nonce = client.randomNonce();
    const codeVerifier = client.randomPKCECodeVerifier();
    await this.pending.put(state, { kind: 'login', nonce, codeVerifier }, LOGIN_TTL_SECONDS);
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: settings.redirectUri,
      scope: settings.scopes.join(' '),
      response_type: 'code',
      code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
      state,
      nonce,
    });
    return url.href;
  }

  /**
   * The provider's redirect back to us. Answers the one-time code for the web client; throws
   * `invalid_request` (400) for an unknown, spent or expired state, `unauthorized` (401) when the
   * provider reports an error or its answer does not verify, `forbidden` (403) for a user with no
   * role of ours or a disabled account. Every outcome is audited as `auth.oidc`.
   */
  async callback(params: Readonly<Record<string, string>>): Promise<string> {
    const settings = this.settings();
    const state = params.state ?? '';
    const started = state === '' ? undefined : await this.pending.take('login', state);
    if (!started) return this.fail('invalid_request', 'unknown-state', 'this sign-in is unknown, used or expired');
    if (params.error !== undefined) {
      return this.fail('unauthorized', 'provider-error', 'the identity provider did not sign you in', {
        error: params.error.slice(0, 64),
      });
    }
    const client = await loadOpenIdClient();
    const config = await this.discover(settings);
    // Our own registered callback with the parameters received, not the request's Host: behind a
    // proxy the two differ, and the provider compares redirect_uri with what it registered.
    const current = new URL(settings.redirectUri);
    for (const [name, value] of Object.entries(params)) current.searchParams.set(name, value);
    let claims: Record<string, unknown>;
    try {
      const tokens = await client.authorizationCodeGrant(config, current, {
        pkceCodeVerifier: started.codeVerifier,
        expectedState: state,
        expectedNonce: started.nonce,
        idTokenExpected: true,
      });
      const idClaims = tokens.claims();
      if (!idClaims) throw new Error('no ID token');
      claims = { ...idClaims };
      // Providers that follow Core §5.4 strictly put profile claims only in UserInfo.
      if (config.serverMetadata().userinfo_endpoint) {
        const info = await client.fetchUserInfo(config, tokens.access_token, idClaims.sub);
        claims = { ...info, ...idClaims };
      }
    } catch (err) {
      this.logger.warn(`OpenID sign-in refused: ${err instanceof Error ? err.message : String(err)}`);
      return this.fail('unauthorized', 'invalid-response', 'the identity provider’s answer could not be verified');
    }
    const subject = String(claims.sub);
    const issuer = String(claims.iss);
    const profile = profileFromClaims(claims, settings.rolesClaim);
    const outcome = await this.provision(issuer, subject, profile);
    if (outcome === 'no-role') {
      return this.fail('forbidden', 'no-role', 'your hospital account holds no role in this platform', { subject });
    }
    if (outcome === 'disabled') {
      return this.fail('forbidden', 'disabled', 'this account is disabled', { subject });
    }
    const code = randomKey();
    await this.pending.put(code, { kind: 'handoff', userId: outcome.user.id }, HANDOFF_TTL_SECONDS);
    await this.audit.record({
      principal: principalOf(outcome.user),
      action: 'auth.oidc',
      targetType: 'user',
      targetId: outcome.user.id,
      detail: { outcome: 'success', subject, roles: outcome.user.roles, created: outcome.created },
    });
    return code;
  }

  /** `POST /api/auth/oidc/exchange`: the one-time code for our token response; once, within 60 s. */
  async exchange(code: string): Promise<SignedIn> {
    this.settings();
    const handoff = await this.pending.take('handoff', code);
    if (!handoff) return this.fail('unauthorized', 'unknown-code', 'this sign-in code is unknown, used or expired');
    const rows = await this.users.query<{ id: string; username: string; display_name: string; roles: unknown }[]>(
      `SELECT id, username, display_name, roles FROM app_user WHERE id = $1 AND disabled = false`,
      [handoff.userId],
    );
    const row = rows[0];
    const roles = Array.isArray(row?.roles) ? row.roles.filter(isRole).filter((r) => r !== 'display') : [];
    if (!row || roles.length === 0)
      throw new IdentityError('unauthorized', 'this account is disabled or holds no role');
    return this.auth.startSessionFor({ id: row.id, username: row.username, displayName: row.display_name, roles });
  }

  /**
   * The user of this provider account with the roles the provider gives now: found by issuer and
   * subject, else created (with no local password). A user the provider gives no role of ours is
   * refused, and an existing one loses its roles, so its running sign-ins stop at their next request.
   */
  private async provision(
    issuer: string,
    subject: string,
    profile: OidcProfile,
  ): Promise<{ user: UserView; created: boolean } | 'no-role' | 'disabled'> {
    const rows = await this.users.query<{ id: string; username: string; disabled: boolean; roles: unknown }[]>(
      `SELECT id, username, disabled, roles FROM app_user WHERE oidc_issuer = $1 AND oidc_subject = $2`,
      [issuer, subject],
    );
    const existing = rows[0];
    if (existing) {
      await this.users.query(`UPDATE app_user SET roles = $2::jsonb, display_name = $3 WHERE id = $1`, [
        existing.id,
        JSON.stringify(profile.roles),
        profile.displayName,
      ]);
      if (existing.disabled) return 'disabled';
      if (profile.roles.length === 0) return 'no-role';
      const user = {
        id: existing.id,
        username: existing.username,
        displayName: profile.displayName,
        roles: profile.roles,
      };
      return { user, created: false };
    }
    if (profile.roles.length === 0) return 'no-role';
    for (const username of usernameCandidates(issuer, subject, profile.preferredUsername)) {
      const id = randomUUID();
      const inserted = await this.users.query<{ id: string }[]>(
        `INSERT INTO app_user (id, username, password_hash, display_name, roles, disabled, created_at, oidc_issuer, oidc_subject)
         VALUES ($1, $2, $3, $4, $5::jsonb, false, $6, $7, $8)
         ON CONFLICT DO NOTHING RETURNING id`,
        [
          id,
          username,
          NO_LOCAL_PASSWORD,
          profile.displayName,
          JSON.stringify(profile.roles),
          this.options.now(),
          issuer,
          subject,
        ],
      );
      if (inserted.length === 0) continue;
      await this.audit.record({
        principal: 'system',
        action: 'user.create',
        targetType: 'user',
        targetId: id,
        detail: { username, roles: profile.roles, via: 'oidc', subject },
      });
      return { user: { id, username, displayName: profile.displayName, roles: profile.roles }, created: true };
    }
    throw new IdentityError('conflict', 'no free username for this account: try again');
  }

  private settings(): OidcOptions {
    const settings = this.options.oidc;
    if (!settings) throw new IdentityError('not_found', 'sign-in with an identity provider is not configured');
    return settings;
  }

  /** The provider's metadata (OpenID Connect Discovery 1.0), read once; a failure is retried next time. */
  private async discover(settings: OidcOptions): Promise<Configuration> {
    const client = await loadOpenIdClient();
    this.configuration ??= client
      .discovery(
        new URL(settings.issuer),
        settings.clientId,
        settings.clientSecret,
        settings.clientSecret === undefined ? client.None() : undefined,
        settings.allowInsecureRequests ? { execute: [client.allowInsecureRequests] } : undefined,
      )
      .catch((err: unknown) => {
        this.configuration = undefined;
        throw err;
      });
    try {
      return await this.configuration;
    } catch (err) {
      this.logger.warn(
        `OpenID Provider ${settings.issuer} unavailable: ${err instanceof Error ? err.message : String(err)}`,
      );
      return this.fail(
        'unavailable',
        'provider-unavailable',
        'the identity provider cannot be reached: try again later',
      );
    }
  }

  private async fail(
    code: 'invalid_request' | 'unauthorized' | 'forbidden' | 'unavailable',
    reason: FailureReason,
    message: string,
    detail: Record<string, unknown> = {},
  ): Promise<never> {
    await this.audit.record({
      principal: null,
      action: 'auth.oidc',
      targetType: 'user',
      detail: { outcome: 'failure', reason, ...detail },
    });
    throw new IdentityError(code, message);
  }
}

function principalOf(user: UserView): Principal {
  return { kind: 'user', sub: user.id, username: user.username, roles: user.roles };
}
