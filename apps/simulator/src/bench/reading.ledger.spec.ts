import { ReadingLedger } from './reading.ledger';

describe('reading ledger', () => {
  /** Two rooms; room 0 has two displays, room 1 one. Readings at 1000, 1050, 1100 ms in room 0. */
  function ledger(): { l: ReadingLedger; a: number; b: number; c: number } {
    const l = new ReadingLedger(2);
    const a = l.addDisplay(0);
    const b = l.addDisplay(0);
    const c = l.addDisplay(1);
    l.record(0, 1_000, 10);
    l.record(0, 1_050, 60);
    l.record(0, 1_100, 110);
    return { l, a, b, c };
  }

  it('counts each reading once per display of its room, when first shown, by the time it carries', () => {
    const { l, a, b, c } = ledger();
    expect(l.unseen()).toBe(6);
    l.shown(a, 1_050, 100, 'update'); // shows the first two readings to display a
    expect(l.toDisplay).toEqual([90, 40]);
    l.shown(a, 1_050, 105, 'update'); // a repeat: nothing new
    l.shown(b, 1_100, 130, 'update');
    expect(l.toDisplay).toEqual([90, 40, 120, 70, 20]);
    l.shown(c, 5_000, 200, 'update'); // nothing was recorded in room 1
    expect(l.toDisplay).toHaveLength(5);
    expect(l.unseen()).toBe(1); // the third reading, on display a
    expect(l.readings).toBe(3);
  });

  it('keeps vitals events apart: their latency includes the throttle wait, their age does not', () => {
    const { l, a } = ledger();
    l.shown(a, 1_000, 30, 'update');
    l.shown(a, 1_100, 1_020, 'vitals');
    // Shown by the update first; the vitals event still counts for the vitals-only figure.
    expect(l.toDisplay).toEqual([20, 960, 910]);
    expect(l.toVitals).toEqual([1_010, 960, 910]);
    // The event's newest reading (1100, published at 110) was 910 ms old on arrival.
    expect(l.vitalsAge).toEqual([910]);
    expect(l.unseen()).toBe(3); // display b saw nothing
  });

  it('takes no age from a vitals event whose time is none of the readings (another sender’s)', () => {
    const { l, a } = ledger();
    l.shown(a, 1_075, 500, 'vitals');
    expect(l.toVitals).toEqual([490, 440]);
    expect(l.vitalsAge).toEqual([]);
  });

  it('gives readings of one room distinct, rising times even within one millisecond', () => {
    const l = new ReadingLedger(1);
    const first = l.nextAt(0, 2_000.7);
    expect(first).toBe(2_000);
    l.record(0, first, 0);
    expect(l.nextAt(0, 2_000.9)).toBe(2_001);
    expect(l.nextAt(0, 2_500)).toBe(2_500);
    expect(() => l.record(0, 2_000, 1)).toThrow(/must rise/);
  });

  it('refuses rooms and displays it does not have', () => {
    const l = new ReadingLedger(1);
    expect(() => l.addDisplay(1)).toThrow(/no room 1/);
    expect(() => l.shown(0, 1, 1, 'update')).toThrow(/no display 0/);
  });
});
