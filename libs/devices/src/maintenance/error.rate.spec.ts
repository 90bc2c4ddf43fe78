import { errorEpisodes, errorRate, errorRateAlert, type DeviceErrorEvent } from './error.rate';

const NOW = '2026-11-21T00:00:00.000Z';

describe('errorEpisodes', () => {
  it('counts one episode per run of the same code, in time order', () => {
    expect(
      errorEpisodes([
        { at: '2026-11-20T10:02:00Z', state: 'error', errorCode: 'E42' }, // heartbeat of the same fault
        { at: '2026-11-20T10:00:00Z', state: 'error', errorCode: 'E42' },
        { at: '2026-11-20T10:05:00Z', state: 'error', errorCode: 'E17' }, // another fault
        { at: '2026-11-20T10:10:00Z', state: 'online' }, // fixed
        { at: '2026-11-20T11:00:00Z', state: 'error', errorCode: 'E42' }, // again
        { at: '2026-11-20T12:00:00Z', state: 'online' },
        { at: '2026-11-20T12:30:00Z', state: 'error' }, // no code
        { at: 'garbage', state: 'error', errorCode: 'E99' },
      ]),
    ).toEqual([
      { at: '2026-11-20T10:00:00Z', code: 'E42' },
      { at: '2026-11-20T10:05:00Z', code: 'E17' },
      { at: '2026-11-20T11:00:00Z', code: 'E42' },
      { at: '2026-11-20T12:30:00Z', code: 'error' },
    ]);
  });
});

describe('errorRate and its alert', () => {
  // A worked example: 6 errors in the 7 days to 2026-11-21 (one on 11-10 is outside the window),
  // and the counter rose 80 → 180 in that week = 100 uses: 6 per 100 uses, 6 / 7 = 0.86 per day.
  const errors: DeviceErrorEvent[] = [
    { at: '2026-11-10T09:00:00Z', code: 'E42' },
    { at: '2026-11-15T09:00:00Z', code: 'E42' },
    { at: '2026-11-16T09:00:00Z', code: 'E17' },
    { at: '2026-11-17T09:00:00Z', code: 'E42' },
    { at: '2026-11-18T09:00:00Z', code: 'E42' },
    { at: '2026-11-19T09:00:00Z', code: 'E17' },
    { at: '2026-11-20T09:00:00Z', code: 'E42' },
  ];
  const samples = [
    { at: '2026-11-12T00:00:00Z', usageCount: 60 },
    { at: '2026-11-14T12:00:00Z', usageCount: 80 },
    { at: '2026-11-20T23:00:00Z', usageCount: 180 },
  ];

  it('counts errors per code, per day and per 100 uses over the window', () => {
    const rate = errorRate({ errors, samples }, NOW);
    expect(rate).toMatchObject({
      from: '2026-11-14T00:00:00.000Z',
      to: NOW,
      windowDays: 7,
      errors: 6,
      byCode: { E42: 4, E17: 2 },
      uses: 100,
      perHundredUses: 6,
    });
    expect(rate.perDay).toBeCloseTo(6 / 7, 10);
  });

  it('raises the error-rate alert at 5 per 100 uses', () => {
    const alert = errorRateAlert('pump-7', errorRate({ errors, samples }, NOW), NOW);
    expect(alert).toEqual({
      id: 'maint:pump-7:error-rate',
      kind: 'maintenance',
      level: 'error-rate',
      priority: 'medium',
      message: 'Device pump-7: 6 errors in 7 days (6.0 per 100 uses, 0.86/day; E42 ×4, E17 ×2)',
      at: NOW,
      deviceId: 'pump-7',
      detail: { errors: 6, windowDays: 7, perDay: 0.86, uses: 100, perHundredUses: 6 },
    });
  });

  it('does not judge the per-use rate on too few uses', () => {
    // 2 errors in 10 uses is 20 per 100, but 10 uses are under the 20-use minimum; 2/7 a day is under 1.
    const rate = errorRate({ errors: errors.slice(5), uses: 10 }, NOW);
    expect(rate.perHundredUses).toBe(20);
    expect(errorRateAlert('pump-7', rate, NOW)).toBeUndefined();
    expect(errorRateAlert('pump-7', rate, NOW, { minUses: 10 })?.id).toBe('maint:pump-7:error-rate');
  });

  it('raises on errors per day whatever the uses (an idle device that keeps failing)', () => {
    const rate = errorRate({ errors }, NOW, 7);
    expect(rate.uses).toBeUndefined();
    expect(errorRateAlert('pump-7', rate, NOW)).toBeUndefined();
    const alert = errorRateAlert('pump-7', rate, NOW, { perDay: 0.5 });
    expect(alert?.message).toBe('Device pump-7: 6 errors in 7 days (0.86/day; E42 ×4, E17 ×2)');
  });

  it('raises nothing on no errors, even at a zero threshold', () => {
    expect(errorRateAlert('x', errorRate({ errors: [], uses: 50 }, NOW), NOW, { perDay: 0, perHundredUses: 0 })).toBe(
      undefined,
    );
  });

  it('refuses a now that is not an instant and a window that is not positive', () => {
    expect(() => errorRate({ errors }, 'now')).toThrow(RangeError);
    expect(() => errorRate({ errors }, NOW, 0)).toThrow(RangeError);
  });
});
