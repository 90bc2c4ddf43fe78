import type { CaseStatus, MilestoneKey } from '@circulator/contracts';
import type { ObservationKind } from '../outbound/observation.mapper';

/** One comparison of a target time range's start or end with an instant. */
export interface TimeTest {
  side: 'start' | 'end';
  op: '>=' | '<';
  /** ISO 8601 instant. */
  at: string;
}

/**
 * One date value of a search, as tests on the target's time range [start, end] (end absent:
 * still going on): an OR of AND-groups. A target without a start never matches.
 */
export type TimeCondition = TimeTest[][];

/**
 * Which times of a case a date search compares (each the same rule as the resource's mapper):
 * `scheduled` the scheduled start (Appointment.start), `stay` in room → PACU out (Encounter.period,
 * see stayPeriod), `procedure` incision → closure (Procedure.performedPeriod).
 */
export type CaseTimeline = 'scheduled' | 'stay' | 'procedure';

/** A case status, optionally only with (or without) a milestone recorded. */
export interface StatusMatch {
  status: CaseStatus;
  milestone?: { key: MilestoneKey; present: boolean };
}

/** An appointment identifier: its value, under any of these kinds (CaseIdentifiers keys). */
export interface IdentifierMatch {
  kinds: readonly string[];
  value: string;
}

/**
 * What cases a search wants. Every list is one search parameter occurrence and is an OR of its
 * values; the lists (and the time conditions) are ANDed, as R4 §3.1.1.5.1 combines parameters.
 */
export interface CaseCriteria {
  ids?: string[][];
  /** MRNs; an MRN merged into another (ADT A40) finds the survivor's cases. */
  mrns?: string[][];
  roomIds?: string[][];
  statuses?: StatusMatch[][];
  identifiers?: IdentifierMatch[][];
  procedureCodes?: string[][];
  time?: { timeline: CaseTimeline; conditions: TimeCondition[] };
}

/** What Observations (vitals of cases) a search wants, beyond their cases. */
export interface VitalCriteria {
  /** Case and kind pairs (Observation `_id`), one list per occurrence. */
  ids?: { caseId: string; kind: ObservationKind }[][];
  kinds?: ObservationKind[][];
  /** Tests on the reading's time (a point: start = end). */
  conditions?: TimeCondition[];
}

/** A page: skip `offset` matches, return at most `limit`. */
export interface PageRequest {
  offset: number;
  limit: number;
}
