import {
  DEFAULT_FORECAST_OPTIONS,
  forecastMaintenance,
  usageRate,
  usesSinceService,
  type ForecastInput,
} from './forecast';
import { counterIncrease, countedEpisodes } from './usage.counter';

const DAY_MS = 86_400_000;
const plusDays = (at: string, days: number): string => new Date(Date.parse(at) + days * DAY_MS).toISOString();

describe('counterIncrease', () => {
  it('adds the rises of a monotonic counter', () => {
    expect(counterIncrease([10, 12, 12, 20])).toEqual({ uses: 10, resets: 0 });
  });

  it('reads a fall that never recovers as a reset to zero (after service): the value after it is all new uses', () => {
    // 97 → 99: 2; reset, 2 uses since; 2 → 10: 8
    expect(counterIncrease([97, 99, 2, 10])).toEqual({ uses: 12, resets: 1 });
  });

  it('reads a fall that comes back to the old value as a glitch (a device reporting 0 while booting)', () => {
    // 401 → (0 ignored) → 420: 19, not 420 + …
    expect(counterIncrease([380, 401, 0, 420])).toEqual({ uses: 40, resets: 0 });
  });

  it('counts two resets in a row', () => {
    // 50 → 5 (reset, 5) → 8 (3) → 1 (reset, 1) → 4 (3)
    expect(counterIncrease([50, 5, 8, 1, 4])).toEqual({ uses: 12, resets: 2 });
  });

  it('is zero for no samples or one', () => {
    expect(counterIncrease([])).toEqual({ uses: 0, resets: 0 });
    expect(counterIncrease([7])).toEqual({ uses: 0, resets: 0 });
  });
});

describe('countedEpisodes', () => {
  const from = Date.parse('2026-11-01T00:00:00Z');
  const to = Date.parse('2026-11-02T00:00:00Z');

  it('counts episodes that began in the window and lasted long enough; an open one runs to the end', () => {
    const counted = countedEpisodes(
      [
        { from: '2026-11-01T08:00:00Z', to: '2026-11-01T09:00:00Z' }, // 60 min
        { from: '2026-11-01T10:00:00Z', to: '2026-11-01T10:05:00Z' }, // 5 min: passing through
        { from: '2026-11-01T23:55:00Z' }, // open, 5 min by the window's end
        { from: '2026-11-01T23:00:00Z' }, // open, 60 min
        { from: '2026-10-31T23:00:00Z', to: '2026-11-01T02:00:00Z' }, // began before the window
        { from: 'garbage' },
      ],
      from,
      to,
      10,
    );
    expect(counted.map((c) => c.at)).toEqual(['2026-11-01T08:00:00Z', '2026-11-01T23:00:00Z']);
  });
});

describe('forecastMaintenance: worked example (counter, due by uses)', () => {
  // Infusion pump pump-7: service every 500 uses or 365 days; last serviced 2026-06-01; the registry
  // counts 470 uses since. Its counter is a lifetime counter (it does not reset at service).
  //
  // Forecast made at 2026-11-21T12:00Z; the 30-day window starts 2026-10-22T12:00Z.
  //   2026-10-10T08:00Z  350   before the window: not used for the rate
  //   2026-10-23T12:00Z  380   first sample in the window
  //   2026-10-30T12:00Z  401   +21
  //   2026-11-05T12:00Z    0   the pump rebooted and reported 0: a glitch (it comes back above 401)
  //   2026-11-06T12:00Z  420   +19 (from 401, the last trusted value)
  //   2026-11-20T12:00Z  464   +44; last sample
  // Uses 21 + 19 + 44 = 84 over 10-23T12:00 → 11-20T12:00 = 28 days: 84 / 28 = 3.00 uses/day.
  // Uses left 500 − 470 = 30 → 30 / 3 = 10 days → due by uses 2026-12-01T12:00Z.
  // By days: 2026-06-01 + 365 days = 2027-06-01. Due: the earlier, 2026-12-01T12:00Z, by uses.
  const now = '2026-11-21T12:00:00.000Z';
  const input: ForecastInput = {
    deviceId: 'pump-7',
    interval: { uses: 500, days: 365 },
    lastServiceAt: '2026-06-01T00:00:00.000Z',
    usesSinceService: 470,
    samples: [
      // In arrival order, not time order: the forecast sorts them.
      { at: '2026-11-20T12:00:00.000Z', usageCount: 464 },
      { at: '2026-10-10T08:00:00.000Z', usageCount: 350 },
      { at: '2026-10-23T12:00:00.000Z', usageCount: 380 },
      { at: '2026-10-30T12:00:00.000Z', usageCount: 401 },
      { at: '2026-11-05T12:00:00.000Z', usageCount: 0 },
      { at: '2026-11-06T12:00:00.000Z', usageCount: 420 },
    ],
  };

  it('gives the hand-computed rate, dates and basis', () => {
    const f = forecastMaintenance(input, now);
    expect(f).toMatchObject({
      deviceId: 'pump-7',
      at: now,
      usesSinceService: 470,
      usesRemaining: 30,
      dueByUsesAt: '2026-12-01T12:00:00.000Z',
      dueByDaysAt: '2027-06-01T00:00:00.000Z',
      dueAt: '2026-12-01T12:00:00.000Z',
      dueBy: 'uses',
      basis: {
        method: 'counter',
        uses: 84,
        days: 28,
        usesPerDay: 3,
        samples: 5,
        resets: 0,
        from: '2026-10-23T12:00:00.000Z',
        to: '2026-11-20T12:00:00.000Z',
      },
    });
    expect(f.basis.explanation).toBe(
      'Usage counter: 84 uses over 28.0 days (5 samples, 2026-10-23 to 2026-11-20) = 3.00 uses/day. ' +
        '470 of 500 uses since service, 30 left / 3.00 per day = 10.0 days: by uses 2026-12-01. ' +
        'Every 365 days from 2026-06-01: by days 2027-06-01. ' +
        'Due 2026-12-01 (by uses, the earlier).',
    );
  });

  it('is pure: the same input gives the same forecast, and the input is not changed', () => {
    const copy = JSON.parse(JSON.stringify(input));
    expect(forecastMaintenance(input, now)).toEqual(forecastMaintenance(input, now));
    expect(input).toEqual(copy);
  });
});

describe('forecastMaintenance: worked example (counter reset at service, uses since service derived)', () => {
  // Surgical robot robot-2: every 100 uses or 90 days; serviced 2026-11-10T00:00Z, which reset its
  // counter. The registry has no use count: it is derived from the counter.
  //   2026-11-01  90
  //   2026-11-05  97   +7
  //   2026-11-09  99   +2     last sample before the service: the starting point
  //   2026-11-11   2   reset: +2
  //   2026-11-15  10   +8
  //   2026-11-20  16   +6
  // Rate: 7 + 2 + 2 + 8 + 6 = 25 uses over 11-01 → 11-20 = 19 days = 1.3158 uses/day.
  // Uses since service: from 99: reset +2, +8, +6 = 16; left 100 − 16 = 84.
  // 84 / (25 / 19) = 63.84 days from 2026-11-21T00:00Z = 2027-01-23T20:09:36Z (0.84 day = 20 h 09 min 36 s).
  // By days: 2026-11-10 + 90 = 2027-02-08. Due by uses.
  const input: ForecastInput = {
    deviceId: 'robot-2',
    interval: { uses: 100, days: 90 },
    lastServiceAt: '2026-11-10T00:00:00.000Z',
    samples: [
      { at: '2026-11-01T00:00:00.000Z', usageCount: 90 },
      { at: '2026-11-05T00:00:00.000Z', usageCount: 97 },
      { at: '2026-11-09T00:00:00.000Z', usageCount: 99 },
      { at: '2026-11-11T00:00:00.000Z', usageCount: 2 },
      { at: '2026-11-15T00:00:00.000Z', usageCount: 10 },
      { at: '2026-11-20T00:00:00.000Z', usageCount: 16 },
    ],
  };

  it('handles the reset in both the rate and the uses since service', () => {
    const f = forecastMaintenance(input, '2026-11-21T00:00:00.000Z');
    expect(f.basis).toMatchObject({ method: 'counter', uses: 25, days: 19, resets: 1 });
    expect(f.basis.usesPerDay).toBeCloseTo(25 / 19, 10);
    expect(f).toMatchObject({
      usesSinceService: 16,
      usesRemaining: 84,
      dueByUsesAt: '2027-01-23T20:09:36.000Z',
      dueByDaysAt: '2027-02-08T00:00:00.000Z',
      dueAt: '2027-01-23T20:09:36.000Z',
      dueBy: 'uses',
    });
    expect(f.basis.explanation).toContain('1 counter reset');
  });

  it('leaves the uses since service unknown without a reading at or before the service', () => {
    const after = { ...input, samples: input.samples?.filter((s) => s.at > '2026-11-10') };
    expect(usesSinceService(after)).toBeUndefined();
    const f = forecastMaintenance(after, '2026-11-21T00:00:00.000Z');
    expect(f.dueByUsesAt).toBeUndefined();
    expect(f).toMatchObject({ dueAt: '2027-02-08T00:00:00.000Z', dueBy: 'days' });
    expect(f.basis.explanation).toContain('100-use interval: uses since service unknown.');
  });
});

describe('forecastMaintenance: the days interval and the fallbacks', () => {
  const now = '2026-11-21T00:00:00.000Z';

  it('is due by days when that is earlier', () => {
    const f = forecastMaintenance(
      {
        deviceId: 'mon-1',
        interval: { uses: 1000, days: 180 },
        lastServiceAt: '2026-06-01T00:00:00.000Z',
        usesSinceService: 100,
        samples: [
          { at: '2026-11-01T00:00:00.000Z', usageCount: 0 },
          { at: '2026-11-11T00:00:00.000Z', usageCount: 20 },
        ],
      },
      now,
    );
    // 2 uses/day: 900 left = 450 days; 2026-06-01 + 180 days = 2026-11-28.
    expect(f).toMatchObject({
      dueByDaysAt: '2026-11-28T00:00:00.000Z',
      dueAt: '2026-11-28T00:00:00.000Z',
      dueBy: 'days',
    });
  });

  it('uses RTLS in-room episodes for a device without a counter', () => {
    // 12 episodes of 30 min in the window, and 3 of 5 min (passing through, not counted). RTLS has
    // watched the C-arm since September, so the whole 30-day window counts: 12 / 30 = 0.4 uses/day.
    // 90 of 100 uses: 10 left / 0.4 = 25 days.
    const episodes = Array.from({ length: 12 }, (_, i) => {
      const from = plusDays('2026-10-25T08:00:00.000Z', i * 2);
      return { from, to: new Date(Date.parse(from) + 30 * 60_000).toISOString() };
    });
    const short = Array.from({ length: 3 }, (_, i) => {
      const from = plusDays('2026-10-26T08:00:00.000Z', i * 2);
      return { from, to: new Date(Date.parse(from) + 5 * 60_000).toISOString() };
    });
    const f = forecastMaintenance(
      {
        deviceId: 'carm-1',
        interval: { uses: 100 },
        usesSinceService: 90,
        episodes: [...episodes, ...short],
        rtlsSince: '2026-09-01T00:00:00.000Z',
      },
      now,
    );
    expect(f.basis).toMatchObject({ method: 'rtls', uses: 12, days: 30, from: '2026-10-22T00:00:00.000Z', to: now });
    expect(f.basis.usesPerDay).toBeCloseTo(0.4, 10);
    expect(f).toMatchObject({ dueAt: plusDays(now, 25), dueBy: 'uses' });
    expect(f.basis.explanation).toMatch(/^RTLS: 12 in-room episodes over 30\.0 days/);
  });

  it('without rtlsSince, counts RTLS from the first episode (the higher rate, the safe side)', () => {
    const episodes = [
      { from: '2026-11-01T00:00:00.000Z', to: '2026-11-01T01:00:00.000Z' },
      { from: '2026-11-11T00:00:00.000Z', to: '2026-11-11T01:00:00.000Z' },
    ];
    // 2 episodes over 11-01 → 11-21 = 20 days.
    expect(usageRate({ deviceId: 'x', interval: {}, episodes }, now)).toMatchObject({
      method: 'rtls',
      uses: 2,
      days: 20,
    });
  });

  it('prefers the counter to RTLS: one use would show in both', () => {
    const rate = usageRate(
      {
        deviceId: 'x',
        interval: {},
        samples: [
          { at: '2026-11-01T00:00:00.000Z', usageCount: 5 },
          { at: '2026-11-11T00:00:00.000Z', usageCount: 15 },
        ],
        episodes: [{ from: '2026-11-02T00:00:00.000Z', to: '2026-11-02T02:00:00.000Z' }],
      },
      now,
    );
    expect(rate).toMatchObject({ method: 'counter', usesPerDay: 1 });
  });

  it('falls back to the uses since service when the window holds under a week of samples', () => {
    // Samples span 3 days only; 60 uses in the 20 days since service = 3 uses/day; 40 left = 13.33 days.
    const f = forecastMaintenance(
      {
        deviceId: 'endo-4',
        interval: { uses: 100 },
        lastServiceAt: '2026-11-01T00:00:00.000Z',
        usesSinceService: 60,
        samples: [
          { at: '2026-11-18T00:00:00.000Z', usageCount: 1000 },
          { at: '2026-11-21T00:00:00.000Z', usageCount: 1010 },
        ],
      },
      now,
    );
    expect(f.basis).toMatchObject({ method: 'since-service', uses: 60, days: 20, usesPerDay: 3 });
    expect(f.dueByUsesAt).toBe(plusDays(now, 40 / 3));
  });

  it('ignores samples older than the window and garbled ones', () => {
    const rate = usageRate(
      {
        deviceId: 'x',
        interval: {},
        samples: [
          { at: '2026-09-01T00:00:00.000Z', usageCount: 0 },
          { at: '2026-11-01T00:00:00.000Z', usageCount: 100 },
          { at: 'not a time', usageCount: 5000 },
          { at: '2026-11-05T00:00:00.000Z', usageCount: Number.NaN },
          { at: '2026-11-06T00:00:00.000Z', usageCount: -3 },
          { at: '2026-11-11T00:00:00.000Z', usageCount: 120 },
          { at: '2026-11-30T00:00:00.000Z', usageCount: 9999 }, // after now
        ],
      },
      now,
    );
    expect(rate).toMatchObject({ method: 'counter', uses: 20, days: 10, usesPerDay: 2, samples: 2 });
  });

  it('gives only the days date without usable history, and says so', () => {
    const f = forecastMaintenance(
      {
        deviceId: 'x',
        interval: { uses: 100, days: 30 },
        lastServiceAt: '2026-11-18T00:00:00.000Z',
        usesSinceService: 4,
      },
      now,
    );
    expect(f.basis).toEqual({
      method: 'none',
      samples: 0,
      resets: 0,
      explanation:
        'No usage rate: too little history. 4 of 100 uses since service, 96 left: no rate to project. ' +
        'Every 30 days from 2026-11-18: by days 2026-12-18. Due 2026-12-18 (by days).',
    });
    expect(f).toMatchObject({ dueAt: '2026-12-18T00:00:00.000Z', dueBy: 'days' });
  });

  it('is due now when the uses interval is already reached, whatever the rate', () => {
    const f = forecastMaintenance({ deviceId: 'x', interval: { uses: 100 }, usesSinceService: 104 }, now);
    expect(f).toMatchObject({ usesRemaining: -4, dueByUsesAt: now, dueAt: now, dueBy: 'uses' });
    expect(f.basis.explanation).toContain('104 of 100 uses since service: interval reached.');
  });

  it('never reaches the uses interval at a zero rate', () => {
    const f = forecastMaintenance(
      {
        deviceId: 'x',
        interval: { uses: 100 },
        usesSinceService: 10,
        samples: [
          { at: '2026-11-01T00:00:00.000Z', usageCount: 7 },
          { at: '2026-11-20T00:00:00.000Z', usageCount: 7 },
        ],
      },
      now,
    );
    expect(f.basis.usesPerDay).toBe(0);
    expect(f.dueAt).toBeUndefined();
    expect(f.basis.explanation).toContain('Due date unknown.');
  });

  it('has no due date without an interval', () => {
    expect(forecastMaintenance({ deviceId: 'x', interval: {} }, now).dueAt).toBeUndefined();
  });

  it('refuses a now that is not an instant (a programming error, not data)', () => {
    expect(() => forecastMaintenance({ deviceId: 'x', interval: {} }, 'tomorrow')).toThrow(RangeError);
  });

  it('takes its window and minimum span from the options', () => {
    const samples = [
      { at: '2026-11-18T00:00:00.000Z', usageCount: 0 },
      { at: '2026-11-21T00:00:00.000Z', usageCount: 9 },
    ];
    expect(usageRate({ deviceId: 'x', interval: {}, samples }, now).method).toBe('none');
    expect(
      usageRate({ deviceId: 'x', interval: {}, samples }, now, { ...DEFAULT_FORECAST_OPTIONS, minSpanDays: 2 }),
    ).toMatchObject({ method: 'counter', usesPerDay: 3 });
  });
});
