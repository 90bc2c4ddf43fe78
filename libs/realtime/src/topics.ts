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

/** The topics a case change touches: where it is now, and where it was if it moved. */
export function topicsForChange(caseId: string, now: CasePlacement, before: CasePlacement | undefined): TopicChange[] {
  const out: TopicChange[] = [
    { topic: `board:${now.date}`, removed: false },
    { topic: `room:${now.roomId}`, removed: false },
    { topic: `case:${caseId}`, removed: false },
  ];
  if (before && before.date !== now.date) out.push({ topic: `board:${before.date}`, removed: true });
  if (before && before.roomId !== now.roomId) out.push({ topic: `room:${before.roomId}`, removed: true });
  return out;
}
