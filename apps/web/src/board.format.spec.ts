import { describe, expect, it } from '@jest/globals';
import { CASE_STATUSES } from '@circulator/contracts';
import {
  boardTopic,
  formatClock,
  formatRange,
  groupByRoom,
  localDateValue,
  statusClass,
  statusLabel,
} from './board.format';
import { aCase } from './test.fixtures';

/** HH:MM of an instant in the test process's local zone, computed independently. */
function localHhMm(iso: string): string {
  const d = new Date(iso);
  return `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
}

describe('groupByRoom', () => {
  it('groups by room in natural name order and sorts each room by start', () => {
    const groups = groupByRoom([
      aCase({ id: 'b', roomId: 'r10', roomName: 'OR10', scheduledStart: '2026-11-21T07:30:00Z' }),
      aCase({ id: 'c', roomId: 'r2', roomName: 'OR2', scheduledStart: '2026-11-21T11:00:00Z' }),
      aCase({ id: 'a', roomId: 'r2', roomName: 'OR2', scheduledStart: '2026-11-21T08:00:00Z' }),
    ]);
    expect(groups.map((g) => [g.roomName, g.cases.map((c) => c.id)])).toEqual([
      ['OR2', ['a', 'c']],
      ['OR10', ['b']],
    ]);
  });

  it('falls back to the room id when a room has no name', () => {
    expect(groupByRoom([aCase({ id: 'a', roomId: 'unmapped-7', roomName: '' })])[0]?.roomName).toBe('unmapped-7');
  });
});

describe('times', () => {
  it('formats local HH:MM and ranges', () => {
    const start = '2026-11-21T07:30:00-05:00';
    const end = '2026-11-21T09:05:00-05:00';
    expect(formatClock(start)).toBe(localHhMm(start));
    expect(formatRange(start, end)).toBe(`${localHhMm(start)}–${localHhMm(end)}`);
    expect(formatClock('nonsense')).toBe('--:--');
    expect(formatClock(undefined)).toBe('--:--');
  });

  it("shows times in the facility's zone, whatever the browser's", () => {
    // 06:30 UTC is 07:30 in Paris (winter) and 01:30 in Chicago.
    expect(formatRange('2026-11-23T06:30:00Z', '2026-11-23T08:00:00Z', 'Europe/Paris')).toBe('07:30–09:00');
    expect(formatClock('2026-11-23T06:30:00Z', 'America/Chicago')).toBe('00:30');
    expect(formatClock('2026-07-01T06:30:00Z', 'Europe/Paris')).toBe('08:30');
    // Midnight is 00, not 24.
    expect(formatClock('2026-11-22T23:00:00Z', 'Europe/Paris')).toBe('00:00');
  });

  it("gives the facility's date for the date input", () => {
    expect(localDateValue(new Date('2026-11-23T23:30:00Z'), 'Europe/Paris')).toBe('2026-11-24');
    expect(localDateValue(new Date('2026-11-23T23:30:00Z'), 'America/Chicago')).toBe('2026-11-23');
  });

  it('gives the local date for the date input', () => {
    expect(localDateValue(new Date(2026, 0, 5, 23, 59))).toBe('2026-01-05');
    expect(boardTopic('2026-01-05')).toBe('board:2026-01-05');
  });
});

describe('status', () => {
  it('has a label for every status of the contract', () => {
    for (const status of CASE_STATUSES) expect(statusLabel(status)).toMatch(/^[A-Z]/);
  });

  it('builds a safe CSS class even for an unknown status', () => {
    expect(statusClass('in-procedure')).toBe('status status-in-procedure');
    expect(statusClass('x" onclick="y')).toBe('status');
  });
});
