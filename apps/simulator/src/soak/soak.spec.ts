import { parseSoakOptions } from './soak.options';
import { readSoakMetrics, soakVerdict, type SoakSample } from './soak.verdict';

const MB = 1024 * 1024;

/** One sample a second: RSS and lag as functions of the second. */
function samples(seconds: number, rssMB: (s: number) => number, lagMs: (s: number) => number): SoakSample[] {
  return Array.from({ length: seconds }, (_, s) => ({ atMs: s * 1000, rssBytes: rssMB(s) * MB, lagP99Ms: lagMs(s) }));
}

describe('parseSoakOptions', () => {
  it("defaults to issue 10's soak: 10 minutes, 200 displays, 500 devices, 50 HL7 messages/s, a minute's warm-up", () => {
    expect(parseSoakOptions([])).toEqual({
      minutes: 10,
      displays: 200,
      devices: 500,
      rooms: 20,
      hl7Rate: 50,
      mllpConnections: 4,
      readingSeconds: 5,
      warmupSeconds: 60,
      out: 'soak.json',
    });
  });

  it('takes every option; a short run warms up for a fifth of it', () => {
    expect(
      parseSoakOptions(['--minutes', '2', '--displays', '10', '--devices', '20', '--hl7-rate', '5']),
    ).toMatchObject({
      minutes: 2,
      displays: 10,
      devices: 20,
      hl7Rate: 5,
      warmupSeconds: 24,
    });
    expect(parseSoakOptions(['--minutes', '1', '--warmup-seconds', '5', '--out', 'x.json'])).toMatchObject({
      warmupSeconds: 5,
      out: 'x.json',
    });
  });

  it('refuses bad values and unknown options, naming them', () => {
    expect(() => parseSoakOptions(['--minutes', '0'])).toThrow(/--minutes must be a whole number/);
    expect(() => parseSoakOptions(['--devices', '2.5'])).toThrow(/--devices/);
    expect(() => parseSoakOptions(['--minutes', '1', '--warmup-seconds', '60'])).toThrow(/shorter than the run/);
    expect(() => parseSoakOptions(['--seconds', '5'])).toThrow(/seconds/);
  });
});

describe('readSoakMetrics', () => {
  it('reads RSS and the event-loop lag p99 from a Prometheus exposition', () => {
    const text = [
      '# HELP process_resident_memory_bytes Resident memory size in bytes.',
      '# TYPE process_resident_memory_bytes gauge',
      'process_resident_memory_bytes 183549952',
      'nodejs_eventloop_lag_p99_seconds 0.012345',
      'nodejs_eventloop_lag_p99_seconds_total 9',
    ].join('\n');
    expect(readSoakMetrics(text)).toEqual({ rssBytes: 183_549_952, lagP99Ms: 12.345 });
  });

  it('is undefined when either is missing or not a number', () => {
    expect(readSoakMetrics('process_resident_memory_bytes 1\n')).toBeUndefined();
    expect(readSoakMetrics('process_resident_memory_bytes 1\nnodejs_eventloop_lag_p99_seconds NaN\n')).toBeUndefined();
  });
});

describe('soakVerdict', () => {
  it('passes a flat run: growth from the end of the warm-up, lag p99 of the per-second p99s', () => {
    // The warm-up grows from 100 to 200 MB; after it, flat at 200 MB with 5 ms lag and one 40 ms second.
    const run = samples(
      250,
      (s) => (s < 30 ? 100 + (s * 100) / 30 : 200),
      (s) => (s === 80 ? 40 : 5),
    );
    const v = soakVerdict(run, 30_000);
    expect(v).toMatchObject({
      pass: true,
      samples: 220,
      rssAfterWarmupMB: 200,
      rssEndMB: 200,
      memoryGrowthPct: 0,
      eventLoopLagP99Ms: 5,
      eventLoopLagMaxP99Ms: 40,
      failures: [],
    });
  });

  it('fails growth of 10 % or more, and one GC spike does not decide it (medians)', () => {
    const growing = samples(
      100,
      (s) => 200 + (s >= 20 ? (s - 20) * 0.3 : 0),
      () => 5,
    );
    const v = soakVerdict(growing, 20_000);
    expect(v.pass).toBe(false);
    expect(v.memoryGrowthPct).toBeGreaterThanOrEqual(10);
    expect(v.failures).toEqual([expect.stringMatching(/^memory grew 1\d\.\d % \(target < 10 %\)$/)]);

    const spike = samples(
      100,
      (s) => (s === 99 ? 400 : 200),
      () => 5,
    );
    expect(soakVerdict(spike, 20_000)).toMatchObject({ pass: true, memoryGrowthPct: 0, rssMaxMB: 400 });
  });

  it('fails a lag p99 of 100 ms or more', () => {
    const laggy = samples(
      100,
      () => 200,
      (s) => (s % 10 === 0 ? 150 : 20),
    );
    const v = soakVerdict(laggy, 20_000);
    expect(v.pass).toBe(false);
    expect(v.eventLoopLagP99Ms).toBe(150);
    expect(v.failures).toEqual(['event-loop lag p99 150.0 ms (target < 100 ms)']);
  });

  it('fails a run with too few samples after the warm-up', () => {
    const v = soakVerdict(
      samples(
        25,
        () => 200,
        () => 5,
      ),
      20_000,
    );
    expect(v.pass).toBe(false);
    expect(v.failures).toEqual(['only 5 samples after the warm-up (at least 20 are needed)']);
  });
});
