import { describe, expect, it } from '@jest/globals';
import {
  axisLabels,
  caseBars,
  dayAxis,
  draggedStart,
  hourTicks,
  reuseRows,
  rowAt,
  sameAxis,
  spanOf,
  timelineRows,
  xPercent,
  zonedInstant,
  type Axis,
} from './timeline.geometry';
import { aCase } from './test.fixtures';

const ms = (iso: string) => Date.parse(iso);
const PARIS = 'Europe/Paris';
/** 23 Nov 2026, 07:00–17:00 in Paris (UTC+1). */
const AXIS: Axis = { start: ms('2026-11-23T06:00:00Z'), end: ms('2026-11-23T16:00:00Z') };

describe('zonedInstant', () => {
  it('reads a wall time in the facility zone, whatever the browser zone', () => {
    expect(new Date(zonedInstant('2026-11-23', '07:30', PARIS)).toISOString()).toBe('2026-11-23T06:30:00.000Z');
    expect(new Date(zonedInstant('2026-07-01', '07:30', PARIS)).toISOString()).toBe('2026-07-01T05:30:00.000Z');
    expect(new Date(zonedInstant('2026-11-23', '07:30', 'America/New_York')).toISOString()).toBe(
      '2026-11-23T12:30:00.000Z',
    );
  });

  it('finds the right offset on the days the clocks change', () => {
    // 29 March 2026: Paris goes from UTC+1 to UTC+2 at 02:00 local; 25 October back at 03:00.
    expect(new Date(zonedInstant('2026-03-29', '08:00', PARIS)).toISOString()).toBe('2026-03-29T06:00:00.000Z');
    expect(new Date(zonedInstant('2026-03-29', '01:00', PARIS)).toISOString()).toBe('2026-03-29T00:00:00.000Z');
    expect(new Date(zonedInstant('2026-10-25', '08:00', PARIS)).toISOString()).toBe('2026-10-25T07:00:00.000Z');
  });
});

describe('dayAxis', () => {
  it('spans the OR hours when every case is inside them, and remembers them', () => {
    const axis = dayAxis(
      '2026-11-23',
      [aCase({ id: 'a', scheduledStart: '2026-11-23T07:00:00Z', scheduledEnd: '2026-11-23T08:00:00Z' })],
      {
        orHours: { open: '07:00', close: '17:00' },
        timeZone: PARIS,
      },
    );
    expect(axis).toEqual({ ...AXIS, open: AXIS.start, close: AXIS.end });
  });

  it('widens to whole hours around cases, actual and predicted times outside the hours', () => {
    const axis = dayAxis(
      '2026-11-23',
      [
        aCase({
          id: 'a',
          scheduledStart: '2026-11-23T05:40:00Z',
          scheduledEnd: '2026-11-23T07:00:00Z',
          predictedEnd: '2026-11-23T17:10:00Z',
        }),
      ],
      { orHours: { open: '07:00', close: '17:00' }, timeZone: PARIS },
    );
    expect(new Date(axis.start).toISOString()).toBe('2026-11-23T05:00:00.000Z');
    expect(new Date(axis.end).toISOString()).toBe('2026-11-23T18:00:00.000Z');
    expect(axis.open).toBe(AXIS.start);
  });

  it('falls back to 07:00–19:00 without OR hours, and says no hours', () => {
    const axis = dayAxis('2026-11-23', [], { timeZone: PARIS });
    expect(new Date(axis.start).toISOString()).toBe('2026-11-23T06:00:00.000Z');
    expect(new Date(axis.end).toISOString()).toBe('2026-11-23T18:00:00.000Z');
    expect(axis.open).toBeUndefined();
  });
});

describe('sameAxis', () => {
  it('compares by value, hours included', () => {
    expect(sameAxis({ ...AXIS }, AXIS)).toBe(true);
    expect(sameAxis(undefined, AXIS)).toBe(false);
    expect(sameAxis({ ...AXIS, open: AXIS.start }, AXIS)).toBe(false);
    expect(sameAxis({ ...AXIS, end: AXIS.end + 1 }, AXIS)).toBe(false);
  });
});

describe('bars', () => {
  it('places an instant in percent of the axis, clamped', () => {
    expect(xPercent(AXIS, ms('2026-11-23T11:00:00Z'))).toBe(50);
    expect(xPercent(AXIS, ms('2026-11-23T02:00:00Z'))).toBe(0);
    expect(xPercent(AXIS, ms('2026-11-23T20:00:00Z'))).toBe(100);
  });

  it('gives no span for an empty interval or one off the axis', () => {
    expect(spanOf(AXIS, ms('2026-11-23T07:00:00Z'), ms('2026-11-23T08:00:00Z'))).toEqual({ left: 10, width: 10 });
    expect(spanOf(AXIS, ms('2026-11-23T08:00:00Z'), ms('2026-11-23T08:00:00Z'))).toBeUndefined();
    expect(spanOf(AXIS, ms('2026-11-23T17:00:00Z'), ms('2026-11-23T18:00:00Z'))).toBeUndefined();
    expect(spanOf(AXIS, undefined, ms('2026-11-23T08:00:00Z'))).toBeUndefined();
  });

  const base = { scheduledStart: '2026-11-23T07:00:00Z', scheduledEnd: '2026-11-23T08:00:00Z' };
  it('a planned case: the schedule and, when predicted, from its predicted start to its predicted end', () => {
    const bars = caseBars(
      aCase({ id: 'a', ...base, predictedStart: '2026-11-23T08:00:00Z', predictedEnd: '2026-11-23T09:00:00Z' }),
      AXIS,
      ms('2026-11-23T06:30:00Z'),
    );
    expect(bars).toEqual({ scheduled: { left: 10, width: 10 }, predicted: { left: 20, width: 10 } });
  });

  it('a case in the room: the actual bar runs to now (open) and the prediction from in room', () => {
    const bars = caseBars(
      aCase({
        id: 'a',
        ...base,
        status: 'in-procedure',
        milestones: { inRoom: '2026-11-23T07:00:00Z' },
        predictedEnd: '2026-11-23T09:00:00Z',
      }),
      AXIS,
      ms('2026-11-23T08:00:00Z'),
    );
    expect(bars.actual).toEqual({ left: 10, width: 10, open: true });
    expect(bars.predicted).toEqual({ left: 10, width: 20 });
  });

  it('a finished case: the actual bar is in room → out of room, and no prediction', () => {
    const bars = caseBars(
      aCase({
        id: 'a',
        ...base,
        status: 'recovery',
        milestones: { inRoom: '2026-11-23T07:00:00Z', outOfRoom: '2026-11-23T09:00:00Z' },
        predictedEnd: '2026-11-23T09:00:00Z',
      }),
      AXIS,
      ms('2026-11-23T12:00:00Z'),
    );
    expect(bars.actual).toEqual({ left: 10, width: 20, open: false });
    expect(bars.predicted).toBeUndefined();
  });

  it('ticks each whole hour with the facility clock', () => {
    const ticks = hourTicks(AXIS, PARIS);
    expect(ticks).toHaveLength(11);
    expect(ticks[0]).toEqual({ at: AXIS.start, left: 0, label: '07:00' });
    expect(ticks[10]?.label).toBe('17:00');
  });
});

describe('axisLabels', () => {
  /** 07:00–22:00 in Paris: 16 hours, the board's axis when a day runs late. */
  const LONG: Axis = { start: ms('2026-11-23T06:00:00Z'), end: ms('2026-11-23T21:00:00Z') };
  const shown = (width: number, label = 35) =>
    axisLabels(hourTicks(LONG, PARIS), width, label).map(
      (l) => `${l.label}${l.align === 'center' ? '' : `:${l.align}`}`,
    );
  /** No two labels closer than the gap, none out of the axis. */
  const overlaps = (width: number, label = 35, gap = 8) => {
    const boxes = axisLabels(hourTicks(LONG, PARIS), width, label, gap).map((l) => {
      const x = (l.left / 100) * width;
      return l.align === 'start' ? [x, x + label] : l.align === 'end' ? [x - label, x] : [x - label / 2, x + label / 2];
    });
    return boxes.filter(([a, b], i) => a! < 0 || b! > width || (i > 0 && boxes[i - 1]![1]! + gap > a!)).length;
  };

  it('labels every hour when there is room, the first right of its tick and the last left of it', () => {
    const labels = shown(1600);
    expect(labels).toHaveLength(16);
    expect(labels[0]).toBe('07:00:start');
    expect(labels[1]).toBe('08:00');
    expect(labels[15]).toBe('22:00:end');
    expect(overlaps(1600)).toBe(0);
  });

  it('labels every 2 hours when hourly labels would touch (the board’s 07:0008:00), the end too', () => {
    // 15 hours in 825 px: 55 px an hour, a 35 px label centred on 08:00 would end 2.5 px after 07:00's;
    // 21:00 would touch 22:00, which ends the axis.
    expect(shown(825)).toEqual(['07:00:start', ...['09:00', '11:00', '13:00', '15:00', '17:00', '19:00'], '22:00:end']);
    expect(overlaps(825)).toBe(0);
  });

  it('labels every 3, 4… hours as the axis narrows, never two that touch', () => {
    expect(shown(500)).toEqual(['07:00:start', '09:00', '11:00', '13:00', '15:00', '17:00', '19:00', '22:00:end']);
    expect(shown(400)).toEqual(['07:00:start', '10:00', '13:00', '16:00', '19:00', '22:00:end']);
    // Every 4 hours; 19:00 would touch 22:00.
    expect(shown(300)).toEqual(['07:00:start', '11:00', '15:00', '22:00:end']);
    for (let width = 40; width <= 2000; width += 7) expect(overlaps(width)).toBe(0);
    // Too narrow for two labels: the start alone.
    expect(shown(60)).toEqual(['07:00:start']);
  });

  it('keeps every tick before the axis is measured', () => {
    expect(shown(0)).toHaveLength(16);
  });
});

describe('timelineRows', () => {
  it('one row per room in natural order, empty rooms too, overlapping cases in lanes', () => {
    const rows = timelineRows(
      [
        aCase({
          id: 'a',
          roomId: 'r2',
          roomName: 'OR2',
          scheduledStart: '2026-11-23T07:00:00Z',
          scheduledEnd: '2026-11-23T09:00:00Z',
        }),
        aCase({
          id: 'b',
          roomId: 'r2',
          roomName: 'OR2',
          scheduledStart: '2026-11-23T08:00:00Z',
          scheduledEnd: '2026-11-23T10:00:00Z',
        }),
        aCase({
          id: 'c',
          roomId: 'r2',
          roomName: 'OR2',
          scheduledStart: '2026-11-23T09:00:00Z',
          scheduledEnd: '2026-11-23T10:00:00Z',
        }),
        aCase({
          id: 'd',
          roomId: 'r10',
          roomName: 'OR10',
          scheduledStart: '2026-11-23T07:00:00Z',
          scheduledEnd: '2026-11-23T08:00:00Z',
        }),
      ],
      [
        { id: 'r3', name: 'OR3' },
        { id: 'r2', name: 'OR2' },
      ],
    );
    expect(rows.map((r) => [r.roomName, r.cases.map((c) => c.id), r.laneCount])).toEqual([
      ['OR2', ['a', 'b', 'c'], 2],
      ['OR3', [], 1],
      ['OR10', ['d'], 1],
    ]);
    // c starts when a ends: it takes a's lane again.
    expect(Object.fromEntries(rows[0]!.lanes)).toEqual({ a: 0, b: 1, c: 0 });
  });

  it('keeps the previous row object when nothing in the room changed', () => {
    const a = aCase({ id: 'a', roomId: 'r1' });
    const b = aCase({ id: 'b', roomId: 'r2', roomName: 'OR2' });
    const first = timelineRows([a, b]);
    const again = reuseRows(first, timelineRows([a, b]));
    expect(again[0]).toBe(first[0]);
    const changed = reuseRows(first, timelineRows([a, { ...b, version: 2 }]));
    expect(changed[0]).toBe(first[0]);
    expect(changed[1]).not.toBe(first[1]);
  });
});

describe('dragging', () => {
  const start = ms('2026-11-23T07:00:00Z');
  it('moves the start by the share of the axis dragged, in 5-minute steps', () => {
    // 1000 px for 10 h: 100 px an hour.
    expect(new Date(draggedStart(AXIS, start, 150, 1000)).toISOString()).toBe('2026-11-23T08:30:00.000Z');
    expect(new Date(draggedStart(AXIS, start, -52, 1000)).toISOString()).toBe('2026-11-23T06:30:00.000Z');
    expect(new Date(draggedStart(AXIS, start, 4, 1000)).toISOString()).toBe('2026-11-23T07:00:00.000Z');
    expect(draggedStart(AXIS, start, 50, 0)).toBe(start);
  });

  it('finds the row under the pointer', () => {
    const tops = [0, 60, 180];
    expect(rowAt(-1, tops, 240)).toBeUndefined();
    expect(rowAt(0, tops, 240)).toBe(0);
    expect(rowAt(59, tops, 240)).toBe(0);
    expect(rowAt(60, tops, 240)).toBe(1);
    expect(rowAt(239, tops, 240)).toBe(2);
    expect(rowAt(240, tops, 240)).toBeUndefined();
    expect(rowAt(10, [], 0)).toBeUndefined();
  });
});
