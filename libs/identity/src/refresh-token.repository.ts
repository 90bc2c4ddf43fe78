import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { RefreshFamilyEntity } from '@circulator/persistence';
import { decideRefresh, hashRefreshToken, isRefreshTokenShape, newRefreshToken } from './refresh-token.policy';

/** A refresh token just issued, and the family (sign-in) it belongs to. */
export interface IssuedRefreshToken {
  token: string;
  familyId: string;
  userId: string;
  familyExpiresAt: Date;
}

/** Why a family was ended (column `refresh_family.revoked_reason`). */
export type RevocationReason = 'logout' | 'reuse' | 'user-disabled' | 'no-role' | 'password-change' | 'password-reset';

/** The outcome of presenting a refresh token. */
export type RotationOutcome =
  | ({ kind: 'rotated' } & IssuedRefreshToken)
  | { kind: 'reused'; familyId: string; userId: string }
  | { kind: 'refused'; reason: 'unknown' | 'revoked' | 'expired' };

/** Families whose end is older than this are deleted (a spent token of theirs is refused anyway). */
const KEEP_ENDED_FAMILIES_MS = 24 * 3600 * 1000;

/**
 * Refresh-token families in `refresh_family` / `refresh_token`. Only SHA-256 hashes of tokens are
 * stored. Rotation runs in one transaction with the token's row locked, so two concurrent uses of
 * one token cannot both rotate: the second sees it spent and revokes the family.
 */
@Injectable()
export class RefreshTokenRepository {
  constructor(@InjectRepository(RefreshFamilyEntity) private readonly families: Repository<RefreshFamilyEntity>) {}

  /** Starts a family for a sign-in, with its first token. */
  async start(userId: string, now: Date, lifetimeSeconds: number): Promise<IssuedRefreshToken> {
    const familyId = randomUUID();
    const familyExpiresAt = new Date(now.getTime() + lifetimeSeconds * 1000);
    const token = newRefreshToken();
    await this.families.manager.transaction(async (m) => {
      await m.query(`INSERT INTO refresh_family (id, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)`, [
        familyId,
        userId,
        now,
        familyExpiresAt,
      ]);
      await m.query(`INSERT INTO refresh_token (token_hash, family_id, issued_at) VALUES ($1, $2, $3)`, [
        hashRefreshToken(token),
        familyId,
        now,
      ]);
    });
    await this.prune(now);
    return { token, familyId, userId, familyExpiresAt };
  }

  /** Spends `token` and issues the next one of its family, or says why not (see decideRefresh). */
  async rotate(token: string, now: Date): Promise<RotationOutcome> {
    if (!isRefreshTokenShape(token)) return { kind: 'refused', reason: 'unknown' };
    const hash = hashRefreshToken(token);
    return this.families.manager.transaction(async (m): Promise<RotationOutcome> => {
      const rows = await m.query<
        {
          family_id: string;
          user_id: string;
          spent_at: Date | null;
          revoked_at: Date | null;
          expires_at: Date;
        }[]
      >(
        `SELECT t.family_id, f.user_id, t.spent_at, f.revoked_at, f.expires_at
         FROM refresh_token t JOIN refresh_family f ON f.id = t.family_id
         WHERE t.token_hash = $1
         FOR UPDATE`,
        [hash],
      );
      const row = rows[0];
      if (!row) return { kind: 'refused', reason: 'unknown' };
      const familyExpiresAt = new Date(row.expires_at);
      const decision = decideRefresh(
        {
          spentAt: row.spent_at === null ? null : new Date(row.spent_at),
          familyRevokedAt: row.revoked_at === null ? null : new Date(row.revoked_at),
          familyExpiresAt,
        },
        now,
      );
      switch (decision) {
        case 'revoked':
        case 'expired':
          return { kind: 'refused', reason: decision };
        case 'reuse':
          await m.query(
            `UPDATE refresh_family SET revoked_at = $2, revoked_reason = 'reuse' WHERE id = $1 AND revoked_at IS NULL`,
            [row.family_id, now],
          );
          return { kind: 'reused', familyId: row.family_id, userId: row.user_id };
        case 'rotate': {
          const next = newRefreshToken();
          await m.query(`UPDATE refresh_token SET spent_at = $2 WHERE token_hash = $1`, [hash, now]);
          await m.query(`INSERT INTO refresh_token (token_hash, family_id, issued_at) VALUES ($1, $2, $3)`, [
            hashRefreshToken(next),
            row.family_id,
            now,
          ]);
          return { kind: 'rotated', token: next, familyId: row.family_id, userId: row.user_id, familyExpiresAt };
        }
        default:
          return assertUnreachable(decision);
      }
    });
  }

  /** The family of a token (spent or not), if the token is one we issued. */
  async familyOf(token: string): Promise<{ familyId: string; userId: string } | undefined> {
    if (!isRefreshTokenShape(token)) return undefined;
    const rows = await this.families.query<{ family_id: string; user_id: string }[]>(
      `SELECT t.family_id, f.user_id FROM refresh_token t JOIN refresh_family f ON f.id = t.family_id
       WHERE t.token_hash = $1`,
      [hashRefreshToken(token)],
    );
    const row = rows[0];
    return row ? { familyId: row.family_id, userId: row.user_id } : undefined;
  }

  /** Ends one family; true when it was live until now. */
  async revokeFamily(familyId: string, reason: RevocationReason, now: Date): Promise<boolean> {
    const result = await this.families.query<unknown[]>(
      // A CTE so that the driver hands back the rows (a bare UPDATE answers [rows, count]).
      `WITH ended AS (
         UPDATE refresh_family SET revoked_at = $2, revoked_reason = $3
         WHERE id = $1 AND revoked_at IS NULL RETURNING id
       ) SELECT id FROM ended`,
      [familyId, now, reason],
    );
    return result.length > 0;
  }

  /** Ends every live family of a user (but `exceptFamilyId`); returns how many. */
  async revokeAllOf(userId: string, reason: RevocationReason, now: Date, exceptFamilyId?: string): Promise<number> {
    const result = await this.families.query<unknown[]>(
      `WITH ended AS (
         UPDATE refresh_family SET revoked_at = $2, revoked_reason = $3
         WHERE user_id = $1 AND revoked_at IS NULL AND expires_at > $2 AND ($4::uuid IS NULL OR id <> $4::uuid)
         RETURNING id
       ) SELECT id FROM ended`,
      [userId, now, reason, exceptFamilyId ?? null],
    );
    return result.length;
  }

  /** Deletes families (and their tokens) that ended more than a day ago. */
  private async prune(now: Date): Promise<void> {
    await this.families.query(`DELETE FROM refresh_family WHERE expires_at < $1`, [
      new Date(now.getTime() - KEEP_ENDED_FAMILIES_MS),
    ]);
  }
}

function assertUnreachable(value: never): never {
  throw new Error(`unhandled refresh decision: ${String(value)}`);
}
