import { afterFailure, FAILURE_MEMORY_SECONDS, lockedUntil, type ThrottleState } from './lockout.policy';

const policy = { threshold: 5, lockSeconds: 900 };
const t0 = new Date('2026-11-21T07:00:00Z');
const at = (seconds: number) => new Date(t0.getTime() + seconds * 1000);

/** Applies failures at the given offsets; returns the final state and which ones started a lock. */
function fail(offsets: number[], start?: ThrottleState) {
  let state = start;
  const started: number[] = [];
  offsets.forEach((offset, i) => {
    const outcome = afterFailure(state, at(offset), policy);
    state = outcome.state;
    if (outcome.lockStarted) started.push(i + 1);
  });
  return { state, started };
}

describe('lockout decision', () => {
  it('is not locked without failures', () => {
    expect(lockedUntil(undefined, t0)).toBeUndefined();
  });

  it('locks on the fifth consecutive failure, for 15 minutes, and says so exactly once', () => {
    const four = fail([0, 1, 2, 3]);
    expect(four.started).toEqual([]);
    expect(lockedUntil(four.state, at(3))).toBeUndefined();
    const five = fail([0, 1, 2, 3, 4]);
    expect(five.started).toEqual([5]);
    expect(lockedUntil(five.state, at(4))).toEqual(at(4 + 900));
  });

  it('neither counts nor extends attempts made while locked', () => {
    const { state, started } = fail([0, 1, 2, 3, 4, 5, 6, 100, 899]);
    expect(started).toEqual([5]);
    expect(state?.lockedUntil).toEqual(at(904));
  });

  it('ends the lock when its time is up, and counts afresh after it', () => {
    const locked = fail([0, 1, 2, 3, 4]).state;
    expect(lockedUntil(locked, at(903))).toEqual(at(904));
    expect(lockedUntil(locked, at(904))).toBeUndefined();
    const after = afterFailure(locked, at(905), policy);
    expect(after).toEqual({ state: { failures: 1, lastFailureAt: at(905), lockedUntil: null }, lockStarted: false });
  });

  it('forgets failures after a day without another one', () => {
    const four = fail([0, 1, 2, 3]).state;
    const much = afterFailure(four, at(3 + FAILURE_MEMORY_SECONDS), policy);
    expect(much.state.failures).toBe(1);
    const soon = afterFailure(four, at(3 + FAILURE_MEMORY_SECONDS - 1), policy);
    expect(soon.lockStarted).toBe(true);
  });

  it('follows the configured threshold and duration', () => {
    const outcome = afterFailure(undefined, t0, { threshold: 1, lockSeconds: 60 });
    expect(outcome.lockStarted).toBe(true);
    expect(lockedUntil(outcome.state, t0)).toEqual(at(60));
  });
});
