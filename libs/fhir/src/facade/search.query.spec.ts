import {
  dateCondition,
  parseCount,
  parseDateValue,
  parseOffset,
  parseReferenceId,
  parseToken,
  readQuery,
  splitValues,
  timeMatches,
} from './search.query';

const ZONE = 'Europe/Paris';

describe('readQuery and values', () => {
  it('keeps order, repeats and modifiers', () => {
    expect(readQuery('?date=ge2026-11-23&date=lt2026-11-24&patient:identifier=a%7Cb&_count=2')).toEqual([
      { name: 'date', value: 'ge2026-11-23' },
      { name: 'date', value: 'lt2026-11-24' },
      { name: 'patient', modifier: 'identifier', value: 'a|b' },
      { name: '_count', value: '2' },
    ]);
  });

  it('splits on commas but not escaped ones (R4 §3.1.1.5.7), and refuses empty values', () => {
    expect(splitValues('a,b\\,c,d\\\\', 'x')).toEqual(['a', 'b,c', 'd\\']);
    expect(() => splitValues('a,,b', 'x')).toThrow(/empty value/);
    expect(() => splitValues('a\\', 'x')).toThrow(/escapes nothing/);
  });

  it('reads tokens: code, system|code, |code, escaped bars', () => {
    expect(parseToken('booked', 's')).toEqual({ code: 'booked' });
    expect(parseToken('http://loinc.org|8867-4', 's')).toEqual({ system: 'http://loinc.org', code: '8867-4' });
    expect(parseToken('|47562', 's')).toEqual({ system: '', code: '47562' });
    expect(parseToken(splitValues('a\\|b|c', 's')[0]!, 's')).toEqual({ system: 'a|b', code: 'c' });
    expect(() => parseToken('urn:x|', 's')).toThrow(/without a code/);
  });

  it('reads references: id, Type/id, absolute URL; another type is refused', () => {
    expect(parseReferenceId('or7', 'Location', 'location')).toBe('or7');
    expect(parseReferenceId('Location/or7', 'Location', 'location')).toBe('or7');
    expect(parseReferenceId('https://x.example/fhir/Location/or7', 'Location', 'location')).toBe('or7');
    expect(() => parseReferenceId('Device/or7', 'Location', 'location')).toThrow(/must reference a Location/);
  });

  it('reads _count and _offset', () => {
    expect(parseCount('0', 500)).toBe(0);
    expect(parseCount('500', 500)).toBe(500);
    expect(() => parseCount('501', 500)).toThrow(/at most 500/);
    expect(() => parseCount('-1', 500)).toThrow(/whole number/);
    expect(parseOffset('20')).toBe(20);
    expect(() => parseOffset('x')).toThrow(/whole number/);
  });
});

describe('parseDateValue', () => {
  it.each([
    ['2026-11-23', 'eq', '2026-11-22T23:00:00.000Z', '2026-11-23T23:00:00.000Z'],
    ['ge2026-11', 'ge', '2026-10-31T23:00:00.000Z', '2026-11-30T23:00:00.000Z'],
    ['lt2026', 'lt', '2025-12-31T23:00:00.000Z', '2026-12-31T23:00:00.000Z'],
    ['gt2026-11-23T09:30+01:00', 'gt', '2026-11-23T08:30:00.000Z', '2026-11-23T08:31:00.000Z'],
    ['le2026-11-23T08:30:15Z', 'le', '2026-11-23T08:30:15.000Z', '2026-11-23T08:30:16.000Z'],
    ['sa2026-11-23T08:30:15.250Z', 'sa', '2026-11-23T08:30:15.250Z', '2026-11-23T08:30:15.251Z'],
  ])('%s: prefix %s, [%s, %s) — a date is the facility’s local day', (raw, prefix, start, end) => {
    expect(parseDateValue(raw, ZONE, 'date')).toEqual({ prefix, start, end });
  });

  it('a daylight-saving day is 23 or 25 hours long', () => {
    const { start, end } = parseDateValue('2026-10-25', ZONE, 'date');
    expect(Date.parse(end) - Date.parse(start)).toBe(25 * 3600_000);
  });

  it.each([
    ['2026-11-23T09:30', /time zone offset/],
    ['xx2026-11-23', /not a date prefix/],
    ['2026-02-30', /not a real date/],
    ['23.11.2026', /not a date/],
  ])('refuses %s', (raw, message) => {
    expect(() => parseDateValue(raw, ZONE, 'date')).toThrow(message);
  });

  it('refuses ap (approximately) as unsupported', () => {
    expect(() => parseDateValue('ap2026-11-23', ZONE, 'date')).toThrow(
      expect.objectContaining({ code: 'unsupported-parameter' }),
    );
  });
});

describe('dateCondition on points and periods', () => {
  // The search value: 2026-11-23 in UTC terms, [00:00, 24:00).
  const day = (prefix: string) =>
    dateCondition({ prefix: prefix as 'eq', start: '2026-11-23T00:00:00Z', end: '2026-11-24T00:00:00Z' });
  const before = '2026-11-22T12:00:00Z';
  const during = '2026-11-23T12:00:00Z';
  const after = '2026-11-24T12:00:00Z';

  it.each([
    ['eq', [false, true, false]],
    ['ne', [true, false, true]],
    ['gt', [false, false, true]],
    ['lt', [true, false, false]],
    ['ge', [false, true, true]],
    ['le', [true, true, false]],
    ['sa', [false, false, true]],
    ['eb', [true, false, false]],
  ])('%s on an instant before, during and after the day', (prefix, expected) => {
    expect([before, during, after].map((t) => timeMatches(day(prefix), t, t))).toEqual(expected);
  });

  it.each([
    // [prefix, period start, period end (undefined: still going on), matches]
    ['eq', during, during, true],
    ['eq', before, during, false], // not contained
    ['ge', before, during, true], // reaches into the day
    ['ge', before, undefined, true], // still going on
    ['gt', before, during, false],
    ['gt', during, undefined, true],
    ['le', during, after, true], // starts before the day ends
    ['lt', during, after, false],
    ['sa', after, undefined, true],
    ['eb', before, before, true],
    ['eb', before, undefined, false],
  ] as const)('%s on a period [%s, %s]: %s', (prefix, start, end, expected) => {
    expect(timeMatches(day(prefix), start, end)).toBe(expected);
  });

  it('a target without a start never matches', () => {
    expect(timeMatches(day('ne'), undefined, undefined)).toBe(false);
  });
});
