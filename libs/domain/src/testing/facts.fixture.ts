/**
 * Facts and cases for the domain's unit tests (not exported from the lib's index). One surgical
 * day: Adam Everyman's laparoscopic cholecystectomy in OR 1, 23 Nov 2026 07:30–09:00 UTC.
 */
import { applyFact, type ApplyContext } from '../case.engine';
import type { CaseState } from '../case.model';
import type {
  AcknowledgementFact,
  AlarmFact,
  ChecklistFact,
  Fact,
  FactSource,
  MergeFact,
  MilestoneFact,
  ObservationFact,
  OrderFact,
  PatientAction,
  PatientFact,
  ScheduleFact,
} from '../fact';

export const ctx: ApplyContext = { newCaseId: 'case-1', receivedAt: '2026-11-23T12:00:00.000Z' };

export const OR1 = { id: 'or-1', name: 'OR 1' };
export const OR2 = { id: 'or-2', name: 'OR 2' };

/** The surgical day's instant `hh:mm` (UTC). */
export function t(hhmm: string, seconds = 0): string {
  return `2026-11-23T${hhmm}:${String(seconds).padStart(2, '0')}.000Z`;
}

export function source(sequence: number, label = `MSG${sequence}`): FactSource {
  return { kind: 'hl7', id: String(sequence), label, sequence };
}

export function booking(overrides: Partial<ScheduleFact> = {}): ScheduleFact {
  return {
    kind: 'schedule',
    action: 'booked',
    at: '2026-11-20T11:00:00.000Z',
    source: source(1, 'SIU^S12 A1'),
    identifiers: { placerAppointmentId: 'P1', fillerAppointmentId: 'F1', orderNumber: 'ORD1' },
    patient: { mrn: 'M1', familyName: 'Everyman', givenName: 'Adam', birthDate: '1960-02-14' },
    procedure: { code: '47562', text: 'Laparoscopic cholecystectomy' },
    room: OR1,
    scheduledStart: t('07:30'),
    scheduledEnd: t('09:00'),
    surgeon: { id: 'S1', name: 'Gregory House' },
    ...overrides,
  };
}

export function bookedCase(overrides: Partial<ScheduleFact> = {}): CaseState {
  const result = applyFact(undefined, booking(overrides), ctx);
  if (!result.state) throw new Error('the booking created no case');
  return result.state;
}

export function adt(action: PatientAction, overrides: Partial<PatientFact> = {}): PatientFact {
  return {
    kind: 'patient',
    action,
    at: t('07:00'),
    source: source(100, `ADT ${action}`),
    patient: { mrn: 'M1' },
    ...overrides,
  };
}

export function merge(overrides: Partial<MergeFact> = {}): MergeFact {
  return {
    kind: 'merge',
    at: t('06:00'),
    source: source(200, 'ADT^A40'),
    survivor: { mrn: 'M9', assigningAuthority: 'GEN', familyName: 'Everyman', givenName: 'Adam' },
    merged: { mrn: 'M1' },
    ...overrides,
  };
}

export function order(overrides: Partial<OrderFact> = {}): OrderFact {
  return {
    kind: 'order',
    action: 'new',
    at: '2026-11-19T10:00:00.000Z',
    source: source(300, 'ORM^O01'),
    identifiers: { orderNumber: 'ORD1' },
    procedure: { code: '47562', text: 'Laparoscopic cholecystectomy' },
    ...overrides,
  };
}

export function observations(overrides: Partial<ObservationFact> = {}): ObservationFact {
  return {
    kind: 'observations',
    at: t('08:00'),
    source: source(400, 'ORU^R01'),
    subject: { room: OR1, device: { id: 'mon-1' } },
    vitals: [],
    results: [],
    ...overrides,
  };
}

export function alarm(overrides: Partial<AlarmFact> = {}): AlarmFact {
  return {
    kind: 'alarm',
    at: t('08:10'),
    source: source(500, 'ORU^R40'),
    alarmId: 'mon-1/196670/1',
    phase: 'start',
    priority: 'high',
    code: '196670^MDC_EVT_LO^MDC',
    message: 'Low SpO2 88 %',
    subject: { room: OR1, device: { id: 'mon-1' } },
    ...overrides,
  };
}

/** A source that is a person through the API (the inbox id of the request). */
export function manualSource(sequence: number, label = `POST milestones ${sequence}`): FactSource {
  return { kind: 'manual', id: String(sequence), label, sequence };
}

export const NURSE = { id: 'u-nurse', role: 'nurse', name: 'Nina Nurse' };

/** The circulating nurse records incision at 07:50 (made at 07:51). */
export function milestone(overrides: Partial<MilestoneFact> = {}): MilestoneFact {
  return {
    kind: 'milestone',
    at: t('07:51'),
    source: manualSource(600),
    target: { caseId: 'case-1' },
    milestone: 'procedureStart',
    value: t('07:50'),
    via: 'manual',
    actor: NURSE,
    ...overrides,
  };
}

/** The Time Out, done at 07:48. */
export function checklist(overrides: Partial<ChecklistFact> = {}): ChecklistFact {
  return {
    kind: 'checklist',
    at: t('07:48'),
    source: manualSource(700, 'POST checklist'),
    target: { caseId: 'case-1' },
    phase: 'timeOut',
    completed: true,
    actor: NURSE,
    ...overrides,
  };
}

export function acknowledgement(overrides: Partial<AcknowledgementFact> = {}): AcknowledgementFact {
  return {
    kind: 'acknowledgement',
    at: t('08:11'),
    source: manualSource(800, 'POST ack'),
    target: { caseId: 'case-1' },
    alertId: 'alarm:mon-1/196670/1',
    actor: NURSE,
    ...overrides,
  };
}

/** Applies facts in order, each to the case the one before made; throws if a fact leaves no case. */
export function applyAll(state: CaseState, facts: readonly Fact[]): CaseState {
  let current = state;
  for (const fact of facts) {
    const next = applyFact(current, fact, ctx).state;
    if (!next) throw new Error(`${fact.kind} fact left no case`);
    current = next;
  }
  return current;
}
