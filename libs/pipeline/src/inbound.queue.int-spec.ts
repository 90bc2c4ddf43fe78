import { dropRedisPrefix, TEST_REDIS_URL, uniqueName } from '../../../test/support/services';
import { RedisConnections } from '@circulator/realtime';
import { Worker } from 'bullmq';
import type { Linger } from './batcher';
import { InboundQueue, laneOf } from './inbound.queue';
import { INBOUND_QUEUE, type JobPayloads } from './pipeline.tokens';

/** For the enclosing describe: a queue on a Redis prefix of its own, dropped afterwards. */
function ownQueue(name: string, gather?: () => Linger): { connections: RedisConnections; queue: InboundQueue } {
  const prefix = uniqueName(name);
  const t = {} as { connections: RedisConnections; queue: InboundQueue };
  beforeAll(() => {
    t.connections = new RedisConnections({ url: TEST_REDIS_URL, prefix });
    t.queue = new InboundQueue(t.connections, gather?.());
  });
  afterAll(async () => {
    await t.queue.onApplicationShutdown();
    await dropRedisPrefix(prefix);
  });
  return t;
}

describe('InboundQueue.oldestPendingAt (Redis)', () => {
  const t = ownQueue('inboundq');

  it('is undefined for an empty queue, then the time of the oldest job still to run', async () => {
    const { queue } = t;
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
  /** The gather window's timer, released by the test (no real waiting). */
  const windows: (() => void)[] = [];
  const t = ownQueue('inboundg', () => ({
    ms: 15,
    now: () => 0,
    wait: () => new Promise<void>((resolve) => windows.push(resolve)),
  }));

  const ids = async () =>
    (await t.queue.queue.getJobs(['wait'], 0, -1, true)).map((j) => {
      const data = j.data as JobPayloads['inbox.apply'];
      return { id: j.id, inboxIds: data.inboxIds ?? [data.inboxId] };
    });

  it('gathers each lane apart', async () => {
    const { queue } = t;
    const bulk = queue.enqueueGathered(['191'], 'bulk');
    const first = queue.enqueueGathered(['192']);
    await new Promise((resolve) => setImmediate(resolve));
    expect(windows).toHaveLength(2);
    for (const open of windows.splice(0)) open();
    await Promise.all([bulk, first]);
    expect((await queue.queue.getJob('inbox-191'))?.opts.priority).toBe(1);
    expect((await queue.queue.getJob('inbox-192'))?.opts.priority ?? 0).toBe(0);
    await queue.queue.obliterate({ force: true });
  });

  it('queues the commits of one window as one job, and nothing before the window ends', async () => {
    const { queue } = t;
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
    const { queue, connections } = t;
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
      t.queue = new InboundQueue(connections);
    }
  });
});

describe('InboundQueue lanes (Redis)', () => {
  const t = ownQueue('inboundl');

  it('puts results and device observations (ORU^R01) in the bulk lane, everything else first', () => {
    expect(laneOf('ORU^R01')).toBe('bulk');
    for (const type of ['SIU^S12', 'ADT^A08', 'ORM^O01', 'OMG^O19', 'ORU^R40', 'MQTT', null, undefined]) {
      expect(laneOf(type)).toBe('first');
    }
  });

  it('has the worker take the first lane before bulk jobs queued earlier, each lane in its order', async () => {
    const { queue, connections } = t;
    await queue.enqueueMany(['401', '402'], 'bulk');
    await queue.enqueueApply('403', 'bulk');
    await queue.enqueueMany(['404', '405']);
    await queue.enqueueApply('406');
    expect((await queue.queue.getJob('inbox-403'))?.opts.priority).toBe(1);
    expect(await queue.queue.getJobCounts('wait', 'prioritized')).toEqual({ wait: 2, prioritized: 2 });

    const taken: string[] = [];
    const connection = connections.create('lanes-worker', { maxRetriesPerRequest: null });
    let allTaken!: () => void;
    const done = new Promise<void>((resolve) => (allTaken = resolve));
    const worker = new Worker(
      INBOUND_QUEUE,
      (job) => {
        taken.push(job.id ?? '?');
        if (taken.length === 4) allTaken();
        return Promise.resolve('ok');
      },
      { connection, prefix: connections.key('bull'), concurrency: 1 },
    );
    try {
      await done;
    } finally {
      await worker.close();
      connection.disconnect();
    }
    expect(taken).toEqual(['inboxes-404-405', 'inbox-406', 'inboxes-401-402', 'inbox-403']);
  });
});
