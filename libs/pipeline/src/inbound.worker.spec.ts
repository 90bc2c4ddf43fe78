import { isNotConnectionError } from 'bullmq';
import { jobError, sweepCutoff } from './inbound.worker';

describe('jobError', () => {
  it('turns a refused database connection into an error BullMQ fails and retries', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    // BullMQ's own test: as thrown, it is taken for a Redis connection failure (the job would hang).
    expect(isNotConnectionError(refused)).toBe(false);
    const reported = jobError(refused.message);
    expect(isNotConnectionError(reported)).toBe(true);
    expect(reported.message).toBe('not applied: connect connection refused 127.0.0.1:5432');
  });
});

describe('sweepCutoff', () => {
  const now = Date.parse('2026-11-21T12:00:00Z');
  it('takes messages at least the minimum age old when nothing is queued', () => {
    expect(sweepCutoff(now, 60_000, undefined)).toBe(now - 60_000);
    expect(sweepCutoff(now, 0, undefined)).toBe(now);
  });
  it('leaves alone what a job still to run may carry: only messages older than the oldest job, less 10 s', () => {
    // A backlog: the oldest waiting job was queued 5 minutes ago.
    expect(sweepCutoff(now, 60_000, now - 300_000)).toBe(now - 310_000);
    // A job queued just now: the age limit is the earlier one.
    expect(sweepCutoff(now, 60_000, now - 1_000)).toBe(now - 60_000);
    expect(sweepCutoff(now, 0, now - 1_000)).toBe(now - 11_000);
  });
});
