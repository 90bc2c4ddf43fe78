import type { CaseView } from '@circulator/contracts';
import { formatClockMs, groupByRoom } from './board.format';
import { timeOf } from './time.format';

/**
 * The scheduling desk's timeline geometry: the day's time axis, where each bar of a case sits on
 * it (in percent of the axis, so the layout needs no measuring), hour ticks, lanes for cases that
 * overlap in a room, and the time a drag lands on. Pure and DOM-free; times are epoch ms.
 */

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** The axis: from `start` to `end` (epoch ms), and the staffed hours when known. */
export interface Axis {
  start: number;
  end: number;
  /** The rooms' staffed hours that day (`OR_HOURS`), when the server said. */
  open?: number;
  close?: number;
}

/** Staffed hours as `GET /api/site` gives them: facility-local `HH:MM`. */
export interface OrHours {
  open: string;
  close: string;
}

/** What the axis shows when neither OR hours nor cases say anything. */
const DEFAULT_HOURS: OrHours = { open: '07:00', close: '19:00' };

/**
 * The instant of a facility-local wall time (`date` YYYY-MM-DD, `hhmm` HH:MM) in `timeZone` (the
 * browser's when absent). Two passes over the zone's offset find the right one across a DST
 * change; a wall time that does not exist (the spring-forward gap) lands an hour later.
 */
export function zonedInstant(date: string, hhmm: string, timeZone?: string): number {
  const [y, mo, d] = date.split('-').map(Number);
  const [h, mi] = hhmm.split(':').map(Number);
  const wall = Date.UTC(y ?? 1970, (mo ?? 1) - 1, d ?? 1, h ?? 0, mi ?? 0);
  let guess = wall - offsetAt(wall, timeZone);
  guess = wall - offsetAt(guess, timeZone);
  return guess;
}

const offsetFormatters = new Map<string, Intl.DateTimeFormat>();

/** The zone's offset from UTC at an instant, in ms (wall time − UTC). */
function offsetAt(ms: number, timeZone: string | undefined): number {
  const key = timeZone ?? '';
  let f = offsetFormatters.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      ...(timeZone ? { timeZone } : {}),
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      hourCycle: 'h23',
    });
    offsetFormatters.set(key, f);
  }
  const p: Record<string, number> = {};
  for (const part of f.formatToParts(new Date(ms))) p[part.type] = Number(part.value);
  const wall = Date.UTC(p.year ?? 1970, (p.month ?? 1) - 1, p.day ?? 1, p.hour ?? 0, p.minute ?? 0, p.second ?? 0);
  return wall - Math.floor(ms / 1000) * 1000;
}

/**
 * The day's axis: the OR hours (default 07:00–19:00), widened to every time a case of the day
 * shows (scheduled, actual, predicted), then rounded out to whole hours.
 */
export function dayAxis(
  date: string,
  cases: readonly CaseView[],
  options: { orHours?: OrHours; timeZone?: string } = {},
): Axis {
  const hours = options.orHours ?? DEFAULT_HOURS;
  const open = zonedInstant(date, hours.open, options.timeZone);
  const close = zonedInstant(date, hours.close, options.timeZone);
  let start = open;
  let end = close > open ? close : open + 12 * HOUR;
  for (const c of cases) {
    for (const iso of [
      c.scheduledStart,
      c.scheduledEnd,
      c.milestones.inRoom,
      c.milestones.outOfRoom,
      c.predictedStart,
      c.predictedEnd,
    ]) {
      const t = timeOf(iso);
      if (t === undefined) continue;
      start = Math.min(start, t);
      end = Math.max(end, t);
    }
  }
  return {
    start: Math.floor(start / HOUR) * HOUR,
    end: Math.ceil(end / HOUR) * HOUR,
    ...(options.orHours ? { open, close } : {}),
  };
}

/** Whether two axes are the same (so that a screen can keep the one it has, and what it drew). */
export function sameAxis(a: Axis | undefined, b: Axis): boolean {
  return a !== undefined && a.start === b.start && a.end === b.end && a.open === b.open && a.close === b.close;
}

/** Where an instant is on the axis, in percent (clamped to 0–100). */
export function xPercent(axis: Axis, ms: number): number {
  const span = axis.end - axis.start;
  if (span <= 0) return 0;
  return Math.min(100, Math.max(0, ((ms - axis.start) / span) * 100));
}

/** A bar on the axis: left edge and width in percent. */
export interface Span {
  left: number;
  width: number;
}

/** The bar from `from` to `to`; undefined when it is empty or entirely off the axis. */
export function spanOf(axis: Axis, from: number | undefined, to: number | undefined): Span | undefined {
  if (from === undefined || to === undefined || to <= from) return undefined;
  if (to <= axis.start || from >= axis.end) return undefined;
  const left = xPercent(axis, from);
  return { left, width: xPercent(axis, to) - left };
}

/** The bars of a case: the schedule, what happened (in room → out of room) and the prediction. */
export interface CaseBars {
  scheduled?: Span;
  /** In room → out of room; → now while the patient is in the room (`open`). */
  actual?: Span & { open: boolean };
  /** Predicted start (else the scheduled one) → predicted end, while the case has not ended. */
  predicted?: Span;
}

export function caseBars(c: CaseView, axis: Axis, now: number): CaseBars {
  const bars: CaseBars = {};
  const scheduled = spanOf(axis, timeOf(c.scheduledStart), timeOf(c.scheduledEnd));
  if (scheduled) bars.scheduled = scheduled;
  const inRoom = timeOf(c.milestones.inRoom);
  const outOfRoom = timeOf(c.milestones.outOfRoom);
  if (inRoom !== undefined) {
    const open = outOfRoom === undefined;
    const actual = spanOf(axis, inRoom, open ? Math.max(now, inRoom + MINUTE) : outOfRoom);
    if (actual) bars.actual = { ...actual, open };
  }
  const predictedEnd = timeOf(c.predictedEnd);
  if (predictedEnd !== undefined && outOfRoom === undefined && c.status !== 'cancelled' && c.status !== 'no-show') {
    const from = inRoom ?? timeOf(c.predictedStart) ?? timeOf(c.scheduledStart);
    const predicted = spanOf(axis, from, predictedEnd);
    if (predicted) bars.predicted = predicted;
  }
  return bars;
}

/** A tick of the axis: each whole hour. */
export interface Tick {
  at: number;
  left: number;
  label: string;
}

export function hourTicks(axis: Axis, timeZone?: string): Tick[] {
  const out: Tick[] = [];
  for (let at = Math.ceil(axis.start / HOUR) * HOUR; at <= axis.end; at += HOUR) {
    out.push({ at, left: xPercent(axis, at), label: formatClockMs(at, timeZone) });
  }
  return out;
}

/** A tick's label on the axis: the first sits right of its tick, the last left of it, others centred. */
export interface AxisLabel extends Tick {
  align: 'start' | 'center' | 'end';
}

/** Hours between labels, fewest first: every hour, then every 2, 3… as the axis gets crowded. */
const LABEL_STEPS = [1, 2, 3, 4, 6, 12, 24];

/**
 * Which hour ticks get a label on an axis `widthPx` wide, labels `labelPx` wide, at least `gapPx`
 * apart: every hour, or every 2, 3… hours from the first, the smallest step whose labels clear each
 * other; the axis' last hour too, and never two that touch (the first and the last stay: they say
 * where the axis starts and ends; the label before the last gives way). Before the axis is
 * measured (`widthPx` 0), all of them.
 */
export function axisLabels(ticks: readonly Tick[], widthPx: number, labelPx: number, gapPx = 8): AxisLabel[] {
  const aligned = ticks.map((t): AxisLabel => ({
    ...t,
    align: t.left <= 0 ? 'start' : t.left >= 100 ? 'end' : 'center',
  }));
  if (widthPx <= 0 || aligned.length <= 1) return aligned;
  const x = (l: AxisLabel) => (l.left / 100) * widthPx;
  const box = (l: AxisLabel): [number, number] =>
    l.align === 'start'
      ? [x(l), x(l) + labelPx]
      : l.align === 'end'
        ? [x(l) - labelPx, x(l)]
        : [x(l) - labelPx / 2, x(l) + labelPx / 2];
  const clear = (a: AxisLabel, b: AxisLabel) => box(a)[1] + gapPx <= box(b)[0];

  let spacing = Infinity;
  for (let i = 1; i < aligned.length; i++) spacing = Math.min(spacing, x(aligned[i]!) - x(aligned[i - 1]!));
  // Far enough apart that the second label clears the first, which sits wholly right of its tick.
  const step = LABEL_STEPS.find((s) => s * spacing >= 1.5 * labelPx + gapPx) ?? aligned.length;
  const last = aligned[aligned.length - 1]!;
  const picked = aligned.filter((_, i) => i % step === 0);
  if (last.align === 'end' && picked[picked.length - 1] !== last) picked.push(last);

  const kept: AxisLabel[] = [];
  for (const label of picked) {
    if (label === last && label.align === 'end') {
      // The end stays; the labels before it that it would touch go (never the first).
      while (kept.length > 1 && !clear(kept[kept.length - 1]!, label)) kept.pop();
      if (kept.length === 0 || clear(kept[kept.length - 1]!, label)) kept.push(label);
    } else if (kept.length === 0 || clear(kept[kept.length - 1]!, label)) {
      kept.push(label);
    }
  }
  return kept;
}

/** One room of the timeline: its cases by start, each in a lane so that overlapping bars stack. */
export interface TimelineRow {
  roomId: string;
  roomName: string;
  cases: CaseView[];
  /** Case id → lane (0 = top). */
  lanes: ReadonlyMap<string, number>;
  laneCount: number;
}

/**
 * Rows of the timeline, one per room (OR2 before OR10), with `extraRooms` (e.g. the rooms of
 * `GET /api/rooms`) that have no case yet also shown, so a case can be dragged into them. In each
 * row a case takes the first lane whose previous case ended by its start (cancelled ones too, so
 * that nothing is hidden under another bar).
 */
export function timelineRows(
  cases: readonly CaseView[],
  extraRooms: readonly { id: string; name: string }[] = [],
): TimelineRow[] {
  const groups = groupByRoom(cases);
  const known = new Set(groups.map((g) => g.roomId));
  const empty = extraRooms.filter((r) => !known.has(r.id)).map((r) => ({ roomId: r.id, roomName: r.name, cases: [] }));
  const all = empty.length ? [...groups, ...empty].sort(compareRooms) : groups;
  return all.map((g) => {
    const laneEnds: number[] = [];
    const lanes = new Map<string, number>();
    for (const c of g.cases) {
      const start = timeOf(c.scheduledStart) ?? 0;
      const end = Math.max(start, timeOf(c.scheduledEnd) ?? start);
      let lane = laneEnds.findIndex((e) => e <= start);
      if (lane < 0) {
        lane = laneEnds.length;
        laneEnds.push(end);
      } else laneEnds[lane] = end;
      lanes.set(c.id, lane);
    }
    return { roomId: g.roomId, roomName: g.roomName, cases: g.cases, lanes, laneCount: Math.max(1, laneEnds.length) };
  });
}

const byName = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });

function compareRooms(a: { roomId: string; roomName: string }, b: { roomId: string; roomName: string }): number {
  return byName.compare(a.roomName, b.roomName) || a.roomId.localeCompare(b.roomId);
}

/** Drags and the keyboard move cases in steps of this many minutes. */
export const SNAP_MINUTES = 5;

/**
 * The start a case lands on when dragged horizontally by `dx` of a track `width` pixels wide:
 * its start moved by the same share of the axis, snapped to `snapMinutes`.
 */
export function draggedStart(
  axis: Axis,
  originalStart: number,
  dx: number,
  width: number,
  snapMinutes = SNAP_MINUTES,
): number {
  if (width <= 0) return originalStart;
  const moved = originalStart + (dx / width) * (axis.end - axis.start);
  const step = snapMinutes * MINUTE;
  return Math.round(moved / step) * step;
}

/**
 * The row a pointer is over, from its vertical position among the rows' boxes (`tops` the top of
 * each row and `bottom` the last row's bottom, in the same coordinates); undefined above or below.
 */
export function rowAt(y: number, tops: readonly number[], bottom: number): number | undefined {
  if (tops.length === 0 || y < (tops[0] ?? 0) || y >= bottom) return undefined;
  let index = 0;
  for (let i = 0; i < tops.length; i++) if ((tops[i] ?? 0) <= y) index = i;
  return index;
}

/**
 * `next` with each row that has not changed replaced by the previous object (same room, lanes
 * and the very same case objects: a case update replaces only the case it changed), so that a
 * live update re-renders only the rooms it touched.
 */
export function reuseRows(prev: readonly TimelineRow[], next: readonly TimelineRow[]): TimelineRow[] {
  const before = new Map(prev.map((r) => [r.roomId, r] as const));
  return next.map((row) => {
    const old = before.get(row.roomId);
    if (
      old === undefined ||
      old.roomName !== row.roomName ||
      old.laneCount !== row.laneCount ||
      old.cases.length !== row.cases.length ||
      old.cases.some((c, i) => c !== row.cases[i] || old.lanes.get(c.id) !== row.lanes.get(c.id))
    ) {
      return row;
    }
    return old;
  });
}
