/**
 * Schedule conflicts: what stands against the desk's move of a case to another room or time, and
 * equipment needed by two cases at once. Pure; definitions with examples: docs/predictions.md.
 */
import type { CaseStatus } from '@circulator/contracts';
import type { EquipmentNeed } from '../fact';
import { type CasePrediction, type PlanCase, occupiesRoom, roomPhase, sameEquipment } from './predict';

/** Where the desk wants a case to be. */
export interface ProposedSlot {
  roomId: string;
  scheduledStart: string;
  scheduledEnd: string;
}

/** Why a proposed move cannot be made as it is. */
export type ScheduleConflict =
  /** The case is in the room: it cannot be moved to another room or start. */
  | { kind: 'in-progress'; status: CaseStatus; message: string }
  /** The case has left the room: its room and start are history. */
  | { kind: 'finished'; status: CaseStatus; message: string }
  /** A proposed time is not an ISO 8601 instant. */
  | { kind: 'invalid-time'; field: 'scheduledStart' | 'scheduledEnd'; message: string }
  /** The proposed end is not after the proposed start. */
  | { kind: 'end-not-after-start'; message: string }
  /** Another case of the target room is scheduled in part of the proposed time (`from`–`to`). */
  | { kind: 'overlap'; caseId: string; from: string; to: string; message: string };

export type ScheduleConflictKind = ScheduleConflict['kind'];

/**
 * Conflicts of moving `moving` to `proposed` (the desk's PATCH). Empty: the move may be made.
 * - `in-progress` / `finished`: the case is in the room, or has left it (see {@link roomPhase}),
 *   and the room or the start changes. Changing only the end (a running case that will take
 *   longer) is no move.
 * - `invalid-time`, `end-not-after-start`: the proposed interval is not one (no overlap is
 *   looked for then).
 * - `overlap`: with each other case of `roomCases` in the target room that occupies it (not
 *   cancelled, not a no-show, not out of the room), by scheduled times as half-open intervals
 *   `[start, end)`: a case may start at the minute the previous one ends. `roomCases` may hold
 *   other rooms' cases and the moving case itself; both are skipped.
 *
 * Order: the case's own conflicts, then the interval's, then overlaps by start, then case id.
 */
export function scheduleConflicts(
  moving: PlanCase,
  proposed: ProposedSlot,
  roomCases: readonly PlanCase[],
): ScheduleConflict[] {
  const out: ScheduleConflict[] = [];
  const start = instant(proposed.scheduledStart);
  const end = instant(proposed.scheduledEnd);

  const phase = roomPhase(moving);
  const moves = proposed.roomId !== moving.roomId || start === undefined || start !== instant(moving.scheduledStart);
  if (moves && phase === 'in-room') {
    out.push({
      kind: 'in-progress',
      status: moving.status,
      message: `case ${moving.id} is in the room (${moving.status}): it cannot be moved`,
    });
  } else if (moves && phase === 'left') {
    out.push({
      kind: 'finished',
      status: moving.status,
      message: `case ${moving.id} has left the room (${moving.status}): it cannot be moved`,
    });
  }

  if (start === undefined || end === undefined) {
    for (const field of ['scheduledStart', 'scheduledEnd'] as const) {
      if (instant(proposed[field]) === undefined) {
        out.push({ kind: 'invalid-time', field, message: `${field} is not an ISO 8601 instant: ${proposed[field]}` });
      }
    }
    return out;
  }
  if (end <= start) {
    out.push({
      kind: 'end-not-after-start',
      message: `the end ${proposed.scheduledEnd} is not after the start ${proposed.scheduledStart}`,
    });
    return out;
  }

  const overlaps: { caseId: string; from: number; to: number }[] = [];
  for (const other of roomCases) {
    if (other.id === moving.id || other.roomId !== proposed.roomId || !holdsRoom(other)) continue;
    const interval = scheduledInterval(other);
    if (!interval) continue;
    const from = Math.max(start, interval.start);
    const to = Math.min(end, interval.end);
    if (from < to) overlaps.push({ caseId: other.id, from, to });
  }
  overlaps.sort((a, b) => a.from - b.from || compareText(a.caseId, b.caseId));
  for (const o of overlaps) {
    out.push({
      kind: 'overlap',
      caseId: o.caseId,
      from: iso(o.from),
      to: iso(o.to),
      message: `overlaps case ${o.caseId} from ${iso(o.from)} to ${iso(o.to)}`,
    });
  }
  return out;
}

/** Two cases needing the same item of equipment at overlapping times. */
export interface EquipmentConflict {
  /** The item as the first of the two cases names it. */
  equipment: EquipmentNeed;
  /** The two cases, the earlier-starting first (then by id). */
  caseIds: [string, string];
  /** The overlap of the two cases' times (ISO 8601, UTC). */
  from: string;
  to: string;
}

/**
 * Pairs of cases that need the same item of equipment (see {@link sameEquipment}) at overlapping
 * times, whatever their rooms. Cases that are cancelled, no-shows or out of the room need nothing
 * any more. Times are half-open `[start, end)`: the scheduled ones, or a case's predicted ones
 * when `predictions` has it (from {@link predictCases}: knock-on delays then show too). Each item
 * is a single unit (docs/predictions.md). One entry per pair and item, sorted by `from`, then the
 * case ids, then the item's text.
 */
export function equipmentConflicts(
  cases: readonly PlanCase[],
  options: { predictions?: readonly CasePrediction[] } = {},
): EquipmentConflict[] {
  const predicted = new Map((options.predictions ?? []).map((p) => [p.caseId, p] as const));
  const timed: { c: PlanCase; start: number; end: number; needs: EquipmentNeed[] }[] = [];
  for (const c of cases) {
    if (!holdsRoom(c) || !c.equipment?.length) continue;
    const p = predicted.get(c.id);
    const interval = p
      ? { start: instant(p.predictedStart), end: instant(p.predictedEnd) }
      : (scheduledInterval(c) ?? { start: undefined, end: undefined });
    if (interval.start === undefined || interval.end === undefined || interval.end <= interval.start) continue;
    // The case's needs in a fixed order, so the item reported does not depend on how they were
    // listed; coded ones first, as the more precise name of an item listed twice.
    const needs = [...c.equipment].sort(
      (a, b) =>
        Number(!a.code) - Number(!b.code) || compareText(a.code ?? '', b.code ?? '') || compareText(a.text, b.text),
    );
    timed.push({ c, start: interval.start, end: interval.end, needs });
  }
  timed.sort((a, b) => a.start - b.start || compareText(a.c.id, b.c.id));

  const out: EquipmentConflict[] = [];
  for (let i = 0; i < timed.length; i++) {
    const a = timed[i];
    if (!a) continue;
    for (let j = i + 1; j < timed.length; j++) {
      const b = timed[j];
      if (!b) continue;
      // Sorted by start: no later case overlaps `a` either.
      if (b.start >= a.end) break;
      if (b.c.id === a.c.id) continue;
      const from = Math.max(a.start, b.start);
      const to = Math.min(a.end, b.end);
      const reported: EquipmentNeed[] = [];
      for (const need of a.needs) {
        if (!b.needs.some((other) => sameEquipment(need, other))) continue;
        if (reported.some((r) => sameEquipment(r, need))) continue;
        reported.push(need);
        out.push({ equipment: { ...need }, caseIds: [a.c.id, b.c.id], from: iso(from), to: iso(to) });
      }
    }
  }
  return out.sort(
    (x, y) =>
      instantOrder(x.from, y.from) ||
      compareText(x.caseIds[0], y.caseIds[0]) ||
      compareText(x.caseIds[1], y.caseIds[1]) ||
      compareText(x.equipment.text, y.equipment.text),
  );
}

/** A case that takes the room, or its equipment, now or later: not cancelled, no-show or gone. */
function holdsRoom(c: PlanCase): boolean {
  return occupiesRoom(c) && roomPhase(c) !== 'left';
}

function scheduledInterval(c: PlanCase): { start: number; end: number } | undefined {
  const start = instant(c.scheduledStart);
  const end = instant(c.scheduledEnd);
  return start === undefined || end === undefined || end <= start ? undefined : { start, end };
}

function instant(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const t = Date.parse(value);
  return Number.isNaN(t) ? undefined : t;
}

function instantOrder(a: string, b: string): number {
  return Date.parse(a) - Date.parse(b);
}

function iso(t: number): string {
  return new Date(t).toISOString();
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
