import { decodeSiu, mapHl7 } from '@circulator/hl7';
import { finalSchedule, planOrDay } from './or-day.plan';
import { buildDayMessages } from './order.builder';
import { orderNumbers } from './siu.builder';

/**
 * The surgical orders against the platform's own mappers (CONTRACT §4): each ORM^O01 maps to one
 * order fact without warnings, with the order number its booking carries in SCH-26.
 */
const plan = planOrDay({
  date: '2026-11-21',
  timeZone: 'Europe/Paris',
  seed: 42,
  rooms: 3,
  now: '2026-11-21T06:00:00+01:00',
});
const messages = buildDayMessages(plan);
const options = { facilityTz: 'Europe/Paris', receivedAt: '2026-11-21T06:00:00+01:00' };

describe('buildDayMessages', () => {
  it('places one order before each case is first booked, and cancels the cancelled case’s', () => {
    const cases = finalSchedule(plan);
    const orders = messages.filter((m) => m.trigger === 'O01');
    const cancelled = cases.filter((c) => c.status === 'Cancelled').length;
    expect(orders).toHaveLength(cases.length + cancelled);
    for (const c of cases) {
      const first = messages.findIndex((m) => m.placerId === c.placerId);
      expect(messages[first]?.trigger).toBe('O01');
      expect(messages[first + 1]?.trigger).toBe('S12');
    }
    const offsets = messages.map((m) => m.offsetMs);
    expect(offsets).toEqual([...offsets].sort((a, b) => a - b));
    // Control ids unique and within MSH-10's 20 characters.
    expect(new Set(messages.map((m) => m.controlId)).size).toBe(messages.length);
    for (const m of messages) expect(m.controlId.length).toBeLessThanOrEqual(20);
  });

  it('maps every order to an order fact linked by the booking’s order number', () => {
    for (const m of messages.filter((x) => x.trigger === 'O01')) {
      const result = mapHl7(m.text, options);
      if (!result.ok) throw new Error(`${m.controlId}: ${JSON.stringify(result.problem)}`);
      expect(result.mapping.warnings).toEqual([]);
      const [fact] = result.mapping.facts;
      const c = plan.cases.find((x) => x.placerId === m.placerId)!;
      expect(fact).toMatchObject({
        kind: 'order',
        identifiers: { orderNumber: orderNumbers(c).placer, fillerOrderNumber: orderNumbers(c).filler },
        procedure: { code: c.procedure.code, text: c.procedure.text },
        orderedBy: { id: c.surgeon.id },
        patient: { mrn: c.patient.mrn },
      });
      expect(['new', 'cancelled']).toContain((fact as { action: string }).action);
    }
  });

  it('puts the order number in the bookings (SCH-26)', () => {
    for (const m of messages.filter((x) => x.trigger !== 'O01')) {
      const result = decodeSiu(m.text, { facilityTz: 'Europe/Paris' });
      if (!result.ok) throw new Error(JSON.stringify(result.problem));
      expect(result.mapping.fact.identifiers.orderNumber).toBe(orderNumbers({ placerId: m.placerId }).placer);
    }
  });
});
