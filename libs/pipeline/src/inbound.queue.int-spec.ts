import { dropRedisPrefix, TEST_REDIS_URL, uniqueName } from '../../../test/support/services';
import { RedisConnections } from '@circulator/realtime';
import { InboundQueue } from './inbound.queue';

describe('InboundQueue.oldestPendingAt (Redis)', () => {
  const prefix = uniqueName('inboundq');
  let connections: RedisConnections;
  let queue: InboundQueue;

  beforeAll(() => {
    connections = new RedisConnections({ url: TEST_REDIS_URL, prefix });
    queue = new InboundQueue(connections);
  });
  afterAll(async () => {
    await queue.onApplicationShutdown();
    await dropRedisPrefix(prefix);
  });

  it('is undefined for an empty queue, then the time of the oldest job still to run', async () => {
    expect(await queue.oldestPendingAt()).toBeUndefined();
    await queue.enqueueMany(['101', '102', '103']);
    const first = await queue.queue.getJob('inboxes-101-103');
    await queue.enqueueApply('104');
    await queue.enqueueMany(['105', '106']);
    expect(first).toBeDefined();
    expect(await queue.oldestPendingAt()).toBe(first!.timestamp);

    // Once the oldest is gone (taken and finished), the next one is the oldest.
    await first!.remove();
    const second = await queue.queue.getJob('inbox-104');
    expect(await queue.oldestPendingAt()).toBe(second!.timestamp);

    // A retry waiting out its backoff is still to run.
    await queue.queue.add('inbox.apply', { inboxId: '99' }, { jobId: 'inbox-99', delay: 60_000, timestamp: 1_000 });
    expect(await queue.oldestPendingAt()).toBe(1_000);
  });
});
