import type { CaseCourse } from './case.course';
import type { ChannelStop } from './course.player';
import type { DeviceFault } from './devices';

/**
 * Drill scenarios for staff training (issue 9), on demand: what each changes in the day. Pure: the
 * courses and the time the play starts in, the faults and stops out.
 *
 * - `device-outage`: a room's patient monitor goes silent mid-case for 15 minutes (the watchdog
 *   puts it offline and the case gets a device-offline alert naming a backup), then comes back;
 * - `implausible-feed`: a room's monitor starts sending values no patient has (heart rate 412,
 *   SpO2 131 %, diastolic above systolic, 8 °C) for 10 minutes: the platform refuses them and flags
 *   the device;
 * - `interface-stop`: the hospital's HL7 interface stops for 20 minutes (no ADT reaches the
 *   platform; the integration console shows the sender silent), then sends its backlog in order;
 * - `late-first-case`: the first room's first case comes in 50 minutes late, and every later case
 *   of the room is pushed back by the turnovers (applied when the courses are planned, see
 *   {@link lateFirstCaseOf}).
 */
export const DRILLS = ['device-outage', 'implausible-feed', 'interface-stop', 'late-first-case'] as const;
export type Drill = (typeof DRILLS)[number];

/** How late the first case is in the late-first-case drill. */
export const LATE_FIRST_CASE_MIN = 50;
/** A drill starts this long after the play (so the screens are up when it does). */
export const DRILL_DELAY_MS = 60_000;

const MIN = 60_000;

/** What `planCourses` needs for the late-first-case drill: the room whose first case is late, and by how much. */
export function lateFirstCaseOf(
  drills: readonly Drill[],
  rooms: readonly string[],
): { room: string; minutes: number } | undefined {
  const room = [...rooms].sort()[0];
  return drills.includes('late-first-case') && room !== undefined ? { room, minutes: LATE_FIRST_CASE_MIN } : undefined;
}

export interface DrillPlan {
  faults: DeviceFault[];
  stops: ChannelStop[];
  /** One line per drill for the console: what happens, where, when. */
  notes: string[];
}

/**
 * The device and interface drills, starting {@link DRILL_DELAY_MS} after `startAt`. A device drill
 * takes the first room (by code) with a case under way then, else the next case to come in — the
 * second device drill the next such room, when there is one — and starts at induction at the
 * earliest (mid-case), ending by the time the patient leaves.
 */
export function planDrills(drills: readonly Drill[], courses: readonly CaseCourse[], startAt: number): DrillPlan {
  const t0 = startAt + DRILL_DELAY_MS;
  const plan: DrillPlan = { faults: [], stops: [], notes: [] };
  // Device drills each take their own room when there are enough (so one does not hide another).
  const used = new Set<string>();
  const targetFor = () => {
    const candidates = [...courses]
      .filter((c) => c.outOfRoom > t0 + 5 * MIN)
      .sort(
        (a, b) => Math.max(a.inRoom, t0) - Math.max(b.inRoom, t0) || a.case.roomCode.localeCompare(b.case.roomCode),
      );
    const target = candidates.find((c) => !used.has(c.case.roomCode)) ?? candidates[0];
    if (target) used.add(target.case.roomCode);
    return target;
  };
  const clock = (ms: number) => new Date(ms).toISOString();
  for (const drill of drills) {
    if (drill === 'device-outage' || drill === 'implausible-feed') {
      const target = targetFor();
      if (!target) {
        plan.notes.push(`${drill}: no case left to run it in`);
        continue;
      }
      const from = Math.max(t0, target.anesthesiaStart);
      const to = Math.min(from + (drill === 'device-outage' ? 15 : 10) * MIN, target.outOfRoom);
      const kind = drill === 'device-outage' ? 'silent' : 'implausible';
      plan.faults.push({ kind, role: 'monitor', room: target.case.roomCode, from, to, cause: drill });
      plan.notes.push(
        `${drill}: the monitor of ${target.case.roomCode} ${kind === 'silent' ? 'goes silent' : 'sends implausible values'} ` +
          `from ${clock(from)} to ${clock(to)}`,
      );
    } else if (drill === 'interface-stop') {
      plan.stops.push({ channel: 'hl7', from: t0, to: t0 + 20 * MIN });
      plan.notes.push(`interface-stop: no HL7 from ${clock(t0)} to ${clock(t0 + 20 * MIN)}, then the backlog`);
    } else {
      plan.notes.push(`late-first-case: the first case of the first room comes in ${LATE_FIRST_CASE_MIN} minutes late`);
    }
  }
  return plan;
}
