import type { AlertView, CaseView } from '@circulator/contracts';
import { isCaseView, isRecord, type SnapshotReader } from './live.payload';
import { timeOf } from './time.format';

/**
 * The desk's alerts feed: today's alerts of every case (the `alerts` topic, CONTRACT §7), newest
 * first. The topic's snapshot lists the alerts and the cases they belong to; its updates carry
 * changed cases in full, so the feed is read from the cases (a case whose `alerts` is empty has
 * none left). Pure.
 */

/** `alerts` snapshot `{alerts, cases}`: its cases (the alerts are theirs). */
export const readAlertsSnapshot: SnapshotReader<undefined> = (snapshot) =>
  isRecord(snapshot) && Array.isArray(snapshot.cases) ? { cases: snapshot.cases.filter(isCaseView) } : undefined;

/** One line of the feed. */
export interface FeedItem {
  alert: AlertView;
  caseId: string;
  roomId: string;
  roomName: string;
  procedure: string;
  /** The case's scheduled start (the feed links to its day on the board). */
  scheduledStart: string;
}

/** Every alert of the cases, newest raised first (then unacknowledged first, then by id). */
export function alertFeed(cases: readonly CaseView[], limit = 200): FeedItem[] {
  const items: FeedItem[] = [];
  for (const c of cases) {
    for (const alert of c.alerts) {
      items.push({
        alert,
        caseId: c.id,
        roomId: c.roomId,
        roomName: c.roomName || c.roomId,
        procedure: c.procedure.text,
        scheduledStart: c.scheduledStart,
      });
    }
  }
  items.sort(
    (a, b) =>
      (timeOf(b.alert.raisedAt) ?? 0) - (timeOf(a.alert.raisedAt) ?? 0) ||
      Number(a.alert.acknowledgedAt !== undefined) - Number(b.alert.acknowledgedAt !== undefined) ||
      a.alert.id.localeCompare(b.alert.id) ||
      a.caseId.localeCompare(b.caseId),
  );
  return items.slice(0, limit);
}

/** IEC 60601-1-8 marks for those who do not see colour, as on the wall display. */
export function priorityMark(priority: AlertView['priority']): string {
  switch (priority) {
    case 'high':
      return '!!!';
    case 'medium':
      return '!!';
    case 'low':
      return '!';
  }
}

/**
 * The key of an alert in the feed: its case and id (one alert id may show on several cases). An
 * `alert` event's alert carries its `caseId` (CONTRACT §7 `AlertItem`).
 */
export function alertKey(alert: AlertView & { caseId?: unknown }, caseId?: string): string {
  return `${caseId ?? (typeof alert.caseId === 'string' ? alert.caseId : '')}:${alert.id}`;
}
