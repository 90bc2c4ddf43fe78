import type { MilestoneKey } from '@circulator/contracts';
import { courseInRoom, courseMilestones, type CaseCourse, type CourseMilestone } from './case.course';
import { monitorReadings, type MonitorObservation } from './physiology';

/** What the player drives; main wires these to MLLP, the REST API and MQTT. */
export interface CourseOutputs {
  /** ADT^A02: the patient is now at `location` (an OR room code, or PACU). */
  transfer(course: CaseCourse, location: string, at: number): Promise<void>;
  /** A milestone recorded by the circulating nurse (REST). */
  milestone(course: CaseCourse, key: MilestoneKey, at: number): Promise<void>;
  /** A WHO checklist phase done (REST). */
  checklist(course: CaseCourse, phase: 'signIn' | 'timeOut' | 'signOut', at: number): Promise<void>;
  /** One monitor publish for a room (MQTT). */
  readings(roomCode: string, observations: MonitorObservation[], at: number): Promise<void>;
  log(line: string): void;
}

export interface PlayerClock {
  /** Epoch ms. */
  now(): number;
  sleep(ms: number): Promise<void>;
}

/** One thing to do at a time: a milestone, a checklist phase or a transfer. */
interface Step {
  at: number;
  run: () => Promise<void>;
  label: string;
}

const MILESTONE_OF: Record<CourseMilestone['key'], MilestoneKey> = {
  inRoom: 'inRoom',
  anesthesiaStart: 'anesthesiaStart',
  incision: 'procedureStart',
  closure: 'procedureEnd',
  anesthesiaEnd: 'anesthesiaEnd',
  outOfRoom: 'outOfRoom',
};

/** The steps of the courses, in time order: transfers, checklist phases and milestones. */
export function courseSteps(courses: readonly CaseCourse[], out: CourseOutputs): Step[] {
  const steps: Step[] = [];
  for (const m of courseMilestones(courses)) {
    const c = m.course;
    const id = c.case.placerId;
    if (m.key === 'inRoom') {
      // The EHR's bed board moves the patient into the room; the nurse does Sign In before induction.
      steps.push({
        at: m.at,
        label: `${id} A02 → ${c.case.roomCode}`,
        run: () => out.transfer(c, c.case.roomCode, m.at),
      });
      steps.push({ at: m.at + 60_000, label: `${id} Sign In`, run: () => out.checklist(c, 'signIn', m.at + 60_000) });
      continue;
    }
    if (m.key === 'incision') {
      const timeOut = m.at - 120_000;
      steps.push({ at: timeOut, label: `${id} Time Out`, run: () => out.checklist(c, 'timeOut', timeOut) });
    }
    if (m.key === 'outOfRoom') {
      const signOut = m.at - 60_000;
      steps.push({ at: signOut, label: `${id} Sign Out`, run: () => out.checklist(c, 'signOut', signOut) });
      steps.push({ at: m.at, label: `${id} A02 → PACU`, run: () => out.transfer(c, 'PACU', m.at) });
    }
    steps.push({
      at: m.at,
      label: `${id} ${MILESTONE_OF[m.key]}`,
      run: () => out.milestone(c, MILESTONE_OF[m.key], m.at),
    });
  }
  return steps.sort((a, b) => a.at - b.at);
}

/**
 * Plays the courses in real time: whatever is already past when it starts is sent at once, in
 * order, with its own time (a platform started mid-day catches up); then each step at its time,
 * and every `vitalsEveryMs` one monitor publish per room with a patient in it. Ends after the last
 * step, or when `signal` aborts.
 */
export async function playCourses(
  courses: readonly CaseCourse[],
  out: CourseOutputs,
  clock: PlayerClock,
  options: { vitalsEveryMs: number; rooms: readonly string[]; signal?: AbortSignal },
): Promise<{ steps: number; failed: number; publishes: number }> {
  const steps = courseSteps(courses, out);
  let next = 0;
  let failed = 0;
  let publishes = 0;
  let nextVitals = clock.now();
  while (next < steps.length && !options.signal?.aborted) {
    const now = clock.now();
    while (next < steps.length && (steps[next] as Step).at <= now) {
      const step = steps[next++] as Step;
      try {
        await step.run();
      } catch (err) {
        failed += 1;
        out.log(`${step.label}: ${(err as Error).message}`);
      }
    }
    if (now >= nextVitals) {
      for (const room of options.rooms) {
        const course = courseInRoom(courses, room, now);
        if (!course) continue;
        try {
          await out.readings(room, monitorReadings(course, now), now);
          publishes += 1;
        } catch (err) {
          out.log(`monitor ${room}: ${(err as Error).message}`);
        }
      }
      nextVitals = now + options.vitalsEveryMs;
    }
    const upcoming = next < steps.length ? (steps[next] as Step).at : Infinity;
    await clock.sleep(Math.max(0, Math.min(upcoming, nextVitals) - clock.now()));
  }
  return { steps: next, failed, publishes };
}
