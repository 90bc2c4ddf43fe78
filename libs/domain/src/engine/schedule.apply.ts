import type { ApplyContext, ApplyResult } from '../case.engine';
import type { CaseEventKind, CaseState, Disposition, Stamp } from '../case.model';
import type { ScheduleAction, ScheduleFact } from '../fact';
import { assertUnreachable } from '../assert';
import { CaseDraft, IDENTIFIER_KEYS, UNSPECIFIED_PROCEDURE } from './case.draft';
import { compareStamps, stampOf } from './stamp';
import { invalidTime } from './warnings';

/** Schedule actions that describe a live appointment: only they create a case. */
export const CREATING_ACTIONS: ReadonlySet<ScheduleAction> = new Set(['booked', 'rescheduled', 'modified']);

/**
 * What a schedule action says of the appointment's disposition. `booked` and `modified` say
 * nothing (a modification of a cancelled appointment leaves it cancelled); `rescheduled` makes
 * it live again, after a cancellation or a no-show.
 */
function dispositionOf(action: ScheduleAction): Disposition | undefined {
  switch (action) {
    case 'cancelled':
    case 'deleted':
      return 'cancelled';
    case 'no-show':
      return 'no-show';
    case 'rescheduled':
      return 'active';
    case 'booked':
    case 'modified':
      return undefined;
    default:
      return assertUnreachable(action, 'schedule action');
  }
}

/**
 * Schedule facts (SIU, FHIR Appointment, REST reschedule): create the case from a booking, then
 * each value (room, times, procedure, people, identifiers, equipment, each demographic field,
 * the disposition) is last-writer-wins on its own by source time. A fact older than the newest
 * schedule fact is warned about as stale, and sets only what no newer fact has set.
 */
export function applySchedule(current: CaseState | undefined, fact: ScheduleFact, ctx: ApplyContext): ApplyResult {
  const stamp = stampOf(fact);
  if (Number.isNaN(stamp.ms)) return invalidTime(current, fact);
  if (!current) return createFromSchedule(fact, stamp, ctx);

  const d = new CaseDraft(current, fact, stamp, ctx.policy);
  const stale = isOlder(stamp, current);
  writeSchedule(d, fact);
  if (!stale) {
    d.next.scheduleAt = fact.at;
    if (stamp.seq === undefined) delete d.next.scheduleSeq;
    else d.next.scheduleSeq = stamp.seq;
  }
  const meta: Record<string, unknown> = { action: fact.action };
  if (ctx.identity) {
    meta.identity = ctx.identity;
    d.warn(
      'identity-fallback',
      `no identifier of ${fact.action} matched; case ${current.id} found by patient + day + room ` +
        `(confidence ${ctx.identity.confidence}: ${ctx.identity.reasons.join(', ')}); its identifiers now include the fact's`,
    );
  }
  const result = d.commit(scheduleEventKind, meta, ctx.receivedAt);
  if (stale) {
    result.warnings.push({
      code: 'stale-fact',
      message:
        `schedule ${fact.action} from ${fact.at} is older than the case's schedule (${current.scheduleAt}); ` +
        (result.events.length
          ? 'applied only what no newer schedule fact had set'
          : 'kept for the log, not applied (newer facts set all it says)'),
      source: fact.source,
    });
  }
  return result;
}

function scheduleEventKind(change: Record<string, unknown>): CaseEventKind {
  return change.status ? 'status-changed' : 'schedule-changed';
}

function createFromSchedule(fact: ScheduleFact, stamp: Stamp, ctx: ApplyContext): ApplyResult {
  const creating = CREATING_ACTIONS.has(fact.action);
  if (!creating || !fact.room || !fact.scheduledStart || !fact.patient?.mrn) {
    const booking = fact.action === 'booked';
    return {
      state: undefined,
      events: [],
      warnings: [
        {
          code: booking ? 'incomplete-booking' : 'unknown-appointment',
          message: booking
            ? 'booking lacks a room, a start time or a patient; no case created'
            : creating
              ? `schedule ${fact.action} for an appointment we have never seen, without enough to create it`
              : `schedule ${fact.action} for an appointment we have never seen; nothing to ${fact.action === 'no-show' ? 'mark' : 'cancel'}`,
          source: fact.source,
        },
      ],
    };
  }
  // An empty case for the booking to fill through the same rules as every later schedule fact.
  const blank: CaseState = {
    id: ctx.newCaseId,
    version: 0,
    status: 'scheduled',
    roomId: '',
    roomName: '',
    patient: { mrn: '' },
    procedure: { text: UNSPECIFIED_PROCEDURE },
    scheduledStart: '',
    scheduledEnd: '',
    milestones: {},
    vitals: {},
    alerts: [],
    identifiers: {},
    scheduleAt: fact.at,
    track: { stamps: {}, disposition: 'active', mrn: '', derived: { status: 'scheduled' } },
  };
  if (stamp.seq !== undefined) blank.scheduleSeq = stamp.seq;
  const d = new CaseDraft(blank, fact, stamp, ctx.policy);
  // A booking makes the appointment live: an older cancellation arriving later does not cancel it.
  d.claim('disposition');
  writeSchedule(d, fact);
  d.derive();
  const state = d.next;
  state.version = 1;
  const change: Record<string, unknown> = {
    action: fact.action,
    status: state.status,
    roomId: state.roomId,
    roomName: state.roomName,
    scheduledStart: state.scheduledStart,
    scheduledEnd: state.scheduledEnd,
    patient: state.patient,
    procedure: state.procedure,
    identifiers: state.identifiers,
  };
  if (state.surgeon) change.surgeon = state.surgeon;
  if (state.anesthesiologist) change.anesthesiologist = state.anesthesiologist;
  if (state.equipment) change.equipment = state.equipment;
  if (Object.keys(state.milestones).length) change.milestones = state.milestones;
  return {
    state,
    events: [
      {
        caseId: state.id,
        version: 1,
        kind: 'case-created',
        at: fact.at,
        receivedAt: ctx.receivedAt,
        source: fact.source,
        change,
      },
    ],
    warnings: d.warnings,
  };
}

/** Writes what a schedule fact says, value by value, where it is not older than what set the value. */
function writeSchedule(d: CaseDraft, fact: ScheduleFact): void {
  for (const key of IDENTIFIER_KEYS) {
    const value = fact.identifiers[key];
    if (value && d.claim(`identifiers.${key}`)) d.setIdentifier(key, value);
  }
  if (fact.room && d.claim('room')) {
    d.set('roomId', fact.room.id);
    d.set('roomName', fact.room.name);
  }
  if (fact.scheduledStart && d.claim('scheduledStart')) d.set('scheduledStart', fact.scheduledStart);
  if (fact.scheduledEnd && d.claim('scheduledEnd')) d.set('scheduledEnd', fact.scheduledEnd);
  if (fact.procedure?.text && d.claim('procedure')) {
    const procedure = fact.procedure.code
      ? { code: fact.procedure.code, text: fact.procedure.text }
      : { text: fact.procedure.text };
    d.setScheduleProcedure(procedure);
    if (procedure.code) {
      for (const order of d.next.orders ?? []) {
        const code = order.procedure?.code;
        if (code && code !== procedure.code && order.status !== 'cancelled' && order.status !== 'discontinued') {
          d.warn(
            'conflict',
            `the schedule's procedure ${procedure.code} is not order ${order.number}'s (${code}); the case keeps the schedule's`,
          );
        }
      }
    }
  }
  if (fact.surgeon && d.claim('surgeon')) d.set('surgeon', { ...fact.surgeon });
  if (fact.anesthesiologist && d.claim('anesthesiologist')) d.set('anesthesiologist', { ...fact.anesthesiologist });
  if (fact.equipment && d.claim('equipment'))
    d.set(
      'equipment',
      fact.equipment.map((e) => ({ ...e })),
    );
  if (fact.patient) {
    if (fact.patient.mrn && d.claim('patient.mrn')) d.setScheduleMrn(fact.patient.mrn);
    d.writeDemographics(fact.patient);
  }
  const disposition = dispositionOf(fact.action);
  if (disposition && d.claim('disposition')) d.setDisposition(disposition);
}

/**
 * Whether a fact is older than the newest schedule fact the case reflects: by source time, and for
 * equal times (HL7 times have one-second precision) by arrival order.
 */
function isOlder(stamp: Stamp, current: CaseState): boolean {
  const known: Stamp =
    current.scheduleSeq === undefined
      ? { ms: Date.parse(current.scheduleAt) }
      : { ms: Date.parse(current.scheduleAt), seq: current.scheduleSeq };
  return compareStamps(stamp, known) < 0;
}
