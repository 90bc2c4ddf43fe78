import { DateTime, IANAZone } from 'luxon';
import {
  ANESTHESIOLOGISTS,
  PATIENT_FAMILY_NAMES,
  PATIENT_GIVEN_NAMES,
  PROCEDURES,
  ROOM_SPECIALTIES,
  SURGEONS,
  type PatientClass,
  type PersonName,
  type ProcedureDef,
  type Specialty,
} from './or-day.catalog';
import { logNormalMinutes, mulberry32, type Rng } from './prng';

/** The SIU trigger events the simulator plays (HL7 v2.5.1 chapter 10). */
export type SiuTrigger = 'S12' | 'S13' | 'S15';

/** SCH-25 filler status code (HL7 table 0278). */
export type AppointmentStatus = 'Booked' | 'Cancelled';

export interface PlannedPerson extends PersonName {
  id: string;
}

export interface PlannedPatient extends PersonName {
  mrn: string;
  /** YYYY-MM-DD */
  birthDate: string;
  sex: 'F' | 'M';
}

export interface PlannedRoom {
  /** AIL-3.1, e.g. OR1. */
  code: string;
  /** AIL-3.4, the facility / building. */
  facility: string;
  specialty: Specialty;
}

/** One surgical case as the scheduling system knows it at a given moment. */
export interface PlannedCase {
  placerId: string;
  fillerId: string;
  visitNumber: string;
  roomCode: string;
  facility: string;
  procedure: { code: string; system: ProcedureDef['system']; text: string };
  patientClass: PatientClass;
  /** ISO 8601 with the facility's offset, e.g. 2026-11-21T07:30:00-05:00. */
  start: string;
  durationMin: number;
  surgeon: PlannedPerson;
  anesthesiologist: PlannedPerson;
  patient: PlannedPatient;
  status: AppointmentStatus;
}

/** One message to send: the case as it stands after this event. */
export interface PlanEvent {
  /** Milliseconds after the start of the play, in simulated time. */
  offsetMs: number;
  /** The simulated instant of the event (MSH-7), ISO 8601 with offset. */
  at: string;
  trigger: SiuTrigger;
  /** SCH-6 event reason, free text. */
  reason: string;
  case: PlannedCase;
}

export interface OrDayPlan {
  date: string;
  timeZone: string;
  seed: number;
  /** Prefix of MSH-10 control ids: same seed and date, same ids (so a replay is deduplicated). */
  controlIdPrefix: string;
  rooms: PlannedRoom[];
  /** Every case as first booked, in booking order. */
  cases: PlannedCase[];
  /** Every message of the day, in order of offsetMs. */
  events: PlanEvent[];
}

export interface OrDayOptions {
  /** The OR day, YYYY-MM-DD in `timeZone`. */
  date: string;
  /** IANA zone of the facility. */
  timeZone: string;
  seed: number;
  /** Number of operating rooms, 1-20. */
  rooms?: number;
  /** The simulated instant the play starts (ISO 8601); event times are counted from it. */
  now: string;
  /** When each room's first case is booked, local HH:MM (default 07:30). */
  firstCase?: { hour: number; minute: number };
}

export const DEFAULT_ROOMS = 3;
export const MAX_ROOMS = 20;
const FACILITY = 'MAIN';
const FIRST_CASE = { hour: 7, minute: 30 };
/** Simulated time between two bookings at the start of the play. */
const BOOKING_SPACING_MS = 2_000;
const MINUTE_MS = 60_000;

/**
 * Plans a realistic small OR day, deterministically from `seed`: per room 3-5 elective cases from
 * 07:30 local with ~30 min turnovers, then the SIU events that tell a platform about them —
 * an S12 booking for every case, two S13 reschedules (one time move, one room move when there
 * are at least two rooms) and one S15 cancellation. Pure: no clock, no I/O, no Math.random.
 *
 * @throws RangeError when an option is out of range.
 */
export function planOrDay(options: OrDayOptions): OrDayPlan {
  const roomCount = options.rooms ?? DEFAULT_ROOMS;
  validate(options, roomCount);
  const { date, timeZone, seed } = options;
  const rng = mulberry32(seed);
  // MSH-10 is at most 20 characters in 2.5.1, so the control id prefix carries the seed in base 36.
  const controlSeed = seed.toString(36).toUpperCase();
  const compactDate = date.replaceAll('-', '');
  const dayStart = DateTime.fromISO(date, { zone: timeZone }).set({
    ...(options.firstCase ?? FIRST_CASE),
    second: 0,
    millisecond: 0,
  });
  const people = new PeoplePicker(rng, date);

  const rooms: PlannedRoom[] = [];
  const cases: PlannedCase[] = [];
  const anesthesiologists = shuffled(rng, ANESTHESIOLOGISTS);
  for (let r = 0; r < roomCount; r += 1) {
    const specialty = ROOM_SPECIALTIES[r % ROOM_SPECIALTIES.length] as Specialty;
    const room: PlannedRoom = { code: `OR${r + 1}`, facility: FACILITY, specialty };
    rooms.push(room);
    const surgeons = shuffled(rng, SURGEONS[specialty]).map((name) => people.staff('S', name));
    const morningSurgeon = surgeons[0] as PlannedPerson;
    // A third of the rooms hand over to a second surgeon after the second case (split block).
    const afternoonSurgeon = rng.next() < 1 / 3 ? (surgeons[1] ?? morningSurgeon) : morningSurgeon;
    const anesthesiologist = people.staff(
      'A',
      anesthesiologists[r % anesthesiologists.length] ?? (ANESTHESIOLOGISTS[0] as PersonName),
    );

    const count = rng.int(3, 5);
    const used = new Map<string, number>();
    let start = dayStart;
    for (let n = 1; n <= count; n += 1) {
      const procedure = pickProcedure(rng, PROCEDURES[specialty], used);
      const durationMin = drawDuration(rng, procedure.meanMin);
      const id = `${seed}-${compactDate}-${room.code}-${n}`;
      cases.push({
        placerId: `SIMP${id}`,
        fillerId: `SIMF${id}`,
        visitNumber: `V${compactDate.slice(2)}${String(rng.int(0, 99_999)).padStart(5, '0')}`,
        roomCode: room.code,
        facility: room.facility,
        procedure: { code: procedure.code, system: procedure.system, text: procedure.text },
        patientClass: procedure.patientClass,
        start: iso(start),
        durationMin,
        surgeon: n <= 2 ? morningSurgeon : afternoonSurgeon,
        anesthesiologist,
        patient: people.patient(),
        status: 'Booked',
      });
      // Turnover (clean-up and set-up) of about 30 minutes, to the nearest 5.
      start = start.plus({ minutes: durationMin + 5 * rng.int(5, 8) });
    }
  }

  const startOfPlay = DateTime.fromISO(options.now, { setZone: true }).setZone(timeZone);
  const events: PlanEvent[] = cases.map((c, i) => ({
    offsetMs: i * BOOKING_SPACING_MS,
    at: '',
    trigger: 'S12',
    reason: 'Elective booking',
    case: c,
  }));
  const bookingsEnd = cases.length * BOOKING_SPACING_MS;
  events.push(...planChanges(rng, rooms, cases, bookingsEnd));
  events.sort((a, b) => a.offsetMs - b.offsetMs);
  for (const event of events) event.at = iso(startOfPlay.plus({ milliseconds: event.offsetMs }));

  return { date, timeZone, seed, controlIdPrefix: `C${compactDate}${controlSeed}`, rooms, cases, events };
}

/**
 * The schedule after every event of the plan: the last known state of each case, by placer id.
 * Cancelled cases stay in the result with status `Cancelled`.
 */
export function finalSchedule(plan: Pick<OrDayPlan, 'events'>): PlannedCase[] {
  const byId = new Map<string, PlannedCase>();
  for (const event of plan.events) byId.set(event.case.placerId, event.case);
  return [...byId.values()];
}

/** End of a case, ISO 8601 with the same offset handling as its start. */
export function caseEnd(c: Pick<PlannedCase, 'start' | 'durationMin'>): string {
  return iso(DateTime.fromISO(c.start, { setZone: true }).plus({ minutes: c.durationMin }));
}

function planChanges(rng: Rng, rooms: PlannedRoom[], booked: PlannedCase[], after: number): PlanEvent[] {
  // Work on a copy of the schedule; every event carries a new object, never a mutated one.
  const current = new Map(booked.map((c) => [c.placerId, c]));
  const lastIn = (roomCode: string): PlannedCase => {
    const inRoom = [...current.values()].filter((c) => c.roomCode === roomCode && c.status === 'Booked');
    inRoom.sort((a, b) => Date.parse(caseEnd(a)) - Date.parse(caseEnd(b)));
    const last = inRoom.at(-1);
    if (last === undefined) throw new Error(`no case in ${roomCode}`);
    return last;
  };
  const events: PlanEvent[] = [];
  let offset = after;
  const emit = (trigger: SiuTrigger, reason: string, next: PlannedCase): void => {
    offset += (6 + rng.int(0, 6)) * MINUTE_MS;
    current.set(next.placerId, next);
    events.push({ offsetMs: offset, at: '', trigger, reason, case: next });
  };
  const touched = new Set<string>();

  // 1. Time move: the last case of a room slips 30-60 minutes (the surgeon is held up elsewhere).
  //    Moving a room's last case later can never overlap another case of that room.
  const slipRoom = rng.pick(rooms);
  const slipped = lastIn(slipRoom.code);
  emit('S13', 'Rescheduled: surgeon delayed', {
    ...slipped,
    start: iso(DateTime.fromISO(slipped.start, { setZone: true }).plus({ minutes: 15 * rng.int(2, 4) })),
  });
  touched.add(slipped.placerId);

  // 2. Cancellation of a case that is not a room's first (so first-case on-time starts stay
  //    measurable) and not otherwise changed.
  const firstOfRoom = new Set(rooms.map((room) => booked.find((c) => c.roomCode === room.code)?.placerId));
  const cancellable = booked.filter((c) => !firstOfRoom.has(c.placerId) && !touched.has(c.placerId));
  const cancelled = rng.pick(cancellable);
  emit('S15', 'Cancelled: patient unfit for surgery', { ...cancelled, status: 'Cancelled' });
  touched.add(cancelled.placerId);

  // 3. Room move: another room's last case goes to the end of a different room's list, after a
  //    turnover. With a single room there is nowhere to move to, so the same case slips again.
  const sources = rooms.filter((room) => room.code !== slipRoom.code);
  if (sources.length === 0) {
    const again = lastIn(slipRoom.code);
    emit('S13', 'Rescheduled: list overrun', {
      ...again,
      start: iso(DateTime.fromISO(again.start, { setZone: true }).plus({ minutes: 30 })),
    });
  } else {
    const from = rng.pick(sources);
    const moved = lastIn(from.code);
    const to = rng.pick(rooms.filter((room) => room.code !== from.code));
    const targetLast = lastIn(to.code);
    // Never earlier than it was: its surgeon and anesthesiologist are busy in the old room until then.
    const afterTarget = DateTime.fromISO(caseEnd(targetLast), { setZone: true }).plus({ minutes: 30 });
    const original = DateTime.fromISO(moved.start, { setZone: true });
    const start = afterTarget > original ? afterTarget : original;
    emit('S13', `Rescheduled: moved from ${from.code} to ${to.code}`, {
      ...moved,
      roomCode: to.code,
      facility: to.facility,
      start: iso(start),
    });
  }
  return events;
}

function pickProcedure(rng: Rng, catalogue: readonly ProcedureDef[], used: Map<string, number>): ProcedureDef {
  const allowed = catalogue.filter((p) => (used.get(p.code) ?? 0) < (p.maxPerRoom ?? Infinity));
  const procedure = rng.pick(allowed.length > 0 ? allowed : catalogue);
  used.set(procedure.code, (used.get(procedure.code) ?? 0) + 1);
  return procedure;
}

/** Log-normal around the typical mean, to the nearest 5 minutes, kept within [0.6, 2] x mean. */
function drawDuration(rng: Rng, meanMin: number): number {
  const raw = Math.min(2 * meanMin, Math.max(0.6 * meanMin, logNormalMinutes(rng, meanMin)));
  return Math.max(15, 5 * Math.round(raw / 5));
}

class PeoplePicker {
  private readonly mrns = new Set<string>();
  private readonly staffIds = new Map<string, string>();
  private readonly year: number;

  constructor(
    private readonly rng: Rng,
    date: string,
  ) {
    this.year = Number(date.slice(0, 4));
  }

  /** Staff keep one id across the day, so the same person is recognised in every message. */
  staff(prefix: 'S' | 'A', name: PersonName): PlannedPerson {
    const key = `${name.family}^${name.given}`;
    let id = this.staffIds.get(key);
    if (id === undefined) {
      id = `${prefix}${1000 + this.staffIds.size + 1}`;
      this.staffIds.set(key, id);
    }
    return { id, ...name };
  }

  patient(): PlannedPatient {
    const sex = this.rng.next() < 0.5 ? 'F' : 'M';
    let mrn: string;
    do mrn = `SIM${String(this.rng.int(0, 9_999_999)).padStart(7, '0')}`;
    while (this.mrns.has(mrn));
    this.mrns.add(mrn);
    const age = this.rng.int(19, 88);
    const month = String(this.rng.int(1, 12)).padStart(2, '0');
    const day = String(this.rng.int(1, 28)).padStart(2, '0');
    return {
      mrn,
      family: this.rng.pick(PATIENT_FAMILY_NAMES),
      given: this.rng.pick(PATIENT_GIVEN_NAMES[sex]),
      birthDate: `${this.year - age}-${month}-${day}`,
      sex,
    };
  }
}

function shuffled<T>(rng: Rng, items: readonly T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i -= 1) {
    const j = rng.int(0, i);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

function iso(dt: DateTime): string {
  const text = dt.toISO({ suppressMilliseconds: true });
  if (text === null) throw new RangeError(`invalid time: ${dt.invalidExplanation ?? 'unknown'}`);
  return text;
}

function validate(options: OrDayOptions, rooms: number): void {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(options.date) || !DateTime.fromISO(options.date).isValid) {
    throw new RangeError(`date must be a calendar date YYYY-MM-DD, got "${options.date}"`);
  }
  if (!IANAZone.isValidZone(options.timeZone)) {
    throw new RangeError(`time zone must be an IANA zone such as Europe/Paris, got "${options.timeZone}"`);
  }
  if (!Number.isInteger(options.seed) || options.seed < 0 || options.seed > 0xffffffff) {
    throw new RangeError(`seed must be an integer from 0 to 4294967295, got ${options.seed}`);
  }
  if (!Number.isInteger(rooms) || rooms < 1 || rooms > MAX_ROOMS) {
    throw new RangeError(`rooms must be an integer from 1 to ${MAX_ROOMS}, got ${rooms}`);
  }
  if (!DateTime.fromISO(options.now, { setZone: true }).isValid) {
    throw new RangeError(`now must be an ISO 8601 instant, got "${options.now}"`);
  }
}
