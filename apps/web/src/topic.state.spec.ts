import { describe, expect, it } from '@jest/globals';
import type { UpdateEvent } from '@circulator/contracts';
import {
  applySnapshot,
  applyUpdate,
  beginSubscribe,
  topicCases,
  initialTopicState,
  MAX_BUFFERED_UPDATES,
  type TopicState,
} from './topic.state';
import { aCase } from './test.fixtures';

const topic = 'board:2026-11-21';

function synced(version: number, cases = [aCase({ id: 'c1' }), aCase({ id: 'c2' })]): TopicState {
  return applySnapshot(initialTopicState(topic), { topic, version, snapshot: { cases } }).state;
}

function update(version: number, rest: Partial<UpdateEvent> = {}): UpdateEvent {
  return { topic, version, ...rest };
}

describe('applySnapshot', () => {
  it('replaces the cases and takes the topic version', () => {
    const state = synced(7);
    expect(state.version).toBe(7);
    expect(state.syncing).toBe(false);
    expect(topicCases(state).map((c) => c.id)).toEqual(['c1', 'c2']);
  });

  it('ignores an ack for another topic (a stale one, after a date change)', () => {
    const state = initialTopicState(topic);
    const step = applySnapshot(state, { topic: 'board:2026-11-22', version: 3, snapshot: { cases: [] } });
    expect(step.state).toBe(state);
    expect(step.resubscribe).toBe(false);
  });

  it('applies updates buffered before the ack when they are newer than the snapshot', () => {
    let state = initialTopicState(topic);
    state = applyUpdate(state, update(5, { cases: [aCase({ id: 'c1', version: 9, status: 'pre-op' })] })).state;
    state = applyUpdate(state, update(6, { cases: [aCase({ id: 'c1', version: 10, status: 'in-room' })] })).state;
    state = applyUpdate(state, update(7, { removed: ['c2'] })).state;
    expect(state.buffer).toHaveLength(3);
    expect(topicCases(state)).toEqual([]);

    const step = applySnapshot(state, {
      topic,
      version: 5,
      snapshot: { cases: [aCase({ id: 'c1', version: 9, status: 'pre-op' }), aCase({ id: 'c2' })] },
    });
    expect(step.resubscribe).toBe(false);
    expect(step.state.version).toBe(7);
    expect(step.state.buffer).toEqual([]);
    expect(topicCases(step.state).map((c) => [c.id, c.status])).toEqual([['c1', 'in-room']]);
  });

  it('replays buffered updates in version order even when they arrived out of order', () => {
    let state = initialTopicState(topic);
    state = applyUpdate(state, update(3, { cases: [aCase({ id: 'c1', version: 3 })] })).state;
    state = applyUpdate(state, update(2, { cases: [aCase({ id: 'c1', version: 2 })] })).state;
    const step = applySnapshot(state, { topic, version: 1, snapshot: { cases: [aCase({ id: 'c1' })] } });
    expect(step.resubscribe).toBe(false);
    expect(step.state.version).toBe(3);
    expect(step.state.cases.get('c1')?.version).toBe(3);
  });

  it('asks for a re-subscribe when the buffer has a gap after the snapshot', () => {
    let state = initialTopicState(topic);
    state = applyUpdate(state, update(8)).state;
    const step = applySnapshot(state, { topic, version: 6, snapshot: { cases: [] } });
    expect(step.resubscribe).toBe(true);
    expect(step.state.syncing).toBe(true);
  });
});

describe('a snapshot with more than cases (room:)', () => {
  it("keeps the snapshot's extra and its time until the next snapshot: updates change cases only", () => {
    const room = 'room:or1';
    const extra = { devices: ['mon-1'] };
    let state = applySnapshot(
      initialTopicState<typeof extra>(room),
      { topic: room, version: 2, snapshot: { cases: [], extra } },
      5_000,
    ).state;
    expect(state.extra).toBe(extra);
    expect(state.snapshotAt).toBe(5_000);
    state = applyUpdate(state, { topic: room, version: 3, cases: [aCase({ id: 'c1' })] }).state;
    expect(state.extra).toBe(extra);
    expect(state.snapshotAt).toBe(5_000);
    const fresh = { devices: [] };
    state = applySnapshot(
      beginSubscribe(state),
      { topic: room, version: 9, snapshot: { cases: [], extra: fresh } },
      9_000,
    ).state;
    expect(state.extra).toBe(fresh);
    expect(state.snapshotAt).toBe(9_000);
  });
});

describe('applyUpdate', () => {
  it('applies the next version: changed cases in full, new cases added, removed cases gone', () => {
    const step = applyUpdate(
      synced(4),
      update(5, { cases: [aCase({ id: 'c1', version: 2, status: 'in-room' }), aCase({ id: 'c3' })], removed: ['c2'] }),
    );
    expect(step.resubscribe).toBe(false);
    expect(step.state.version).toBe(5);
    expect(topicCases(step.state).map((c) => [c.id, c.status])).toEqual([
      ['c1', 'in-room'],
      ['c3', 'scheduled'],
    ]);
  });

  it('never replaces a case with one whose version is not higher', () => {
    const state = synced(4, [aCase({ id: 'c1', version: 5, status: 'in-procedure' })]);
    const step = applyUpdate(state, update(5, { cases: [aCase({ id: 'c1', version: 5, status: 'scheduled' })] }));
    expect(step.state.version).toBe(5);
    expect(step.state.cases.get('c1')?.status).toBe('in-procedure');
    const older = applyUpdate(step.state, update(6, { cases: [aCase({ id: 'c1', version: 3 })] }));
    expect(older.state.cases.get('c1')?.version).toBe(5);
  });

  it('ignores a repeated or older topic version', () => {
    const state = synced(4);
    const step = applyUpdate(state, update(4, { removed: ['c1'] }));
    expect(step.state).toBe(state);
    expect(step.resubscribe).toBe(false);
  });

  it('asks for a re-subscribe on a gap and buffers what follows', () => {
    const step = applyUpdate(synced(4), update(6, { removed: ['c1'] }));
    expect(step.resubscribe).toBe(true);
    expect(step.state.syncing).toBe(true);
    // The cases on screen stay until the new snapshot replaces them.
    expect(topicCases(step.state)).toHaveLength(2);
    const next = applyUpdate(step.state, update(7));
    expect(next.resubscribe).toBe(false);
    expect(next.state.buffer.map((u) => u.version)).toEqual([7]);
  });

  it('ignores updates of other topics', () => {
    const state = synced(4);
    expect(applyUpdate(state, { topic: 'board:2026-11-22', version: 9 }).state).toBe(state);
  });

  it('bounds the buffer while syncing', () => {
    let state = beginSubscribe(synced(1));
    for (let v = 2; v < MAX_BUFFERED_UPDATES + 10; v += 1) state = applyUpdate(state, update(v)).state;
    expect(state.buffer).toHaveLength(MAX_BUFFERED_UPDATES);
  });

  it('does not mutate the previous state', () => {
    const state = synced(4);
    const before = [...state.cases.keys()];
    applyUpdate(state, update(5, { removed: ['c1'], cases: [aCase({ id: 'c9' })] }));
    expect([...state.cases.keys()]).toEqual(before);
    expect(state.version).toBe(4);
  });
});
