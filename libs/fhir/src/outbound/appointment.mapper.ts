import type { Appointment, AppointmentParticipant, CodeableConcept, Identifier } from 'fhir/r4';
import type { CaseStatus, CaseView } from '@circulator/contracts';
import {
  type CaseRecordMeta,
  caseMeta,
  fhirInstant,
  orderReferences,
  patientReference,
  practitionerReference,
  roomReference,
} from './fhir.references';
import { CIRCULATOR_SYSTEMS, PARTICIPATION_TYPE, V2_IDENTIFIER_TYPE } from './fhir.systems';

export type AppointmentStatus = Appointment['status'];

/**
 * Appointment.status (R4 value set appointmentstatus, required) of a case status. The appointment
 * is the booking of the room: `booked` until the patient arrives (pre-op), `arrived` while the
 * patient is with us in pre-op or the room, `fulfilled` once out of the room (the booking has been
 * used; what follows is the Encounter's), and the schedule's own cancellations and no-shows.
 */
export function appointmentStatus(status: CaseStatus): AppointmentStatus {
  switch (status) {
    case 'scheduled':
      return 'booked';
    case 'pre-op':
    case 'in-room':
    case 'in-procedure':
      return 'arrived';
    case 'recovery':
    case 'completed':
      return 'fulfilled';
    case 'cancelled':
      return 'cancelled';
    case 'no-show':
      return 'noshow';
  }
}

/** The case statuses an Appointment status stands for (the reverse of {@link appointmentStatus}). */
export function caseStatusesForAppointment(status: AppointmentStatus): CaseStatus[] {
  return CASE_STATUS_LIST.filter((s) => appointmentStatus(s) === status);
}

const CASE_STATUS_LIST: readonly CaseStatus[] = [
  'scheduled',
  'pre-op',
  'in-room',
  'in-procedure',
  'recovery',
  'completed',
  'cancelled',
  'no-show',
];

/** The participant type (R4 encounter-participant-type, extensible) of the surgeon and anesthesiologist. */
export const SURGEON_TYPE: CodeableConcept = {
  coding: [{ system: PARTICIPATION_TYPE, code: 'PPRF', display: 'primary performer' }],
  text: 'Surgeon',
};
export const ANESTHESIOLOGIST_TYPE: CodeableConcept = {
  coding: [{ system: PARTICIPATION_TYPE, code: 'SPRF', display: 'secondary performer' }],
  text: 'Anesthesiologist',
};

/**
 * A case as an R4 Appointment (http://hl7.org/fhir/R4/appointment.html): the booking of an
 * operating room for a patient, a procedure and the people doing it. Same id as the case.
 *
 * - identifier: placer (PLAC) and filler (FILL) appointment ids of the schedule (HL7 SCH-1/SCH-2),
 *   and the EHR's own Appointment id when the case came through FHIR;
 * - start/end: the scheduled times (app-2/app-3: always both); minutesDuration from them;
 * - participant: the patient (logical reference by MRN), surgeon (PPRF), anesthesiologist
 *   (SPRF), the room (Location); every participant `accepted` (the schedule booked them);
 * - basedOn: the linked surgical orders (logical ServiceRequest references by order number).
 */
export function appointmentFromCase(view: CaseView, record: CaseRecordMeta = {}): Appointment {
  const start = fhirInstant(view.scheduledStart);
  const end = fhirInstant(view.scheduledEnd);
  const participant: AppointmentParticipant[] = [
    { actor: patientReference(view), required: 'required', status: 'accepted' },
  ];
  if (view.surgeon) {
    participant.push({
      type: [SURGEON_TYPE],
      actor: practitionerReference(view.surgeon),
      required: 'required',
      status: 'accepted',
    });
  }
  if (view.anesthesiologist) {
    participant.push({
      type: [ANESTHESIOLOGIST_TYPE],
      actor: practitionerReference(view.anesthesiologist),
      required: 'required',
      status: 'accepted',
    });
  }
  participant.push({ actor: roomReference(view.roomId, view.roomName), required: 'required', status: 'accepted' });

  const appointment: Appointment = {
    resourceType: 'Appointment',
    id: view.id,
    meta: caseMeta(view, record),
    status: appointmentStatus(view.status),
    participant,
  };
  const identifier = appointmentIdentifiers(view);
  if (identifier.length) appointment.identifier = identifier;
  if (view.procedure.text) appointment.description = view.procedure.text;
  // app-2: both or neither. A case always has both; a value that is no time drops the pair.
  if (start !== undefined && end !== undefined) {
    appointment.start = start;
    appointment.end = end;
    const minutes = Math.round((Date.parse(end) - Date.parse(start)) / 60_000);
    if (minutes > 0) appointment.minutesDuration = minutes;
  }
  const basedOn = orderReferences(view);
  if (basedOn.length) appointment.basedOn = basedOn;
  return appointment;
}

function appointmentIdentifiers(view: CaseView): Identifier[] {
  const out: Identifier[] = [];
  const { placerAppointmentId, fillerAppointmentId, fhirAppointmentId } = view.identifiers;
  if (placerAppointmentId) {
    out.push({
      type: { coding: [{ system: V2_IDENTIFIER_TYPE, code: 'PLAC', display: 'Placer Identifier' }] },
      system: CIRCULATOR_SYSTEMS.placerAppointmentId,
      value: placerAppointmentId,
    });
  }
  if (fillerAppointmentId) {
    out.push({
      type: { coding: [{ system: V2_IDENTIFIER_TYPE, code: 'FILL', display: 'Filler Identifier' }] },
      system: CIRCULATOR_SYSTEMS.fillerAppointmentId,
      value: fillerAppointmentId,
    });
  }
  if (fhirAppointmentId) out.push({ system: CIRCULATOR_SYSTEMS.fhirAppointmentId, value: fhirAppointmentId });
  return out;
}
