import type { OrDayPlan, PlanEvent, PlannedCase } from './or-day.plan';
import {
  buildPlanMessages,
  components,
  hl7Timestamp,
  ORDER_FILLER_APPLICATION,
  orderNumbers,
  SENDING_APPLICATION,
  SENDING_FACILITY,
  type SimMessage,
} from './siu.builder';

/** ORC-1 order control codes the simulator sends (HL7 table 0119): a new order, or its cancellation. */
export type OrderControl = 'NW' | 'CA';

/**
 * ORM^O01 (HL7 v2.5.1 §4.4.1), the surgeon's order for the case's procedure, as an EHR's order
 * entry sends it to the OR scheduling system: MSH, PID, PV1, ORC, OBR.
 *
 * - ORC-2/OBR-2 placer order number, ORC-3/OBR-3 filler order number: the numbers the booking
 *   carries in SCH-26/SCH-27, which is how the platform links the order to its case;
 * - ORC-1 `NW` (new) with ORC-5 `SC` (scheduled), or `CA` (cancel) with ORC-5 `CA`;
 * - ORC-9 the transaction time, ORC-12/OBR-16 the ordering surgeon;
 * - OBR-4 the procedure, coded as the booking's AIS-3 (so the two agree).
 */
export function buildOrder(c: PlannedCase, control: OrderControl, atIso: string, controlId: string): string {
  const ts = hl7Timestamp(atIso);
  const { placer, filler } = orderNumbers(c);
  const placerField = components(placer, SENDING_APPLICATION);
  const fillerField = components(filler, ORDER_FILLER_APPLICATION);
  const surgeon = components(c.surgeon.id, c.surgeon.family, c.surgeon.given);
  const procedure = components(c.procedure.code, c.procedure.text, c.procedure.system);
  return [
    `MSH|^~\\&|${SENDING_APPLICATION}|${SENDING_FACILITY}|CIRCULATOR|OR|${ts}||ORM^O01^ORM_O01|${controlId}|P|2.5.1`,
    `PID|1||${components(c.patient.mrn, '', '', SENDING_FACILITY, 'MR')}||${components(c.patient.family, c.patient.given)}||${c.patient.birthDate.replaceAll('-', '')}|${c.patient.sex}`,
    `PV1|1|${c.patientClass}|||||||||||||||||${components(c.visitNumber, '', '', SENDING_FACILITY, 'VN')}`,
    `ORC|${control}|${placerField}|${fillerField}||${control === 'CA' ? 'CA' : 'SC'}||||${ts}|||${surgeon}`,
    `OBR|1|${placerField}|${fillerField}|${procedure}|||||||||||||${surgeon}`,
  ].join('\r');
}

/** Simulated time from an order to the booking it is placed for. */
const ORDER_LEAD_MS = 500;

/**
 * Every message of the day: the plan's SIU messages (as {@link buildPlanMessages}) with, before
 * each case's first booking, its surgical order (ORM^O01 NW), and with its cancellation an ORM^O01
 * CA. Order control ids are `<prefix>O<nnn>` (at most 20 characters, like the SIU ones).
 */
export function buildDayMessages(plan: Pick<OrDayPlan, 'events' | 'controlIdPrefix'>): SimMessage[] {
  const siu = buildPlanMessages(plan);
  const out: SimMessage[] = [];
  let orders = 0;
  const order = (event: PlanEvent, control: OrderControl, offsetMs: number): SimMessage => {
    const controlId = `${plan.controlIdPrefix}O${String(++orders).padStart(3, '0')}`;
    const at = new Date(Date.parse(event.at) - (event.offsetMs - offsetMs)).toISOString();
    return {
      offsetMs,
      controlId,
      trigger: 'O01',
      placerId: event.case.placerId,
      roomCode: event.case.roomCode,
      text: buildOrder(event.case, control, at, controlId),
    };
  };
  plan.events.forEach((event, i) => {
    const message = siu[i] as SimMessage;
    if (event.trigger === 'S12') out.push(order(event, 'NW', Math.max(0, event.offsetMs - ORDER_LEAD_MS)));
    out.push(message);
    if (event.trigger === 'S15') out.push(order(event, 'CA', event.offsetMs));
  });
  return out;
}
