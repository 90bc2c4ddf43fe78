import type { CaseStatus } from '@circulator/contracts';
import { assertUnreachable } from './assert';
import type { CaseEvent, CaseState, IntegrationWarning } from './case.model';
import type { Fact, ScheduleAction, ScheduleFact } from './fact';

export interface ApplyContext {
  /** Id for a case this fact creates (made by the caller: the domain draws no random numbers). */
  newCaseId: string;
  /** When we learned the fact (ISO 8601). */
  receivedAt: string;
}

export interface ApplyResult {
  /** The case after the fact; undefined when there is still no case (nothing to create). */
  state: CaseState | undefined;
  /** Events to append, oldest first; empty when the fact changed nothing. */
  events: CaseEvent[];
  warnings: IntegrationWarning[];
}

const TERMINAL: readonly CaseStatus[] = ['completed', 'cancelled', 'no-show'];

/**
 * The case engine: (case, fact) → (case', events). Pure and deterministic; the same fact
 * applied twice yields no second change, and a fact older than what the case already reflects
 * (by source time) does not overwrite it.
 */
export function applyFact(current: CaseState | undefined, fact: Fact, ctx: ApplyContext): ApplyResult {
  switch (fact.kind) {
    case 'schedule':
      return applySchedule(current, fact, ctx);
    case 'patient':
    case 'merge':
    case 'order':
    case 'observations':
    case 'alarm':
      // Being built (issue 3/4): kept in the log, not yet applied.
      return { state: current, events: [], warnings: [] };
    default:
      return assertUnreachable(fact, 'fact kind');
  }
}

function statusFor(action: ScheduleAction, previous: CaseStatus | undefined): CaseStatus {
  switch (action) {
    case 'cancelled':
    case 'deleted':
      return 'cancelled';
    case 'no-show':
      return 'no-show';
    case 'booked':
    case 'rescheduled':
    case 'modified':
      // A schedule message never moves a case that is under way back to "scheduled".
      return previous ?? 'scheduled';
    default:
      return assertUnreachable(action, 'schedule action');
  }
}

function applySchedule(current: CaseState | undefined, fact: ScheduleFact, ctx: ApplyContext): ApplyResult {
  if (!current) return createFromSchedule(fact, ctx);

  if (isOlder(fact, current)) {
    return {
      state: current,
      events: [],
      warnings: [
        {
          code: 'stale-fact',
          message: `schedule ${fact.action} from ${fact.at} is older than the case's schedule (${current.scheduleAt}); kept for the log, not applied`,
          source: fact.source,
        },
      ],
    };
  }

  const next: CaseState = { ...current, identifiers: { ...current.identifiers, ...defined(fact.identifiers) } };
  if (fact.room) {
    next.roomId = fact.room.id;
    next.roomName = fact.room.name;
  }
  if (fact.scheduledStart) next.scheduledStart = fact.scheduledStart;
  if (fact.scheduledEnd) next.scheduledEnd = fact.scheduledEnd;
  if (fact.procedure) next.procedure = { ...fact.procedure };
  if (fact.surgeon) next.surgeon = { ...fact.surgeon };
  if (fact.anesthesiologist) next.anesthesiologist = { ...fact.anesthesiologist };
  if (fact.patient) next.patient = { ...current.patient, ...defined(fact.patient) };
  next.status =
    TERMINAL.includes(current.status) && (fact.action === 'booked' || fact.action === 'modified')
      ? current.status
      : fact.action === 'rescheduled' && current.status === 'cancelled'
        ? 'scheduled'
        : statusFor(fact.action, current.status);

  const change = diff(current, next);
  next.scheduleAt = fact.at;
  setSeq(next, fact.source.sequence);
  if (Object.keys(change).length === 0)
    return { state: setSeq({ ...current, scheduleAt: fact.at }, fact.source.sequence), events: [], warnings: [] };

  next.version = current.version + 1;
  const kind: CaseEvent['kind'] = change.status ? 'status-changed' : 'schedule-changed';
  return {
    state: next,
    events: [
      {
        caseId: next.id,
        version: next.version,
        kind,
        at: fact.at,
        receivedAt: ctx.receivedAt,
        source: fact.source,
        change: { action: fact.action, ...change },
      },
    ],
    warnings: [],
  };
}

function createFromSchedule(fact: ScheduleFact, ctx: ApplyContext): ApplyResult {
  if (!fact.room || !fact.scheduledStart || !fact.patient) {
    return {
      state: undefined,
      events: [],
      warnings: [
        {
          code: fact.action === 'booked' ? 'incomplete-booking' : 'unknown-appointment',
          message:
            fact.action === 'booked'
              ? 'booking lacks a room, a start time or a patient; no case created'
              : `schedule ${fact.action} for an appointment we have never seen, without enough to create it`,
          source: fact.source,
        },
      ],
    };
  }
  const start = fact.scheduledStart;
  const state: CaseState = {
    id: ctx.newCaseId,
    version: 1,
    status: statusFor(fact.action, undefined),
    roomId: fact.room.id,
    roomName: fact.room.name,
    patient: { ...fact.patient },
    procedure: fact.procedure ? { ...fact.procedure } : { text: 'Unspecified procedure' },
    scheduledStart: start,
    // Without a duration we assume one hour, the median case length, rather than a zero-length bar.
    scheduledEnd: fact.scheduledEnd ?? new Date(Date.parse(start) + 3_600_000).toISOString(),
    milestones: {},
    vitals: {},
    alerts: [],
    identifiers: defined(fact.identifiers),
    scheduleAt: fact.at,
  };
  setSeq(state, fact.source.sequence);
  if (fact.surgeon) state.surgeon = { ...fact.surgeon };
  if (fact.anesthesiologist) state.anesthesiologist = { ...fact.anesthesiologist };
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
        change: {
          action: fact.action,
          status: state.status,
          roomId: state.roomId,
          scheduledStart: state.scheduledStart,
        },
      },
    ],
    warnings: [],
  };
}

/**
 * Whether a fact is older than what the case already reflects: by source time, and for equal
 * times (HL7 times have one-second precision) by arrival order.
 */
function isOlder(fact: ScheduleFact, current: CaseState): boolean {
  const at = Date.parse(fact.at);
  const known = Date.parse(current.scheduleAt);
  if (at !== known) return at < known;
  const seq = fact.source.sequence;
  return seq !== undefined && current.scheduleSeq !== undefined && seq < current.scheduleSeq;
}

function setSeq(state: CaseState, sequence: number | undefined): CaseState {
  if (sequence === undefined) delete state.scheduleSeq;
  else state.scheduleSeq = sequence;
  return state;
}

const COMPARED = [
  'status',
  'roomId',
  'scheduledStart',
  'scheduledEnd',
  'procedure',
  'surgeon',
  'anesthesiologist',
  'patient',
  'identifiers',
] as const;

/** Field-level changes between two states, as `{field: {from, to}}`. */
function diff(before: CaseState, after: CaseState): Record<string, { from: unknown; to: unknown }> {
  const out: Record<string, { from: unknown; to: unknown }> = {};
  for (const key of COMPARED) {
    const a = before[key];
    const b = after[key];
    if (JSON.stringify(a) !== JSON.stringify(b)) out[key] = { from: a ?? null, to: b ?? null };
  }
  return out;
}

/** Drops undefined members so that a partial fact never erases what is known. */
function defined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined && v !== '')) as T;
}
