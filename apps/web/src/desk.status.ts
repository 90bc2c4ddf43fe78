import type { CaseView } from '@circulator/contracts';
import { timeOf } from './time.format';

/**
 * The desk's delay badges and filters. Pure: `now` (epoch ms) is passed in.
 */

const MINUTE = 60_000;

/** A start later than the scheduled one by more than this is a late start (as the KPIs' grace). */
export const LATE_START_GRACE_MINUTES = 5;
/** A predicted end past the scheduled end by less than this is no delay worth a badge. */
export const OVERRUN_MIN_MINUTES = 5;

/** A delay the desk should see on a case. */
export type DelayBadge =
  /** The patient came in `minutes` after the scheduled start. */
  | { kind: 'late-start'; minutes: number; inRoom: true }
  /** The scheduled start is `minutes` past and the patient is not in the room yet. */
  | { kind: 'late-start'; minutes: number; inRoom: false }
  /** The case is predicted to end `minutes` after its scheduled end. */
  | { kind: 'overrun'; minutes: number };

/** Statuses whose case no longer takes room time (no badge: nothing to wait for). */
const NO_DELAY = new Set<string>(['cancelled', 'no-show']);

/** The delay badges of a case: a late start, then a predicted overrun. */
export function delayBadges(
  c: CaseView,
  now: number,
  options: { graceMinutes?: number; overrunMinutes?: number } = {},
): DelayBadge[] {
  if (NO_DELAY.has(c.status)) return [];
  const grace = (options.graceMinutes ?? LATE_START_GRACE_MINUTES) * MINUTE;
  const out: DelayBadge[] = [];
  const start = timeOf(c.scheduledStart);
  const inRoom = timeOf(c.milestones.inRoom);
  if (start !== undefined) {
    if (inRoom !== undefined) {
      if (inRoom - start > grace) out.push({ kind: 'late-start', minutes: wholeMinutes(inRoom - start), inRoom: true });
    } else if (!ended(c) && now - start > grace) {
      out.push({ kind: 'late-start', minutes: wholeMinutes(now - start), inRoom: false });
    }
  }
  const end = timeOf(c.scheduledEnd);
  const predicted = timeOf(c.predictedEnd);
  const over = (options.overrunMinutes ?? OVERRUN_MIN_MINUTES) * MINUTE;
  if (end !== undefined && predicted !== undefined && !ended(c) && predicted - end >= over) {
    out.push({ kind: 'overrun', minutes: wholeMinutes(predicted - end) });
  }
  return out;
}

/** A short label for a badge: `+25 min late`, `45 min late, not in`, `ends +20 min`. */
export function badgeLabel(badge: DelayBadge): string {
  switch (badge.kind) {
    case 'late-start':
      return badge.inRoom ? `started ${badge.minutes} min late` : `${badge.minutes} min late, not in`;
    case 'overrun':
      return `ends ${badge.minutes} min late`;
  }
}

function ended(c: CaseView): boolean {
  return c.milestones.outOfRoom !== undefined || c.status === 'recovery' || c.status === 'completed';
}

function wholeMinutes(ms: number): number {
  return Math.round(ms / MINUTE);
}

/** What the desk narrows the day to; empty strings mean "any". */
export interface DeskFilter {
  roomId: string;
  status: string;
  surgeon: string;
  delayedOnly: boolean;
}

export const NO_FILTER: DeskFilter = { roomId: '', status: '', surgeon: '', delayedOnly: false };

export function isFiltering(filter: DeskFilter): boolean {
  return filter.roomId !== '' || filter.status !== '' || filter.surgeon !== '' || filter.delayedOnly;
}

/** Whether a case passes the filter (the surgeon by name, as the board shows it). */
export function matchesFilter(c: CaseView, filter: DeskFilter, now: number): boolean {
  if (filter.roomId !== '' && c.roomId !== filter.roomId) return false;
  if (filter.status !== '' && c.status !== filter.status) return false;
  if (filter.surgeon !== '' && surgeonName(c) !== filter.surgeon) return false;
  if (filter.delayedOnly && delayBadges(c, now).length === 0) return false;
  return true;
}

/** The cases that pass the filter, in the order given. */
export function filterCases(cases: readonly CaseView[], filter: DeskFilter, now: number): CaseView[] {
  return isFiltering(filter) ? cases.filter((c) => matchesFilter(c, filter, now)) : [...cases];
}

/** The choices the filters offer for a day: its rooms, statuses and surgeons (sorted). */
export function filterChoices(cases: readonly CaseView[]): {
  rooms: { id: string; name: string }[];
  statuses: string[];
  surgeons: string[];
} {
  const rooms = new Map<string, string>();
  const statuses = new Set<string>();
  const surgeons = new Set<string>();
  for (const c of cases) {
    rooms.set(c.roomId, c.roomName || c.roomId);
    statuses.add(c.status);
    const name = surgeonName(c);
    if (name !== '') surgeons.add(name);
  }
  return {
    rooms: [...rooms].map(([id, name]) => ({ id, name })).sort((a, b) => byName.compare(a.name, b.name)),
    statuses: [...statuses].sort(),
    surgeons: [...surgeons].sort(byName.compare),
  };
}

const byName = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });

function surgeonName(c: CaseView): string {
  return c.surgeon?.name ?? '';
}
