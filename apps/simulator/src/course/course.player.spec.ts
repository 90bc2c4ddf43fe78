import { finalSchedule, planOrDay } from '../or-day.plan';
import { planCourses, type CaseCourse } from './case.course';
import { courseSteps, playCourses, type CourseOutputs, type PlayerClock } from './course.player';

const plan = planOrDay({ date: '2026-11-23', timeZone: 'UTC', seed: 3, rooms: 2, now: '2026-11-23T06:00:00Z' });
const courses = planCourses(finalSchedule(plan), 3);

/** Records what the player sends; `fail` makes one kind of output throw. */
function recorder(fail?: 'milestone') {
  const sent: string[] = [];
  const readings: { room: string; at: number }[] = [];
  const record = (line: string) => {
    sent.push(line);
    return Promise.resolve();
  };
  const out: CourseOutputs = {
    transfer: (c, location, at) => record(`${at} ${c.case.placerId} A02 ${location}`),
    milestone: (c, key, at) =>
      fail === 'milestone' ? Promise.reject(new Error('HTTP 503')) : record(`${at} ${c.case.placerId} ${key}`),
    checklist: (c, phase, at) => record(`${at} ${c.case.placerId} ${phase}`),
    readings: (room, observations, at) => {
      expect(observations.length).toBeGreaterThan(0);
      readings.push({ room, at });
      return Promise.resolve();
    },
    log: () => undefined,
  };
  return { out, sent, readings };
}

/** Time passes only when the player sleeps: deterministic, instant. */
function manualClock(start: number): PlayerClock & { slept: number } {
  let now = start;
  const clock = {
    slept: 0,
    now: () => now,
    sleep: (ms: number) => {
      clock.slept += 1;
      now += ms;
      return Promise.resolve();
    },
  };
  return clock;
}

describe('courseSteps', () => {
  it('gives each case its transfers, checklist phases and milestones, in time order', () => {
    const { out } = recorder();
    const steps = courseSteps(courses, out);
    const first = courses[0] as CaseCourse;
    const mine = steps
      .filter((s) => s.label.startsWith(first.case.placerId))
      .map((s) => s.label.split(' ').slice(1).join(' '));
    expect(mine).toEqual([
      // In room comes from the EHR's transfer (ADT A02), the rest from the nurse.
      `A02 → ${first.case.roomCode}`,
      'Sign In',
      'anesthesiaStart',
      'Time Out',
      'procedureStart',
      'procedureEnd',
      'anesthesiaEnd',
      'Sign Out',
      'A02 → PACU',
      'outOfRoom',
    ]);
    expect(steps.map((s) => s.at)).toEqual([...steps.map((s) => s.at)].sort((a, b) => a - b));
  });
});

describe('playCourses', () => {
  it('catches up at once on what is past, then plays the rest at its time', async () => {
    const first = courses[0] as CaseCourse;
    const { out, sent } = recorder();
    // Start mid-way through the first case: everything up to its incision is already past.
    const clock = manualClock(first.incision);
    const result = await playCourses(courses, out, clock, { vitalsEveryMs: 60_000, rooms: [] });
    expect(result.failed).toBe(0);
    expect(result.steps).toBe(courseSteps(courses, out).length);
    const past = sent.filter((line) => Number(line.split(' ')[0]) <= first.incision);
    expect(past).toContain(`${first.inRoom} ${first.case.placerId} A02 ${first.case.roomCode}`);
    expect(past).toContain(`${first.incision} ${first.case.placerId} procedureStart`);
    // Sent in time order, each with its own time.
    const times = sent.map((line) => Number(line.split(' ')[0]));
    expect(times).toEqual([...times].sort((a, b) => a - b));
  });

  it('publishes monitor readings only for rooms with a patient in them', async () => {
    const first = courses[0] as CaseCourse;
    const { out, readings } = recorder();
    const clock = manualClock(first.inRoom - 30 * 60_000);
    const rooms = plan.rooms.map((r) => r.code);
    await playCourses(courses, out, clock, { vitalsEveryMs: 60_000, rooms });
    expect(readings.length).toBeGreaterThan(0);
    for (const r of readings) {
      const occupant = courses.find((c) => c.case.roomCode === r.room && c.inRoom <= r.at && r.at < c.outOfRoom);
      expect(occupant).toBeDefined();
    }
    // Once a minute per occupied room, never faster.
    const inFirstRoom = readings.filter((r) => r.room === first.case.roomCode).map((r) => r.at);
    for (let i = 1; i < inFirstRoom.length; i++) {
      expect((inFirstRoom[i] as number) - (inFirstRoom[i - 1] as number)).toBeGreaterThanOrEqual(60_000);
    }
  });

  it('goes on past a failed step, counting it', async () => {
    const { out } = recorder('milestone');
    const result = await playCourses(courses, out, manualClock(0), { vitalsEveryMs: 3_600_000, rooms: [] });
    expect(result.failed).toBe(courses.length * 6 - courses.length);
  });

  it('stops when aborted', async () => {
    const { out, sent } = recorder();
    const controller = new AbortController();
    controller.abort();
    const result = await playCourses(courses, out, manualClock(0), {
      vitalsEveryMs: 60_000,
      rooms: [],
      signal: controller.signal,
    });
    expect(result.steps).toBe(0);
    expect(sent).toEqual([]);
  });
});
