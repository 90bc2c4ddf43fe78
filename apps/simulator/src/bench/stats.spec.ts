import { cpuPercent, memorySummary, ms, parseProcStat, percentile, perSecond } from './stats';

describe('bench statistics', () => {
  it('takes nearest-rank percentiles', () => {
    const samples = Array.from({ length: 100 }, (_, i) => 100 - i); // 100 … 1, unsorted
    expect(percentile(samples, 50)).toBe(50);
    expect(percentile(samples, 99)).toBe(99);
    expect(percentile(samples, 100)).toBe(100);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([], 50)).toBeUndefined();
  });

  it('rounds figures and computes rates', () => {
    expect(ms(1.23456)).toBe(1.23);
    expect(ms(undefined)).toBeNull();
    expect(perSecond(500, 2_000)).toBe(250);
    expect(perSecond(5, 0)).toBe(0);
    expect(cpuPercent(1_000, 1_500, 1_000)).toBe(50);
  });

  it('reads CPU and RSS from /proc texts, even with spaces in the command name', () => {
    const stat = '4242 (node main.js) S 1 4242 4242 0 -1 4194304 100 0 0 0 250 50 0 0 20 0 11 0 123 0 0';
    const status = 'Name:\tnode\nVmRSS:\t  204800 kB\nThreads:\t11\n';
    expect(parseProcStat(stat, status)).toEqual({ cpuMs: 3_000, rssMB: 200 });
  });

  it('sums up memory samples as first, lowest, highest and last', () => {
    expect(memorySummary([300, 280, 410, 350])).toEqual({ start: 300, min: 280, max: 410, end: 350, samples: 4 });
    expect(memorySummary([])).toBeNull();
  });
});
