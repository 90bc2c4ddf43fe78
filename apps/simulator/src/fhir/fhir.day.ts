import { DateTime } from 'luxon';
import { caseEnd, type OrDayPlan, type PlannedCase } from '../or-day.plan';
import { mulberry32 } from '../prng';

/** What the EHR's FHIR side does to an appointment during the day. */
export type FhirChangeKind = 'rescheduled' | 'cancelled';

/**
 * How the subscription notification carries the change: the resources in full, or only the
 * address of the focus (`id-only`: the platform reads it from its FHIR_BASE_URL, the simulator).
 */
export type FhirDelivery = 'full-resource' | 'id-only';

/** One change the EHR makes to an appointment, at a simulated time. */
export interface FhirChange {
  /** Milliseconds after the start of the play, in simulated time (the SIU messages' clock). */
  offsetMs: number;
  /** The simulated instant of the change (`meta.lastUpdated` of the new versions), ISO 8601 with offset. */
  at: string;
  kind: FhirChangeKind;
  /** The case as the EHR knows it after the change. */
  case: PlannedCase;
  delivery: FhirDelivery;
  reason: string;
}

/** The EHR's FHIR side of an OR day: which cases it keeps, and what it changes when. */
export interface FhirDay {
  /**
   * The cases the EHR keeps as Patient, Appointment and Encounter, each with its booking time
   * (the simulated instant of its SIU booking: version 1's `meta.lastUpdated`).
   */
  cases: { case: PlannedCase; bookedAt: string }[];
  /** In order of `offsetMs`. */
  changes: FhirChange[];
}

const MINUTE_MS = 60_000;

/**
 * The EHR's FHIR side of the day, deterministically from the plan: the EHR keeps as FHIR resources
 * the booked cases that are not a room's first and that the HL7 schedule never changes (so SIU and
 * FHIR never tell two stories about one case); after the bookings it reschedules the latest of
 * them by 15-45 minutes (full-resource notification) and, a few simulated minutes later, cancels
 * the latest one of another room (id-only notification). With too few such cases (one small room)
 * there are fewer changes. Pure: no clock, no I/O.
 */
export function planFhirDay(plan: Pick<OrDayPlan, 'seed' | 'timeZone' | 'rooms' | 'cases' | 'events'>): FhirDay {
  const rng = mulberry32((plan.seed ^ 0xf41e_0004) >>> 0);
  const bookings = plan.events.filter((e) => e.trigger === 'S12');
  const changedBySiu = new Set(plan.events.filter((e) => e.trigger !== 'S12').map((e) => e.case.placerId));
  const firstOfRoom = new Set(plan.rooms.map((room) => plan.cases.find((c) => c.roomCode === room.code)?.placerId));
  const bookedAt = new Map(bookings.map((e) => [e.case.placerId, e.at]));
  const kept = plan.cases
    .filter((c) => c.status === 'Booked' && !firstOfRoom.has(c.placerId) && !changedBySiu.has(c.placerId))
    .map((c) => ({ case: c, bookedAt: bookedAt.get(c.placerId) ?? '' }))
    .filter((k) => k.bookedAt !== '');

  const first = bookings[0];
  const startOfPlay = first === undefined ? 0 : Date.parse(first.at) - first.offsetMs;
  const bookingsEnd = Math.max(0, ...bookings.map((e) => e.offsetMs)) + 2_000;
  const instant = (offsetMs: number): string => {
    const text = DateTime.fromMillis(startOfPlay + offsetMs, { zone: plan.timeZone }).toISO({
      suppressMilliseconds: true,
    });
    if (text === null) throw new RangeError('invalid simulated time');
    return text;
  };

  // Latest start first: the changes are about cases still to come.
  const latest = [...kept].sort(
    (a, b) => Date.parse(b.case.start) - Date.parse(a.case.start) || a.case.placerId.localeCompare(b.case.placerId),
  );
  const changes: FhirChange[] = [];
  const moved = latest[0]?.case;
  let offset = bookingsEnd;
  if (moved !== undefined) {
    offset += (2 + rng.int(0, 3)) * MINUTE_MS;
    const minutes = 15 * rng.int(1, 3);
    changes.push({
      offsetMs: offset,
      at: instant(offset),
      kind: 'rescheduled',
      case: { ...moved, start: shift(moved.start, minutes) },
      delivery: 'full-resource',
      reason: `Rescheduled in the EHR: ${minutes} min later (surgeon's clinic overran)`,
    });
  }
  const cancelled =
    latest.find((k) => moved !== undefined && k.case.roomCode !== moved.roomCode)?.case ?? latest[1]?.case;
  if (cancelled !== undefined) {
    offset += (6 + rng.int(0, 6)) * MINUTE_MS;
    changes.push({
      offsetMs: offset,
      at: instant(offset),
      kind: 'cancelled',
      case: { ...cancelled, status: 'Cancelled' },
      delivery: 'id-only',
      reason: 'Cancelled in the EHR: patient withdrew consent',
    });
  }
  return { cases: kept, changes };
}

/** The schedule after the EHR's FHIR changes too (for the live course): same order, changed cases replaced. */
export function applyFhirChanges(schedule: readonly PlannedCase[], day: Pick<FhirDay, 'changes'>): PlannedCase[] {
  const changed = new Map(day.changes.map((c) => [c.case.placerId, c.case]));
  return schedule.map((c) => changed.get(c.placerId) ?? c);
}

/** One line about a change, for the progress output. */
export function describeChange(change: FhirChange): string {
  const c = change.case;
  return change.kind === 'rescheduled'
    ? `Appointment ${c.placerId} (${c.roomCode}) now ${c.start.slice(11, 16)}-${caseEnd(c).slice(11, 16)}`
    : `Appointment ${c.placerId} (${c.roomCode}) cancelled`;
}

function shift(iso: string, minutes: number): string {
  const text = DateTime.fromISO(iso, { setZone: true }).plus({ minutes }).toISO({ suppressMilliseconds: true });
  if (text === null) throw new RangeError(`invalid time ${iso}`);
  return text;
}
