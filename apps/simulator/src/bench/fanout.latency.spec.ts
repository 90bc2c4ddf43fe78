import { dueSlots, probeIndexes, ProbeTracker, SentLog } from './fanout.latency';

function sentAt(entries: [number, number][]): SentLog {
  const log = new SentLog();
  for (const [version, at] of entries) log.record(version, at);
  return log;
}

describe('ProbeTracker', () => {
  const sent = sentAt([
    [11, 100],
    [12, 110],
    [13, 120],
    [14, 130],
  ]);

  it('measures each version from its own send time', () => {
    const probe = new ProbeTracker(10);
    expect(probe.receive(11, 103, sent)).toEqual({ samples: [3], lost: 0, coalesced: false });
    expect(probe.receive(12, 115, sent)).toEqual({ samples: [5], lost: 0, coalesced: false });
    expect(probe.version).toBe(12);
    expect(probe.events).toBe(2);
  });

  it('gives a coalesced update one sample per version it stands for', () => {
    const probe = new ProbeTracker(10);
    const receipt = probe.receive(13, 125, sent, 11);
    expect(receipt).toEqual({ samples: [25, 15, 5], lost: 0, coalesced: true });
    expect(probe.lost).toBe(0);
  });

  it('counts versions skipped without being stood for as lost', () => {
    const probe = new ProbeTracker(10);
    expect(probe.receive(13, 121, sent)).toEqual({ samples: [1], lost: 2, coalesced: false });
    expect(probe.lost).toBe(2);
    expect(probe.version).toBe(13);
  });

  it('ignores duplicates and versions before its start', () => {
    const probe = new ProbeTracker(12);
    expect(probe.receive(12, 200, sent).samples).toEqual([]);
    expect(probe.receive(11, 200, sent).samples).toEqual([]);
    // An update starting before the probe's snapshot counts only what is new to it.
    expect(probe.receive(14, 140, sent, 11)).toEqual({ samples: [20, 10], lost: 0, coalesced: true });
    expect(probe.events).toBe(1);
  });

  it('takes no sample for a version sent outside the measured window', () => {
    const probe = new ProbeTracker(14);
    expect(probe.receive(15, 150, sent)).toEqual({ samples: [], lost: 0, coalesced: false });
  });
});

describe('probeIndexes', () => {
  it('spreads probes over the join order, first and last included', () => {
    expect(probeIndexes(1000, 5)).toEqual([0, 250, 500, 749, 999]);
    expect(probeIndexes(10, 1)).toEqual([9]);
    expect(probeIndexes(3, 10)).toEqual([0, 1, 2]);
    expect(probeIndexes(10, 0)).toEqual([]);
  });
});

describe('dueSlots', () => {
  it('releases one slot per 1/rate seconds, the first at once', () => {
    expect(dueSlots(100, 0, 0, 1000)).toBe(1);
    expect(dueSlots(100, 9.9, 1, 1000)).toBe(0);
    expect(dueSlots(100, 10, 1, 1000)).toBe(1);
    // Late: every slot that fell due is released at once.
    expect(dueSlots(100, 55, 2, 1000)).toBe(4);
  });

  it('never goes past the total', () => {
    expect(dueSlots(100, 60_000, 990, 1000)).toBe(10);
    expect(dueSlots(100, 60_000, 1000, 1000)).toBe(0);
  });
});
