import { isNotConnectionError } from 'bullmq';
import { jobError } from './inbound.worker';

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
