import { localDate, type CaseState } from '@circulator/domain';

export interface TopicChange {
  topic: string;
  /** True when the case left this topic (moved to another day or room). */
  removed: boolean;
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
 * `today` (and of its removal when it leaves the room or the day).
 */
export function topicsForChange(
  caseId: string,
  now: CasePlacement,
  before: CasePlacement | undefined,
  today: string,
): TopicChange[] {
  const out: TopicChange[] = [{ topic: `board:${now.date}`, removed: false }];
  if (now.date === today) out.push({ topic: `room:${now.roomId}`, removed: false });
  out.push({ topic: `case:${caseId}`, removed: false });
  if (before && before.date !== now.date) out.push({ topic: `board:${before.date}`, removed: true });
  const leftRoom =
    before !== undefined && before.date === today && (before.roomId !== now.roomId || now.date !== today);
  if (leftRoom) out.push({ topic: `room:${before.roomId}`, removed: true });
  return out;
}
