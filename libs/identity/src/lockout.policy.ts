/**
 * Account lockout after repeated failed sign-ins (NIST SP 800-63B §5.2.2, rate limiting; OWASP
 * ASVS V2.2.1). Pure: the repository reads and writes the state, the clock is passed in.
 *
 * Counted per normalised user name, known or not, so that a locked answer never tells whether an
 * account exists. A success resets the count. While locked, attempts are refused without being
 * counted or checked, even with the right password. When the lock ends the count starts again
 * from zero.
 */

/** The settings the decision needs. */
export interface LockoutPolicy {
  /** Consecutive failures that start a lock. */
  threshold: number;
  /** Length of a lock in seconds. */
  lockSeconds: number;
}

/** What is stored per user name. */
export interface ThrottleState {
  failures: number;
  lastFailureAt: Date | null;
  lockedUntil: Date | null;
}

/**
 * Failures are forgotten after a day without another one. This bounds the table (rows of names
 * nobody tries any more can be pruned) and keeps a lone mistyped password a week ago from
 * counting against today's.
 */
export const FAILURE_MEMORY_SECONDS = 24 * 3600;

/** The end of the lock in force at `now`, or undefined when the name is not locked. */
export function lockedUntil(state: ThrottleState | undefined, now: Date): Date | undefined {
  const until = state?.lockedUntil;
  return until && until.getTime() > now.getTime() ? until : undefined;
}

/** The outcome of one more failed sign-in. */
export interface FailureOutcome {
  state: ThrottleState;
  /** True on exactly the failure that started a lock (audited as `auth.lockout`). */
  lockStarted: boolean;
}

/** The state after a failed attempt at `now`. */
export function afterFailure(state: ThrottleState | undefined, now: Date, policy: LockoutPolicy): FailureOutcome {
  if (state && lockedUntil(state, now)) {
    // Refused before it was checked: it neither counts nor extends the lock (a lock an attacker
    // could extend forever would lock the real user out forever).
    return { state, lockStarted: false };
  }
  const remembered =
    state?.lastFailureAt && now.getTime() - state.lastFailureAt.getTime() < FAILURE_MEMORY_SECONDS * 1000
      ? state.failures
      : 0;
  const failures = remembered + 1;
  if (failures >= policy.threshold) {
    return {
      state: { failures: 0, lastFailureAt: now, lockedUntil: new Date(now.getTime() + policy.lockSeconds * 1000) },
      lockStarted: true,
    };
  }
  return { state: { failures, lastFailureAt: now, lockedUntil: null }, lockStarted: false };
}
