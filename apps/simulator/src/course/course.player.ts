import type { MilestoneKey } from '@circulator/contracts';
import { courseMilestones, type CaseCourse, type CourseMilestone } from './case.course';
import { deviceMessages, type DeviceFault, type DeviceMessage } from './devices';
import { noise } from './physiology';

/** The ADT events of a stay besides the transfers: admission, registration, update, discharge. */
export type StayTrigger = 'A01' | 'A04' | 'A08' | 'A03';

/** What the player drives; main wires these to MLLP, the REST API and MQTT. */
export interface CourseOutputs {
  /** ADT^A02: the patient is now at `location` (an OR room code, or PACU). */
  transfer(course: CaseCourse, location: string, at: number): Promise<void>;
  /** ADT^A01/A04/A08/A03 about the patient's stay. */
  stay(course: CaseCourse, trigger: StayTrigger, at: number): Promise<void>;
  /** A milestone recorded by the circulating nurse (REST). */
  milestone(course: CaseCourse, key: MilestoneKey, at: number): Promise<void>;
  /** A WHO checklist phase done (REST). */
  checklist(course: CaseCourse, phase: 'signIn' | 'timeOut' | 'signOut', at: number): Promise<void>;
  /** The patient's RTLS tag seen at `location` (an OR room code, or PACU) (MQTT). */
  rtls(course: CaseCourse, location: string, at: number): Promise<void>;
  /** One message of a room device (MQTT). */
  device(message: DeviceMessage): Promise<void>;
  log(line: string): void;
}

export interface PlayerClock {
  /** Epoch ms. */
  now(): number;
  sleep(ms: number): Promise<void>;
}

/** How a step reaches the platform: the hospital's HL7 interface, the nurse's REST calls, or MQTT. */
export type StepChannel = 'hl7' | 'rest' | 'mqtt';

/** One thing to do at a time: a milestone, a checklist phase, an ADT event or a tag's move. */
export interface Step {
  /** The time the step happened (the time its message carries). */
  at: number;
  /** When it is sent: `at`, unless its channel was stopped then (a drill), then when it resumes. */
  due: number;
  channel: StepChannel;
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

const MIN = 60_000;

/** A span in which one channel sends nothing; what falls in it is sent, in order, at its end. */
export interface ChannelStop {
  channel: StepChannel;
  from: number;
  to: number;
}

/**
 * The steps of the courses, ordered by when they are sent: for each case, the stay's ADT events
 * (an inpatient is admitted, A01, two hours before; an outpatient registers, A04, 75 minutes
 * before and is discharged home, A03, 90 minutes after leaving the room; one patient in three has
 * an A08 update on the way), the transfers (A02), the checklist phases and milestones, and the
 * patient's RTLS tag entering the room and leaving it for PACU. A step of a stopped channel is
 * sent when the channel resumes, with its own time.
 */
export function courseSteps(
  courses: readonly CaseCourse[],
  out: CourseOutputs,
  stops: readonly ChannelStop[] = [],
): Step[] {
  const steps: Step[] = [];
  const add = (channel: StepChannel, at: number, label: string, run: () => Promise<void>) => {
    const stop = stops.find((s) => s.channel === channel && s.from <= at && at < s.to);
    steps.push({ at, due: stop ? stop.to : at, channel, label, run });
  };
  for (const c of courses) {
    const id = c.case.placerId;
    if (c.case.patientClass === 'I') {
      add('hl7', c.inRoom - 120 * MIN, `${id} A01`, () => out.stay(c, 'A01', c.inRoom - 120 * MIN));
    } else {
      add('hl7', c.inRoom - 75 * MIN, `${id} A04`, () => out.stay(c, 'A04', c.inRoom - 75 * MIN));
      add('hl7', c.outOfRoom + 90 * MIN, `${id} A03`, () => out.stay(c, 'A03', c.outOfRoom + 90 * MIN));
    }
    if (noise(id, 21) < 1 / 3) {
      add('hl7', c.inRoom - 45 * MIN, `${id} A08`, () => out.stay(c, 'A08', c.inRoom - 45 * MIN));
    }
  }
  for (const m of courseMilestones(courses)) {
    const c = m.course;
    const id = c.case.placerId;
    if (m.key === 'inRoom') {
      // The EHR's bed board moves the patient into the room (the tag sees it too); the nurse does
      // Sign In before induction.
      add('hl7', m.at, `${id} A02 → ${c.case.roomCode}`, () => out.transfer(c, c.case.roomCode, m.at));
      add('mqtt', m.at, `${id} tag → ${c.case.roomCode}`, () => out.rtls(c, c.case.roomCode, m.at));
      add('rest', m.at + MIN, `${id} Sign In`, () => out.checklist(c, 'signIn', m.at + MIN));
      continue;
    }
    if (m.key === 'incision') {
      const timeOut = m.at - 2 * MIN;
      add('rest', timeOut, `${id} Time Out`, () => out.checklist(c, 'timeOut', timeOut));
    }
    if (m.key === 'outOfRoom') {
      const signOut = m.at - MIN;
      add('rest', signOut, `${id} Sign Out`, () => out.checklist(c, 'signOut', signOut));
      add('hl7', m.at, `${id} A02 → PACU`, () => out.transfer(c, 'PACU', m.at));
      add('mqtt', m.at, `${id} tag → PACU`, () => out.rtls(c, 'PACU', m.at));
    }
    add('rest', m.at, `${id} ${MILESTONE_OF[m.key]}`, () => out.milestone(c, MILESTONE_OF[m.key], m.at));
  }
  return steps.sort((a, b) => a.due - b.due || a.at - b.at);
}

export interface PlayOptions {
  /** Time between two device ticks (readings), ms. */
  tickMs: number;
  /** Every how many ticks the devices send their status and the rooms their environment [6]. */
  heartbeatEvery?: number;
  rooms: readonly string[];
  /** Device failures and drills. */
  faults?: readonly DeviceFault[];
  /** Channels stopped for a while (the interface-stop drill). */
  stops?: readonly ChannelStop[];
  /** Steps due before this (epoch ms) are skipped (already played); devices start here. */
  from?: number;
  /** Stop at this time (epoch ms), for a window of the day. */
  until?: number;
  signal?: AbortSignal;
}

/**
 * Plays the courses in real time: whatever is already past when it starts is sent at once, in
 * order, with its own time (a platform started mid-day catches up); then each step when due, and
 * every `tickMs` the room devices' messages (see `deviceMessages`). Ends after the last step (or
 * at `until`), or when `signal` aborts.
 */
export async function playCourses(
  courses: readonly CaseCourse[],
  out: CourseOutputs,
  clock: PlayerClock,
  options: PlayOptions,
): Promise<{ steps: number; failed: number; publishes: number }> {
  const from = options.from ?? -Infinity;
  const steps = courseSteps(courses, out, options.stops).filter((s) => s.due >= from);
  const until = options.until ?? Infinity;
  const heartbeatEvery = options.heartbeatEvery ?? 6;
  let next = 0;
  let failed = 0;
  let publishes = 0;
  let ticks = 0;
  let nextTick = Math.max(clock.now(), options.from ?? -Infinity);
  let previousTick = nextTick - options.tickMs;
  while (next < steps.length && !options.signal?.aborted) {
    const now = clock.now();
    if (now >= until) break;
    while (next < steps.length && (steps[next] as Step).due <= now) {
      const step = steps[next++] as Step;
      try {
        await step.run();
      } catch (err) {
        failed += 1;
        out.log(`${step.label}: ${(err as Error).message}`);
      }
    }
    if (now >= nextTick) {
      const messages = deviceMessages({
        courses,
        rooms: options.rooms,
        faults: options.faults ?? [],
        at: now,
        previous: previousTick,
        heartbeat: ticks % heartbeatEvery === 0,
      });
      for (const message of messages) {
        try {
          await out.device(message);
          publishes += 1;
        } catch (err) {
          out.log(`${message.role} ${message.room}: ${(err as Error).message}`);
        }
      }
      ticks += 1;
      previousTick = now;
      nextTick = now + options.tickMs;
    }
    const upcoming = next < steps.length ? (steps[next] as Step).due : Infinity;
    await clock.sleep(Math.max(0, Math.min(upcoming, nextTick, until) - clock.now()));
  }
  return { steps: next, failed, publishes };
}
