import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { LoginThrottleEntity } from '@circulator/persistence';
import { IDENTITY_OPTIONS, type ResolvedIdentityOptions } from './identity.options';
import {
  FAILURE_MEMORY_SECONDS,
  type FailureOutcome,
  type LockoutPolicy,
  type ThrottleState,
  afterFailure,
  lockedUntil,
} from './lockout.policy';

/**
 * Failed sign-ins and locks, per normalised user name, in table `login_throttle` so that every
 * process of a deployment sees the same counts. The rules are in `lockout.policy.ts`.
 */
@Injectable()
export class LoginThrottle {
  private readonly policy: LockoutPolicy;

  constructor(
    @InjectRepository(LoginThrottleEntity) private readonly rows: Repository<LoginThrottleEntity>,
    @Inject(IDENTITY_OPTIONS) private readonly options: ResolvedIdentityOptions,
  ) {
    this.policy = { threshold: options.lockoutThreshold, lockSeconds: options.lockoutSeconds };
  }

  /** The end of the lock on `username` in force at `now`, if any. */
  async lockedUntil(username: string, now: Date): Promise<Date | undefined> {
    const row = await this.rows.findOneBy({ username });
    return lockedUntil(row ?? undefined, now);
  }

  /**
   * Counts a failed attempt. Row-locked (`SELECT … FOR UPDATE`) so that concurrent failures on
   * several processes each count, and exactly one of them starts the lock.
   */
  async recordFailure(username: string, now: Date): Promise<FailureOutcome> {
    const outcome = await this.rows.manager.transaction(async (m) => {
      await m.query(`INSERT INTO login_throttle (username) VALUES ($1) ON CONFLICT (username) DO NOTHING`, [username]);
      const rows = await m.query<{ failures: number; last_failure_at: Date | null; locked_until: Date | null }[]>(
        `SELECT failures, last_failure_at, locked_until FROM login_throttle WHERE username = $1 FOR UPDATE`,
        [username],
      );
      const row = rows[0];
      const state: ThrottleState | undefined = row
        ? {
            failures: row.failures,
            lastFailureAt: row.last_failure_at === null ? null : new Date(row.last_failure_at),
            lockedUntil: row.locked_until === null ? null : new Date(row.locked_until),
          }
        : undefined;
      const next = afterFailure(state, now, this.policy);
      await m.query(
        `UPDATE login_throttle SET failures = $2, last_failure_at = $3, locked_until = $4 WHERE username = $1`,
        [username, next.state.failures, next.state.lastFailureAt, next.state.lockedUntil],
      );
      return next;
    });
    await this.prune(now);
    return outcome;
  }

  /** Forgets the failures and any lock of `username` (a success, an unlock, a new password). */
  async reset(username: string): Promise<boolean> {
    const result = await this.rows.delete({ username });
    return (result.affected ?? 0) > 0;
  }

  /** Locks in force at `now` for these names, by name. */
  async locksOf(usernames: readonly string[], now: Date): Promise<Map<string, Date>> {
    if (usernames.length === 0) return new Map();
    const rows = await this.rows.query<{ username: string; locked_until: Date }[]>(
      `SELECT username, locked_until FROM login_throttle
       WHERE username IN (SELECT jsonb_array_elements_text($1::jsonb)) AND locked_until > $2`,
      [JSON.stringify(usernames), now],
    );
    return new Map(rows.map((r) => [r.username, new Date(r.locked_until)]));
  }

  /**
   * Drops rows of names nobody has failed with for a day and that are not locked: names tried
   * once by a password sprayer must not pile up forever.
   */
  private async prune(now: Date): Promise<void> {
    await this.rows.query(
      `DELETE FROM login_throttle
       WHERE last_failure_at < $1 AND (locked_until IS NULL OR locked_until <= $2)`,
      [new Date(now.getTime() - FAILURE_MEMORY_SECONDS * 1000), now],
    );
  }
}
