import { assertUnreachable } from './assert';
import type { CaseEvent, CaseState, IntegrationWarning } from './case.model';
import { applyAlarm } from './engine/alarm.apply';
import { applyObservations } from './engine/observation.apply';
import { applyOrder } from './engine/order.apply';
import { applyMerge } from './engine/merge.apply';
import { applyPatient } from './engine/patient.apply';
import { applySchedule } from './engine/schedule.apply';
import type { Fact, MilestoneSource } from './fact';
import type { IdentityMatch } from './case.identity';
import type { MilestoneKey, VitalName } from '@circulator/contracts';
import type { Limits } from './alerts/rules.model';
import { applyAcknowledgement } from './engine/acknowledgement.apply';
import { applyChecklist } from './engine/checklist.apply';
import { applyMilestone } from './engine/milestone.apply';
import { applyPrediction } from './engine/prediction.apply';
import { applyDeviceConditions } from './engine/device-conditions.apply';
import { applyConditions } from './engine/conditions.apply';
import { applyLimits } from './engine/limits.apply';

/** Site policy the engine applies (configuration, not facts). */
export interface CasePolicy {
  /**
   * Per milestone, the sources from most to least trusted; sources not listed rank after them in
   * the default order (manual, device, rtls, fhir, adt, siu).
   */
  milestonePrecedence?: Partial<Record<MilestoneKey, readonly MilestoneSource[]>>;
  /** How far apart two sources' values of a milestone may be before it is a conflict (default 5 min). */
  conflictToleranceMs?: number;
  /** Vital-sign limits (resolved), when the site's differ from the documented adult defaults. */
  vitalLimits?: Record<VitalName, Limits>;
  /**
   * The site's zones (`ROOM_ZONES`): zone name → the room ids and RTLS locations in it. A backup
   * device in the case's zone is proposed before one elsewhere (`zoneDistance`); without zones
   * other rooms go by device id.
   */
  roomZones?: Readonly<Record<string, readonly string[]>>;
}

export interface ApplyContext {
  /** Id for a case this fact creates (made by the caller: the domain draws no random numbers). */
  newCaseId: string;
  /** When we learned the fact (ISO 8601). */
  receivedAt: string;
  /** The site's policy (milestone source precedence…); defaults when absent. */
  policy?: CasePolicy;
  /**
   * The case was found by the identity fallback, not by an identifier (`matchByPatientDayRoom`):
   * the event says so, with the confidence, and an `identity-fallback` warning is given.
   */
  identity?: IdentityMatch;
}

export interface ApplyResult {
  /**
   * The case after the fact; undefined when there is still no case (nothing to create, or no case
   * was given for a fact that cannot create one). It is `current` itself when nothing changed,
   * not even the engine's bookkeeping: the caller has nothing to write. A state with no events
   * but a new identity changed only bookkeeping (which fact set what): write it, or an older
   * fact applied later could win.
   */
  state: CaseState | undefined;
  /** Events to append, oldest first: one when the fact changed what clients see, else none. */
  events: CaseEvent[];
  warnings: IntegrationWarning[];
}

/**
 * The case engine: (case, fact) → (case', events) for one targeted case (the pipeline finds it;
 * see `caseLookupFor`). Pure and deterministic. Every value is last-writer-wins by the source
 * time of the fact that set it (then its arrival order), and derived values (status, movement
 * milestones, procedure, MRN, device alerts) are computed from what is kept, so:
 * - any order of arrival of the same facts gives the same case (late, out-of-order messages land right);
 * - the same fact applied twice changes nothing the second time;
 * - `version` rises by one for each fact that changed what clients see, with one event.
 * Only a schedule booking (or a reschedule/modification complete enough) creates a case; any
 * other fact with no case returns no state and a `no-case` warning.
 */
export function applyFact(current: CaseState | undefined, fact: Fact, ctx: ApplyContext): ApplyResult {
  switch (fact.kind) {
    case 'schedule':
      return applySchedule(current, fact, ctx);
    case 'patient':
      return applyPatient(current, fact, ctx);
    case 'merge':
      return applyMerge(current, fact, ctx);
    case 'order':
      return applyOrder(current, fact, ctx);
    case 'observations':
      return applyObservations(current, fact, ctx);
    case 'alarm':
      return applyAlarm(current, fact, ctx);
    case 'milestone':
      return applyMilestone(current, fact, ctx);
    case 'checklist':
      return applyChecklist(current, fact, ctx);
    case 'acknowledgement':
      return applyAcknowledgement(current, fact, ctx);
    case 'prediction':
      return applyPrediction(current, fact, ctx);
    case 'device-conditions':
      return applyDeviceConditions(current, fact, ctx);
    case 'conditions':
      return applyConditions(current, fact, ctx);
    case 'limits':
      return applyLimits(current, fact, ctx);
    default:
      return assertUnreachable(fact, 'fact kind');
  }
}
