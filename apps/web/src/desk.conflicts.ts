import type { CaseView, EquipmentView } from '@circulator/contracts';
import { formatClockMs } from './board.format';
import { timeOf } from './time.format';

/**
 * What stands against moving a case, found before it is saved. The server decides
 * (`PATCH /api/cases/{id}`, 409 with its conflicts: libs/domain planning/conflicts.ts); this
 * mirrors its rules on the cases the desk has, and adds two warnings it does not refuse on: a slot
 * outside the OR hours, and equipment the case needs that another case holds at that time.
 */

/** Where the desk proposes to put a case (epoch ms). */
export interface Proposal {
  roomId: string;
  start: number;
  end: number;
}

export type MoveConflict =
  /** Cancelled, completed or a no-show: the server refuses any move. */
  | { kind: 'closed'; status: string }
  /** The patient is in the room: room and start cannot change. */
  | { kind: 'in-progress'; status: string }
  /** The patient has left the room: room and start are history. */
  | { kind: 'finished'; status: string }
  | { kind: 'end-not-after-start' }
  /** Another case of the target room is scheduled in part of the time. */
  | { kind: 'overlap'; caseId: string; procedure: string; from: number; to: number }
  /** Part of the slot is outside the rooms' staffed hours. */
  | { kind: 'outside-hours'; open: number; close: number }
  /** An item the case needs is needed by another case (in another room) at the same time. */
  | { kind: 'equipment'; item: string; caseId: string; roomName: string; from: number; to: number };

/** Whether the server refuses the move for this conflict (the others are warnings). */
export function isBlocking(conflict: MoveConflict): boolean {
  return conflict.kind !== 'outside-hours' && conflict.kind !== 'equipment';
}

const CLOSED = new Set(['cancelled', 'completed', 'no-show']);

/** Where a case is in its room day, as the server's planning rules say (milestones first). */
export function roomPhase(c: Pick<CaseView, 'status' | 'milestones'>): 'planned' | 'in-room' | 'left' {
  if (timeOf(c.milestones.outOfRoom) !== undefined || c.status === 'recovery' || c.status === 'completed') {
    return 'left';
  }
  if (timeOf(c.milestones.inRoom) !== undefined || c.status === 'in-room' || c.status === 'in-procedure') {
    return 'in-room';
  }
  return 'planned';
}

/** Whether a case holds its room (and its equipment) at its scheduled time. */
function holdsRoom(c: CaseView): boolean {
  return c.status !== 'cancelled' && c.status !== 'no-show' && roomPhase(c) !== 'left';
}

/**
 * The conflicts of moving `moving` to `proposal`, given the day's cases (all rooms, the moving
 * case included or not) and the staffed hours (epoch ms) when known. Blocking ones first, in the
 * server's order (the case's own, the interval's, overlaps by start), then the warnings.
 */
export function moveConflicts(
  moving: CaseView,
  proposal: Proposal,
  dayCases: readonly CaseView[],
  hours?: { open: number; close: number },
): MoveConflict[] {
  const out: MoveConflict[] = [];
  if (CLOSED.has(moving.status)) return [{ kind: 'closed', status: moving.status }];
  const moves = proposal.roomId !== moving.roomId || proposal.start !== timeOf(moving.scheduledStart);
  const phase = roomPhase(moving);
  if (moves && phase === 'in-room') out.push({ kind: 'in-progress', status: moving.status });
  if (moves && phase === 'left') out.push({ kind: 'finished', status: moving.status });
  if (proposal.end <= proposal.start) {
    out.push({ kind: 'end-not-after-start' });
    return out;
  }

  const overlaps: MoveConflict[] = [];
  const equipment: MoveConflict[] = [];
  const needs = moving.equipment ?? [];
  for (const other of dayCases) {
    if (other.id === moving.id || !holdsRoom(other)) continue;
    const start = timeOf(other.scheduledStart);
    const end = timeOf(other.scheduledEnd);
    if (start === undefined || end === undefined || end <= start) continue;
    const from = Math.max(proposal.start, start);
    const to = Math.min(proposal.end, end);
    if (from >= to) continue;
    if (other.roomId === proposal.roomId) {
      overlaps.push({ kind: 'overlap', caseId: other.id, procedure: other.procedure.text, from, to });
    } else {
      const shared = needs.find((need) => (other.equipment ?? []).some((item) => sameEquipment(need, item)));
      if (shared) {
        equipment.push({
          kind: 'equipment',
          item: shared.text,
          caseId: other.id,
          roomName: other.roomName || other.roomId,
          from,
          to,
        });
      }
    }
  }
  const byFrom = (a: MoveConflict, b: MoveConflict) => startOf(a) - startOf(b) || idOf(a).localeCompare(idOf(b));
  out.push(...overlaps.sort(byFrom));
  if (hours && hours.close > hours.open && (proposal.start < hours.open || proposal.end > hours.close)) {
    out.push({ kind: 'outside-hours', open: hours.open, close: hours.close });
  }
  out.push(...equipment.sort(byFrom));
  return out;
}

function startOf(c: MoveConflict): number {
  return 'from' in c ? c.from : 0;
}

function idOf(c: MoveConflict): string {
  return 'caseId' in c ? c.caseId : '';
}

/** Same item: by code when both have one, else by text (trimmed, spaces collapsed, any case). */
export function sameEquipment(a: EquipmentView, b: EquipmentView): boolean {
  const ca = a.code?.trim();
  const cb = b.code?.trim();
  if (ca && cb) return ca === cb;
  const text = (s: string) => s.trim().replace(/\s+/g, ' ').toLowerCase();
  return text(a.text) === text(b.text);
}

/** One sentence for the desk. */
export function describeConflict(c: MoveConflict, timeZone?: string): string {
  const clock = (ms: number) => formatClockMs(ms, timeZone);
  switch (c.kind) {
    case 'closed':
      return `The case is ${c.status}: it cannot be moved.`;
    case 'in-progress':
      return `The patient is in the room (${c.status}): the case cannot be moved.`;
    case 'finished':
      return `The patient has left the room (${c.status}): the case cannot be moved.`;
    case 'end-not-after-start':
      return 'The end is not after the start.';
    case 'overlap':
      return `Overlaps ${c.procedure} in that room from ${clock(c.from)} to ${clock(c.to)}.`;
    case 'outside-hours':
      return `Outside the OR hours (${clock(c.open)}–${clock(c.close)}).`;
    case 'equipment':
      return `${c.item} is booked in ${c.roomName} from ${clock(c.from)} to ${clock(c.to)}.`;
  }
}
