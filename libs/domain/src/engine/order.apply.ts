import type { OrderStatus } from '@circulator/contracts';
import type { ApplyContext, ApplyResult } from '../case.engine';
import type { CaseOrder, CaseState } from '../case.model';
import type { OrderFact } from '../fact';
import { assertUnreachable } from '../assert';
import { CaseDraft } from './case.draft';
import { compareText, deepEqual } from './equal';
import { stampOf } from './stamp';
import { invalid, invalidTime, noCase } from './warnings';

/**
 * A surgical order (ORM, OMG), linked to its case by order number. The order is kept on the case:
 * its control, status and time are last-writer-wins together by source time; its filler number,
 * procedure and orderer each on their own (a status message that omits the procedure keeps it).
 * The ordered procedure names the case when the schedule gave none or an uncoded one; a coded one
 * that differs is warned about as a conflict and does not overwrite the schedule's. A cancelled or
 * discontinued order is recorded and warned about: cancelling the case is the schedule's to say.
 */
export function applyOrder(current: CaseState | undefined, fact: OrderFact, ctx: ApplyContext): ApplyResult {
  const stamp = stampOf(fact);
  if (Number.isNaN(stamp.ms)) return invalidTime(current, fact);
  if (!current) return noCase(fact);
  const number = fact.identifiers.orderNumber;
  if (!number) return invalid(current, fact, `order ${fact.action} without an order number; not applied`);

  const d = new CaseDraft(current, fact, stamp, ctx.policy);
  const key = `order:${number}`;
  const known = current.orders?.find((o) => o.number === number);
  const order: CaseOrder = known ? { ...known } : { number, status: 'active', action: fact.action, at: fact.at };
  if (d.claim(key)) {
    order.status = orderStatusOf(fact);
    order.action = fact.action;
    order.at = fact.at;
    if (fact.orderStatus) order.orderStatus = fact.orderStatus;
    else delete order.orderStatus;
  }
  const filler = fact.identifiers.fillerOrderNumber;
  if (filler && d.claim(`${key}:filler`)) order.fillerNumber = filler;
  if (fact.procedure?.text && d.claim(`${key}:procedure`)) {
    order.procedure = fact.procedure.code
      ? { code: fact.procedure.code, text: fact.procedure.text }
      : { text: fact.procedure.text };
  }
  if (fact.orderedBy && d.claim(`${key}:orderedBy`)) order.orderedBy = { ...fact.orderedBy };
  if (!deepEqual(known, order)) {
    const orders = d.orders();
    const at = orders.findIndex((o) => o.number === number);
    if (at >= 0) orders[at] = order;
    else orders.push(order);
    orders.sort((a, b) => compareText(a.number, b.number));
  }

  const scheduled = d.track.scheduleProcedure?.code;
  const ordered = fact.procedure?.code;
  if (scheduled && ordered && scheduled !== ordered) {
    d.warn(
      'conflict',
      `order ${number}'s procedure ${ordered} is not the schedule's (${scheduled}); the case keeps the schedule's`,
    );
  }
  if ((order.status === 'cancelled' || order.status === 'discontinued') && known?.status !== order.status) {
    d.warn(
      'order-cancelled',
      `order ${number} was ${order.status} (${fact.at}); the case stays as the schedule has it`,
    );
  }
  return d.commit(() => 'order-recorded', { action: fact.action, orderNumber: number }, ctx.receivedAt);
}

/** ORC-5 order statuses (HL7 table 0038) that say more than "active". */
const ORC5_STATUS: Readonly<Record<string, OrderStatus>> = { CA: 'cancelled', DC: 'discontinued', CM: 'completed' };

/** ORC-1 first; for the other controls ORC-5 as written. */
function orderStatusOf(fact: OrderFact): OrderStatus {
  switch (fact.action) {
    case 'cancelled':
      return 'cancelled';
    case 'discontinued':
      return 'discontinued';
    case 'new':
    case 'changed':
    case 'status':
      return ORC5_STATUS[fact.orderStatus?.toUpperCase() ?? ''] ?? 'active';
    default:
      return assertUnreachable(fact.action, 'order action');
  }
}
