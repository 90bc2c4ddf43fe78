import fc from 'fast-check';
import type { CaseView, UpdateEvent } from '@circulator/contracts';
import { compareStreamIds, TopicPacer, type PacerTimer } from './topic.pacer';

/** A timer driven by the test: `fire()` runs what is due, as the end of a tick. */
class ManualTimer implements PacerTimer {
  private due: (() => void) | undefined;
  armed = 0;
  set(fn: () => void): unknown {
    this.armed += 1;
    this.due = fn;
    return fn;
  }
  clear(): void {
    this.due = undefined;
  }
  get running(): boolean {
    return this.due !== undefined;
  }
  fire(): void {
    const fn = this.due;
    this.due = undefined;
    fn?.();
  }
}

const view = (id: string, version: number) => ({ id, version }) as unknown as CaseView;
const update = (topic: string, version: number, cases: CaseView[]): UpdateEvent => ({ topic, version, cases });

function setUp(tickMs = 20) {
  const timer = new ManualTimer();
  const sent: { room: string; update: UpdateEvent; offset: string }[] = [];
  let current = '0-0';
  const pacer: TopicPacer = new TopicPacer(
    tickMs,
    (room, u) => sent.push({ room, update: u, offset: pacer.safeOffset(current) }),
    timer,
  );
  return { timer, sent, pacer, at: (offset: string) => (current = offset) };
}

describe('TopicPacer', () => {
  it('sends a room its first update at once and coalesces the rest of the tick', () => {
    const { timer, sent, pacer } = setUp();
    pacer.offer([{ room: 'board:d#full', update: update('board:d', 1, [view('a', 1)]), before: '1-0' }]);
    expect(sent.map((s) => s.update.version)).toEqual([1]);
    pacer.offer([{ room: 'board:d#full', update: update('board:d', 2, [view('a', 2)]), before: '2-0' }]);
    pacer.offer([{ room: 'board:d#full', update: update('board:d', 3, [view('b', 1)]), before: '3-0' }]);
    expect(sent).toHaveLength(1);
    expect(pacer.pendingRooms).toBe(1);

    timer.fire();
    expect(sent).toHaveLength(2);
    expect(sent[1]?.update).toEqual({ topic: 'board:d', from: 2, version: 3, cases: [view('a', 2), view('b', 1)] });
  });

  it('stops ticking when a tick passes with nothing to send, and then sends at once again', () => {
    const { timer, sent, pacer } = setUp();
    pacer.offer([{ room: 'r', update: update('room:1', 1, [view('a', 1)]), before: '1-0' }]);
    expect(timer.running).toBe(true);
    timer.fire(); // nothing pending: the room cools down, no timer is left running
    expect(timer.running).toBe(false);
    pacer.offer([{ room: 'r', update: update('room:1', 2, [view('a', 2)]), before: '2-0' }]);
    expect(sent.map((s) => s.update.version)).toEqual([1, 2]);
  });

  it('keeps ticking while a room stays busy, one update per tick', () => {
    const { timer, sent, pacer } = setUp();
    let version = 0;
    for (let tick = 0; tick < 5; tick++) {
      for (let k = 0; k < 4; k++) {
        version += 1;
        pacer.offer([{ room: 'r', update: update('room:1', version, [view('a', version)]), before: `${version}-0` }]);
      }
      timer.fire();
    }
    // 20 updates in 5 ticks: the first at once, then one per tick.
    expect(sent.map((s) => [s.update.from ?? s.update.version, s.update.version])).toEqual([
      [1, 1],
      [2, 4],
      [5, 8],
      [9, 12],
      [13, 16],
      [17, 20],
    ]);
  });

  it('paces each room on its own', () => {
    const { sent, pacer } = setUp();
    pacer.offer([
      { room: 'a', update: update('room:1', 1, [view('x', 1)]), before: '1-0' },
      { room: 'b', update: update('room:2', 1, [view('y', 1)]), before: '1-0' },
    ]);
    expect(sent.map((s) => s.room)).toEqual(['a', 'b']);
  });

  it('never stamps a packet past a change that is not yet written', () => {
    const { timer, sent, pacer, at } = setUp();
    at('1-0');
    pacer.offer([{ room: 'a', update: update('room:1', 1, [view('x', 1)]), before: '0-0' }]);
    // Entry 2-0 touches a (cooling: held) ; entry 3-0 touches b in the same batch.
    at('3-0');
    pacer.offer([
      { room: 'a', update: update('room:1', 2, [view('x', 2)]), before: '1-0' },
      { room: 'b', update: update('room:2', 1, [view('y', 1)]), before: '2-0' },
    ]);
    // b's packet is written while a's change (after 1-0) is held: it may claim 1-0, not 3-0.
    expect(sent.at(-1)).toMatchObject({ room: 'b', offset: '1-0' });
    timer.fire();
    // Once a's update is written nothing is held: the current offset.
    expect(sent.at(-1)).toMatchObject({ room: 'a', offset: '3-0' });
    expect(pacer.safeOffset('3-0')).toBe('3-0');
  });

  it('holds the offset back for updates of one batch until each is written', () => {
    const offsets: string[] = [];
    const pacer: TopicPacer = new TopicPacer(20, () => offsets.push(pacer.safeOffset('9-0')), new ManualTimer());
    pacer.offer([
      { room: 'a', update: update('room:1', 1, []), before: '5-0' },
      { room: 'b', update: update('room:2', 1, []), before: '7-0' },
    ]);
    // a is written while b (after 7-0) is not yet: 7-0; then b, with nothing left: 9-0.
    expect(offsets).toEqual(['7-0', '9-0']);
  });

  it('gives the oldest unsent offset whatever the order of offers, forgets and ticks (against a plain scan)', () => {
    const id = fc.tuple(fc.integer({ min: 0, max: 30 }), fc.integer({ min: 0, max: 3 })).map(([m, q]) => `${m}-${q}`);
    const op = fc.oneof(
      fc.record({
        kind: fc.constant('offer' as const),
        items: fc.array(fc.record({ room: fc.constantFrom('a', 'b', 'c', 'd'), before: id }), { maxLength: 4 }),
      }),
      fc.record({ kind: fc.constant('tick' as const) }),
      fc.record({ kind: fc.constant('forget' as const), room: fc.constantFrom('a', 'b', 'c', 'd') }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 40 }), fc.boolean(), (ops, rising) => {
        // The model: every room offered and not yet written or forgotten, with its first offset.
        const held = new Map<string, string>();
        const scan = (current: string) =>
          [...held.values()].reduce((safe, b) => (compareStreamIds(b, safe) < 0 ? b : safe), current);
        const timer = new ManualTimer();
        const seen: [string, string][] = [];
        const pacer: TopicPacer = new TopicPacer(
          20,
          (room) => {
            held.delete(room);
            seen.push([pacer.safeOffset('99-9'), scan('99-9')]);
          },
          timer,
        );
        let clock = 0;
        for (const o of ops) {
          if (o.kind === 'offer') {
            // Stream order (as the gateway offers) or any order (the scan's fallback).
            const items = o.items.map((x) => (rising ? { ...x, before: `${(clock += 1)}-0` } : x));
            for (const { room, before } of items) if (!held.has(room)) held.set(room, before);
            pacer.offer(items.map((x) => ({ ...x, update: update(`room:${x.room}`, 1, []) })));
          } else if (o.kind === 'tick') timer.fire();
          else {
            held.delete(o.room);
            pacer.forget(o.room);
          }
          seen.push([pacer.safeOffset('99-9'), scan('99-9')]);
        }
        for (const [got, want] of seen) expect(got).toBe(want);
      }),
    );
  });

  it('with a tick of 0 sends everything at once', () => {
    const { timer, sent, pacer } = setUp(0);
    pacer.offer([{ room: 'r', update: update('room:1', 1, []), before: '1-0' }]);
    pacer.offer([{ room: 'r', update: update('room:1', 2, []), before: '2-0' }]);
    expect(sent.map((s) => s.update.version)).toEqual([1, 2]);
    expect(timer.armed).toBeLessThanOrEqual(1);
  });

  it('drops what is pending when stopped', () => {
    const { timer, sent, pacer } = setUp();
    pacer.offer([{ room: 'r', update: update('room:1', 1, []), before: '1-0' }]);
    pacer.offer([{ room: 'r', update: update('room:1', 2, []), before: '2-0' }]);
    pacer.stop();
    timer.fire();
    expect(sent).toHaveLength(1);
    expect(pacer.safeOffset('4-0')).toBe('4-0');
  });
});

describe('compareStreamIds', () => {
  it('orders by time, then sequence, numerically', () => {
    expect(compareStreamIds('9-0', '10-0')).toBeLessThan(0);
    expect(compareStreamIds('10-2', '10-10')).toBeLessThan(0);
    expect(compareStreamIds('1700000000000-5', '1700000000000-5')).toBe(0);
    expect(compareStreamIds('1700000000001-0', '1700000000000-99')).toBeGreaterThan(0);
  });
});
