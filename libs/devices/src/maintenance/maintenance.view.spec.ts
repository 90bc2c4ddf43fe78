import { deviceMaintenance, errorsFromHistory, type DeviceServiceState } from './maintenance.view';

const pump: DeviceServiceState = {
  id: 'pump-1',
  lifecycle: 'active',
  serviceIntervalUses: 100,
  serviceIntervalDays: 365,
  lastServiceAt: '2026-10-22T00:00:00.000Z',
  usesSinceService: 60,
};
const now = '2026-11-21T00:00:00.000Z';

describe('deviceMaintenance', () => {
  it('forecasts from the uses since service: 60 uses in 30 days = 2/day, 40 left = 20 days', () => {
    const view = deviceMaintenance(pump, [], now);
    expect(view).toMatchObject({
      at: now,
      rateMethod: 'since-service',
      usesPerDay: 2,
      usesSinceService: 60,
      usesRemaining: 40,
      usedFraction: 0.6,
      dueAt: '2026-12-11T00:00:00.000Z',
      dueBy: 'uses',
      errorsLastWeek: 0,
      alerts: [],
    });
    expect(view.explanation).toContain('Due 2026-12-11 (by uses, the earlier)');
  });

  it('raises the imminent alert three days ahead, and uses-low at 10 % left', () => {
    const view = deviceMaintenance({ ...pump, usesSinceService: 95 }, [], now);
    expect(view.alerts.map((a) => [a.id, a.priority])).toEqual([
      ['maint:pump-1:imminent', 'medium'],
      ['maint:pump-1:uses-low', 'low'],
    ]);
  });

  it('is overdue past the days interval, and a retired device raises nothing', () => {
    const old = { ...pump, serviceIntervalUses: null, lastServiceAt: '2025-11-01T00:00:00.000Z' };
    expect(deviceMaintenance(old, [], now).alerts.map((a) => a.level)).toEqual(['overdue']);
    expect(deviceMaintenance({ ...old, lifecycle: 'retired' }, [], now).alerts).toEqual([]);
  });

  it('raises the error-rate alert from a week of error episodes, not older ones', () => {
    const errors = [
      ...Array.from({ length: 7 }, (_, i) => ({
        at: `2026-11-${String(14 + i).padStart(2, '0')}T10:00:00Z`,
        code: 'E1',
      })),
      { at: '2026-11-01T10:00:00Z', code: 'E1' },
    ];
    const view = deviceMaintenance(pump, errors, now);
    expect(view.errorsLastWeek).toBe(7);
    expect(view.alerts.map((a) => a.id)).toEqual(['maint:pump-1:error-rate']);
  });

  it('gives no date without an interval or history', () => {
    const view = deviceMaintenance(
      { ...pump, serviceIntervalUses: null, serviceIntervalDays: null, lastServiceAt: null, usesSinceService: 0 },
      [],
      now,
    );
    expect(view.dueAt).toBeUndefined();
    expect(view.usedFraction).toBeUndefined();
    expect(view.rateMethod).toBe('none');
  });
});

describe('errorsFromHistory', () => {
  it('reads error-code lines and connectivity lines into the error state', () => {
    expect(
      errorsFromHistory([
        { at: 'a', kind: 'error-code', message: 'error code E42' },
        { at: 'b', kind: 'connectivity', message: 'error (E7) (was online)' },
        { at: 'c', kind: 'connectivity', message: 'error (was online)' },
        { at: 'd', kind: 'connectivity', message: 'online (was error)' },
        { at: 'e', kind: 'security', message: 'error code E1' },
      ]),
    ).toEqual([
      { at: 'a', code: 'E42' },
      { at: 'b', code: 'E7' },
      { at: 'c', code: 'error' },
    ]);
  });
});
