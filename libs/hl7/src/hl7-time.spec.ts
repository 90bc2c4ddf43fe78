import { formatHl7DateTime, hl7DatePart, isValidTimeZone, parseHl7DateTime } from './hl7-time';

describe('parseHl7DateTime', () => {
  it('keeps an explicit offset, including odd ones like +0215', () => {
    expect(parseHl7DateTime('20210924093000+0215', 'America/New_York')).toBe('2021-09-24T09:30:00+02:15');
    expect(parseHl7DateTime('202109141120+0215', 'UTC')).toBe('2021-09-14T11:20:00+02:15');
    expect(parseHl7DateTime('20230101010000-0000', 'Europe/Paris')).toBe('2023-01-01T01:00:00Z');
    expect(parseHl7DateTime('20120918173931-0500', 'Europe/Paris')).toBe('2012-09-18T17:39:31-05:00');
  });

  it('reads a value without offset in the facility zone, honouring DST (America/New_York)', () => {
    expect(parseHl7DateTime('20240115080000', 'America/New_York')).toBe('2024-01-15T08:00:00-05:00');
    expect(parseHl7DateTime('20240715080000', 'America/New_York')).toBe('2024-07-15T08:00:00-04:00');
    // Spring forward 2024-03-10 02:00 → 03:00: 02:30 does not exist and moves forward by the gap.
    expect(parseHl7DateTime('202403100230', 'America/New_York')).toBe('2024-03-10T03:30:00-04:00');
    // Fall back 2024-11-03 02:00 → 01:00: 01:30 happens twice; the earlier (EDT) is taken.
    expect(parseHl7DateTime('202411030130', 'America/New_York')).toBe('2024-11-03T01:30:00-04:00');
    expect(parseHl7DateTime('202411030230', 'America/New_York')).toBe('2024-11-03T02:30:00-05:00');
  });

  it('accepts every precision down to the year', () => {
    expect(parseHl7DateTime('2024', 'Europe/Berlin')).toBe('2024-01-01T00:00:00+01:00');
    expect(parseHl7DateTime('202407', 'Europe/Berlin')).toBe('2024-07-01T00:00:00+02:00');
    expect(parseHl7DateTime('20240705', 'Europe/Berlin')).toBe('2024-07-05T00:00:00+02:00');
    expect(parseHl7DateTime('2024070513', 'Europe/Berlin')).toBe('2024-07-05T13:00:00+02:00');
    expect(parseHl7DateTime('20240705131415.1234', 'UTC')).toBe('2024-07-05T13:14:15.123Z');
    expect(parseHl7DateTime('20240705131415.5-0300', 'UTC')).toBe('2024-07-05T13:14:15.500-03:00');
  });

  it('ignores padding (a Corepoint sample pads SCH-11.4 with a space)', () => {
    expect(parseHl7DateTime('200803061000 ', 'UTC')).toBe('2008-03-06T10:00:00Z');
  });

  it('returns undefined for empty, malformed or impossible values', () => {
    for (const bad of [
      undefined,
      '',
      '2024-01-01',
      '20241301',
      '20240230',
      '202401011260',
      '2024010112+25',
      '20240101120000+0260',
      '20240101120000+1500',
      '2024010',
      'abcd',
      '20240101.5',
    ]) {
      expect({ bad, parsed: parseHl7DateTime(bad, 'UTC') }).toEqual({ bad, parsed: undefined });
    }
  });

  it('returns undefined for an unknown zone rather than guessing one', () => {
    expect(parseHl7DateTime('20240101', 'Mars/Olympus')).toBeUndefined();
    expect(isValidTimeZone('Mars/Olympus')).toBe(false);
    expect(isValidTimeZone('America/New_York')).toBe(true);
  });
});

describe('hl7DatePart', () => {
  it('takes the calendar date literally, whatever the offset', () => {
    expect(hl7DatePart('198808181126+0215')).toBe('1988-08-18');
    expect(hl7DatePart('20080205')).toBe('2008-02-05');
    expect(hl7DatePart('1988')).toBeUndefined();
    expect(hl7DatePart('19880230')).toBeUndefined();
  });
});

describe('formatHl7DateTime', () => {
  it('writes local time in the zone with its offset', () => {
    const at = new Date('2024-07-15T12:00:05Z');
    expect(formatHl7DateTime(at, 'America/New_York')).toBe('20240715080005-0400');
    expect(formatHl7DateTime(at, 'UTC')).toBe('20240715120005+0000');
    expect(formatHl7DateTime(at, 'Not/AZone')).toBe('20240715120005+0000');
    expect(formatHl7DateTime(at, 'Asia/Kolkata')).toBe('20240715173005+0530');
    expect(formatHl7DateTime(at, 'America/St_Johns')).toBe('20240715093005-0230');
    expect(formatHl7DateTime(new Date('2024-12-31T23:59:59Z'), 'Pacific/Kiritimati')).toBe('20250101135959+1400');
  });
});
