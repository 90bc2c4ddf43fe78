import type { CaseIdentifiers } from '@circulator/contracts';
import type { CaseState } from './case.model';
import type { ScheduleFact } from './fact';
import { localDate } from './local-date';

/**
 * How sure the fallback is that a schedule fact is about a case it found by patient + day + room:
 * - `high`: the scheduled starts are at most {@link CLOSE_START_MINUTES} apart, and the procedure
 *   codes agree (or one side has none);
 * - `medium`: same patient, day and room, but the start moved further or the procedure code differs.
 */
export type IdentityConfidence = 'high' | 'medium';

/** A case found without an identifier, and why (kept on the event and in the warning). */
export interface IdentityMatch {
  caseId: string;
  by: 'patient-day-room';
  confidence: IdentityConfidence;
  /** The evidence, in words: `same patient M1`, `same room OR 1`, `starts 10 min apart`… */
  reasons: string[];
}

export type IdentityFallback =
  | { outcome: 'matched'; state: CaseState; match: IdentityMatch }
  /** Several cases could be the one: none is chosen (a wrong merge is worse than a duplicate). */
  | { outcome: 'ambiguous'; caseIds: string[] }
  | { outcome: 'none' };

/** Starts this close (minutes) are the same slot. */
export const CLOSE_START_MINUTES = 30;

/**
 * Identifiers that name one appointment, visit or order: a case whose value of one of them differs
 * from the fact's is another appointment, whatever else they share.
 */
const DISTINCT_KEYS = [
  'placerAppointmentId',
  'fillerAppointmentId',
  'fhirAppointmentId',
  'visitNumber',
  'orderNumber',
] as const satisfies readonly (keyof CaseIdentifiers)[];

/**
 * The identity fallback: a schedule fact (SIU, FHIR Appointment) none of whose identifiers matched
 * a case is about the patient's case in the same room on the same facility-local day, if there is
 * exactly one and it has no identifier of the same kind with a different value (then it is another
 * appointment). Typical: an S14 that carries only the filler id the EHR assigned after the S12, or
 * the FHIR Appointment of a case booked over HL7.
 *
 * `candidates` are the patient's cases (any status: the answer must not depend on arrival order);
 * `zone` is the facility's IANA zone. A fact without a patient, room or valid start finds none.
 *
 * Worked example: case C booked by S12 `SCH-1 P1`, patient M1, OR 3, 23 Nov 08:00–09:30. An S14
 * with only `SCH-2 F9`, patient M1, OR 3, 08:15 → `matched` C, confidence `high` (15 min apart);
 * at 11:00 → `medium`; in OR 4 → `none`; with `SCH-1 P2` → `none` (another appointment).
 */
export function matchByPatientDayRoom(
  candidates: readonly CaseState[],
  fact: ScheduleFact,
  zone: string,
): IdentityFallback {
  const mrn = fact.patient?.mrn;
  const room = fact.room;
  const start = fact.scheduledStart ? Date.parse(fact.scheduledStart) : NaN;
  if (!mrn || !room || Number.isNaN(start)) return { outcome: 'none' };
  const day = localDate(fact.scheduledStart!, zone);
  const found = candidates.filter(
    (c) =>
      (c.patient.mrn === mrn || (c.patient.mergedFrom ?? []).includes(mrn)) &&
      c.roomId === room.id &&
      Number.isFinite(Date.parse(c.scheduledStart)) &&
      localDate(c.scheduledStart, zone) === day &&
      !DISTINCT_KEYS.some((k) => fact.identifiers[k] && c.identifiers[k] && fact.identifiers[k] !== c.identifiers[k]),
  );
  const unique = [...new Map(found.map((c) => [c.id, c])).values()].sort((a, b) => (a.id < b.id ? -1 : 1));
  if (unique.length > 1) return { outcome: 'ambiguous', caseIds: unique.map((c) => c.id) };
  const state = unique[0];
  if (!state) return { outcome: 'none' };

  const minutes = Math.round(Math.abs(Date.parse(state.scheduledStart) - start) / 60_000);
  const caseCode = state.procedure.code;
  const factCode = fact.procedure?.code;
  const sameProcedure = !caseCode || !factCode || caseCode === factCode;
  const reasons = [
    `same patient ${mrn}`,
    `same room ${room.name || room.id}`,
    `same day ${day}`,
    minutes === 0 ? 'same start' : `starts ${minutes} min apart`,
  ];
  if (caseCode && factCode)
    reasons.push(sameProcedure ? `same procedure ${factCode}` : `procedure ${caseCode} vs ${factCode}`);
  const confidence: IdentityConfidence = minutes <= CLOSE_START_MINUTES && sameProcedure ? 'high' : 'medium';
  return { outcome: 'matched', state, match: { caseId: state.id, by: 'patient-day-room', confidence, reasons } };
}
