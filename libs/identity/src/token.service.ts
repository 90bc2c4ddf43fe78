import { Inject, Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { type Role, type TokenResponse, isRole } from '@circulator/contracts';
import { ConsultationEntity, DisplayCredentialEntity, UserEntity } from '@circulator/persistence';
import { IdentityError } from './identity.error';
import { IDENTITY_OPTIONS, type ResolvedIdentityOptions } from './identity.options';
import { isUuid } from './identity.schemas';
import type { Principal } from './principal.model';
import { secondsUntil } from './refresh-token.policy';
import {
  DISPLAY_TOKEN_TTL_SECONDS,
  type PrivateClaims,
  TOKEN_AUDIENCE,
  TOKEN_ISSUER,
  principalFromClaims,
} from './token.claims';

/** What a user token is issued from: never the password hash. */
export interface TokenSubject {
  id: string;
  username: string;
  roles: readonly string[];
}

/** The sign-in (refresh-token family) a user token belongs to. */
export interface TokenSession {
  id: string;
  /** The family's absolute end: no access token of it outlives it. */
  expiresAt: Date;
}

/** What a display token is issued from. */
export interface DisplayTokenSubject {
  id: string;
  roomId: string;
}

/** What a consultation token is issued from. */
export interface ConsultationTokenSubject {
  id: string;
  caseId: string;
  /** Whole seconds since the epoch: the token's `iat`. */
  issuedAtSeconds: number;
  /** Lifetime in seconds: `exp` is `iat` plus this, which is the consultation's `expiresAt`. */
  lifetimeSeconds: number;
}

/**
 * Issues and verifies the platform's bearer tokens (HS256 JWTs, RFC 7519). Every time comes from
 * the injected clock, so expiry is the same on every process and testable without waiting.
 *
 * `verify` also asks the database whether the credential behind a token still stands: the user
 * is not disabled and still holds the token's roles, and its sign-in is not logged out or revoked;
 * the display credential or the consultation is not revoked (or over). One indexed lookup per
 * call, so that disabling, revoking or signing out takes effect at once.
 */
@Injectable()
export class TokenService {
  constructor(
    private readonly jwt: JwtService,
    @Inject(IDENTITY_OPTIONS) private readonly options: ResolvedIdentityOptions,
    @InjectRepository(DisplayCredentialEntity) private readonly displays: Repository<DisplayCredentialEntity>,
    @InjectRepository(UserEntity) private readonly users: Repository<UserEntity>,
    @InjectRepository(ConsultationEntity) private readonly consultations: Repository<ConsultationEntity>,
  ) {}

  /**
   * A short-lived access token for a user, in the shape of `POST /api/auth/token` (without the
   * refresh token, which the caller adds). With a session, the token carries it (`sid`) and ends
   * no later than the session does.
   */
  issueForUser(user: TokenSubject, session?: TokenSession): TokenResponse {
    const roles = user.roles.filter(isRole).filter((role) => role !== 'display');
    if (roles.length === 0) throw new IdentityError('forbidden', 'this account has no role');
    const now = this.options.now();
    const ttl = session
      ? Math.min(this.options.accessTokenTtlSeconds, secondsUntil(session.expiresAt, now))
      : this.options.accessTokenTtlSeconds;
    if (ttl < 1) throw new IdentityError('unauthorized', 'this sign-in has ended: sign in again');
    const claims: PrivateClaims = {
      kind: 'user',
      username: user.username,
      roles,
      ...(session ? { sid: session.id } : {}),
    };
    return { access_token: this.sign(claims, user.id, ttl), token_type: 'Bearer', expires_in: ttl };
  }

  /** A long-lived token for a wall display; it stops working when the credential is revoked. */
  issueForDisplay(credential: DisplayTokenSubject): string {
    const claims: PrivateClaims = {
      kind: 'display',
      username: `display:${credential.roomId}`,
      roles: ['display'],
      roomId: credential.roomId,
    };
    return this.sign(claims, credential.id, DISPLAY_TOKEN_TTL_SECONDS, credential.id);
  }

  /** A token for a remote consultation of one case; no role, expires with the consultation. */
  issueForConsultation(consultation: ConsultationTokenSubject): string {
    const claims: PrivateClaims = {
      kind: 'consult',
      username: `consult:${consultation.caseId}`,
      roles: [],
      caseId: consultation.caseId,
    };
    return this.sign(
      claims,
      consultation.id,
      consultation.lifetimeSeconds,
      consultation.id,
      consultation.issuedAtSeconds,
    );
  }

  /**
   * The principal of a bearer token. Throws an `unauthorized` {@link IdentityError} for a token
   * that is malformed, wrongly signed, for another issuer or audience, expired, of a shape we do
   * not issue, of a disabled or unknown user or an ended sign-in, or of a revoked display
   * credential or consultation.
   */
  async verify(token: string): Promise<Principal> {
    let claims: unknown;
    try {
      claims = this.jwt.verify<object>(token, {
        // Pin the algorithm: never let the token's own header choose (RFC 8725 §3.1).
        algorithms: ['HS256'],
        issuer: TOKEN_ISSUER,
        audience: TOKEN_AUDIENCE,
        clockTimestamp: this.nowSeconds(),
      });
    } catch (err) {
      throw new IdentityError('unauthorized', 'the bearer token is invalid or expired', [], { cause: err });
    }
    const principal = principalFromClaims(claims);
    if (!principal) throw new IdentityError('unauthorized', 'the bearer token is not one this platform issues');
    switch (principal.kind) {
      case 'user':
        return this.checkUser(principal);
      case 'display': {
        if (!isUuid(principal.sub)) throw new IdentityError('unauthorized', 'this display credential is unknown');
        const credential = await this.displays.findOneBy({ id: principal.sub });
        if (!credential || credential.revokedAt !== null || credential.roomId !== principal.roomId) {
          throw new IdentityError('unauthorized', 'this display credential has been revoked');
        }
        return principal;
      }
      case 'consult': {
        if (!isUuid(principal.sub)) throw new IdentityError('unauthorized', 'this consultation is unknown');
        const consultation = await this.consultations.findOneBy({ id: principal.sub });
        if (
          !consultation ||
          consultation.revokedAt !== null ||
          consultation.caseId !== principal.caseId ||
          new Date(consultation.expiresAt).getTime() <= this.options.now().getTime()
        ) {
          throw new IdentityError('unauthorized', 'this consultation has ended or been revoked');
        }
        return principal;
      }
      default:
        return assertUnreachable(principal.kind);
    }
  }

  /** The user behind a token as it stands now: enabled, in a live session, with the roles it still holds. */
  private async checkUser(principal: Principal): Promise<Principal> {
    // Our tokens only ever name uuids; anything else would reach PostgreSQL as a cast error.
    if (!isUuid(principal.sub) || (principal.sessionId !== undefined && !isUuid(principal.sessionId))) {
      throw new IdentityError('unauthorized', 'the bearer token is not one this platform issues');
    }
    const rows = await this.users.query<
      { disabled: boolean; roles: unknown; session_revoked_at: Date | null; session_expires_at: Date | null }[]
    >(
      `SELECT u.disabled, u.roles, f.revoked_at AS session_revoked_at, f.expires_at AS session_expires_at
       FROM app_user u LEFT JOIN refresh_family f ON f.id = $2::uuid AND f.user_id = u.id
       WHERE u.id = $1::uuid`,
      [principal.sub, principal.sessionId ?? null],
    );
    const row = rows[0];
    if (!row || row.disabled) throw new IdentityError('unauthorized', 'this account is disabled or unknown');
    if (principal.sessionId !== undefined) {
      const ended =
        row.session_expires_at === null ||
        row.session_revoked_at !== null ||
        new Date(row.session_expires_at).getTime() <= this.options.now().getTime();
      if (ended) throw new IdentityError('unauthorized', 'this sign-in has ended: sign in again');
    }
    // A role taken away counts at once; a role granted counts from the next refresh.
    const held = Array.isArray(row.roles) ? row.roles.filter(isRole) : [];
    const roles = principal.roles.filter((role: Role) => held.includes(role));
    if (roles.length === 0) throw new IdentityError('unauthorized', 'this account no longer holds these roles');
    return { ...principal, roles };
  }

  private sign(
    claims: PrivateClaims,
    subject: string,
    ttlSeconds: number,
    jwtid?: string,
    issuedAtSeconds = this.nowSeconds(),
  ): string {
    // `iat` from our clock: jsonwebtoken then computes `exp` from it rather than from Date.now().
    return this.jwt.sign(
      { ...claims, iat: issuedAtSeconds },
      {
        algorithm: 'HS256',
        issuer: TOKEN_ISSUER,
        audience: TOKEN_AUDIENCE,
        subject,
        expiresIn: ttlSeconds,
        ...(jwtid === undefined ? {} : { jwtid }),
      },
    );
  }

  private nowSeconds(): number {
    return Math.floor(this.options.now().getTime() / 1000);
  }
}

function assertUnreachable(value: never): never {
  throw new Error(`unhandled principal kind: ${String(value)}`);
}
