import type { Encounter, EncounterLocation, EncounterParticipant } from 'fhir/r4';
import type { CaseStatus, CaseView } from '@circulator/contracts';
import { ANESTHESIOLOGIST_TYPE, SURGEON_TYPE } from './appointment.mapper';
import {
  type CaseRecordMeta,
  caseMeta,
  fhirPeriod,
  orderReferences,
  patientReference,
  practitionerReference,
  roomReference,
} from './fhir.references';
import { CIRCULATOR_SYSTEMS, NULL_FLAVOR } from './fhir.systems';

export type EncounterStatus = Encounter['status'];

/**
 * Encounter.status (R4 encounter-status, required) of a case status: `planned` while booked,
 * `arrived` in pre-op, `in-progress` from in room through recovery (the PACU stay is part of the
 * perioperative encounter), `finished` when completed (PACU out), `cancelled` for cancelled and
 * no-show cases (R4 has no no-show for an encounter that never began).
 */
export function encounterStatus(status: CaseStatus): EncounterStatus {
  switch (status) {
    case 'scheduled':
      return 'planned';
    case 'pre-op':
      return 'arrived';
    case 'in-room':
    case 'in-procedure':
    case 'recovery':
      return 'in-progress';
    case 'completed':
      return 'finished';
    case 'cancelled':
    case 'no-show':
      return 'cancelled';
  }
}

/**
 * The case's stay with us, from in room to PACU out: the Encounter's period. Without a PACU out
 * a completed case ends when it left the room (a case completed by hand, or sent straight to a
 * ward); any other case without PACU out is still going on. The façade's `date` search on
 * Encounter (case-search.repository.ts, timeline `stay`) uses this same rule in SQL.
 */
export function stayPeriod(view: CaseView): { start?: string; end?: string } {
  const m = view.milestones;
  const end = m.pacuOut ?? (view.status === 'completed' ? m.outOfRoom : undefined);
  return { ...(m.inRoom ? { start: m.inRoom } : {}), ...(end ? { end } : {}) };
}

/**
 * A case as an R4 Encounter (http://hl7.org/fhir/R4/encounter.html): the patient's perioperative
 * course, same id as the case. Its location history holds the operating room (in room → out of
 * room) and, when the milestones say so, the PACU (PACU in → PACU out; the PACU is no room of
 * ours, so that location is named by display only). `partOf` names the hospital visit by its
 * number when the feeds gave one. `class` is required in R4 but the case model does not keep the
 * patient class (HL7 PV1-2): it is the v3 NullFlavor `UNK`, as R4 allows for an extensible binding
 * when no code is known.
 */
export function encounterFromCase(view: CaseView, record: CaseRecordMeta = {}): Encounter {
  const m = view.milestones;
  const participant: EncounterParticipant[] = [];
  if (view.surgeon) participant.push({ type: [SURGEON_TYPE], individual: practitionerReference(view.surgeon) });
  if (view.anesthesiologist) {
    participant.push({ type: [ANESTHESIOLOGIST_TYPE], individual: practitionerReference(view.anesthesiologist) });
  }

  const room: EncounterLocation = {
    location: roomReference(view.roomId, view.roomName),
    status: m.inRoom ? (m.outOfRoom ? 'completed' : 'active') : 'planned',
  };
  const inRoom = fhirPeriod(m.inRoom, m.outOfRoom);
  if (inRoom) room.period = inRoom;
  const location: EncounterLocation[] = [room];
  if (m.pacuIn) {
    const pacu: EncounterLocation = { location: { display: 'PACU' }, status: m.pacuOut ? 'completed' : 'active' };
    const period = fhirPeriod(m.pacuIn, m.pacuOut);
    if (period) pacu.period = period;
    location.push(pacu);
  }

  const encounter: Encounter = {
    resourceType: 'Encounter',
    id: view.id,
    meta: caseMeta(view, record),
    status: encounterStatus(view.status),
    class: { system: NULL_FLAVOR, code: 'UNK', display: 'unknown' },
    subject: patientReference(view),
    appointment: [{ reference: `Appointment/${view.id}` }],
    location,
  };
  if (participant.length) encounter.participant = participant;
  const stay = stayPeriod(view);
  const period = fhirPeriod(stay.start, stay.end);
  if (period) encounter.period = period;
  const basedOn = orderReferences(view);
  if (basedOn.length) encounter.basedOn = basedOn;
  if (view.identifiers.visitNumber) {
    encounter.partOf = {
      type: 'Encounter',
      identifier: { system: CIRCULATOR_SYSTEMS.visitNumber, value: view.identifiers.visitNumber },
    };
  }
  return encounter;
}
