import { mdcUnitDisplay, vitalNameForMdc } from '@circulator/contracts';
import { checkPressurePair, checkVital } from '@circulator/domain';
import { finalSchedule, planOrDay } from '../or-day.plan';
import { courseInRoom, courseMilestones, planCourses, type CaseCourse } from './case.course';
import { monitorReadings } from './physiology';

const plan = planOrDay({
  date: '2026-11-23',
  timeZone: 'America/New_York',
  seed: 7,
  rooms: 6,
  now: '2026-11-23T06:00:00-05:00',
});
const schedule = finalSchedule(plan);
const courses = planCourses(schedule, 7);
const MIN = 60_000;

const ORDER = ['inRoom', 'anesthesiaStart', 'incision', 'closure', 'anesthesiaEnd', 'outOfRoom'] as const;

describe('planCourses', () => {
  it('is the same day for the same seed, and another for another seed', () => {
    expect(planCourses(schedule, 7)).toEqual(courses);
    expect(planCourses(schedule, 8)).not.toEqual(courses);
  });

  it('runs every case that was not cancelled, and none that was', () => {
    const live = schedule.filter((c) => c.status !== 'Cancelled').map((c) => c.placerId);
    expect(courses.map((c) => c.case.placerId).sort()).toEqual(live.sort());
    expect(schedule.some((c) => c.status === 'Cancelled')).toBe(true);
  });

  it('puts the milestones of each case in AACD order, never before its booked start', () => {
    for (const course of courses) {
      const times = ORDER.map((k) => course[k]);
      expect([...times].sort((a, b) => a - b)).toEqual(times);
      expect(new Set(times).size).toBe(times.length);
      expect(course.inRoom).toBeGreaterThanOrEqual(Date.parse(course.case.start));
    }
  });

  it('turns each room over for at least 20 minutes between cases', () => {
    const byRoom = new Map<string, CaseCourse[]>();
    for (const c of courses) byRoom.set(c.case.roomCode, [...(byRoom.get(c.case.roomCode) ?? []), c]);
    for (const list of byRoom.values()) {
      for (let i = 1; i < list.length; i++) {
        expect((list[i] as CaseCourse).inRoom - (list[i - 1] as CaseCourse).outOfRoom).toBeGreaterThanOrEqual(20 * MIN);
      }
    }
  });

  it('places each episode inside the procedure', () => {
    const withEpisode = courses.filter((c) => c.episode);
    expect(withEpisode.length).toBeGreaterThan(0);
    for (const c of withEpisode) {
      expect(c.episode!.from).toBeGreaterThanOrEqual(c.incision);
      expect(c.episode!.to).toBeLessThanOrEqual(c.closure);
      expect(c.episode!.to).toBeGreaterThan(c.episode!.from);
    }
  });

  it('lists milestones in time order and finds the case in a room at a time', () => {
    const milestones = courseMilestones(courses);
    expect(milestones).toHaveLength(courses.length * ORDER.length);
    expect(milestones.map((m) => m.at)).toEqual([...milestones.map((m) => m.at)].sort((a, b) => a - b));
    const first = courses[0] as CaseCourse;
    expect(courseInRoom(courses, first.case.roomCode, first.incision)).toBe(first);
    expect(courseInRoom(courses, first.case.roomCode, first.outOfRoom)).not.toBe(first);
    expect(courseInRoom(courses, first.case.roomCode, first.inRoom - 1)).toBeUndefined();
  });
});

describe('monitorReadings', () => {
  /** Every reading of a case, once a minute from in room to out of room. */
  const minuteByMinute = (c: CaseCourse) => {
    const out: { at: number; readings: ReturnType<typeof monitorReadings> }[] = [];
    for (let at = c.inRoom; at < c.outOfRoom; at += MIN) out.push({ at, readings: monitorReadings(c, at) });
    return out;
  };

  it('passes the platform’s own plausibility checks, every reading of every case', () => {
    const refused: string[] = [];
    let checked = 0;
    for (const course of courses) {
      for (const { at, readings } of minuteByMinute(course)) {
        for (const r of readings) {
          const name = vitalNameForMdc(r.code);
          const check = name ? checkVital(name, r.value, mdcUnitDisplay(r.unit) ?? r.unit) : undefined;
          checked += 1;
          if (!check?.ok) refused.push(`${course.case.placerId} ${at} ${r.code} ${r.value}`);
        }
        const value = (code: string) => readings.find((r) => r.code === code)?.value ?? NaN;
        if (!checkPressurePair(value('MDC_PRESS_BLD_NONINV_SYS'), value('MDC_PRESS_BLD_NONINV_DIA')).ok)
          refused.push(`${course.case.placerId} ${at} NIBP pair`);
      }
    }
    expect(checked).toBeGreaterThan(1_000);
    expect(refused).toEqual([]);
  });

  it('shows capnography only once the patient is intubated', () => {
    const c = courses[0] as CaseCourse;
    const has = (at: number) => monitorReadings(c, at).some((r) => r.code === 'MDC_CONC_AWAY_CO2_ET');
    expect(has(c.inRoom)).toBe(false);
    expect(has(c.incision)).toBe(true);
    expect(has(c.anesthesiaEnd)).toBe(false);
  });

  it('moves the values an alarm would catch during an episode', () => {
    const value = (c: CaseCourse, at: number, code: string) =>
      monitorReadings(c, at).find((r) => r.code === code)!.value;
    const of = (kind: string) => courses.find((c) => c.episode?.kind === kind);
    const seen = ['hypotension', 'desaturation', 'tachycardia'].filter((k) => of(k));
    expect(seen.length).toBeGreaterThan(0);
    const hypo = of('hypotension');
    if (hypo) expect(value(hypo, hypo.episode!.from + MIN, 'MDC_PRESS_BLD_NONINV_SYS')).toBeLessThan(85);
    const desat = of('desaturation');
    if (desat) expect(value(desat, desat.episode!.from + MIN, 'MDC_PULS_OXIM_SAT_O2')).toBeLessThan(90);
    const tachy = of('tachycardia');
    if (tachy) expect(value(tachy, tachy.episode!.from + MIN, 'MDC_ECG_HEART_RATE')).toBeGreaterThan(115);
  });

  it('is deterministic and varies smoothly', () => {
    const c = courses[1] as CaseCourse;
    expect(monitorReadings(c, c.incision)).toEqual(monitorReadings(c, c.incision));
    const hr = (at: number) => monitorReadings(c, at).find((r) => r.code === 'MDC_ECG_HEART_RATE')!.value;
    // Seconds apart, outside an episode: a few beats at most.
    expect(Math.abs(hr(c.incision + 5_000) - hr(c.incision))).toBeLessThanOrEqual(6);
  });
});
