import { Inject, Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { type TokenResponse, isRole } from '@circulator/contracts';
import { DisplayCredentialEntity } from '@circulator/persistence';
import { IdentityError } from './identity.error';
import { IDENTITY_OPTIONS, type ResolvedIdentityOptions } from './identity.options';
import type { Principal } from './principal.model';
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

/** What a display token is issued from. */
export interface DisplayTokenSubject {
  id: string;
  roomId: string;
}

/**
 * Issues and verifies the platform's bearer tokens (HS256 JWTs, RFC 7519). Every time comes from
 * the injected clock, so expiry is the same on every process and testable without waiting.
 */
@Injectable()
export class TokenService {
  constructor(
    private readonly jwt: JwtService,
    @Inject(IDENTITY_OPTIONS) private readonly options: ResolvedIdentityOptions,
    @InjectRepository(DisplayCredentialEntity) private readonly displays: Repository<DisplayCredentialEntity>,
  ) {}

  /** A short-lived access token for a user, in the shape of `POST /api/auth/token`. */
  issueForUser(user: TokenSubject): TokenResponse {
    const roles = user.roles.filter(isRole).filter((role) => role !== 'display');
    if (roles.length === 0) throw new IdentityError('forbidden', 'this account has no role');
    const ttl = this.options.accessTokenTtlSeconds;
    const claims: PrivateClaims = { kind: 'user', username: user.username, roles };
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

  /**
   * The principal of a bearer token. Throws an `unauthorized` {@link IdentityError} for a token
   * that is malformed, wrongly signed, for another issuer or audience, expired, of a shape we do
   * not issue, or of a revoked or unknown display credential.
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
    if (principal.kind === 'display') {
      const credential = await this.displays.findOneBy({ id: principal.sub });
      if (!credential || credential.revokedAt !== null || credential.roomId !== principal.roomId) {
        throw new IdentityError('unauthorized', 'this display credential has been revoked');
      }
    }
    return principal;
  }

  private sign(claims: PrivateClaims, subject: string, ttlSeconds: number, jwtid?: string): string {
    // `iat` from our clock: jsonwebtoken then computes `exp` from it rather than from Date.now().
    return this.jwt.sign(
      { ...claims, iat: this.nowSeconds() },
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
