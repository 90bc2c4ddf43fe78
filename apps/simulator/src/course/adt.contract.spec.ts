import { mapHl7 } from '@circulator/hl7';
import { finalSchedule, planOrDay } from '../or-day.plan';
import { planCourses, type CaseCourse } from './case.course';
import { buildAdt } from './live.outputs';

/** The course's ADT messages through the platform's own mapper (CONTRACT §4): clean patient facts. */
const plan = planOrDay({
  date: '2026-11-23',
  timeZone: 'Europe/Paris',
  seed: 4,
  rooms: 1,
  now: '2026-11-23T06:00:00+01:00',
});
const course = planCourses(finalSchedule(plan), 4)[0] as CaseCourse;
const ACTIONS = { A01: 'admitted', A02: 'transferred', A03: 'discharged', A04: 'registered', A08: 'updated' } as const;

describe('ADT messages of the course', () => {
  it.each(Object.entries(ACTIONS))('%s maps to a patient fact without warnings', (trigger, action) => {
    const at = new Date(course.inRoom).toISOString();
    const text = buildAdt(course, trigger as keyof typeof ACTIONS, 'OR1', at, `CTRL${trigger}`);
    const result = mapHl7(text, { facilityTz: 'Europe/Paris', receivedAt: at });
    if (!result.ok) throw new Error(JSON.stringify(result.problem));
    expect(result.mapping.warnings).toEqual([]);
    expect(result.mapping.facts).toHaveLength(1);
    expect(Date.parse((result.mapping.facts[0] as { at: string }).at)).toBe(course.inRoom);
    expect(result.mapping.facts[0]).toMatchObject({
      kind: 'patient',
      action,
      patient: { mrn: course.case.patient.mrn },
      visitNumber: course.case.visitNumber,
    });
  });
});
