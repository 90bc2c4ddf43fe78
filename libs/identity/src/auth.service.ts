import { Inject, Injectable } from '@nestjs/common';
import type { TokenResponse } from '@circulator/contracts';
import { AuditService } from './audit.service';
import { CredentialEvents } from './credential.events';
import { IdentityError } from './identity.error';
import { IDENTITY_OPTIONS, type ResolvedIdentityOptions } from './identity.options';
import {
  type PasswordChange,
  type RefreshRequest,
  type TokenRequest,
  assertPasswordPolicy,
  normalizeUsername,
} from './identity.schemas';
import { LoginThrottle } from './login.throttle';
import type { Principal } from './principal.model';
import { type IssuedRefreshToken, RefreshTokenRepository } from './refresh-token.repository';
import { secondsUntil } from './refresh-token.policy';
import { TokenService } from './token.service';
import { type UserView, UsersService } from './users.service';

/** A sign-in answer: the access token and the refresh token that continues it. */
export type SignedIn = Required<TokenResponse>;

/** Same words for every refused sign-in: they never tell which of name or password was wrong. */
const INVALID_CREDENTIALS = 'invalid username or password';
/** Same words for every locked name, known or not. */
const LOCKED = 'too many failed sign-in attempts: try again later';
const INVALID_REFRESH = 'the refresh token is invalid, spent or expired: sign in again';

/**
 * The client address of each audit row comes from the request being served (AuditContext), so
 * nothing here passes it along.
 *
 * Sign-in with lockout, refresh-token rotation with reuse detection, sign-out, and a user's own
 * password change. Answers carry no hint whether an account exists.
 */
@Injectable()
export class AuthService {
  constructor(
    private readonly users: UsersService,
    private readonly tokens: TokenService,
    private readonly throttle: LoginThrottle,
    private readonly sessions: RefreshTokenRepository,
    private readonly audit: AuditService,
    private readonly events: CredentialEvents,
    @Inject(IDENTITY_OPTIONS) private readonly options: ResolvedIdentityOptions,
  ) {}

  /**
   * The password grant of `POST /api/auth/token`. A name locked by repeated failures is refused
   * (`account_locked`, 401) before the password is even checked; each failure counts; the
   * failure that reaches the threshold starts the lock and is audited as `auth.lockout`.
   */
  async signIn({ username, password }: TokenRequest): Promise<SignedIn> {
    const name = normalizeUsername(username);
    const now = this.options.now();
    if (await this.throttle.lockedUntil(name, now)) {
      await this.auditFailure(name, 'locked');
      throw new IdentityError('account_locked', LOCKED);
    }
    const user = await this.users.verifyCredentials(username, password);
    if (!user) {
      const { lockStarted, state } = await this.throttle.recordFailure(name, now);
      await this.auditFailure(name, 'invalid-credentials');
      if (lockStarted) {
        await this.audit.record({
          principal: null,
          action: 'auth.lockout',
          targetType: 'user',
          detail: {
            username: auditedName(name),
            lockedUntil: state.lockedUntil?.toISOString(),
            failures: this.options.lockoutThreshold,
          },
        });
        throw new IdentityError('account_locked', LOCKED);
      }
      throw new IdentityError('unauthorized', INVALID_CREDENTIALS);
    }
    await this.throttle.reset(name);
    const signedIn = await this.startSession(user, now);
    await this.audit.record({
      principal: principalOf(user),
      action: 'auth.token',
      targetType: 'user',
      targetId: user.id,
      detail: { outcome: 'success' },
    });
    return signedIn;
  }

  /**
   * `POST /api/auth/refresh`: spends the refresh token and answers the next pair, with the roles
   * the user holds now. A spent token presented again revokes its whole family (audited
   * `auth.refresh.reuse`); a disabled or role-less user is refused and the family ended.
   */
  async refresh({ refresh_token: token }: RefreshRequest): Promise<SignedIn> {
    const now = this.options.now();
    const outcome = await this.sessions.rotate(token, now);
    switch (outcome.kind) {
      case 'refused':
        throw new IdentityError('unauthorized', INVALID_REFRESH);
      case 'reused':
        // The family is revoked: its live connections end too.
        this.events.revoked({ kind: 'user', sub: outcome.userId, session: outcome.familyId });
        await this.audit.record({
          principal: null,
          action: 'auth.refresh.reuse',
          targetType: 'user',
          targetId: outcome.userId,
          detail: { session: outcome.familyId },
        });
        throw new IdentityError('unauthorized', INVALID_REFRESH);
      case 'rotated':
        break;
      default:
        return assertUnreachable(outcome);
    }
    const user = await this.users.findEnabled(outcome.userId);
    if (!user || !user.roles.some((role) => role !== 'display')) {
      await this.sessions.revokeFamily(outcome.familyId, user ? 'no-role' : 'user-disabled', now);
      this.events.revoked({ kind: 'user', sub: outcome.userId, session: outcome.familyId });
      throw new IdentityError('unauthorized', 'this account is disabled or holds no role');
    }
    const access = this.tokens.issueForUser(user, { id: outcome.familyId, expiresAt: outcome.familyExpiresAt });
    await this.audit.record({
      principal: principalOf(user),
      action: 'auth.refresh',
      targetType: 'user',
      targetId: user.id,
      detail: { session: outcome.familyId, roles: user.roles },
    });
    return withRefresh(access, outcome, now);
  }

  /**
   * `POST /api/auth/logout`: ends the sign-in the refresh token belongs to (spent or not). Says
   * nothing about an unknown token: logging out twice is not an error. Audited as `auth.logout`.
   */
  async logout({ refresh_token: token }: RefreshRequest): Promise<void> {
    const family = await this.sessions.familyOf(token);
    if (!family) return;
    if (await this.sessions.revokeFamily(family.familyId, 'logout', this.options.now())) {
      this.events.revoked({ kind: 'user', sub: family.userId, session: family.familyId });
      await this.audit.record({
        principal: null,
        action: 'auth.logout',
        targetType: 'user',
        targetId: family.userId,
        detail: { session: family.familyId },
      });
    }
  }

  /**
   * `POST /api/auth/password`: a signed-in user changes their own password. The current password
   * is checked like a sign-in (a wrong one counts towards the lock); the new one must meet the
   * policy. The user's other sign-ins end; this one continues. Audited as `user.password.change`.
   */
  async changePassword(principal: Principal, change: PasswordChange): Promise<void> {
    if (principal.kind !== 'user') throw new IdentityError('forbidden', 'only a user account has a password');
    const now = this.options.now();
    const name = normalizeUsername(principal.username);
    if (await this.throttle.lockedUntil(name, now)) throw new IdentityError('account_locked', LOCKED);
    const user = await this.users.verifyCredentials(principal.username, change.currentPassword);
    if (!user || user.id !== principal.sub) {
      const { lockStarted, state } = await this.throttle.recordFailure(name, now);
      if (lockStarted) {
        await this.audit.record({
          principal,
          action: 'auth.lockout',
          targetType: 'user',
          targetId: principal.sub,
          detail: { username: name, lockedUntil: state.lockedUntil?.toISOString() },
        });
      }
      throw new IdentityError('forbidden', 'the current password is not correct', [
        { pointer: '/currentPassword', detail: 'is not correct' },
      ]);
    }
    assertPasswordPolicy(user.username, change.newPassword, '/newPassword');
    await this.users.setPassword(user.id, change.newPassword);
    await this.throttle.reset(name);
    const endedSessions = await this.sessions.revokeAllOf(user.id, 'password-change', now, principal.sessionId);
    this.events.revoked({
      kind: 'user',
      sub: user.id,
      ...(principal.sessionId !== undefined ? { keepSession: principal.sessionId } : {}),
    });
    await this.audit.record({
      principal,
      action: 'user.password.change',
      targetType: 'user',
      targetId: user.id,
      detail: { endedSessions },
    });
  }

  /**
   * A new sign-in (refresh-token family and access token) for a user whose identity someone else
   * proved: the OpenID Provider (`OidcService`). The caller audits how the user was recognised.
   */
  startSessionFor(user: UserView): Promise<SignedIn> {
    return this.startSession(user, this.options.now());
  }

  private async startSession(user: UserView, now: Date): Promise<SignedIn> {
    const issued = await this.sessions.start(user.id, now, this.options.refreshTokenTtlSeconds);
    const access = this.tokens.issueForUser(user, { id: issued.familyId, expiresAt: issued.familyExpiresAt });
    return withRefresh(access, issued, now);
  }

  private async auditFailure(name: string, reason: 'locked' | 'invalid-credentials') {
    // The attempted name (trimmed to the longest valid one) but never the password.
    await this.audit.record({
      principal: null,
      action: 'auth.token',
      targetType: 'user',
      detail: { outcome: 'failure', reason, username: auditedName(name) },
    });
  }
}

function withRefresh(access: TokenResponse, refresh: IssuedRefreshToken, now: Date): SignedIn {
  return {
    access_token: access.access_token,
    token_type: access.token_type,
    expires_in: access.expires_in,
    refresh_token: refresh.token,
    refresh_expires_in: secondsUntil(refresh.familyExpiresAt, now),
  };
}

function principalOf(user: UserView): Principal {
  return { kind: 'user', sub: user.id, username: user.username, roles: user.roles };
}

function auditedName(name: string): string {
  return name.slice(0, 64);
}

function assertUnreachable(value: never): never {
  throw new Error(`unhandled refresh outcome: ${JSON.stringify(value)}`);
}
