import fc from 'fast-check';
import { DateTime } from 'luxon';
import { localDate, localDayBounds, localInstant } from './local-date';

/** The definition localDate's fast path must keep: luxon's reading of the instant, in the zone. */
function oracle(iso: string, zone: string): string | Error {
  const day = DateTime.fromISO(iso, { setZone: true }).setZone(zone).toISODate();
  return day ?? new Error('invalid');
}
function actual(iso: string, zone: string): string | Error {
  try {
    return localDate(iso, zone);
  } catch {
    return new Error('invalid');
  }
}

/** Zones with DST both ways, half- and quarter-hour offsets, a skipped day (Apia 2011), and LMT. */
const ZONES = [
  'UTC',
  'Europe/Paris',
  'Europe/London',
  'America/New_York',
  'America/St_Johns',
  'Australia/Lord_Howe',
  'Asia/Kathmandu',
  'Pacific/Chatham',
  'Pacific/Apia',
  'Africa/Casablanca',
  'America/Sao_Paulo',
  'Europe/Amsterdam',
  'Pacific/Kiritimati',
];

/** An instant written the ways feeds write them: Z or an offset, with or without seconds and fraction. */
const instants = fc
  .record({
    ms: fc.integer({ min: Date.UTC(1890, 0, 1), max: Date.UTC(2100, 0, 1) }),
    offsetMin: fc.oneof(fc.constant(0), fc.integer({ min: -14 * 60, max: 14 * 60 })),
    form: fc.constantFrom('Z', 'offset', 'minutes', 'fraction6'),
  })
  .map(({ ms, offsetMin, form }) => {
    const shifted = new Date(ms + (form === 'Z' ? 0 : offsetMin) * 60_000).toISOString();
    const sign = offsetMin < 0 ? '-' : '+';
    const abs = Math.abs(offsetMin);
    const offset =
      form === 'Z'
        ? 'Z'
        : `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
    const clock =
      form === 'minutes'
        ? shifted.slice(0, 16)
        : form === 'fraction6'
          ? `${shifted.slice(0, 23)}417`
          : shifted.slice(0, 23);
    return `${clock}${offset}`;
  });

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

  it('gives the day luxon gives for any instant in any zone, including the hours around zone changes', () => {
    fc.assert(
      fc.property(instants, fc.constantFrom(...ZONES), (iso, zone) => {
        expect(actual(iso, zone)).toEqual(oracle(iso, zone));
      }),
      { numRuns: 5_000 },
    );
    // Every hour of the days around the 2026 changes in Paris, New York and Lord Howe (30-minute DST).
    for (const zone of ['Europe/Paris', 'America/New_York', 'Australia/Lord_Howe']) {
      for (const day of ['2026-03-08', '2026-03-29', '2026-04-05', '2026-10-04', '2026-10-25', '2026-11-01']) {
        for (let quarter = -96; quarter < 96; quarter += 1) {
          const iso = new Date(Date.parse(`${day}T00:00:00Z`) + quarter * 900_000 + 59_999).toISOString();
          expect(actual(iso, zone)).toEqual(oracle(iso, zone));
        }
      }
    }
  });

  it('reads what the fast path leaves alone as luxon does: other ISO forms, impossible dates, unknown zones', () => {
    for (const [iso, zone] of [
      ['2026-11-23', 'Europe/Paris'],
      ['2026-11-23T10:00', 'Europe/Paris'],
      ['2026-11-23T10:00:00+0530', 'UTC'],
      ['2026-11-23T24:00:00Z', 'UTC'],
      ['2026-02-30T10:00:00Z', 'UTC'],
      ['2026-11-23T23:30:00Z', 'Mars/Olympus_Mons'],
      ['+012026-11-23T10:00:00Z', 'UTC'],
      ['0000-01-01T00:30:00+01:00', 'UTC'],
    ] as const) {
      expect(actual(iso, zone)).toEqual(oracle(iso, zone));
    }
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
