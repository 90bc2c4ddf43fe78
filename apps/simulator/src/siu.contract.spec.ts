import { decodeSiu } from '@circulator/hl7';
import { caseEnd, planOrDay } from './or-day.plan';
import { buildPlanMessages } from './siu.builder';

/**
 * Contract check between the simulator and the platform: every message the simulator sends is
 * read by @circulator/hl7's SIU mapper as the case the plan meant, with no warnings.
 */
const ACTIONS = { S12: 'booked', S13: 'rescheduled', S15: 'cancelled' } as const;
const plan = planOrDay({
  date: '2026-11-21',
  timeZone: 'Europe/Paris',
  seed: 42,
  rooms: 4,
  now: '2026-11-21T06:00:00+01:00',
});
const messages = buildPlanMessages(plan);

describe('simulator messages through the platform SIU mapper', () => {
  it.each(plan.events.map((event, i) => [i, event] as const))('message %i maps cleanly', (i, event) => {
    const result = decodeSiu(messages[i]?.text ?? '', { facilityTz: 'Europe/Paris' });
    if (!result.ok) throw new Error(`mapping failed: ${JSON.stringify(result.problem)}`);
    const { fact, location, warnings } = result.mapping;
    expect(warnings).toEqual([]);
    expect(fact.action).toBe(ACTIONS[event.trigger]);
    expect(fact.identifiers.placerAppointmentId).toBe(event.case.placerId);
    expect(Date.parse(fact.scheduledStart ?? '')).toBe(Date.parse(event.case.start));
    expect(Date.parse(fact.scheduledEnd ?? '')).toBe(Date.parse(caseEnd(event.case)));
    expect(location?.code).toBe(`${event.case.roomCode}^^^MAIN`);
    expect(fact.procedure?.code).toBe(event.case.procedure.code);
    expect(fact.surgeon?.id).toBe(event.case.surgeon.id);
    expect(fact.anesthesiologist?.id).toBe(event.case.anesthesiologist.id);
  });
});
