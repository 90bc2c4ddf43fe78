import { Redis } from 'ioredis';
import type { CaseState } from '@circulator/domain';
import { dropRedisPrefix, TEST_REDIS_URL, uniqueName } from '../../../test/support/services';
import { ChangeBus } from './change.bus';
import { RedisConnections } from './redis.connections';

/** The change stream on the machine's Redis: what a worker appends is what every gateway decodes. */
describe('ChangeBus on Redis', () => {
  const prefix = uniqueName('changebus');
  let connections: RedisConnections;
  let bus: ChangeBus;
  let reader: Redis;

  beforeAll(() => {
    connections = new RedisConnections({ url: TEST_REDIS_URL, prefix });
    bus = new ChangeBus(connections);
    bus.onModuleInit();
    reader = new Redis(TEST_REDIS_URL);
  });
  afterAll(async () => {
    await connections.onApplicationShutdown();
    reader.disconnect();
    await dropRedisPrefix(prefix);
  });

  const entries = async () =>
    (await reader.xrange(bus.stream, '-', '+')).map(([id, fields]) => ChangeBus.decodeEntry(id, fields));

  it('gives each topic its next version and hands the change to readers as published', async () => {
    // A state with characters the old JSON envelope had to escape (quotes, backslashes, line ends).
    const state = { id: 'c1', version: 3, procedure: { text: 'Knee "TKA" \\ left\nside' } } as unknown as CaseState;
    const first = await bus.publish('c1', state, [
      { topic: 'room:or1', removed: false },
      { topic: 'board:2026-11-23', removed: false },
    ]);
    const second = await bus.publish('c1', state, [{ topic: 'room:or1', removed: false }]);
    const none = await bus.publish('c2', state, []);
    expect(first).toEqual([1, 1]);
    expect(second).toEqual([2]);
    expect(none).toEqual([]);
    const read = await entries();
    expect(read.map((e) => e?.kind)).toEqual(['change', 'change', 'change']);
    const [a, b, c] = read.map((e) => (e?.kind === 'change' ? e.change : undefined));
    expect(a).toEqual({
      caseId: 'c1',
      state,
      topics: [
        { topic: 'room:or1', removed: false, version: 1 },
        { topic: 'board:2026-11-23', removed: false, version: 1 },
      ],
    });
    expect(b?.topics).toEqual([{ topic: 'room:or1', removed: false, version: 2 }]);
    expect(c).toEqual({ caseId: 'c2', state, topics: [] });
    expect(await bus.version('room:or1')).toBe(2);
  });

  it('does not append a state older than one appended for its case (a stalled worker publishing late)', async () => {
    const at = (version: number) => ({ id: 'c5', version }) as unknown as CaseState;
    const topics = [{ topic: 'case:c5', removed: false }];
    expect(await bus.publish('c5', at(2), topics)).toEqual([1]);
    expect(await bus.publish('c5', at(1), topics)).toEqual([]);
    expect(await bus.publish('c5', at(2), topics)).toEqual([2]);
    expect(await bus.publish('c5', at(3), topics)).toEqual([3]);
    const mine = (await entries()).flatMap((e) => (e?.kind === 'change' && e.change.caseId === 'c5' ? [e.change] : []));
    expect(mine.map((c) => [c.state.version, c.topics[0]?.version])).toEqual([
      [2, 1],
      [2, 2],
      [3, 3],
    ]);
    expect(await bus.version('case:c5')).toBe(3);
  });

  it('still reads an entry in the previous format (one JSON envelope), and a revocation', async () => {
    const body = JSON.stringify({ caseId: 'c9', state: { id: 'c9' }, topics: [{ topic: 'case:c9', removed: false }] });
    const oldId = await reader.xadd(bus.stream, '*', 'm', JSON.stringify({ versions: [7], body }));
    await bus.revoke({ kind: 'display', sub: 'd1' });
    const read = await entries();
    const old = read.find((e) => e?.id === oldId);
    expect(old).toEqual({
      id: oldId,
      kind: 'change',
      change: { caseId: 'c9', state: { id: 'c9' }, topics: [{ topic: 'case:c9', removed: false, version: 7 }] },
    });
    expect(read.at(-1)).toMatchObject({ kind: 'revoke', subject: { kind: 'display', sub: 'd1' } });
    expect(ChangeBus.decodeEntry('1-1', ['x', 'y'])).toBeUndefined();
  });
});
