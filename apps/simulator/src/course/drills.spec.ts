import { finalSchedule, planOrDay } from '../or-day.plan';
import { planCourses } from './case.course';
import { DRILL_DELAY_MS, LATE_FIRST_CASE_MIN, lateFirstCaseOf, planDrills } from './drills';

const plan = planOrDay({ date: '2026-11-23', timeZone: 'UTC', seed: 9, rooms: 3, now: '2026-11-23T06:00:00Z' });
const schedule = finalSchedule(plan);
const courses = planCourses(schedule, 9);
const rooms = plan.rooms.map((r) => r.code);
const MIN = 60_000;

describe('drills', () => {
  it('device-outage silences a monitor mid-case, in a room with a case under way', () => {
    const c = courses.find((x) => x.case.roomCode === 'OR2')!;
    const start = c.incision;
    const { faults, notes } = planDrills(['device-outage'], courses, start);
    expect(faults).toHaveLength(1);
    const [f] = faults;
    expect(f).toMatchObject({ kind: 'silent', role: 'monitor', cause: 'device-outage' });
    const inRoom = courses.find((x) => x.case.roomCode === f!.room && x.inRoom <= f!.from && f!.to <= x.outOfRoom);
    expect(inRoom).toBeDefined();
    expect(f!.from).toBeGreaterThanOrEqual(start + DRILL_DELAY_MS);
    expect(f!.from).toBeGreaterThanOrEqual(inRoom!.anesthesiaStart);
    expect(f!.to - f!.from).toBeLessThanOrEqual(15 * MIN);
    expect(notes[0]).toMatch(/^device-outage: the monitor of OR\d goes silent/);
  });

  it('implausible-feed and interface-stop: a bad feed for 10 minutes, no HL7 for 20', () => {
    const start = Math.min(...courses.map((c) => c.inRoom)) - 30 * MIN;
    const { faults, stops } = planDrills(['implausible-feed', 'interface-stop'], courses, start);
    expect(faults.map((f) => [f.kind, f.to - f.from <= 10 * MIN])).toEqual([['implausible', true]]);
    expect(stops).toEqual([{ channel: 'hl7', from: start + DRILL_DELAY_MS, to: start + DRILL_DELAY_MS + 20 * MIN }]);
  });

  it('gives two device drills two rooms', () => {
    const start = Math.min(...courses.map((c) => c.inRoom));
    const { faults } = planDrills(['device-outage', 'implausible-feed'], courses, start);
    expect(faults.map((f) => f.kind)).toEqual(['silent', 'implausible']);
    expect(faults[0]!.room).not.toBe(faults[1]!.room);
  });

  it('says so when the day is over', () => {
    const after = Math.max(...courses.map((c) => c.outOfRoom));
    expect(planDrills(['device-outage'], courses, after)).toEqual({
      faults: [],
      stops: [],
      notes: ['device-outage: no case left to run it in'],
    });
  });

  it('late-first-case makes the first room’s first case late and pushes the room’s day back', () => {
    expect(lateFirstCaseOf(['device-outage'], rooms)).toBeUndefined();
    const late = lateFirstCaseOf(['late-first-case'], rooms)!;
    expect(late).toEqual({ room: 'OR1', minutes: LATE_FIRST_CASE_MIN });
    const drilled = planCourses(schedule, 9, { lateFirstCase: late });
    const room = (list: typeof courses) => list.filter((c) => c.case.roomCode === 'OR1');
    const [first, ...rest] = room(drilled);
    expect(first!.inRoom - Date.parse(first!.case.start)).toBe(LATE_FIRST_CASE_MIN * MIN);
    room(courses).forEach((c, i) => {
      expect(room(drilled)[i]!.inRoom).toBeGreaterThanOrEqual(c.inRoom);
    });
    expect(rest.some((c, i) => c.inRoom > room(courses)[i + 1]!.inRoom)).toBe(true);
    // The other rooms' days are the same days.
    expect(drilled.filter((c) => c.case.roomCode !== 'OR1')).toEqual(courses.filter((c) => c.case.roomCode !== 'OR1'));
  });
});
