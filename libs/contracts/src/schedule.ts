/**
 * The scheduling desk's REST answers beyond CONTRACT §3 (fields may be added, never renamed).
 */

/** A room that could take a case, and when (`GET /api/cases/{id}/suggestions`). */
export interface RoomSuggestionView {
  roomId: string;
  roomName: string;
  /** The earliest in room that the room's predicted day leaves free for the case (ISO 8601, UTC). */
  start: string;
  /** start + the case's expected duration. */
  end: string;
  expectedMinutes: number;
  /** When the room's staffed day ends (`OR_HOURS`). */
  closesAt: string;
}

/** `GET /api/cases/{id}/suggestions`: other rooms that could take the case, earliest first. */
export interface CaseSuggestionsView {
  caseId: string;
  /** As of this instant: a room's day is predicted from what had happened by then. */
  asOf: string;
  suggestions: RoomSuggestionView[];
}

/** One reason a move was refused, as the 409 problem of `PATCH /api/cases/{id}` lists it. */
export interface ScheduleConflictView {
  kind: string;
  message: string;
  caseId?: string;
  from?: string;
  to?: string;
}
