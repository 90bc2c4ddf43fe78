import type { CaseIdentifiers, CaseStatus } from '@circulator/contracts';
import { assertUnreachable } from './assert';
import type { CaseState } from './case.model';
import { CREATING_ACTIONS } from './engine/schedule.apply';
import type { CaseTarget, Fact, ObservationSubject, PatientRef } from './fact';

export type CaseLookup =
  | { by: 'case'; caseId: string }
  | { by: 'identifiers'; identifiers: CaseIdentifiers; mayCreate: boolean }
  | { by: 'patient'; patient: PatientRef; visitNumber?: string; scope: 'near'; at: string }
  | { by: 'patient'; patient: PatientRef; visitNumber?: string; scope: 'all' }
  | {
      by: 'subject';
      subject: ObservationSubject;
      at: string;
      /** A recovery milestone (`pacuIn`, `pacuOut`): the patient's case that left its room last (see {@link pickRecoveryCase}). */
      recovery?: boolean;
    };

/** Milestones after the operating room: their case is the one the patient has left. */
const RECOVERY_MILESTONES: ReadonlySet<string> = new Set(['pacuIn', 'pacuOut']);

/** Statuses after which a case is over. */
const CLOSED: ReadonlySet<CaseStatus> = new Set(['completed', 'cancelled', 'no-show']);

/**
 * How far from an ADT event a patient's case may be to hear of it. By time, never by status: a
 * case cancelled before or after the event must hear of it the same, or arrival order would
 * change the outcome.
 */
export const PATIENT_EVENT_WINDOW_MS = 30 * 24 * 3_600_000;

/** How far from a case's scheduled window a reading may still be matched to it. */
const NEAREST_MS = 12 * 3_600_000;

/**
 * How the pipeline must look for the case(s) a fact applies to.
 * - schedule: by its identifiers; a case may be created for `booked`, `rescheduled`, `modified`.
 * - order: by its order number (never creates).
 * - patient (ADT): the patient's cases scheduled within {@link PATIENT_EVENT_WINDOW_MS} of the event.
 * - merge: every case of the merged patient, closed ones too (their history is the survivor's).
 * - observations, alarm: the subject's case at the fact's time (see {@link pickCaseAt}).
 * - milestone, checklist, acknowledgement: the case they name (by id from the API; by identifiers
 *   from FHIR; a device's or tag's room at the milestone's time); a desk's schedule change by id.
 */
export function caseLookupFor(fact: Fact): CaseLookup {
  switch (fact.kind) {
    case 'schedule':
      if (fact.caseId) return { by: 'case', caseId: fact.caseId };
      return { by: 'identifiers', identifiers: fact.identifiers, mayCreate: CREATING_ACTIONS.has(fact.action) };
    case 'milestone': {
      const lookup = lookupOf(fact.target, fact.value ?? fact.at);
      // PACU comes after the room: the case is found by the patient's last room exit, not its window.
      if (lookup.by === 'subject' && RECOVERY_MILESTONES.has(fact.milestone) && lookup.subject.patient) {
        lookup.recovery = true;
      }
      return lookup;
    }
    case 'checklist':
    case 'acknowledgement':
    case 'prediction':
    case 'device-conditions':
    case 'conditions':
    case 'limits':
      return lookupOf(fact.target, fact.at);
    case 'order': {
      const orderNumber = fact.identifiers.orderNumber;
      return { by: 'identifiers', identifiers: orderNumber ? { orderNumber } : {}, mayCreate: false };
    }
    case 'patient': {
      const lookup: CaseLookup = { by: 'patient', patient: patientRef(fact.patient), scope: 'near', at: fact.at };
      if (fact.visitNumber) lookup.visitNumber = fact.visitNumber;
      return lookup;
    }
    case 'merge':
      return { by: 'patient', patient: patientRef(fact.merged), scope: 'all' };
    case 'observations':
    case 'alarm':
      return { by: 'subject', subject: fact.subject, at: fact.at };
    default:
      return assertUnreachable(fact, 'fact kind');
  }
}

/** The lookup for a fact that names its case (by id, identifiers, or a subject at a time). */
function lookupOf(target: CaseTarget, at: string): CaseLookup {
  if ('caseId' in target) return { by: 'case', caseId: target.caseId };
  if ('identifiers' in target) return { by: 'identifiers', identifiers: target.identifiers, mayCreate: false };
  return { by: 'subject', subject: target.subject, at };
}

/** Whether a case is open in the sense of {@link caseLookupFor}'s `scope: 'open'`. */
export function isOpenCase(state: Pick<CaseState, 'status'>): boolean {
  return !CLOSED.has(state.status);
}

/**
 * Among candidate cases (same patient, or same room that local day), the one the subject was in
 * at `at`: in-room window [inRoom, outOfRoom) first, else the scheduled window; undefined if none
 * (the caller keeps the fact until a case covers it: guessing the nearest case would make the
 * answer depend on which cases happen to exist yet).
 *
 * Ties and edges, so that the answer depends neither on the candidates' order nor on the order
 * facts arrived in (a case's status is not considered, except to prefer an open case on a tie: a
 * reading taken before a cancellation arrived must land where it lands after it):
 * - in-room: a window without an out-of-room stays open until 12 h past the scheduled end (a
 *   missed A02 must not capture the room's next day); of several windows the one entered last wins.
 * - scheduled window [scheduledStart, scheduledEnd): cases not already out of the room at `at`;
 *   the one starting last wins.
 * Remaining ties go to an open case, then the smaller case id.
 */
export function pickCaseAt(candidates: readonly CaseState[], at: string): CaseState | undefined {
  const t = Date.parse(at);
  if (Number.isNaN(t)) return undefined;

  let best: CaseState | undefined;
  let bestKey = -Infinity;
  for (const c of candidates) {
    const inRoom = instant(c.milestones.inRoom);
    if (inRoom === undefined || inRoom > t) continue;
    const out = instant(c.milestones.outOfRoom);
    const until = out ?? (instant(c.scheduledEnd) ?? inRoom) + NEAREST_MS;
    if (t >= until) continue;
    if (inRoom > bestKey || (inRoom === bestKey && best && c.id < best.id)) {
      best = c;
      bestKey = inRoom;
    }
  }
  if (best) return best;

  for (const c of candidates) {
    if (leftBefore(c, t)) continue;
    const start = instant(c.scheduledStart);
    const end = instant(c.scheduledEnd);
    if (start === undefined || end === undefined || t < start || t >= end) continue;
    if (start > bestKey || (start === bestKey && best && preferred(c, best))) {
      best = c;
      bestKey = start;
    }
  }
  return best;
}

/**
 * Among a patient's cases, the one a recovery milestone (PACU in or out at `at`) belongs to: the
 * case whose room the patient left last at or before `at`, within 12 h; else the case the patient
 * is in at `at` ({@link pickCaseAt}: an RTLS tag may reach PACU before the room's exit is known).
 */
export function pickRecoveryCase(candidates: readonly CaseState[], at: string): CaseState | undefined {
  const t = Date.parse(at);
  if (Number.isNaN(t)) return undefined;
  let best: CaseState | undefined;
  let bestKey = -Infinity;
  for (const c of candidates) {
    const out = instant(c.milestones.outOfRoom);
    if (out === undefined || out > t || t - out > NEAREST_MS) continue;
    if (out > bestKey || (out === bestKey && best && c.id < best.id)) {
      best = c;
      bestKey = out;
    }
  }
  return best ?? pickCaseAt(candidates, at);
}

function leftBefore(c: CaseState, t: number): boolean {
  const out = instant(c.milestones.outOfRoom);
  return out !== undefined && out <= t;
}

function instant(iso: string | undefined): number | undefined {
  if (iso === undefined) return undefined;
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? undefined : ms;
}

function patientRef(patient: PatientRef): PatientRef {
  return patient.assigningAuthority
    ? { mrn: patient.mrn, assigningAuthority: patient.assigningAuthority }
    : { mrn: patient.mrn };
}

/** Of two equally placed cases, an open one before a closed one, then the smaller id. */
function preferred(c: CaseState, best: CaseState): boolean {
  const open = isOpenCase(c);
  if (open !== isOpenCase(best)) return open;
  return c.id < best.id;
}
