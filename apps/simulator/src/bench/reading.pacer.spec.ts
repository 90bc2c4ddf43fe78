import { ReadingPacer } from './reading.pacer';

describe('reading pacer', () => {
  it('spreads the rooms over each interval and keeps every room at its own rate', () => {
    // 4 rooms × 2 readings/s: a slot every 125 ms, room by room.
    const pacer = new ReadingPacer({ rooms: 4, perRoom: 2, durationMs: 1_000 });
    expect(pacer.total).toBe(8);
    expect(pacer.take(0)).toEqual([{ room: 0, seq: 0, atMs: 0 }]);
    expect(pacer.nextDueMs()).toBe(125);
    expect(pacer.take(124.9)).toEqual([]);
    expect(pacer.take(375)).toEqual([
      { room: 1, seq: 0, atMs: 125 },
      { room: 2, seq: 0, atMs: 250 },
      { room: 3, seq: 0, atMs: 375 },
    ]);
    expect(pacer.take(500)).toEqual([{ room: 0, seq: 1, atMs: 500 }]);
  });

  it('gives a late sender everything it missed at once, never skipping, and stops at the window', () => {
    const pacer = new ReadingPacer({ rooms: 3, perRoom: 20, durationMs: 2_000 });
    expect(pacer.total).toBe(120);
    const late = pacer.take(10_000);
    expect(late).toHaveLength(120);
    expect(late.every((s, i) => i === 0 || s.atMs > late[i - 1]!.atMs)).toBe(true);
    for (const room of [0, 1, 2]) {
      expect(late.filter((s) => s.room === room).map((s) => s.seq)).toEqual(Array.from({ length: 40 }, (_, i) => i));
    }
    expect(pacer.take(20_000)).toEqual([]);
    expect(pacer.nextDueMs()).toBeUndefined();
    expect(pacer.taken).toBe(120);
  });

  it('sends rooms × rate × seconds for the figures of issue 5 (100 rooms × 20/s × 60 s)', () => {
    expect(new ReadingPacer({ rooms: 100, perRoom: 20, durationMs: 60_000 }).total).toBe(120_000);
  });

  it('refuses an empty plan', () => {
    expect(() => new ReadingPacer({ rooms: 0, perRoom: 20, durationMs: 1_000 })).toThrow(/rooms/);
    expect(() => new ReadingPacer({ rooms: 1, perRoom: 20, durationMs: 0 })).toThrow(/duration/);
  });
});
