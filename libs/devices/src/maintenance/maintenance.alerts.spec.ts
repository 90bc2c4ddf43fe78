import type { MaintenanceForecast } from './forecast';
import { DEFAULT_MAINTENANCE_THRESHOLDS, maintenanceAlertId, maintenanceAlerts } from './maintenance.alerts';

const DAY_MS = 86_400_000;
const NOW = '2026-11-21T12:00:00.000Z';
const inDays = (days: number): string => new Date(Date.parse(NOW) + days * DAY_MS).toISOString();

/** A forecast due `days` from NOW by days, with `left` of 500 uses remaining. */
function forecast(days: number | undefined, left?: number): MaintenanceForecast {
  const f: MaintenanceForecast = {
    deviceId: 'pump-7',
    at: NOW,
    interval: { uses: 500, days: 365 },
    basis: { method: 'none', samples: 0, resets: 0, explanation: '' },
  };
  if (days !== undefined) {
    f.dueAt = inDays(days);
    f.dueBy = 'days';
  }
  if (left !== undefined) f.usesRemaining = left;
  return f;
}

const levels = (f: MaintenanceForecast, thresholds = {}) => maintenanceAlerts(f, NOW, thresholds).map((a) => a.id);

describe('maintenanceAlerts', () => {
  it('raises nothing more than 14 days ahead', () => {
    expect(levels(forecast(14.01, 400))).toEqual([]);
  });

  it('raises upcoming (low) from 14 days, imminent (medium) from 3, overdue (high) from the due time', () => {
    expect(maintenanceAlerts(forecast(14), NOW)).toEqual([
      {
        id: 'maint:pump-7:upcoming',
        kind: 'maintenance',
        level: 'upcoming',
        priority: 'low',
        message: 'Device pump-7: service due in 14 days (2026-12-05, by days)',
        at: NOW,
        deviceId: 'pump-7',
        detail: { dueAt: '2026-12-05T12:00:00.000Z', dueBy: 'days', daysLeft: 14 },
      },
    ]);
    expect(maintenanceAlerts(forecast(3), NOW).map((a) => [a.id, a.priority])).toEqual([
      ['maint:pump-7:imminent', 'medium'],
    ]);
    expect(maintenanceAlerts(forecast(1), NOW)[0]?.message).toBe(
      'Device pump-7: service due in 1 day (2026-11-22, by days)',
    );
    expect(maintenanceAlerts(forecast(0), NOW).map((a) => [a.id, a.priority])).toEqual([
      ['maint:pump-7:overdue', 'high'],
    ]);
    expect(maintenanceAlerts(forecast(-2.5), NOW)[0]).toMatchObject({
      message: 'Device pump-7: service overdue (due 2026-11-19, by days)',
      detail: { daysLeft: -2.5 },
    });
  });

  it('raises uses-low at 10 % of the uses interval left, beside a date alert', () => {
    expect(levels(forecast(undefined, 51))).toEqual([]);
    expect(maintenanceAlerts(forecast(undefined, 50), NOW)).toEqual([
      expect.objectContaining({
        id: 'maint:pump-7:uses-low',
        priority: 'low',
        message: 'Device pump-7: 50 of 500 uses left before service (10 %)',
        detail: { usesRemaining: 50, intervalUses: 500, fraction: 0.1 },
      }),
    ]);
    expect(levels(forecast(5, 20))).toEqual(['maint:pump-7:upcoming', 'maint:pump-7:uses-low']);
  });

  it('does not add uses-low to overdue, nor raise it once the uses are used up (that is overdue)', () => {
    expect(levels(forecast(-1, 20))).toEqual(['maint:pump-7:overdue']);
    expect(levels(forecast(undefined, 0))).toEqual([]);
  });

  it('keeps the same id while the condition lasts, so a caller can raise and clear by id', () => {
    const a = maintenanceAlerts(forecast(10), NOW)[0];
    const b = maintenanceAlerts(forecast(9), NOW)[0];
    expect(a?.id).toBe(maintenanceAlertId('pump-7', 'upcoming'));
    expect(b?.id).toBe(a?.id);
  });

  it('takes its thresholds and priorities from the configuration', () => {
    const t = { upcomingDays: 30, imminentDays: 7, imminentPriority: 'high' as const, usesRemainingFraction: 0.2 };
    expect(levels(forecast(20), t)).toEqual(['maint:pump-7:upcoming']);
    expect(maintenanceAlerts(forecast(6), NOW, t)[0]?.priority).toBe('high');
    expect(levels(forecast(undefined, 100), t)).toEqual(['maint:pump-7:uses-low']);
    expect(DEFAULT_MAINTENANCE_THRESHOLDS).toMatchObject({ upcomingDays: 14, imminentDays: 3 });
  });

  it('raises nothing without a due date or uses count', () => {
    expect(levels(forecast(undefined))).toEqual([]);
  });
});
