import { localDate, localDayBounds } from './local-date';

describe('facility-local days', () => {
  it('puts an instant on the day it is in the facility zone', () => {
    expect(localDate('2026-11-23T23:30:00Z', 'Europe/Paris')).toBe('2026-11-24');
    expect(localDate('2026-11-23T23:30:00Z', 'America/Chicago')).toBe('2026-11-23');
  });

  it('bounds a day in local time, including the short day of a DST change', () => {
    expect(localDayBounds('2026-11-23', 'Europe/Paris')).toEqual({
      start: '2026-11-22T23:00:00.000Z',
      end: '2026-11-23T23:00:00.000Z',
    });
    const spring = localDayBounds('2026-03-29', 'Europe/Paris');
    expect(Date.parse(spring.end) - Date.parse(spring.start)).toBe(23 * 3_600_000);
  });

  it('refuses what is not a date', () => {
    expect(() => localDate('yesterday', 'UTC')).toThrow();
    expect(() => localDayBounds('2026-13-45', 'UTC')).toThrow();
  });
});
