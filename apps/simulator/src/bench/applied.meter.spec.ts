import { AppliedMeter, parseAppliedCount } from './applied.meter';

describe('parseAppliedCount', () => {
  it('sums the MLLP series of the applied counter, applied and failed apart', () => {
    const text = [
      '# HELP circulator_messages_applied_total Stored messages the worker applied',
      '# TYPE circulator_messages_applied_total counter',
      'circulator_messages_applied_total{channel="mllp",interface="default",outcome="applied"} 120',
      'circulator_messages_applied_total{channel="mllp",interface="lab",outcome="applied"} 30',
      'circulator_messages_applied_total{channel="mllp",interface="default",outcome="failed"} 2',
      'circulator_messages_applied_total{channel="mqtt",interface="mqtt",outcome="applied"} 999',
      'circulator_messages_received_total{channel="mllp",interface="default"} 500',
    ].join('\n');
    expect(parseAppliedCount(text)).toEqual({ applied: 150, failed: 2 });
    expect(parseAppliedCount('')).toEqual({ applied: 0, failed: 0 });
  });
});

describe('AppliedMeter', () => {
  it('counts from its first reading and says when a count was first reached', async () => {
    const readings = [
      { applied: 100, failed: 0 },
      { applied: 100, failed: 0 },
      { applied: 150, failed: 1 },
      { applied: 230, failed: 1 },
    ];
    let t = 0;
    let i = 0;
    const meter = new AppliedMeter(
      () => Promise.resolve(readings[Math.min(i++, readings.length - 1)]!),
      60_000, // no timer reading during the test: the meter reads on start and stop only
      () => (t += 10),
    );
    await meter.start();
    await meter.stop();
    expect(meter.total).toEqual({ applied: 0, failed: 0 });
    await meter.stop();
    expect(meter.total).toEqual({ applied: 50, failed: 1 });
    await meter.stop();
    expect(meter.total).toEqual({ applied: 130, failed: 1 });
    expect(meter.at(50)).toBe(30);
    expect(meter.at(51)).toBe(40);
    expect(meter.at(131)).toBeUndefined();
  });

  it('reads at the interval it is given, and at the new one after every()', async () => {
    jest.useFakeTimers();
    try {
      let reads = 0;
      const meter = new AppliedMeter(() => Promise.resolve({ applied: ++reads, failed: 0 }), 1_000);
      await meter.start();
      expect(reads).toBe(1);
      await jest.advanceTimersByTimeAsync(999);
      expect(reads).toBe(1);
      await jest.advanceTimersByTimeAsync(1);
      expect(reads).toBe(2);
      meter.every(100);
      await jest.advanceTimersByTimeAsync(300);
      expect(reads).toBe(5);
      await meter.stop();
      await jest.advanceTimersByTimeAsync(1_000);
      expect(reads).toBe(6);
    } finally {
      jest.useRealTimers();
    }
  });
});
