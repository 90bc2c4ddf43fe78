import type { OrderAction, OrderFact } from '@circulator/domain';
import {
  factTime,
  Hl7TimeReader,
  readPatient,
  readPerson,
  readVisitNumber,
  refuse,
  type Hl7FactsResult,
  type Hl7MapperOptions,
} from './adt.mapper';
import type { DecodedHl7, Hl7Segment } from './hl7.decoder';
import { Hl7ErrorCondition } from './hl7.error';

/** The order messages this mapper reads: message code → trigger event. */
export const ORDER_MESSAGE_TYPES: Readonly<Record<string, string>> = { ORM: 'O01', OMG: 'O19' };

/**
 * HL7 table 0119 "Order control codes" (HL7 v2.5.1 §4.5.1.1) reduced to what changes a case. Codes
 * that only report on an order's progress, ask for status or answer a request are `status`: the
 * fact is logged and changes nothing else. A code outside the table is a content error (103).
 */
export const ORDER_CONTROL_ACTIONS: Readonly<Record<string, OrderAction>> = {
  // A new order, or the number/acceptance of one.
  NW: 'new',
  OK: 'new',
  SN: 'new',
  NA: 'new',
  PA: 'new',
  CH: 'new',
  RO: 'new',
  // Changed or replaced.
  XO: 'changed',
  XX: 'changed',
  XR: 'changed',
  RP: 'changed',
  RU: 'changed',
  RQ: 'changed',
  // Cancelled before it started.
  CA: 'cancelled',
  OC: 'cancelled',
  CR: 'cancelled',
  // Stopped after it started.
  DC: 'discontinued',
  OD: 'discontinued',
  DR: 'discontinued',
  // Everything else in table 0119: state reports, holds, releases, refusals, requests, links.
  SC: 'status',
  SS: 'status',
  SR: 'status',
  RE: 'status',
  RR: 'status',
  DE: 'status',
  HD: 'status',
  OH: 'status',
  HR: 'status',
  OE: 'status',
  RL: 'status',
  OR: 'status',
  UA: 'status',
  UC: 'status',
  UD: 'status',
  UH: 'status',
  UM: 'status',
  UN: 'status',
  UR: 'status',
  UX: 'status',
  LI: 'status',
  CN: 'status',
  PR: 'status',
  OP: 'status',
  PY: 'status',
  MC: 'status',
  // Pharmacy refills (v2.5.1 additions).
  AF: 'status',
  DF: 'status',
  FU: 'status',
  OF: 'status',
  RF: 'status',
  UF: 'status',
};

/** An order fact before the pipeline attaches its source. */
export type OrderFactDraft = Omit<OrderFact, 'source'>;

/** Options of {@link mapOrders}. */
export type OrderMapperOptions = Hl7MapperOptions;

interface OrderGroup {
  orc: Hl7Segment;
  obr?: Hl7Segment;
  pid?: Hl7Segment;
  pv1?: Hl7Segment;
}

/**
 * Maps ORM^O01 and OMG^O19 (HL7 v2.5.1 §4.4.1, §4.4.6) to one order fact per ORC: the ORC and the
 * OBR that follows it (other order details — ODS, RXO — bring no procedure).
 *
 * - action: ORC-1 through {@link ORDER_CONTROL_ACTIONS}; empty → 101, unknown → 103 (AE).
 * - identifiers: placer ORC-2.1 (else OBR-2.1) and filler ORC-3.1 (else OBR-3.1); `orderNumber` is
 *   the placer's when there is one, else the filler's. An order with neither is a content error (101):
 *   it could never be linked to a case, and applying the other orders of the message alone would
 *   leave the sender believing it was all taken.
 * - procedure OBR-4 (code ^ text, text falls back to the code); orderedBy ORC-12, else OBR-16
 *   (first repetition, "Given Family"); orderStatus ORC-5 as written.
 * - patient: the PID before the order, visit number PV1-19 else PID-18 of the PV1/PID before it.
 * - `at`: ORC-9 date/time of transaction, else MSH-7, else the receive time.
 */
export function mapOrders(decoded: DecodedHl7, options: OrderMapperOptions): Hl7FactsResult<OrderFactDraft> {
  const { header, segments } = decoded;
  const code = header.messageType.code.toUpperCase();
  if (ORDER_MESSAGE_TYPES[code] !== header.messageType.trigger.toUpperCase()) {
    return refuse(
      'unsupported-message-type',
      Hl7ErrorCondition.UnsupportedMessageType,
      `Message type '${header.messageType.code}^${header.messageType.trigger}' is not ORM^O01 or OMG^O19`,
      { segment: 'MSH', sequence: 1, field: 9 },
      'reject',
    );
  }
  const warnings: string[] = [];
  const groups: OrderGroup[] = [];
  let pid: Hl7Segment | undefined;
  let pv1: Hl7Segment | undefined;
  let extraObr = 0;
  for (const s of segments) {
    if (s.name === 'PID') {
      pid = s;
      pv1 = undefined;
    } else if (s.name === 'PV1') {
      pv1 = s;
    } else if (s.name === 'ORC') {
      groups.push({ orc: s, pid, pv1 });
    } else if (s.name === 'OBR') {
      const group = groups[groups.length - 1];
      if (group === undefined) {
        return refuse('missing-required-field', Hl7ErrorCondition.SegmentSequenceError, 'OBR before any ORC', {
          segment: 'OBR',
          sequence: s.sequence,
        });
      }
      if (group.obr === undefined) group.obr = s;
      else extraObr++;
    }
  }
  if (groups.length === 0) {
    return refuse('missing-required-field', Hl7ErrorCondition.SegmentSequenceError, `${code} without ORC segment`, {
      segment: 'ORC',
    });
  }
  if (extraObr > 0) warnings.push(`${extraObr} OBR segment(s) without their own ORC were ignored`);

  const times = new Hl7TimeReader(options.facilityTz);
  const overrides = options.overrides;
  const facts: OrderFactDraft[] = [];
  let withoutPatient = 0;
  let withoutProcedure = 0;
  for (const [index, group] of groups.entries()) {
    const { orc, obr } = group;
    const control = orc.value(1).toUpperCase();
    if (control === '') {
      return refuse('missing-required-field', Hl7ErrorCondition.RequiredFieldMissing, 'ORC-1 order control is empty', {
        segment: 'ORC',
        sequence: orc.sequence,
        field: 1,
      });
    }
    const action = ORDER_CONTROL_ACTIONS[control];
    if (action === undefined) {
      return refuse(
        'invalid-field',
        Hl7ErrorCondition.TableValueNotFound,
        `ORC-1 order control '${orc.value(1)}' is not in HL7 table 0119`,
        { segment: 'ORC', sequence: orc.sequence, field: 1 },
      );
    }
    const placer = overrides?.text('order.number', orc) ?? (orc.value(2) || obr?.value(2) || '');
    const filler = overrides?.text('order.fillerNumber', orc) ?? (orc.value(3) || obr?.value(3) || '');
    if (placer === '' && filler === '') {
      return refuse(
        'missing-required-field',
        Hl7ErrorCondition.RequiredFieldMissing,
        `Order ${index + 1} has neither a placer (ORC-2, OBR-2) nor a filler (ORC-3, OBR-3) order number`,
        { segment: 'ORC', sequence: orc.sequence, field: 2 },
      );
    }
    const when = factTime(
      times,
      [
        ['ORC-9', orc.value(9)],
        ['MSH-7', header.dateTime],
      ],
      options,
      warnings,
    );
    if ('problem' in when) return { ok: false, problem: when.problem };

    const identifiers: OrderFactDraft['identifiers'] = { orderNumber: placer || filler };
    if (filler !== '') identifiers.fillerOrderNumber = filler;
    const visit = readVisitNumber(group.pv1, group.pid, overrides);
    if (visit !== undefined) identifiers.visitNumber = visit;
    const fact: OrderFactDraft = { kind: 'order', action, at: when.at, identifiers };

    const patient = group.pid === undefined ? undefined : readPatient(group.pid, overrides);
    if (patient !== undefined) fact.patient = patient;
    else withoutPatient++;

    const procCode = overrides?.text('procedure.code', obr ?? orc) ?? obr?.value(4, 1) ?? '';
    const procText = overrides?.text('procedure.text', obr ?? orc) ?? obr?.value(4, 2) ?? '';
    if (procCode !== '' || procText !== '') {
      fact.procedure = procCode === '' ? { text: procText } : { code: procCode, text: procText || procCode };
    } else {
      withoutProcedure++;
    }
    const orderedBy = readPerson(orc, 12) ?? (obr === undefined ? undefined : readPerson(obr, 16));
    if (orderedBy !== undefined) fact.orderedBy = orderedBy;
    const status = orc.value(5);
    if (status !== '') fact.orderStatus = status;
    facts.push(fact);
  }
  if (withoutPatient > 0) warnings.push(`${withoutPatient} order(s) without a patient identifier (PID-3)`);
  if (withoutProcedure > 0) warnings.push(`${withoutProcedure} order(s) without a procedure (OBR-4)`);
  return { ok: true, facts, warnings };
}
