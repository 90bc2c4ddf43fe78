import { mulberry32 } from '../prng';
import { courseInRoom, type CaseCourse } from './case.course';
import { monitorReadings, noise, wobble, type MonitorObservation } from './physiology';

/**
 * The devices of a simulated OR and what each says when (CONTRACT §6). Pure and deterministic
 * from the courses, the seed and the time: the player asks what to publish at each tick, the live
 * outputs send it. Per room: a patient monitor, an anaesthesia machine, an infusion pump, an
 * environment sensor and an instrument usage counter; per patient an RTLS tag (its moves are
 * steps of the course, see course.player).
 */

/** The devices every room has. */
export const ROOM_DEVICE_ROLES = ['monitor', 'anesthesia', 'pump', 'environment', 'counter'] as const;
export type RoomDeviceRole = (typeof ROOM_DEVICE_ROLES)[number];

/** The registry's type of each room device (CONTRACT §6 `POST /api/devices`). */
export const DEVICE_TYPE: Readonly<Record<RoomDeviceRole, string>> = {
  monitor: 'monitor',
  anesthesia: 'anesthesia-machine',
  pump: 'infusion-pump',
  environment: 'environment-sensor',
  counter: 'instrument-counter',
};

/** Vendor and model each device registers with (fictional). */
export const DEVICE_MODEL: Readonly<Record<RoomDeviceRole, { model: string; firmware: string }>> = {
  monitor: { model: 'Vital 7', firmware: '7.4.2' },
  anesthesia: { model: 'Aether A5', firmware: '3.1.0' },
  pump: { model: 'Flowline P2', firmware: '2.0.9' },
  environment: { model: 'Climate C1', firmware: '1.2.0' },
  counter: { model: 'Tally ESU-count', firmware: '5.0.1' },
};

/** The id a room device registers under, e.g. `sim-anesthesia-or1`. */
export function deviceId(role: RoomDeviceRole, roomCode: string): string {
  return `sim-${role}-${roomCode.toLowerCase()}`;
}

/** The id of the RTLS tag a patient wears for the day, e.g. `sim-tag-simp42-20261121-or1-1`. */
export function tagId(course: CaseCourse): string {
  return `sim-tag-${course.case.placerId.toLowerCase()}`.slice(0, 64);
}

/** A device's message: the live outputs turn it into a topic and a JSON payload. */
export type DeviceMessage =
  | { role: RoomDeviceRole; room: string; kind: 'observations'; at: number; observations: MonitorObservation[] }
  | {
      role: RoomDeviceRole;
      room: string;
      kind: 'status';
      at: number;
      state: 'online' | 'error';
      usageCount?: number;
      errorCode?: string;
      firmware: string;
    }
  | {
      role: RoomDeviceRole;
      room: string;
      kind: 'alarms';
      at: number;
      id: string;
      priority: 'high' | 'medium' | 'low';
      message: string;
      state: 'active' | 'cleared';
    }
  | {
      role: 'environment';
      room: string;
      kind: 'environment';
      at: number;
      temperatureC: number;
      humidityPct: number;
      pressurePa: number;
    };

/** A span of time in which something is wrong with one room device. */
export interface DeviceFault {
  kind: 'silent' | 'implausible' | 'occlusion';
  role: RoomDeviceRole;
  room: string;
  /** Epoch ms, [from, to). */
  from: number;
  to: number;
  /** Why: `failure` (now and then, from the seed) or a drill's name. */
  cause: string;
}

const MIN = 60_000;

/**
 * Device failures now and then, from the seed: about one case in five sees one, between incision
 * and closure — a monitor, anaesthesia machine or pump that goes silent for 3-8 minutes (a cable,
 * a reboot: the platform's watchdog puts it offline), or a pump occlusion (a high-priority alarm
 * and an error status for 1-3 minutes, then cleared).
 */
export function planDeviceFaults(courses: readonly CaseCourse[], seed: number): DeviceFault[] {
  const rng = mulberry32((seed ^ 0xde71ce) >>> 0);
  const out: DeviceFault[] = [];
  for (const c of courses) {
    if (rng.next() >= 0.2) continue;
    const span = Math.max(MIN, c.closure - c.incision - 10 * MIN);
    const from = c.incision + Math.floor(rng.next() * span);
    if (rng.next() < 0.6) {
      const role = rng.pick(['monitor', 'anesthesia', 'pump'] as const);
      out.push({ kind: 'silent', role, room: c.case.roomCode, from, to: from + rng.int(3, 8) * MIN, cause: 'failure' });
    } else {
      out.push({
        kind: 'occlusion',
        role: 'pump',
        room: c.case.roomCode,
        from,
        to: from + rng.int(1, 3) * MIN,
        cause: 'failure',
      });
    }
  }
  return out.sort((a, b) => a.from - b.from);
}

/** The fault of `role` in `room` at `at`, if any (a drill's first). */
export function faultAt(
  faults: readonly DeviceFault[],
  role: RoomDeviceRole,
  room: string,
  at: number,
): DeviceFault | undefined {
  const now = faults.filter((f) => f.role === role && f.room === room && f.from <= at && at < f.to);
  return now.find((f) => f.cause !== 'failure') ?? now[0];
}

/** Values no patient has, as a feed gone wrong sends them (each refused by the platform's rules). */
export function implausibleReadings(atMs: number): MonitorObservation[] {
  const n = Math.floor(atMs / 5_000) % 3;
  return [
    { code: 'MDC_ECG_HEART_RATE', value: [412, 0.4, 390][n] as number, unit: 'MDC_DIM_BEAT_PER_MIN' },
    { code: 'MDC_PULS_OXIM_SAT_O2', value: [131, 127, 140][n] as number, unit: 'MDC_DIM_PERCENT' },
    // Diastolic above systolic: refused as a pair.
    { code: 'MDC_PRESS_BLD_NONINV_SYS', value: 60, unit: 'MDC_DIM_MMHG' },
    { code: 'MDC_PRESS_BLD_NONINV_DIA', value: 95, unit: 'MDC_DIM_MMHG' },
    { code: 'MDC_TEMP_BODY', value: [8.2, 61, 4][n] as number, unit: 'MDC_DIM_DEGC' },
  ];
}

const round = (value: number, digits = 0) => Math.round(value * 10 ** digits) / 10 ** digits;

/**
 * The anaesthesia machine while it ventilates (from intubation to the end of anaesthesia): the
 * depth of anaesthesia (BIS, a vital) and the ventilation (tidal volume, peak pressure, PEEP,
 * FiO2, end-tidal sevoflurane, results). Nothing before intubation: the first reading is the
 * start of mechanical ventilation.
 */
export function anesthesiaReadings(course: CaseCourse, atMs: number): MonitorObservation[] {
  const intubated = atMs >= course.anesthesiaStart + 3 * MIN && atMs < course.anesthesiaEnd;
  if (!intubated) return [];
  const key = `${course.case.placerId}vent`;
  const tidal = 420 + noise(key, 1) * 120;
  const emergence = atMs >= course.closure;
  return [
    { code: 'MDC_EEG_BISPECTRAL_INDEX', value: round((emergence ? 62 : 45) + wobble(`${key}bis`, atMs, 5)), unit: '1' },
    { code: 'MDC_VOL_AWAY_TIDAL_EXP', value: round(tidal + wobble(`${key}vt`, atMs, 15)), unit: 'mL' },
    {
      code: 'MDC_PRESS_AWAY_INSP_PEAK',
      value: round(18 + noise(key, 2) * 6 + wobble(`${key}pip`, atMs, 1.5)),
      unit: 'cm[H2O]',
    },
    { code: 'MDC_PRESS_AWAY_END_EXP_POS', value: 5, unit: 'cm[H2O]' },
    { code: 'MDC_CONC_AWAY_O2_INSP', value: emergence ? 80 : 50, unit: '%' },
    {
      code: 'MDC_CONC_AWAY_SEVOFL_ET',
      value: round(emergence ? 0.6 : 1.9 + wobble(`${key}sevo`, atMs, 0.15), 1),
      unit: '%',
    },
  ];
}

/**
 * The infusion pump: a remifentanil-style maintenance infusion from induction to closure, its rate
 * (mL/h) stepped now and then and the volume delivered so far.
 */
export function pumpReadings(course: CaseCourse, atMs: number): MonitorObservation[] {
  if (atMs < course.anesthesiaStart || atMs >= course.closure) return [];
  const key = `${course.case.placerId}pump`;
  const base = 6 + noise(key, 1) * 6;
  const step = Math.floor((atMs - course.anesthesiaStart) / (20 * MIN));
  const rate = round(base + (noise(key, 10 + step) - 0.5) * 3, 1);
  const hours = (atMs - course.anesthesiaStart) / 3_600_000;
  return [
    { code: 'MDC_FLOW_FLUID_PUMP', value: rate, unit: 'mL/h' },
    { code: 'MDC_VOL_FLUID_DELIV_TOTAL', value: round(base * hours, 1), unit: 'mL' },
  ];
}

/**
 * The room's environment: about 20-22 °C, 40-55 % relative humidity, and a positive pressure of
 * about 8-12 Pa to the corridor; the door opening during a turnover lets the pressure fall to a
 * few pascals.
 */
export function environmentReading(
  courses: readonly CaseCourse[],
  roomCode: string,
  atMs: number,
): { temperatureC: number; humidityPct: number; pressurePa: number } {
  const key = `env${roomCode}`;
  const occupied = courseInRoom(courses, roomCode, atMs) !== undefined;
  return {
    temperatureC: round(20.5 + noise(key, 1) * 1.5 + wobble(`${key}t`, atMs, 0.4), 1),
    humidityPct: round(46 + noise(key, 2) * 6 + wobble(`${key}h`, atMs, 2), 1),
    pressurePa: round((occupied ? 10 : 4) + wobble(`${key}p`, atMs, 1.5), 1),
  };
}

/** The counter's uses: a base from the room, plus one per case that has reached incision by `at`. */
export function counterUses(courses: readonly CaseCourse[], roomCode: string, atMs: number): number {
  const used = courses.filter((c) => c.case.roomCode === roomCode && c.incision <= atMs).length;
  return 1_200 + Math.floor(noise(`count${roomCode}`, 1) * 800) + used;
}

/** The monitor's alarm for each kind of episode (IEC 60601-1-8 priorities: a physiological low of SpO2 or pressure is high). */
const EPISODE_ALARM: Readonly<
  Record<NonNullable<CaseCourse['episode']>['kind'], { message: string; priority: 'high' | 'medium' }>
> = {
  hypotension: { message: 'NBP SYS LOW', priority: 'high' },
  desaturation: { message: 'SpO2 LOW', priority: 'high' },
  tachycardia: { message: 'HR HIGH', priority: 'medium' },
};

/** What the player asks {@link deviceMessages}: the day, its faults, and the tick. */
export interface DeviceTick {
  courses: readonly CaseCourse[];
  rooms: readonly string[];
  faults: readonly DeviceFault[];
  /** This tick's time and the previous tick's (epoch ms); alarms are edges in between. */
  at: number;
  previous: number;
  /** Statuses (heartbeats) and environment readings on this tick. */
  heartbeat: boolean;
}

/**
 * Every device message of one tick, room by room: readings of the devices with a patient to read
 * (monitor while in the room, anaesthesia machine while ventilating, pump while infusing), and on
 * heartbeat ticks every device's status and the room's environment. The monitor raises its alarm
 * as a case's episode starts and clears it as it ends. A silent device says nothing;
 * an implausible one sends {@link implausibleReadings}; an occlusion raises the pump's alarm at
 * its start and clears it at its end, the pump reporting `error` in between.
 */
export function deviceMessages(tick: DeviceTick): DeviceMessage[] {
  const { courses, faults, at } = tick;
  const out: DeviceMessage[] = [];
  for (const room of tick.rooms) {
    const course = courseInRoom(courses, room, at);
    const fault = (role: RoomDeviceRole) => faultAt(faults, role, room, at);
    const speaks = (role: RoomDeviceRole) => fault(role)?.kind !== 'silent';
    if (course && speaks('monitor')) {
      const observations =
        fault('monitor')?.kind === 'implausible' ? implausibleReadings(at) : monitorReadings(course, at);
      out.push({ role: 'monitor', room, kind: 'observations', at, observations });
    }
    if (course && speaks('anesthesia')) {
      const observations = anesthesiaReadings(course, at);
      if (observations.length) out.push({ role: 'anesthesia', room, kind: 'observations', at, observations });
    }
    const occluded = fault('pump')?.kind === 'occlusion';
    if (course && speaks('pump') && !occluded) {
      const observations = pumpReadings(course, at);
      if (observations.length) out.push({ role: 'pump', room, kind: 'observations', at, observations });
    }
    // The monitor's own alarm over an episode: raised as it starts, cleared as it ends.
    for (const c of courses) {
      const episode = c.episode;
      if (c.case.roomCode !== room || !episode || !speaks('monitor')) continue;
      const { message, priority } = EPISODE_ALARM[episode.kind];
      const alarm = {
        role: 'monitor',
        room,
        kind: 'alarms',
        id: `ep-${Math.floor(episode.from / 1000)}`,
        priority,
        message,
      } as const;
      if (tick.previous < episode.from && episode.from <= at) out.push({ ...alarm, at, state: 'active' });
      if (tick.previous < episode.to && episode.to <= at) out.push({ ...alarm, at, state: 'cleared' });
    }
    for (const f of faults) {
      if (f.room !== room || f.kind !== 'occlusion') continue;
      const id = `occl-${Math.floor(f.from / 1000)}`;
      const alarm = {
        role: f.role,
        room,
        kind: 'alarms',
        id,
        priority: 'high',
        message: 'Occlusion downstream',
      } as const;
      if (tick.previous < f.from && f.from <= at) out.push({ ...alarm, at, state: 'active' });
      if (tick.previous < f.to && f.to <= at) out.push({ ...alarm, at, state: 'cleared' });
    }
    if (!tick.heartbeat) continue;
    for (const role of ROOM_DEVICE_ROLES) {
      if (!speaks(role)) continue;
      const firmware = DEVICE_MODEL[role].firmware;
      if (role === 'pump' && occluded) {
        out.push({ role, room, kind: 'status', at, state: 'error', errorCode: 'E-OCCL', firmware });
      } else if (role === 'counter') {
        out.push({
          role,
          room,
          kind: 'status',
          at,
          state: 'online',
          usageCount: counterUses(courses, room, at),
          firmware,
        });
      } else {
        out.push({ role, room, kind: 'status', at, state: 'online', firmware });
      }
    }
    if (speaks('environment')) {
      out.push({ role: 'environment', room, kind: 'environment', at, ...environmentReading(courses, room, at) });
    }
  }
  return out;
}

/**
 * The MQTT topic and JSON payload of a device message (CONTRACT §6); `roomId` is the platform's id
 * of the message's room, which the environment topic names (undefined: not sent).
 */
export function devicePublish(
  message: DeviceMessage,
  roomId: string | undefined,
): { topic: string; payload: string } | undefined {
  const id = deviceId(message.role, message.room);
  const at = new Date(message.at).toISOString();
  switch (message.kind) {
    case 'observations':
      return {
        topic: `circulator/v1/devices/${id}/observations`,
        payload: JSON.stringify({ at, observations: message.observations }),
      };
    case 'status': {
      const { state, usageCount, errorCode, firmware } = message;
      const payload = {
        state,
        firmware,
        ...(usageCount !== undefined ? { usageCount } : {}),
        ...(errorCode ? { errorCode } : {}),
      };
      return { topic: `circulator/v1/devices/${id}/status`, payload: JSON.stringify(payload) };
    }
    case 'alarms': {
      const payload = { id: message.id, priority: message.priority, message: message.message, state: message.state };
      return { topic: `circulator/v1/devices/${id}/alarms`, payload: JSON.stringify(payload) };
    }
    case 'environment': {
      if (roomId === undefined) return undefined;
      const { temperatureC, humidityPct, pressurePa } = message;
      return {
        topic: `circulator/v1/rooms/${roomId}/environment`,
        payload: JSON.stringify({ at, temperatureC, humidityPct, pressurePa }),
      };
    }
  }
}
