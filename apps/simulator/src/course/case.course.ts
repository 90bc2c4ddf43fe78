import { DateTime } from 'luxon';
import type { PlannedCase } from '../or-day.plan';
import { logNormalMinutes, mulberry32, type Rng } from '../prng';

/** An intra-operative episode that a good monitor shows and a good display makes visible. */
export interface Episode {
  kind: 'hypotension' | 'desaturation' | 'tachycardia';
  /** Epoch ms. */
  from: number;
  to: number;
}

/**
 * How a booked case actually runs: the AACD milestones as they happen, in epoch ms. A case starts
 * late when its room runs late (a late first case pushes every later one), and lasts as long as
 * its procedure really takes, not as booked.
 */
export interface CaseCourse {
  case: PlannedCase;
  inRoom: number;
  anesthesiaStart: number;
  incision: number;
  closure: number;
  anesthesiaEnd: number;
  outOfRoom: number;
  episode?: Episode;
}

const MIN = 60_000;

/** Minutes between two values drawn uniformly, whole. */
function minutes(rng: Rng, min: number, max: number): number {
  return rng.int(min, max) * MIN;
}

/**
 * Plans the course of every case that was not cancelled, room by room in booked order, from the
 * seed (same seed and schedule, same day). First cases start late two times in five (5-25 min,
 * the commonest delay an OR desk sees); a case never starts before the room is turned over after
 * the previous one (20-35 min); procedure times vary around the booked duration (log-normal, a
 * right-skewed overrun tail); about one case in three has one episode worth an alarm.
 * `lateFirstCase` (a drill) makes one room's first case that many minutes late; the turnovers push
 * the room's later cases back.
 */
export function planCourses(
  schedule: readonly PlannedCase[],
  seed: number,
  options: { lateFirstCase?: { room: string; minutes: number } } = {},
): CaseCourse[] {
  const rng = mulberry32((seed ^ 0x5eed_c0de) >>> 0);
  const byRoom = new Map<string, PlannedCase[]>();
  for (const c of schedule) {
    if (c.status === 'Cancelled') continue;
    const list = byRoom.get(c.roomCode) ?? [];
    list.push(c);
    byRoom.set(c.roomCode, list);
  }
  const out: CaseCourse[] = [];
  for (const room of [...byRoom.keys()].sort()) {
    const cases = (byRoom.get(room) ?? []).sort((a, b) => Date.parse(a.start) - Date.parse(b.start));
    let roomFreeAt = -Infinity;
    cases.forEach((c, index) => {
      const booked = DateTime.fromISO(c.start, { setZone: true }).toMillis();
      let late = index === 0 && rng.next() < 0.4 ? minutes(rng, 5, 25) : minutes(rng, 0, 4);
      // A drill: this room's first case is late by so much (the draws above are kept, so the rest
      // of the day is the same day).
      if (index === 0 && options.lateFirstCase?.room === room) late = options.lateFirstCase.minutes * MIN;
      const inRoom = Math.max(booked + late, roomFreeAt);
      const anesthesiaStart = inRoom + minutes(rng, 4, 10);
      const incision = anesthesiaStart + minutes(rng, 15, 30);
      // The booked duration is incision to closure plus set-up; procedures run around 70 % of it.
      const procedureMin = Math.max(10, Math.round(logNormalMinutes(rng, c.durationMin * 0.7, 0.2)));
      const closure = incision + procedureMin * MIN;
      const anesthesiaEnd = closure + minutes(rng, 5, 12);
      const outOfRoom = anesthesiaEnd + minutes(rng, 3, 8);
      roomFreeAt = outOfRoom + minutes(rng, 20, 35);
      const course: CaseCourse = { case: c, inRoom, anesthesiaStart, incision, closure, anesthesiaEnd, outOfRoom };
      if (rng.next() < 1 / 3) {
        const kind = rng.pick(['hypotension', 'desaturation', 'tachycardia'] as const);
        const span = closure - incision;
        const from = incision + Math.floor(rng.next() * Math.max(1, span - 8 * MIN));
        course.episode = { kind, from, to: Math.min(closure, from + minutes(rng, 3, 8)) };
      }
      out.push(course);
    });
  }
  return out;
}

/** A milestone of a course, for sending (`at` epoch ms). */
export interface CourseMilestone {
  key: 'inRoom' | 'anesthesiaStart' | 'incision' | 'closure' | 'anesthesiaEnd' | 'outOfRoom';
  at: number;
  course: CaseCourse;
}

/** Every milestone of the courses, in time order. */
export function courseMilestones(courses: readonly CaseCourse[]): CourseMilestone[] {
  const keys: CourseMilestone['key'][] = [
    'inRoom',
    'anesthesiaStart',
    'incision',
    'closure',
    'anesthesiaEnd',
    'outOfRoom',
  ];
  return courses.flatMap((course) => keys.map((key) => ({ key, at: course[key], course }))).sort((a, b) => a.at - b.at);
}

/** The course in its room at `at` (between in room and out of room), if any. */
export function courseInRoom(courses: readonly CaseCourse[], roomCode: string, at: number): CaseCourse | undefined {
  return courses.find((c) => c.case.roomCode === roomCode && c.inRoom <= at && at < c.outOfRoom);
}
