import { dropRedisPrefix, TEST_REDIS_URL, uniqueName } from '../../../test/support/services';
import { RedisConnections } from '@circulator/realtime';
import { InboundQueue } from './inbound.queue';
import type { JobPayloads } from './pipeline.tokens';

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

describe('InboundQueue.enqueueGathered (Redis)', () => {
  const prefix = uniqueName('inboundg');
  let connections: RedisConnections;
  let queue: InboundQueue;
  /** The gather window's timer, released by the test (no real waiting). */
  let windows: (() => void)[];

  beforeAll(() => {
    connections = new RedisConnections({ url: TEST_REDIS_URL, prefix });
    windows = [];
    queue = new InboundQueue(connections, {
      ms: 15,
      now: () => 0,
      wait: () => new Promise<void>((resolve) => windows.push(resolve)),
    });
  });
  afterAll(async () => {
    await queue.onApplicationShutdown();
    await dropRedisPrefix(prefix);
  });

  const ids = async () =>
    (await queue.queue.getJobs(['wait'], 0, -1, true)).map((j) => {
      const data = j.data as JobPayloads['inbox.apply'];
      return { id: j.id, inboxIds: data.inboxIds ?? [data.inboxId] };
    });

  it('queues the commits of one window as one job, and nothing before the window ends', async () => {
    const commits = [
      queue.enqueueGathered(['201', '202']),
      queue.enqueueGathered(['203']),
      queue.enqueueGathered(['204', '205']),
    ];
    await new Promise((resolve) => setImmediate(resolve));
    expect(windows).toHaveLength(1);
    expect(await ids()).toEqual([]);

    windows.shift()!();
    await Promise.all(commits);
    expect(await ids()).toEqual([{ id: 'inboxes-201-205', inboxIds: ['201', '202', '203', '204', '205'] }]);
  });

  it('leaves empty commits out, and finishes what waits before it closes', async () => {
    await expect(queue.enqueueGathered([])).resolves.toBeUndefined();
    const pending = queue.enqueueGathered(['301']);
    await new Promise((resolve) => setImmediate(resolve));
    expect(windows).toHaveLength(1);
    const closing = queue.onApplicationShutdown();
    windows.shift()!();
    await Promise.all([pending, closing]);
    // Closed: read the job back through a queue of its own.
    const reader = new InboundQueue(connections);
    try {
      expect((await reader.queue.getJob('inbox-301'))?.data).toEqual({ inboxId: '301' });
    } finally {
      await reader.onApplicationShutdown();
      queue = new InboundQueue(connections);
    }
  });
});
