import { DateTime } from 'luxon';
import { HL7_2_5_1 } from 'node-hl7-client';
import type { OrDayPlan, PlanEvent, SiuTrigger } from './or-day.plan';

/** MSH-3 / MSH-4: who the simulator says it is. A platform dedupes on these plus MSH-10. */
export const SENDING_APPLICATION = 'CIRCSIM';
export const SENDING_FACILITY = 'SIMHOSP';
const RECEIVING_APPLICATION = 'CIRCULATOR';
/** The scheduling desk that "entered" every appointment (SCH-16 and SCH-20 are required in 2.5.1). */
const SCHEDULER = { id: 'SCHED01', family: 'Desk', given: 'Scheduling' };

/** SCH-6 event reason codes (local, HL7 leaves the table user-defined). */
const EVENT_REASON: Readonly<Record<SiuTrigger, string>> = { S12: 'BOOK', S13: 'RESCHED', S15: 'CANCEL' };

/** The application that fills surgical orders (the OR scheduling system): OBR-3/ORC-3 assigner. */
export const ORDER_FILLER_APPLICATION = 'CIRCORSCHED';

/**
 * The placer and filler order numbers of a case's surgical order, derived from its appointment ids
 * (`SIMP42-…` → `SIMO42-…` / `SIMQ42-…`): the same seed and date give the same numbers.
 */
export function orderNumbers(c: { placerId: string }): { placer: string; filler: string } {
  const id = c.placerId.replace(/^SIMP/, '');
  return { placer: `SIMO${id}`, filler: `SIMQ${id}` };
}

/** A message ready to send, with what the progress line and the summary need. */
export interface SimMessage {
  offsetMs: number;
  controlId: string;
  /** SIU trigger, or O01 for a surgical order (ORM^O01). */
  trigger: SiuTrigger | 'O01';
  placerId: string;
  roomCode: string;
  text: string;
}

/**
 * Escapes one HL7 v2 component value (HL7 v2.5.1 §2.7.4): the escape character first, then the
 * field, component, subcomponent and repetition separators. A line break would end the segment,
 * so it becomes a space. node-hl7-client's builder writes values verbatim, hence this.
 */
export function hl7Escape(value: string): string {
  return value
    .replace(/\\/g, '\\E\\')
    .replace(/\|/g, '\\F\\')
    .replace(/\^/g, '\\S\\')
    .replace(/&/g, '\\T\\')
    .replace(/~/g, '\\R\\')
    .replace(/[\r\n]+/g, ' ');
}

/** A composite field from component values: each escaped, joined with ^, trailing empties dropped. */
export function components(...values: readonly (string | undefined)[]): string {
  const parts = values.map((v) => (v === undefined ? '' : hl7Escape(v)));
  while (parts.length > 0 && parts.at(-1) === '') parts.pop();
  return parts.join('^');
}

/** An HL7 TS (DTM) with its UTC offset, e.g. 2026-11-21T07:30:00-05:00 → 20261121073000-0500. */
export function hl7Timestamp(isoWithOffset: string): string {
  const dt = DateTime.fromISO(isoWithOffset, { setZone: true });
  if (!dt.isValid) throw new RangeError(`not an ISO 8601 time: ${isoWithOffset}`);
  return dt.toFormat('yyyyMMddHHmmssZZZ');
}

/**
 * Builds one SIU message (HL7 v2.5.1 chapter 10, structure SIU_S12, which S13 and S15 share):
 * MSH, SCH, PID, PV1, RGS, AIS, AIL and two AIP (surgeon, anesthesiologist), joined with \r.
 *
 * Uses node-hl7-client's 2.5.1 builder. Segments go through its spec-driven `buildSegment`, which
 * checks usage and tables per version; its hand-written `buildPID`/`buildPV1` apply older field
 * lengths (PID-3 at most 20 characters, PV1-19 at most 15) that reject valid 2.5.1 identifiers.
 * Values are escaped here: the builder writes them verbatim.
 */
export function buildSiu(event: PlanEvent, controlId: string): string {
  const c = event.case;
  const builder = new HL7_2_5_1({ hardError: true });
  builder.buildMSH({
    msh_3: SENDING_APPLICATION,
    msh_4: SENDING_FACILITY,
    msh_5: RECEIVING_APPLICATION,
    msh_6: SENDING_FACILITY,
    // Replaced below: the builder formats a Date without its offset.
    msh_7: new Date(Date.parse(event.at)),
    msh_9_1: 'SIU',
    msh_9_2: event.trigger,
    msh_9_3: 'SIU_S12',
    msh_10: controlId,
    msh_11_1: 'P',
  });
  builder.buildSegment('SCH', {
    sch_1: components(c.placerId, SENDING_APPLICATION),
    sch_2: components(c.fillerId, SENDING_APPLICATION),
    sch_6: components(EVENT_REASON[event.trigger], event.reason),
    sch_7: components('ROUTINE', 'Elective surgery'),
    sch_8: components('Normal'),
    sch_16: components(SCHEDULER.id, SCHEDULER.family, SCHEDULER.given),
    sch_20: components(SCHEDULER.id, SCHEDULER.family, SCHEDULER.given),
    sch_25: components(c.status),
    // The surgical order this booking fulfils (ORM^O01 ORC-2/ORC-3): how the platform links them.
    sch_26: components(orderNumbers(c).placer, SENDING_APPLICATION),
    sch_27: components(orderNumbers(c).filler, ORDER_FILLER_APPLICATION),
  });
  builder.buildSegment('PID', {
    pid_1: '1',
    pid_3: components(c.patient.mrn, '', '', SENDING_FACILITY, 'MR'),
    pid_5: components(c.patient.family, c.patient.given),
    pid_7: c.patient.birthDate.replaceAll('-', ''),
    pid_8: c.patient.sex,
  });
  builder.buildSegment('PV1', {
    pv1_1: '1',
    pv1_2: c.patientClass,
    pv1_19: components(c.visitNumber, '', '', SENDING_FACILITY, 'VN'),
  });
  builder.buildSegment('RGS', { rgs_1: '1' });
  builder.buildSegment('AIS', {
    ais_1: '1',
    ais_3: components(c.procedure.code, c.procedure.text, c.procedure.system),
    ais_4: hl7Timestamp(c.start),
    ais_7: String(c.durationMin),
    ais_8: 'min',
  });
  builder.buildSegment('AIL', { ail_1: '1', ail_3: components(c.roomCode, '', '', c.facility) });
  builder.buildSegment('AIP', {
    aip_1: '1',
    aip_3: components(c.surgeon.id, c.surgeon.family, c.surgeon.given),
    aip_4: 'SURGEON',
  });
  builder.buildSegment('AIP', {
    aip_1: '2',
    aip_3: components(c.anesthesiologist.id, c.anesthesiologist.family, c.anesthesiologist.given),
    aip_4: 'ANESTHESIOLOGIST',
  });
  const message = builder.toMessage();
  message.set('MSH.7', hl7Timestamp(event.at));
  // The spec-driven builder writes every field of a segment; trailing empty fields carry nothing
  // (HL7 v2.5.1 §2.5.3), so they are dropped to keep the messages readable in a console.
  return message
    .toString()
    .split('\r')
    .map((segment) => segment.replace(/\|+$/, ''))
    .join('\r');
}

/** Every message of a plan, in order, with MSH-10 control ids `<prefix><0001…>`. */
export function buildPlanMessages(plan: Pick<OrDayPlan, 'events' | 'controlIdPrefix'>): SimMessage[] {
  return plan.events.map((event, i) => {
    const controlId = `${plan.controlIdPrefix}${String(i + 1).padStart(4, '0')}`;
    return {
      offsetMs: event.offsetMs,
      controlId,
      trigger: event.trigger,
      placerId: event.case.placerId,
      roomCode: event.case.roomCode,
      text: buildSiu(event, controlId),
    };
  });
}
