import { CASE_STATUSES, type CaseStatus, type CaseView } from '@circulator/contracts';

/** Pure presentation helpers for the board: grouping, times and labels. DOM-free. */

export interface RoomGroup {
  roomId: string;
  roomName: string;
  cases: CaseView[];
}

const byName = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });

/** Cases grouped by room (rooms in natural name order: OR2 before OR10), each by start time. */
export function groupByRoom(cases: readonly CaseView[]): RoomGroup[] {
  const rooms = new Map<string, RoomGroup>();
  for (const c of cases) {
    let group = rooms.get(c.roomId);
    if (group === undefined) {
      group = { roomId: c.roomId, roomName: c.roomName || c.roomId, cases: [] };
      rooms.set(c.roomId, group);
    }
    group.cases.push(c);
  }
  const groups = [...rooms.values()];
  for (const group of groups) {
    group.cases.sort((a, b) => time(a.scheduledStart) - time(b.scheduledStart) || a.id.localeCompare(b.id));
  }
  return groups.sort((a, b) => byName.compare(a.roomName, b.roomName) || a.roomId.localeCompare(b.roomId));
}

/** HH:MM in the browser's local time; `--:--` for a missing or unreadable time. */
export function formatClock(iso: string | undefined): string {
  if (iso === undefined) return '--:--';
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return '--:--';
  return formatClockMs(ms);
}

export function formatClockMs(ms: number): string {
  const d = new Date(ms);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** `07:30–09:00` */
export function formatRange(startIso: string, endIso: string): string {
  return `${formatClock(startIso)}–${formatClock(endIso)}`;
}

/** The local calendar date of `d` as a date input wants it: YYYY-MM-DD. */
export function localDateValue(d: Date): string {
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

export function boardTopic(date: string): `board:${string}` {
  return `board:${date}`;
}

export function isCaseStatus(status: string): status is CaseStatus {
  return (CASE_STATUSES as readonly string[]).includes(status);
}

export function statusLabel(status: CaseStatus): string {
  switch (status) {
    case 'scheduled':
      return 'Scheduled';
    case 'pre-op':
      return 'Pre-op';
    case 'in-room':
      return 'In room';
    case 'in-procedure':
      return 'In procedure';
    case 'recovery':
      return 'Recovery';
    case 'completed':
      return 'Completed';
    case 'cancelled':
      return 'Cancelled';
    case 'no-show':
      return 'No-show';
  }
}

/** CSS class of a status badge; an unknown status (a newer server) gets a neutral badge. */
export function statusClass(status: string): string {
  return /^[a-z-]+$/.test(status) ? `status status-${status}` : 'status';
}

function time(iso: string): number {
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? Number.POSITIVE_INFINITY : ms;
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}
