import { finalSchedule, planOrDay } from '../or-day.plan';
import { planCourses, type CaseCourse } from './case.course';
import { courseSteps, playCourses, type CourseOutputs, type PlayerClock } from './course.player';
import type { DeviceMessage } from './devices';

const plan = planOrDay({ date: '2026-11-23', timeZone: 'UTC', seed: 3, rooms: 2, now: '2026-11-23T06:00:00Z' });
const courses = planCourses(finalSchedule(plan), 3);
const MIN = 60_000;

/** Records what the player sends; `fail` makes one kind of output throw. */
function recorder(fail?: 'milestone') {
  const sent: string[] = [];
  const devices: DeviceMessage[] = [];
  const record = (line: string) => {
    sent.push(line);
    return Promise.resolve();
  };
  const out: CourseOutputs = {
    transfer: (c, location, at) => record(`${at} ${c.case.placerId} A02 ${location}`),
    stay: (c, trigger, at) => record(`${at} ${c.case.placerId} ${trigger}`),
    milestone: (c, key, at) =>
      fail === 'milestone' ? Promise.reject(new Error('HTTP 503')) : record(`${at} ${c.case.placerId} ${key}`),
    checklist: (c, phase, at) => record(`${at} ${c.case.placerId} ${phase}`),
    rtls: (c, location, at) => record(`${at} ${c.case.placerId} tag ${location}`),
    device: (message) => {
      devices.push(message);
      return Promise.resolve();
    },
    log: () => undefined,
  };
  return { out, sent, devices };
}

/** Time passes only when the player sleeps: deterministic, instant. */
function manualClock(start: number): PlayerClock {
  let now = start;
  return {
    now: () => now,
    sleep: (ms: number) => {
      now += ms;
      return Promise.resolve();
    },
  };
}

const labelsOf = (course: CaseCourse, steps: ReturnType<typeof courseSteps>) =>
  steps.filter((s) => s.label.startsWith(course.case.placerId)).map((s) => s.label.split(' ').slice(1).join(' '));

describe('courseSteps', () => {
  it('gives each case its stay, transfers, tag moves, checklist phases and milestones, in time order', () => {
    const { out } = recorder();
    const steps = courseSteps(courses, out);
    const first = courses[0] as CaseCourse;
    const inpatient = first.case.patientClass === 'I';
    const mine = labelsOf(first, steps).filter((l) => l !== 'A08');
    expect(mine).toEqual([
      // An inpatient is admitted (A01); an outpatient registers (A04), and goes home (A03) after PACU.
      inpatient ? 'A01' : 'A04',
      // In room comes from the EHR's transfer (ADT A02) and the patient's tag, the rest from the nurse.
      `A02 → ${first.case.roomCode}`,
      `tag → ${first.case.roomCode}`,
      'Sign In',
      'anesthesiaStart',
      'Time Out',
      'procedureStart',
      'procedureEnd',
      'anesthesiaEnd',
      'Sign Out',
      'A02 → PACU',
      'tag → PACU',
      'outOfRoom',
      ...(inpatient ? [] : ['A03']),
    ]);
    expect(steps.map((s) => s.at)).toEqual([...steps.map((s) => s.at)].sort((a, b) => a - b));
    // Both patient classes and some A08 updates occur in the day.
    const all = steps.map((s) => s.label.split(' ')[1]);
    expect(all).toEqual(expect.arrayContaining(['A01', 'A04', 'A03', 'A08']));
  });

  it('holds the steps of a stopped channel until it resumes, keeping their own times and order', () => {
    const { out } = recorder();
    const first = courses[0] as CaseCourse;
    const stop = { channel: 'hl7' as const, from: first.inRoom - MIN, to: first.inRoom + 30 * MIN };
    const steps = courseSteps(courses, out, [stop]);
    const held = steps.filter((s) => s.channel === 'hl7' && s.at >= stop.from && s.at < stop.to);
    expect(held.length).toBeGreaterThan(0);
    for (const s of held) expect(s.due).toBe(stop.to);
    expect(held.map((s) => s.at)).toEqual([...held.map((s) => s.at)].sort((a, b) => a - b));
    // Nothing else waits: the nurse's milestone in room is sent on time.
    const signIn = steps.find((s) => s.label === `${first.case.placerId} Sign In`);
    expect(signIn?.due).toBe(signIn?.at);
    expect(steps.map((s) => s.due)).toEqual([...steps.map((s) => s.due)].sort((a, b) => a - b));
  });
});

describe('playCourses', () => {
  it('catches up at once on what is past, then plays the rest at its time', async () => {
    const first = courses[0] as CaseCourse;
    const { out, sent } = recorder();
    // Start mid-way through the first case: everything up to its incision is already past.
    const clock = manualClock(first.incision);
    const result = await playCourses(courses, out, clock, { tickMs: 60_000, rooms: [] });
    expect(result.failed).toBe(0);
    expect(result.steps).toBe(courseSteps(courses, out).length);
    const past = sent.filter((line) => Number(line.split(' ')[0]) <= first.incision);
    expect(past).toContain(`${first.inRoom} ${first.case.placerId} A02 ${first.case.roomCode}`);
    expect(past).toContain(`${first.incision} ${first.case.placerId} procedureStart`);
    // Sent in time order, each with its own time.
    const times = sent.map((line) => Number(line.split(' ')[0]));
    expect(times).toEqual([...times].sort((a, b) => a - b));
  });

  it('has the devices read only patients in the room, and every device report in on heartbeats', async () => {
    const first = courses[0] as CaseCourse;
    const { out, devices } = recorder();
    const rooms = plan.rooms.map((r) => r.code);
    await playCourses(courses, out, manualClock(first.inRoom - 30 * MIN), {
      tickMs: 60_000,
      heartbeatEvery: 5,
      rooms,
      until: first.outOfRoom + 30 * MIN,
    });
    const readings = devices.filter((d) => d.kind === 'observations');
    expect(new Set(readings.map((r) => r.role))).toEqual(new Set(['monitor', 'anesthesia', 'pump']));
    for (const r of readings) {
      const occupant = courses.find((c) => c.case.roomCode === r.room && c.inRoom <= r.at && r.at < c.outOfRoom);
      expect(occupant).toBeDefined();
    }
    // Once a minute per device, never faster.
    const monitor = readings.filter((r) => r.role === 'monitor' && r.room === first.case.roomCode).map((r) => r.at);
    for (let i = 1; i < monitor.length; i++) expect(monitor[i]! - monitor[i - 1]!).toBeGreaterThanOrEqual(60_000);
    // Heartbeats: every device of every room, occupied or not, every five ticks; and the environment.
    const statuses = devices.filter((d) => d.kind === 'status');
    for (const room of rooms) {
      expect(new Set(statuses.filter((s) => s.room === room).map((s) => s.role))).toEqual(
        new Set(['monitor', 'anesthesia', 'pump', 'environment', 'counter']),
      );
      expect(devices.some((d) => d.kind === 'environment' && d.room === room)).toBe(true);
    }
    const beats = [...new Set(statuses.map((s) => s.at))];
    for (let i = 1; i < beats.length; i++) expect(beats[i]! - beats[i - 1]!).toBeGreaterThanOrEqual(5 * 60_000);
  });

  it('plays a window of the day: skips what was due before `from`, stops at `until`', async () => {
    const first = courses[0] as CaseCourse;
    const { out, sent } = recorder();
    const from = first.incision;
    const until = first.closure + MIN;
    await playCourses(courses, out, manualClock(from), { tickMs: 60_000, rooms: [], from, until });
    const times = sent.map((line) => Number(line.split(' ')[0]));
    expect(times.length).toBeGreaterThan(0);
    for (const t of times) expect(t >= from && t < until).toBe(true);
    expect(sent).toContain(`${first.closure} ${first.case.placerId} procedureEnd`);
  });

  it('goes on past a failed step, counting it', async () => {
    const { out } = recorder('milestone');
    const result = await playCourses(courses, out, manualClock(0), { tickMs: 3_600_000, rooms: [] });
    expect(result.failed).toBe(courses.length * 6 - courses.length);
  });

  it('stops when aborted', async () => {
    const { out, sent } = recorder();
    const controller = new AbortController();
    controller.abort();
    const result = await playCourses(courses, out, manualClock(0), {
      tickMs: 60_000,
      rooms: [],
      signal: controller.signal,
    });
    expect(result.steps).toBe(0);
    expect(sent).toEqual([]);
  });
});
