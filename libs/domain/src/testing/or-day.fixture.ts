/**
 * One full operating day for the acceptance scenario (`scenario.day.spec.ts`): four rooms on
 * Tuesday 24 Nov 2026, each staffed 07:00–17:00. Instants are UTC, so the facility-local day and
 * the UTC day coincide and every number can be worked out by hand.
 *
 * The story, room by room (scheduled → what happened):
 * - OR 1, Dr House (cholecystectomies) then Dr Foreman: the first case was due in at 07:30 and
 *   came in at 07:50 (ADT A02); the nurse recorded the rest by hand.
 * - OR 2, Dr Cuddy (knees, then a hip revision nobody has timed before): the first knee ran 90 min
 *   over Cuddy's median; its monitor dropped off at 09:40 and stayed off.
 * - OR 3, Dr Chase (appendectomies): a sustained SpO2 drop in the first case, acknowledged; the
 *   10:30 case was cancelled at 09:45.
 * - OR 4, Dr Wilson (hernias): the first incision was recorded without a Time Out; an add-on
 *   appendectomy (Dr Chase) was booked at 11:00 for 13:00.
 *
 * Not exported from the lib's index: test data only.
 */
import type { MilestoneKey, PersonRef } from '@circulator/contracts';
import {
  type Actor,
  type CaseEvent,
  type CaseState,
  type ChecklistPhase,
  type DeviceStatus,
  type Fact,
  type FactSource,
  type IntegrationWarning,
  type PlanCase,
  type RoomDay,
  type RoomRef,
  type RoomStaffedHours,
  type ScheduleFact,
  type VitalReading,
  applyFact,
  pickCaseAt,
} from '../index';

/** The scenario's date (facility-local = UTC here). */
export const DAY = '2026-11-24';

/** The day's instant `hh:mm[:ss]` (UTC). */
export function at(hhmm: string, seconds = 0): string {
  return `${DAY}T${hhmm}:${String(seconds).padStart(2, '0')}.000Z`;
}

export const OR1: RoomRef = { id: 'or-1', name: 'OR 1' };
export const OR2: RoomRef = { id: 'or-2', name: 'OR 2' };
export const OR3: RoomRef = { id: 'or-3', name: 'OR 3' };
export const OR4: RoomRef = { id: 'or-4', name: 'OR 4' };
export const ROOMS = [OR1, OR2, OR3, OR4] as const;

/** Each room's staffed hours: 07:00–17:00 (600 min). */
export const STAFFED_HOURS: RoomStaffedHours[] = ROOMS.map((r) => ({
  roomId: r.id,
  roomName: r.name,
  open: at('07:00'),
  close: at('17:00'),
}));

/** The desk's view of the same hours, for overruns and suggestions. */
export const ROOM_DAYS: RoomDay[] = ROOMS.map((r) => ({ roomId: r.id, opensAt: at('07:00'), closesAt: at('17:00') }));

export const HOUSE: PersonRef = { id: 'S1', name: 'Gregory House' };
export const WILSON: PersonRef = { id: 'S2', name: 'James Wilson' };
export const CUDDY: PersonRef = { id: 'S3', name: 'Lisa Cuddy' };
export const CHASE: PersonRef = { id: 'S4', name: 'Robert Chase' };
export const FOREMAN: PersonRef = { id: 'S5', name: 'Eric Foreman' };

export const CHOLE = { code: '47562', text: 'Laparoscopic cholecystectomy' };
export const TKA = { code: '27447', text: 'Total knee arthroplasty' };
export const APPY = { code: '44970', text: 'Laparoscopic appendectomy' };
export const HERNIA = { code: '49505', text: 'Inguinal hernia repair' };
export const HIP_REVISION = { code: '27134', text: 'Revision total hip arthroplasty' };

export const NURSE: Actor = { id: 'u-nurse', role: 'nurse', name: 'Nina Nurse' };
export const ANAESTHETIST: Actor = { id: 'u-anaes', role: 'anesthesiologist', name: 'Andrew Anaesthetist' };

// ── The past: our own history of in-room durations ──────────────────────────────────────────

function past(
  id: string,
  surgeon: PersonRef,
  procedure: PlanCase['procedure'],
  date: string,
  minutes: number,
  status: PlanCase['status'] = 'completed',
): PlanCase {
  const inRoom = `${date}T08:00:00.000Z`;
  const outOfRoom = new Date(Date.parse(inRoom) + minutes * 60_000).toISOString();
  return {
    id,
    roomId: 'or-1',
    status,
    scheduledStart: inRoom,
    scheduledEnd: outOfRoom,
    milestones: { inRoom, outOfRoom },
    procedure,
    surgeon,
  };
}

/**
 * Past cases (in-room minutes): House's cholecystectomies 85, 100, 90; Foreman's one 120; Cuddy's
 * knees 130, 110, 120 (and a cancelled one of 300 that must not count); Chase's appendectomies 60,
 * 50, 70; Wilson's hernias 75, 55, 60; and a House case still showing in the room (no out of room:
 * no duration). Nobody has a hip revision on record.
 */
export const PAST_CASES: PlanCase[] = [
  past('h-1', HOUSE, CHOLE, '2026-11-02', 85),
  past('h-2', HOUSE, CHOLE, '2026-11-05', 100),
  past('h-3', HOUSE, CHOLE, '2026-11-09', 90),
  { ...past('h-4', HOUSE, CHOLE, '2026-11-16', 240, 'in-room'), milestones: { inRoom: '2026-11-16T08:00:00.000Z' } },
  past('f-1', FOREMAN, CHOLE, '2026-11-03', 120),
  past('c-1', CUDDY, TKA, '2026-11-02', 130),
  past('c-2', CUDDY, TKA, '2026-11-06', 110),
  past('c-3', CUDDY, TKA, '2026-11-10', 120),
  past('c-4', CUDDY, TKA, '2026-11-12', 300, 'cancelled'),
  past('a-1', CHASE, APPY, '2026-11-03', 60),
  past('a-2', CHASE, APPY, '2026-11-04', 50),
  past('a-3', CHASE, APPY, '2026-11-11', 70),
  past('w-1', WILSON, HERNIA, '2026-11-02', 75),
  past('w-2', WILSON, HERNIA, '2026-11-05', 55),
  past('w-3', WILSON, HERNIA, '2026-11-13', 60),
];

// ── The schedule ─────────────────────────────────────────────────────────────────────────────

export interface DayBooking {
  /** The case id the pipeline gives the case its booking creates (`ctx.newCaseId`). */
  caseId: string;
  room: RoomRef;
  mrn: string;
  familyName: string;
  givenName: string;
  surgeon: PersonRef;
  procedure: { code: string; text: string };
  start: string;
  end: string;
}

/** The schedule as booked on Friday 20 Nov (SIU^S12), three cases per room. */
export const BOOKINGS: DayBooking[] = [
  booking('or1-1', OR1, 'M101', 'Avery', 'Alice', HOUSE, CHOLE, '07:30', '09:00'),
  booking('or1-2', OR1, 'M102', 'Brook', 'Ben', HOUSE, CHOLE, '09:30', '11:00'),
  booking('or1-3', OR1, 'M103', 'Carter', 'Cleo', FOREMAN, CHOLE, '11:30', '13:00'),
  booking('or2-1', OR2, 'M201', 'Dunn', 'Dora', CUDDY, TKA, '07:30', '09:30'),
  booking('or2-2', OR2, 'M202', 'Ellis', 'Eric', CUDDY, TKA, '10:00', '12:00'),
  booking('or2-3', OR2, 'M203', 'Fox', 'Fay', CUDDY, HIP_REVISION, '12:30', '16:30'),
  booking('or3-1', OR3, 'M301', 'Gray', 'Gus', CHASE, APPY, '07:30', '08:30'),
  booking('or3-2', OR3, 'M302', 'Hale', 'Hana', CHASE, APPY, '10:30', '11:30'),
  booking('or3-3', OR3, 'M303', 'Irwin', 'Ivo', CHASE, APPY, '13:00', '14:00'),
  booking('or4-1', OR4, 'M401', 'Jones', 'Jill', WILSON, HERNIA, '07:30', '08:30'),
  booking('or4-2', OR4, 'M402', 'Kemp', 'Kai', WILSON, HERNIA, '09:00', '10:00'),
];

/** The add-on, booked on the day at 11:00 for 13:00–14:00 in OR 4. */
export const ADD_ON: DayBooking = booking('or4-add', OR4, 'M404', 'Lowe', 'Lia', CHASE, APPY, '13:00', '14:00');

function booking(
  caseId: string,
  room: RoomRef,
  mrn: string,
  familyName: string,
  givenName: string,
  surgeon: PersonRef,
  procedure: { code: string; text: string },
  start: string,
  end: string,
): DayBooking {
  return { caseId, room, mrn, familyName, givenName, surgeon, procedure, start: at(start), end: at(end) };
}

/** The SIU filler appointment id of a booking: how later schedule messages find the case. */
export function fillerOf(caseId: string): string {
  return `F-${caseId}`;
}

const ALL_BOOKINGS = [...BOOKINGS, ADD_ON];
const BOOKING_OF = new Map(ALL_BOOKINGS.map((b) => [b.caseId, b]));

function bookingOf(caseId: string): DayBooking {
  const b = BOOKING_OF.get(caseId);
  if (!b) throw new Error(`no booking ${caseId}`);
  return b;
}

// ── Devices ──────────────────────────────────────────────────────────────────────────────────

/** When OR 2's monitor dropped off (it stays off for the rest of the day). */
export const OR2_MONITOR_FAILED_AT = at('09:40');

/**
 * The device registry after OR 2's monitor failed: one monitor per room, and a spare in the biomed
 * store that is due for service. OR 4's monitor is connected to OR 4's second case.
 */
export const DEVICES: DeviceStatus[] = [
  { id: 'mon-or1', type: 'monitor', roomId: 'or-1', state: 'online', since: at('06:30') },
  {
    id: 'mon-or2',
    type: 'monitor',
    roomId: 'or-2',
    state: 'offline',
    since: OR2_MONITOR_FAILED_AT,
    inUseBy: 'or2-1',
  },
  { id: 'mon-or3', type: 'monitor', roomId: 'or-3', state: 'online', since: at('06:30') },
  { id: 'mon-or4', type: 'monitor', roomId: 'or-4', state: 'online', since: at('06:30'), inUseBy: 'or4-2' },
  {
    id: 'mon-spare',
    type: 'monitor',
    location: 'biomed-store',
    state: 'online',
    since: at('06:30'),
    maintenanceDue: true,
  },
];

/** Places along the OR corridor (metres /10): OR 3 is next door to OR 2, the store across from it. */
const CORRIDOR: Record<string, number> = { 'or-1': 0, 'or-2': 2, 'biomed-store': 2.5, 'or-3': 3, 'or-4': 5 };

/** Walking distance between two rooms or RTLS locations; unknown places are infinitely far. */
export function distance(from: string, to: string): number {
  const a = CORRIDOR[from];
  const b = CORRIDOR[to];
  return a === undefined || b === undefined ? Infinity : Math.abs(a - b);
}

// ── The day's facts ──────────────────────────────────────────────────────────────────────────

/**
 * Every fact of the day (bookings included), in source-time order, then arrival order. Sequence
 * numbers are the arrival order of the whole feed.
 */
export const DAY_FACTS: readonly Fact[] = buildDay();

function buildDay(): Fact[] {
  let sequence = 0;
  const facts: Fact[] = [];
  const hl7 = (label: string): FactSource => {
    sequence += 1;
    return { kind: 'hl7', id: `MSG${sequence}`, label: `${label} MSG${sequence}`, sequence };
  };
  const person = (label: string): FactSource => {
    sequence += 1;
    return { kind: 'manual', id: `req-${sequence}`, label, sequence };
  };

  const book = (b: DayBooking, when: string): void => {
    const fact: ScheduleFact = {
      kind: 'schedule',
      action: 'booked',
      at: when,
      source: hl7('SIU^S12'),
      identifiers: { placerAppointmentId: `P-${b.caseId}`, fillerAppointmentId: fillerOf(b.caseId) },
      patient: { mrn: b.mrn, familyName: b.familyName, givenName: b.givenName },
      procedure: b.procedure,
      room: b.room,
      scheduledStart: b.start,
      scheduledEnd: b.end,
      surgeon: b.surgeon,
    };
    facts.push(fact);
  };
  const cancel = (caseId: string, when: string): void => {
    facts.push({
      kind: 'schedule',
      action: 'cancelled',
      at: when,
      source: hl7('SIU^S15'),
      identifiers: { placerAppointmentId: `P-${caseId}`, fillerAppointmentId: fillerOf(caseId) },
    });
  };
  /** ADT^A02: the case's patient moved to `room` (absent: a place that is no room of ours). */
  const transfer = (caseId: string, when: string, room?: RoomRef, priorRoom?: RoomRef): void => {
    facts.push({
      kind: 'patient',
      action: 'transferred',
      at: when,
      source: hl7('ADT^A02'),
      patient: { mrn: bookingOf(caseId).mrn },
      location: room ? { code: `OR^${room.id}`, name: room.name } : { code: 'PACU^BAY', name: 'PACU' },
      ...(room ? { room } : {}),
      ...(priorRoom ? { priorRoom, priorLocation: { code: `OR^${priorRoom.id}`, name: priorRoom.name } } : {}),
    });
  };
  /** A person records a milestone live (the fact's time is the milestone's). */
  const milestone = (caseId: string, key: MilestoneKey, when: string, actor: Actor = NURSE): void => {
    facts.push({
      kind: 'milestone',
      at: when,
      source: person('POST milestones'),
      target: { caseId },
      milestone: key,
      value: when,
      via: 'manual',
      actor,
    });
  };
  const checklist = (caseId: string, phase: ChecklistPhase, when: string): void => {
    facts.push({
      kind: 'checklist',
      at: when,
      source: person('POST checklist'),
      target: { caseId },
      phase,
      completed: true,
      actor: NURSE,
    });
  };
  /** ORU^R01 from the room's monitor, readings taken at the message's time. */
  const vitals = (caseId: string, when: string, readings: Omit<VitalReading, 'at'>[]): void => {
    const b = bookingOf(caseId);
    facts.push({
      kind: 'observations',
      at: when,
      source: hl7('ORU^R01'),
      subject: { patient: { mrn: b.mrn }, room: b.room, device: { id: `mon-${b.room.id.replace('-', '')}` } },
      vitals: readings.map((r) => ({ ...r, at: when })),
      results: [],
    });
  };
  const acknowledge = (caseId: string, alertId: string, when: string): void => {
    facts.push({
      kind: 'acknowledgement',
      at: when,
      source: person('POST alerts/ack'),
      target: { caseId },
      alertId,
      actor: ANAESTHETIST,
    });
  };

  // Friday 20 Nov: the day's schedule, one SIU^S12 a minute from 10:00.
  BOOKINGS.forEach((b, i) => book(b, new Date(Date.parse('2026-11-20T10:00:00.000Z') + i * 60_000).toISOString()));

  // OR 1 — late first case (due 07:30, in 07:50), House then Foreman.
  transfer('or1-1', at('07:05')); // pre-op holding: no room of ours
  transfer('or1-1', at('07:50'), OR1);
  checklist('or1-1', 'signIn', at('07:55'));
  milestone('or1-1', 'induction', at('08:00'), ANAESTHETIST);
  checklist('or1-1', 'timeOut', at('08:15'));
  milestone('or1-1', 'procedureStart', at('08:20'));
  milestone('or1-1', 'procedureEnd', at('09:05'));
  transfer('or1-1', at('09:20'), undefined, OR1);
  milestone('or1-2', 'inRoom', at('09:45'));
  checklist('or1-2', 'timeOut', at('10:00'));
  milestone('or1-2', 'procedureStart', at('10:05'));
  milestone('or1-2', 'outOfRoom', at('11:20'));
  transfer('or1-3', at('11:55'), OR1);
  transfer('or1-3', at('13:35'), undefined, OR1);

  // OR 2 — the long knee (07:30–11:00: 210 min against a 120 min median) and a failed monitor.
  transfer('or2-1', at('07:30'), OR2);
  checklist('or2-1', 'timeOut', at('07:55'));
  milestone('or2-1', 'procedureStart', at('08:05'));
  vitals('or2-1', at('09:39'), [
    { name: 'spo2', value: 98, unit: '%' },
    { name: 'hr', value: 72, unit: '/min' },
  ]);
  // The monitor's last message: it drops off at 09:40:00 (see DEVICES).
  vitals('or2-1', OR2_MONITOR_FAILED_AT, [
    { name: 'spo2', value: 98, unit: '%' },
    { name: 'hr', value: 72, unit: '/min' },
  ]);
  transfer('or2-1', at('11:00'), undefined, OR2);
  transfer('or2-2', at('11:30'), OR2);
  transfer('or2-2', at('13:40'), undefined, OR2);
  transfer('or2-3', at('14:10'), OR2);
  checklist('or2-3', 'timeOut', at('14:35'));
  milestone('or2-3', 'procedureStart', at('14:40'));
  milestone('or2-3', 'procedureEnd', at('17:20'));

  // OR 3 — a sustained SpO2 drop, acknowledged; the 10:30 case cancelled at 09:45.
  transfer('or3-1', at('07:32'), OR3);
  vitals('or3-1', at('07:45'), [{ name: 'spo2', value: 98, unit: '%' }]);
  vitals('or3-1', at('07:50', 0), [{ name: 'spo2', value: 89, unit: '%' }]);
  vitals('or3-1', at('07:50', 20), [{ name: 'spo2', value: 88, unit: '%' }]);
  acknowledge('or3-1', 'rule:vital:spo2:low', at('07:52'));
  vitals('or3-1', at('08:05'), [{ name: 'spo2', value: 97, unit: '%' }]);
  transfer('or3-1', at('08:40'), undefined, OR3);
  cancel('or3-2', at('09:45'));
  transfer('or3-3', at('13:02'), OR3);
  transfer('or3-3', at('14:05'), undefined, OR3);

  // OR 4 — incision without a Time Out (recorded late at 08:10); the add-on booked at 11:00.
  milestone('or4-1', 'inRoom', at('07:25'));
  milestone('or4-1', 'procedureStart', at('07:50'));
  checklist('or4-1', 'timeOut', at('08:10'));
  transfer('or4-1', at('08:35'), undefined, OR4);
  transfer('or4-2', at('09:00'), OR4);
  transfer('or4-2', at('10:05'), undefined, OR4);
  book(ADD_ON, at('11:00'));
  transfer('or4-add', at('13:10'), OR4);
  transfer('or4-add', at('14:15'), undefined, OR4);

  // Source-time order, then arrival order (a stable sort keeps the declaration order on ties).
  return facts.sort(
    (a, b) => Date.parse(a.at) - Date.parse(b.at) || (a.source.sequence ?? 0) - (b.source.sequence ?? 0),
  );
}

// ── Playing the day ──────────────────────────────────────────────────────────────────────────

/** The cases and their event logs as they stand once every fact up to an instant has been applied. */
export interface DayPlay {
  cases: Map<string, CaseState>;
  events: Map<string, CaseEvent[]>;
  warnings: IntegrationWarning[];
}

/**
 * Applies the day's facts whose source time is not after `until`, in order, each to the case(s)
 * it targets, as the pipeline would (our own, simple targeting: every patient here has one case):
 * - schedule facts by their filler appointment id; a booking for an unknown one creates the case
 *   under the id its {@link DayBooking} names;
 * - ADT by the patient's MRN; readings by the patient's MRN and `pickCaseAt`;
 * - milestones, checklist parts and acknowledgements by the case id they name.
 */
export function playDay(until: string, facts: readonly Fact[] = DAY_FACTS): DayPlay {
  const limit = Date.parse(until);
  const cases = new Map<string, CaseState>();
  const events = new Map<string, CaseEvent[]>();
  const warnings: IntegrationWarning[] = [];
  const caseIdOfFiller = new Map(ALL_BOOKINGS.map((b) => [fillerOf(b.caseId), b.caseId]));

  for (const fact of facts) {
    if (Date.parse(fact.at) > limit) continue;
    for (const caseId of targetsOf(fact, cases, caseIdOfFiller)) {
      const result = applyFact(cases.get(caseId), fact, { newCaseId: caseId, receivedAt: fact.at });
      warnings.push(...result.warnings);
      if (!result.state) continue;
      cases.set(result.state.id, result.state);
      const log = events.get(result.state.id) ?? [];
      log.push(...result.events);
      events.set(result.state.id, log);
    }
  }
  return { cases, events, warnings };
}

/**
 * The cases a fact applies to. Not a `switch` on the kind: the fact union is growing (other work in
 * progress adds kinds), and every fact that names its case by id is targeted the same way.
 */
function targetsOf(fact: Fact, cases: ReadonlyMap<string, CaseState>, caseIdOfFiller: Map<string, string>): string[] {
  const all = [...cases.values()];
  const ofPatient = (mrn: string) => all.filter((c) => c.patient.mrn === mrn);
  if (fact.kind === 'schedule') {
    const filler = fact.identifiers.fillerAppointmentId;
    const known = all.find((c) => c.identifiers.fillerAppointmentId === filler);
    if (known) return [known.id];
    const created = filler === undefined ? undefined : caseIdOfFiller.get(filler);
    return created ? [created] : [];
  }
  if (fact.kind === 'patient') return ofPatient(fact.patient.mrn).map((c) => c.id);
  if (fact.kind === 'merge') return ofPatient(fact.merged.mrn).map((c) => c.id);
  if (fact.kind === 'order') {
    return all.filter((c) => c.identifiers.orderNumber === fact.identifiers.orderNumber).map((c) => c.id);
  }
  if (fact.kind === 'observations' || fact.kind === 'alarm') {
    const mrn = fact.subject.patient?.mrn;
    const picked = mrn === undefined ? undefined : pickCaseAt(ofPatient(mrn), fact.at);
    return picked ? [picked.id] : [];
  }
  // Milestones, checklist parts, acknowledgements: the case they name.
  return 'caseId' in fact.target ? [fact.target.caseId] : [];
}
