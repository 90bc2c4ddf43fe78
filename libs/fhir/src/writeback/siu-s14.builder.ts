import { Message } from 'node-hl7-client';
import type { CaseStatus, MilestoneKey } from '@circulator/contracts';
import { MILESTONE_KEYS } from '@circulator/contracts';
import { escapeHl7Text, formatHl7DateTime } from '@circulator/hl7';
import type { WritebackPayload } from './writeback.plan';

/** MSH-3/4 and MSH-5/6 of what we send (FHIR_WRITEBACK_HL7_*). */
export interface Hl7WritebackIdentity {
  sendingApplication: string;
  sendingFacility?: string;
  receivingApplication?: string;
  receivingFacility?: string;
  /** IANA zone the times are written in (with their offset). */
  facilityTz: string;
}

/** The local coding system of the milestone OBX codes (HL7 table 0396: `99zzz` is a local code system). */
export const MILESTONE_CODE_SYSTEM = '99CIRC';

/** How each milestone is named in OBX-3 (code = our milestone key, as the REST API names it). */
export const MILESTONE_DISPLAY: Readonly<Record<MilestoneKey, string>> = {
  roomReady: 'Room ready',
  inRoom: 'Patient in room',
  anesthesiaStart: 'Anesthesia start',
  induction: 'Induction',
  procedureStart: 'Procedure start (incision)',
  procedureEnd: 'Procedure end (closure)',
  anesthesiaEnd: 'Anesthesia end',
  outOfRoom: 'Patient out of room',
  pacuIn: 'PACU in',
  pacuOut: 'PACU out',
};

/** SCH-25 filler status code (HL7 v2.5.1 table 0278) of a case status. */
export function fillerStatus(status: CaseStatus): string {
  switch (status) {
    case 'scheduled':
    case 'pre-op':
      return 'Booked';
    case 'in-room':
    case 'in-procedure':
    case 'recovery':
      return 'Started';
    case 'completed':
      return 'Complete';
    case 'cancelled':
      return 'Cancelled';
    case 'no-show':
      return 'Noshow';
  }
}

/** MSH-10 of a write-back row: the same on every retry, so a receiver that dedupes on it applies it once. */
export function writebackControlId(rowId: string): string {
  return `CIRCWB${rowId}`;
}

/**
 * A case's milestones as HL7 v2.5.1 SIU^S14 (notification of appointment modification), built with
 * node-hl7-client. Why SIU^S14: the EHR's OR scheduling system already talks SIU with us about
 * this appointment, and it finds it by the same SCH-1/SCH-2 placer and filler appointment ids it
 * booked it with; SCH-25 carries the filler status (Booked, Started, Complete…). The milestone
 * times ride in the OBX segments the SIU structure allows in its patient group (value type TS,
 * OBX-3 a local `99CIRC` code per milestone, OBX-11 `F`, or `D` for a milestone withdrawn), so
 * the message needs no Z-segment; the code list is what the interface agreement names. Every
 * milestone the case shows is sent, not only the changed ones: each message is the whole state,
 * and a receiver that applies it twice, or late, ends up right.
 */
export function buildSiuS14(
  payload: WritebackPayload,
  row: { id: string; createdAt: string },
  identity: Hl7WritebackIdentity,
): string {
  const ts = (iso: string) => formatHl7DateTime(new Date(iso), identity.facilityTz);
  const esc = (text: string) => escapeHl7Text(text);
  const message = new Message({
    messageHeader: {
      msh_9_1: 'SIU',
      msh_9_2: 'S14',
      msh_9_3: 'SIU_S12',
      msh_10: writebackControlId(row.id),
      msh_11_1: 'P',
    },
  });
  message.set('MSH.3', esc(identity.sendingApplication));
  if (identity.sendingFacility) message.set('MSH.4', esc(identity.sendingFacility));
  if (identity.receivingApplication) message.set('MSH.5', esc(identity.receivingApplication));
  if (identity.receivingFacility) message.set('MSH.6', esc(identity.receivingFacility));
  message.set('MSH.7', ts(row.createdAt));
  message.set('MSH.12', '2.5.1');

  const ids = payload.identifiers;
  const sch = message.addSegment('SCH');
  if (ids.placerAppointmentId) sch.set('1.1', esc(ids.placerAppointmentId));
  if (ids.fillerAppointmentId) sch.set('2.1', esc(ids.fillerAppointmentId));
  sch.set('25.1', fillerStatus(payload.status));

  const pid = message.addSegment('PID');
  pid.set(1, '1');
  pid.set('3.1', esc(payload.mrn));
  pid.set('3.5', 'MR');

  const pv1 = message.addSegment('PV1');
  pv1.set(1, '1');
  pv1.set('3.1', esc(payload.roomId));
  if (ids.visitNumber) pv1.set('19.1', esc(ids.visitNumber));

  let n = 0;
  for (const key of MILESTONE_KEYS) {
    const value = payload.milestones[key];
    const withdrawn = value === undefined && payload.changed.includes(key);
    if (value === undefined && !withdrawn) continue;
    const obx = message.addSegment('OBX');
    obx.set(1, String(++n));
    obx.set(2, 'TS');
    obx.set('3.1', key);
    obx.set('3.2', MILESTONE_DISPLAY[key]);
    obx.set('3.3', MILESTONE_CODE_SYSTEM);
    if (value !== undefined) obx.set(5, ts(value));
    // HL7 table 0085: F final; D deletes the earlier result (a milestone withdrawn here).
    obx.set(11, withdrawn ? 'D' : 'F');
    obx.set(14, ts(payload.at));
  }

  message.addSegment('RGS').set(1, '1');
  const ais = message.addSegment('AIS');
  ais.set(1, '1');
  if (payload.procedure.code) ais.set('3.1', esc(payload.procedure.code));
  ais.set('3.2', esc(payload.procedure.text));
  ais.set(4, ts(payload.scheduledStart));
  const ail = message.addSegment('AIL');
  ail.set(1, '1');
  ail.set('3.1', esc(payload.roomId));
  return message.toString();
}
