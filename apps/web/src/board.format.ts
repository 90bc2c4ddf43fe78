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

/**
 * HH:MM in `timeZone` (the facility's, from `GET /api/site`; the browser's when absent — a kiosk
 * browser is often left in UTC, so the facility's zone is what a display must use);
 * `--:--` for a missing or unreadable time.
 */
export function formatClock(iso: string | undefined, timeZone?: string): string {
  if (iso === undefined) return '--:--';
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return '--:--';
  return formatClockMs(ms, timeZone);
}

export function formatClockMs(ms: number, timeZone?: string): string {
  const parts = zoned(new Date(ms), timeZone);
  return `${parts.hour}:${parts.minute}`;
}

/** `07:30–09:00` */
export function formatRange(startIso: string, endIso: string, timeZone?: string): string {
  return `${formatClock(startIso, timeZone)}–${formatClock(endIso, timeZone)}`;
}

/** The calendar date of `d` in `timeZone` (default: the browser's) as a date input wants it. */
export function localDateValue(d: Date, timeZone?: string): string {
  const parts = zoned(d, timeZone);
  return `${parts.year}-${parts.month}-${parts.day}`;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** Two-digit calendar and clock fields of an instant in a zone. */
function zoned(d: Date, timeZone: string | undefined): Record<'year' | 'month' | 'day' | 'hour' | 'minute', string> {
  const key = timeZone ?? '';
  let f = formatters.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', {
      ...(timeZone ? { timeZone } : {}),
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
    formatters.set(key, f);
  }
  const out = { year: '', month: '', day: '', hour: '', minute: '' };
  for (const p of f.formatToParts(d)) {
    if (p.type in out) out[p.type as keyof typeof out] = p.value;
  }
  return out;
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
