import { describe, expect, it } from '@jest/globals';
import { formatAge, formatElapsed, timeOf } from './time.format';

describe('formatElapsed', () => {
  it.each([
    [-5_000, '< 1 min'],
    [59_999, '< 1 min'],
    [60_000, '1 min'],
    [59 * 60_000 + 59_000, '59 min'],
    [60 * 60_000, '1 h 00 min'],
    [125 * 60_000, '2 h 05 min'],
  ])('%d ms is %s', (ms, text) => {
    expect(formatElapsed(ms)).toBe(text);
  });
});

describe('formatAge', () => {
  const now = 1_000_000_000;
  it.each([
    [now + 2_000, 'now'],
    [now - 4_999, 'now'],
    [now - 12_000, '12 s ago'],
    [now - 60_000, '1 min ago'],
    [now - 59 * 60_000, '59 min ago'],
    [now - 3 * 3_600_000, '3 h ago'],
  ])('%d is %s', (at, text) => {
    expect(formatAge(at, now)).toBe(text);
  });
});

describe('timeOf', () => {
  it('reads ISO times and refuses the rest', () => {
    expect(timeOf('2026-11-21T08:00:00Z')).toBe(Date.parse('2026-11-21T08:00:00Z'));
    expect(timeOf('yesterday')).toBeUndefined();
    expect(timeOf(undefined)).toBeUndefined();
  });
});
