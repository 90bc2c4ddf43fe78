import type { AlertView } from '@circulator/contracts';
import { localDate, type CaseState } from '@circulator/domain';

export interface TopicChange {
  topic: string;
  /** True when the case left this topic (moved to another day or room). */
  removed: boolean;
  /** On the `alerts` topic: the ids of the alerts this change raised (each gets an `alert` event). */
  raised?: string[];
}

/** What a change did to a case's alerts; undefined when nothing a reader sees changed. */
export interface AlertChange {
  raised: string[];
}

/** Compares a case's alerts before and after a change (raised, cleared, acknowledged, reworded). */
export function alertChanges(
  before: readonly AlertView[] | undefined,
  after: readonly AlertView[],
): AlertChange | undefined {
  const shown = (a: AlertView) => `${a.priority}|${a.acknowledgedAt ?? ''}|${a.message}`;
  const was = new Map((before ?? []).map((a) => [a.id, shown(a)]));
  const raised = after.filter((a) => !was.has(a.id)).map((a) => a.id);
  const changed = raised.length > 0 || after.length !== was.size || after.some((a) => was.get(a.id) !== shown(a));
  return changed ? { raised } : undefined;
}

/** Where a case is shown, for routing its changes. */
export interface CasePlacement {
  date: string;
  roomId: string;
}

export function placementOf(state: CaseState, facilityTz: string): CasePlacement {
  return { date: localDate(state.scheduledStart, facilityTz), roomId: state.roomId };
}

/**
 * The topics a case change touches: where it is now, and where it was if it moved. A `room:`
 * topic shows the room's facility-local today, so it hears of a case only while the case is on
 * `today` (and of its removal when it leaves the room or the day). The `alerts` topic (today's
 * alerts) hears of a case of today whose alerts changed, and of a case that left today. The day's
 * `board:` hears of it unless `onBoard` is false: nothing the board shows changed (readings only,
 * see boardCaseView).
 */
export function topicsForChange(
  caseId: string,
  now: CasePlacement,
  before: CasePlacement | undefined,
  today: string,
  alerts?: AlertChange,
  onBoard = true,
): TopicChange[] {
  const moved = before !== undefined && before.date !== now.date;
  const out: TopicChange[] = onBoard || moved ? [{ topic: `board:${now.date}`, removed: false }] : [];
  if (now.date === today) out.push({ topic: `room:${now.roomId}`, removed: false });
  out.push({ topic: `case:${caseId}`, removed: false });
  if (moved) out.push({ topic: `board:${before.date}`, removed: true });
  const leftRoom =
    before !== undefined && before.date === today && (before.roomId !== now.roomId || now.date !== today);
  if (leftRoom) out.push({ topic: `room:${before.roomId}`, removed: true });
  if (now.date === today && alerts) {
    out.push({ topic: 'alerts', removed: false, ...(alerts.raised.length ? { raised: alerts.raised } : {}) });
  } else if (now.date !== today && before?.date === today) {
    out.push({ topic: 'alerts', removed: true });
  }
  return out;
}
