import { ENVIRONMENT_RANGES, mapFeedMessage, type DeviceInfo, type DeviceType } from '@circulator/devices';
import { finalSchedule, planOrDay } from '../or-day.plan';
import { planCourses, type CaseCourse } from './case.course';
import {
  anesthesiaReadings,
  counterUses,
  DEVICE_TYPE,
  deviceId,
  deviceMessages,
  devicePublish,
  environmentReading,
  planDeviceFaults,
  type DeviceFault,
  type DeviceMessage,
} from './devices';

const plan = planOrDay({
  date: '2026-11-23',
  timeZone: 'Europe/Paris',
  seed: 5,
  rooms: 4,
  now: '2026-11-23T06:00:00+01:00',
});
const courses = planCourses(finalSchedule(plan), 5);
const rooms = plan.rooms.map((r) => r.code);
const MIN = 60_000;
const ROOM_ID = 'room-1';

/** Every message of the day, a tick every `tickMs`, heartbeats every 6 ticks. */
function day(faults: readonly DeviceFault[], tickMs = 30_000, only = rooms): DeviceMessage[] {
  const start = Math.min(...courses.map((c) => c.inRoom)) - 10 * MIN;
  const end = Math.max(...courses.map((c) => c.outOfRoom)) + 10 * MIN;
  const out: DeviceMessage[] = [];
  let n = 0;
  for (let at = start; at < end; at += tickMs, n++) {
    out.push(...deviceMessages({ courses, rooms: only, faults, at, previous: at - tickMs, heartbeat: n % 6 === 0 }));
  }
  return out;
}

/** The platform's own feed mapper on a message, as the registered device would publish it. */
function mapped(message: DeviceMessage) {
  const publish = devicePublish(message, ROOM_ID)!;
  const device: DeviceInfo = {
    id: deviceId(message.role, message.room),
    type: DEVICE_TYPE[message.role] as DeviceType,
    roomId: ROOM_ID,
  };
  const now = new Date(message.at + 1_000).toISOString();
  return mapFeedMessage({ topic: publish.topic, payload: publish.payload, receivedAt: now }, device, { now });
}

describe('device messages', () => {
  const normal = day([]);

  it('are all understood by the platform’s feed mapper, without a refused reading', () => {
    const kinds = new Set<string>();
    for (const m of normal) {
      const result = mapped(m);
      if (result.problem || result.rejected.length) throw new Error(`${m.role} ${m.kind}: ${JSON.stringify(result)}`);
      kinds.add(`${m.role} ${m.kind}`);
    }
    expect([...kinds].sort()).toEqual([
      'anesthesia observations',
      'anesthesia status',
      'counter status',
      'environment environment',
      'environment status',
      'monitor alarms',
      'monitor observations',
      'monitor status',
      'pump observations',
      'pump status',
    ]);
  });

  it('has the anaesthesia machine ventilate from intubation to the end of anaesthesia, with a BIS', () => {
    const c = courses[0] as CaseCourse;
    expect(anesthesiaReadings(c, c.anesthesiaStart)).toEqual([]);
    const during = anesthesiaReadings(c, c.incision + 10 * MIN);
    expect(during.map((o) => o.code)).toContain('MDC_VOL_AWAY_TIDAL_EXP');
    const bis = during.find((o) => o.code === 'MDC_EEG_BISPECTRAL_INDEX')!.value;
    expect(bis).toBeGreaterThanOrEqual(35);
    expect(bis).toBeLessThanOrEqual(60);
    expect(anesthesiaReadings(c, c.anesthesiaEnd)).toEqual([]);
  });

  it('keeps the room’s environment in an OR’s range, with less positive pressure while the room turns over', () => {
    for (const m of normal.filter((x) => x.kind === 'environment')) {
      if (m.kind !== 'environment') continue;
      expect(m.temperatureC).toBeGreaterThanOrEqual(19);
      expect(m.temperatureC).toBeLessThanOrEqual(23);
      expect(m.humidityPct).toBeGreaterThanOrEqual(ENVIRONMENT_RANGES.humidityPct.min);
      expect(m.humidityPct).toBeLessThanOrEqual(60);
      expect(m.pressurePa).toBeGreaterThan(0);
    }
    const c = courses[0] as CaseCourse;
    const room = c.case.roomCode;
    expect(environmentReading(courses, room, c.incision).pressurePa).toBeGreaterThan(
      environmentReading(courses, room, c.inRoom - 10 * MIN).pressurePa,
    );
  });

  it('has the monitor raise an alarm as each episode starts and clear it as it ends', () => {
    const withEpisode = courses.filter((c) => c.episode);
    expect(withEpisode.length).toBeGreaterThan(0);
    const alarms = normal.filter((m) => m.kind === 'alarms' && m.role === 'monitor');
    expect(alarms).toHaveLength(withEpisode.length * 2);
    for (const c of withEpisode) {
      const mine = alarms.filter(
        (a) => a.room === c.case.roomCode && a.at >= c.episode!.from && a.at < c.episode!.to + 30_000,
      );
      expect(mine.map((a) => a.kind === 'alarms' && a.state)).toEqual(['active', 'cleared']);
    }
  });

  it('counts one instrument use per case in the room', () => {
    const c = courses[0] as CaseCourse;
    const room = c.case.roomCode;
    expect(counterUses(courses, room, c.incision) - counterUses(courses, room, c.incision - 1)).toBe(1);
  });
});

describe('device faults', () => {
  it('come now and then, from the seed, mid-case', () => {
    const faults = planDeviceFaults(courses, 5);
    expect(planDeviceFaults(courses, 5)).toEqual(faults);
    expect(faults.length).toBeLessThan(courses.length);
    const many = planDeviceFaults(planCourses(finalSchedule(plan), 6), 99).length + faults.length;
    expect(many).toBeGreaterThan(0);
    for (const f of faults) {
      const c = courses.find((x) => x.case.roomCode === f.room && x.incision <= f.from && f.from < x.closure);
      expect(c).toBeDefined();
      expect(f.to).toBeGreaterThan(f.from);
    }
  });

  it('a silent device says nothing, not even its status, until it is back', () => {
    const c = courses[1] as CaseCourse;
    const fault: DeviceFault = {
      kind: 'silent',
      role: 'monitor',
      room: c.case.roomCode,
      from: c.incision,
      to: c.incision + 10 * MIN,
      cause: 'test',
    };
    const messages = day([fault], 30_000, [c.case.roomCode]);
    const monitor = messages.filter((m) => m.role === 'monitor');
    expect(monitor.some((m) => m.at >= fault.from && m.at < fault.to)).toBe(false);
    expect(monitor.some((m) => m.at >= fault.to && m.at < c.outOfRoom)).toBe(true);
    // The other devices go on.
    expect(messages.some((m) => m.role === 'anesthesia' && m.at >= fault.from && m.at < fault.to)).toBe(true);
  });

  it('an implausible feed sends values the platform refuses', () => {
    const c = courses[1] as CaseCourse;
    const fault: DeviceFault = {
      kind: 'implausible',
      role: 'monitor',
      room: c.case.roomCode,
      from: c.incision,
      to: c.incision + 5 * MIN,
      cause: 'test',
    };
    const messages = day([fault], 30_000, [c.case.roomCode]).filter(
      (m) => m.role === 'monitor' && m.kind === 'observations' && m.at >= fault.from && m.at < fault.to,
    );
    expect(messages.length).toBeGreaterThan(0);
    for (const m of messages) {
      const result = mapped(m);
      expect(result.facts).toEqual([]);
      expect(new Set(result.rejected.map((r) => r.reason))).toEqual(new Set(['implausible']));
    }
  });

  it('an occlusion raises the pump’s alarm once, reports an error, and clears it', () => {
    const c = courses[1] as CaseCourse;
    const fault: DeviceFault = {
      kind: 'occlusion',
      role: 'pump',
      room: c.case.roomCode,
      from: c.incision + 61_000,
      to: c.incision + 181_000,
      cause: 'test',
    };
    const messages = day([fault], 5_000, [c.case.roomCode]).filter((m) => m.role === 'pump');
    const alarms = messages.filter((m) => m.kind === 'alarms');
    expect(alarms.map((a) => a.kind === 'alarms' && a.state)).toEqual(['active', 'cleared']);
    for (const a of alarms) expect(mapped(a).facts).toHaveLength(1);
    const during = messages.filter((m) => m.at >= fault.from && m.at < fault.to);
    expect(during.some((m) => m.kind === 'status' && m.state === 'error' && m.errorCode === 'E-OCCL')).toBe(true);
    expect(during.some((m) => m.kind === 'observations')).toBe(false);
  });
});
