import { localDate, localDayBounds, localInstant } from './local-date';

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

  it('localInstant: 07:00 in Paris is 06:00Z in winter and 05:00Z in summer; 02:30 on the spring-forward day moves to 03:30', () => {
    expect(localInstant('2026-11-23', '07:00', 'Europe/Paris')).toBe('2026-11-23T06:00:00.000Z');
    expect(localInstant('2026-07-01', '07:00', 'Europe/Paris')).toBe('2026-07-01T05:00:00.000Z');
    expect(localInstant('2026-03-29', '02:30', 'Europe/Paris')).toBe('2026-03-29T01:30:00.000Z');
  });
});
