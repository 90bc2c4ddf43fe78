import type { CodeableConcept, Procedure, ProcedurePerformer } from 'fhir/r4';
import type { CaseStatus, CaseView } from '@circulator/contracts';
import {
  type CaseRecordMeta,
  caseMeta,
  encounterReference,
  fhirPeriod,
  orderReferences,
  patientReference,
  practitionerReference,
  roomReference,
} from './fhir.references';
import { SNOMED_CT } from './fhir.systems';

export type ProcedureStatus = Procedure['status'];

/**
 * Procedure.status (R4 event-status, required) from the case status and whether closure
 * (`procedureEnd`) is recorded: `preparation` until incision, `in-progress` from incision to
 * closure, `completed` from closure on (the case stays `in-procedure` until out of room, the
 * procedure does not), `not-done` for cancelled and no-show cases. Only these two inputs, so that
 * the façade's `status` search can say the same thing in SQL.
 */
export function procedureStatus(status: CaseStatus, closed: boolean): ProcedureStatus {
  switch (status) {
    case 'scheduled':
    case 'pre-op':
    case 'in-room':
      return 'preparation';
    case 'in-procedure':
      return closed ? 'completed' : 'in-progress';
    case 'recovery':
    case 'completed':
      return 'completed';
    case 'cancelled':
    case 'no-show':
      return 'not-done';
  }
}

/** SNOMED CT 387713003 |Surgical procedure|, of R4's procedure-category examples. */
const SURGICAL_PROCEDURE: CodeableConcept = {
  coding: [{ system: SNOMED_CT, code: '387713003', display: 'Surgical procedure' }],
};
/** Performer functions: SNOMED CT occupations (R4 performer-role examples). */
const SURGEON_FUNCTION: CodeableConcept = {
  coding: [{ system: SNOMED_CT, code: '304292004', display: 'Surgeon' }],
  text: 'Surgeon',
};
const ANESTHESIOLOGIST_FUNCTION: CodeableConcept = {
  coding: [{ system: SNOMED_CT, code: '88189002', display: 'Anesthesiologist' }],
  text: 'Anesthesiologist',
};

/**
 * The case's procedure as a code: the schedule's code and text. The case model keeps the code
 * (HL7 AIS-3.1, OBR-4.1) but not its coding system (AIS-3.3), so the coding carries no `system`:
 * it is the sender's code, searchable as `code=<code>`, and `text` says what it is.
 */
export function procedureCode(procedure: CaseView['procedure']): CodeableConcept {
  const concept: CodeableConcept = {};
  if (procedure.code) {
    concept.coding = [{ code: procedure.code, ...(procedure.text ? { display: procedure.text } : {}) }];
  }
  if (procedure.text) concept.text = procedure.text;
  return concept;
}

/**
 * A case's surgical procedure as an R4 Procedure (http://hl7.org/fhir/R4/procedure.html), same id
 * as the case: performed from incision (`procedureStart`) to closure (`procedureEnd`), by the
 * surgeon and the anesthesiologist, in the case's room, as part of the case's Encounter.
 */
export function procedureFromCase(view: CaseView, record: CaseRecordMeta = {}): Procedure {
  const performer: ProcedurePerformer[] = [];
  if (view.surgeon) performer.push({ function: SURGEON_FUNCTION, actor: practitionerReference(view.surgeon) });
  if (view.anesthesiologist) {
    performer.push({ function: ANESTHESIOLOGIST_FUNCTION, actor: practitionerReference(view.anesthesiologist) });
  }
  const procedure: Procedure = {
    resourceType: 'Procedure',
    id: view.id,
    meta: caseMeta(view, record),
    status: procedureStatus(view.status, view.milestones.procedureEnd !== undefined),
    category: SURGICAL_PROCEDURE,
    code: procedureCode(view.procedure),
    subject: patientReference(view),
    encounter: encounterReference(view.id),
    location: roomReference(view.roomId, view.roomName),
  };
  const performed = fhirPeriod(view.milestones.procedureStart, view.milestones.procedureEnd);
  if (performed) procedure.performedPeriod = performed;
  if (performer.length) procedure.performer = performer;
  const basedOn = orderReferences(view);
  if (basedOn.length) procedure.basedOn = basedOn;
  return procedure;
}
