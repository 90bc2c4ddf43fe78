import type {
  AlertPriority,
  AlertView,
  CaseIdentifiers,
  CaseStatus,
  MilestoneKey,
  OrderView,
  PersonRef,
  ResultView,
  VitalName,
} from '@circulator/contracts';
import type { LimitOverrides, RuleTrack } from './alerts/rules.model';
import type { ChecklistPhase, EquipmentNeed, FactSource, MilestoneSource, PatientFacts } from './fact';

/** The case's patient: what the feeds said, under the MRN that survives any merge. */
export interface CasePatient extends PatientFacts {
  /**
   * MRNs merged into `mrn` (ADT A40), sorted: a later fact about one of them is about this patient.
   * Absent until a merge touches the case.
   */
  mergedFrom?: string[];
}

/** A surgical order linked to the case (one per order number). */
export type CaseOrder = OrderView;

/** A result kept on the case: the newest per code. */
export interface CaseResult extends ResultView {
  /** Arrival order of the message it came from: breaks ties between results with the same time. */
  seq?: number;
}

/** One vital sign: the newest reading by its own time. */
export interface CaseVital {
  value: number;
  unit: string;
  at: string;
}

/** The engine's full state of one case, persisted as it is and reduced to a CaseView per role. */
export interface CaseState {
  id: string;
  version: number;
  status: CaseStatus;
  roomId: string;
  roomName: string;
  patient: CasePatient;
  procedure: { code?: string; text: string };
  surgeon?: PersonRef;
  anesthesiologist?: PersonRef;
  scheduledStart: string;
  scheduledEnd: string;
  milestones: Partial<Record<MilestoneKey, string>>;
  predictedEnd?: string;
  /** When the patient is predicted in the room (knock-on of the room's day); see `prediction`. */
  predictedStart?: string;
  /** Why the predictions say what they say (method, median and count). */
  prediction?: { method: string; explanation: string; medianMinutes?: number; count?: number };
  vitals: Partial<Record<VitalName, CaseVital>>;
  alerts: AlertView[];
  identifiers: CaseIdentifiers;
  /** Equipment the schedule says the case needs; absent until a schedule fact names some. */
  equipment?: EquipmentNeed[];
  /** Linked surgical orders, sorted by number. */
  orders?: CaseOrder[];
  /** The newest result per code, newest first, at most {@link MAX_RESULTS}. */
  results?: CaseResult[];
  /** The WHO Surgical Safety Checklist parts recorded (when, and by whom). */
  checklist?: CaseChecklist;
  /** The case's own vital-sign limits over the site's (a `limits` fact); absent: the site's. */
  limits?: LimitOverrides<VitalName>;
  /** Source time of the newest schedule fact applied: older ones arriving late do not overwrite. */
  scheduleAt: string;
  /** Arrival order of that fact (its source's `sequence`), for ties on `scheduleAt`. */
  scheduleSeq?: number;
  /**
   * The engine's bookkeeping: which fact last set each value, and the inputs the derived values
   * (status, movement milestones, procedure, MRN, device alerts) are computed from. Never shown to
   * clients. Absent on cases written before it existed (the engine then adopts what it finds).
   */
  track?: CaseTrack;
}

/** One recorded part of the WHO Surgical Safety Checklist. */
export interface ChecklistEntry {
  /** When it was done. */
  at: string;
  /** Who recorded it (display name, else role). */
  by?: string;
}

export type CaseChecklist = Partial<Record<ChecklistPhase, ChecklistEntry>>;

/** How many results a case keeps (the newest per code, then the newest codes). */
export const MAX_RESULTS = 50;

/** How many ADT transfers a case keeps (the newest). */
export const MAX_TRANSFERS = 32;

/** When a fact happened, as an ordering key: source time, then arrival order at the source. */
export interface Stamp {
  /** Source time, epoch milliseconds. */
  ms: number;
  /** The source's `sequence`, when it has one. */
  seq?: number;
}

/** How sure the engine is of a milestone it set. */
export type MilestoneConfidence =
  /** The source said so (ADT A02 into the case's room; out of it with the room as prior location). */
  | 'reported'
  /** The engine concluded it (ADT A02 to another place, without a prior location, after in-room). */
  | 'inferred';

/** Where a value came from, as kept in the state and carried by events. */
export interface SourceRef {
  kind: FactSource['kind'];
  id: string;
  label?: string;
}

/** One ADT transfer (A02) of the case's patient, kept to derive in-room and out-of-room. */
export interface TransferRecord extends Stamp {
  at: string;
  /** The room the patient went to; absent when it is no room of ours. */
  roomId?: string;
  /** The room the patient came from, when the source says and it is one of ours. */
  priorRoomId?: string;
  source: SourceRef;
}

/** One patient merge (A40) that touched the case. */
export interface MergeRecord extends Stamp {
  at: string;
  from: string;
  to: string;
}

/** What the engine knows of one device alarm (by its `alarmId`). */
export interface AlarmTrack {
  /** The newest start or continue: the alarm's current priority and text. */
  last?: Stamp & { at: string; priority: AlertPriority; message: string; code?: string };
  /** The newest end: a tombstone, so that an older start or continue arriving late stays dead. */
  end?: Stamp & { at: string };
  /** Start times seen (newest few): the alarm was raised at the first one after `end`. */
  starts?: (Stamp & { at: string })[];
  /** The earliest continue after `end`, when the start itself was not seen. */
  firstContinue?: Stamp & { at: string };
}

/** One source's claim on one milestone (see {@link CaseTrack.claims}). */
export interface MilestoneClaim extends Stamp {
  /** When the milestone happened; null: the source withdrew its claim (kept, so an older claim stays out). */
  value: string | null;
  source: SourceRef;
  confidence?: MilestoneConfidence;
  /** A person's reason for a correction. */
  reason?: string;
}

/** A checklist part as the engine keeps it: the newest record per part, a withdrawal included. */
export interface ChecklistClaim extends Stamp {
  completed: boolean;
  /** When the part was done (the fact's time). */
  at: string;
  by?: string;
}

/** An acknowledgement of an alert: it covers the alert's episode raised at or before `at`. */
export interface AcknowledgementRecord extends Stamp {
  at: string;
  by?: string;
}

/** The schedule's own disposition of the appointment (CaseStatus overlays it on progress). */
export type Disposition = 'active' | 'cancelled' | 'no-show';

/** The engine's bookkeeping for one case (see {@link CaseState.track}). */
export interface CaseTrack {
  /**
   * Per value, the stamp of the fact that last set it: `room`, `scheduledStart`, `patient.birthDate`,
   * `identifiers.visitNumber`, `order:<number>`… A fact older than the stamp does not overwrite it.
   */
  stamps: Record<string, Stamp>;
  disposition: Disposition;
  /** The MRN the schedule gave, before merges are followed. */
  mrn: string;
  merges?: MergeRecord[];
  /** The procedure as the schedule gave it (the case's may come from an order). */
  scheduleProcedure?: { code?: string; text: string };
  /** ADT transfers of the patient, oldest first. */
  transfers?: TransferRecord[];
  alarms?: Record<string, AlarmTrack>;
  /** The status and movement milestones as the engine last derived them. */
  derived: { status: CaseStatus; inRoom?: string; outOfRoom?: string };
  /** A progress status set outside the engine (a person, a migration): the engine never goes below it. */
  statusFloor?: CaseStatus;
  /** Movement milestones set outside the engine (a migration, an old manual edit): they win over every source. */
  manual?: { inRoom?: string; outOfRoom?: string };
  /** Milestone claims per milestone and source (ADT's in/out of room are derived from `transfers`, not kept here). */
  claims?: Partial<Record<MilestoneKey, Partial<Record<MilestoneSource, MilestoneClaim>>>>;
  /** Checklist records per part. */
  checklist?: Partial<Record<ChecklistPhase, ChecklistClaim>>;
  /** Acknowledgements per alert id (the newest). */
  acks?: Record<string, AcknowledgementRecord>;
  /** The newest prediction's room overrun (a delay alert on this case, the room's last). */
  overrun?: Stamp & { minutes: number; closesAt: string; priority: AlertPriority; at: string };
  /**
   * The alert rules' state (sustain, hysteresis, active rule alerts), evaluated on readings as they
   * arrive: a real-time function, so a reading older than the newest one evaluated raises nothing.
   */
  rules?: RuleTrack;
}

/** A milestone set, moved or withdrawn by a fact, as its event records it. */
export interface MilestoneChange {
  milestone: MilestoneKey;
  from: string | null;
  /** The new value; null when withdrawn (e.g. the case moved to another room). */
  value: string | null;
  /** The fact the value comes from (may be an earlier one than the event's). */
  source?: SourceRef;
  /** Which kind of source it is (manual, device, rtls, fhir, adt, siu). */
  via?: MilestoneSource;
  confidence?: MilestoneConfidence;
  /** A person's reason for a correction. */
  reason?: string;
}

/** The kinds of event in a case's log. */
export const CASE_EVENT_KINDS = [
  'case-created',
  'schedule-changed',
  'status-changed',
  'fact-ignored',
  'patient-updated',
  'patient-merged',
  'milestone-recorded',
  'checklist-recorded',
  'order-recorded',
  'observations-recorded',
  'alert-raised',
  'alert-updated',
  'alert-acknowledged',
  'alert-cleared',
  'prediction-updated',
  'limits-changed',
] as const;
export type CaseEventKind = (typeof CASE_EVENT_KINDS)[number];

/**
 * One entry of a case's append-only event log (CONTRACT §3 `/events`). The engine makes at most
 * one per fact, so `version` counts the facts that changed the case.
 *
 * `change` holds what changed, field by field: `{field: {from, to}}` for plain fields; and
 * `milestones: MilestoneChange[]`, `vitals: {name: reading}`, `results: {set, dropped}`,
 * `alerts: {raised, updated, cleared}`, `orders: CaseOrder[]` (the orders as they now are);
 * `case-created` carries the new case's fields as values. Other keys (`action`, …) describe the fact.
 */
export interface CaseEvent {
  caseId: string;
  /** The case version this event produced. */
  version: number;
  kind: CaseEventKind;
  /** Source time. */
  at: string;
  /** When we learned it. */
  receivedAt: string;
  source: FactSource;
  change: Record<string, unknown>;
}

/** A problem an integration engineer should see (conflicts, unknown references). */
export interface IntegrationWarning {
  code:
    | 'unknown-appointment'
    | 'stale-fact'
    | 'incomplete-booking'
    /** The fact matched no case (only a schedule booking creates one). */
    | 'no-case'
    /** Two sources disagree (e.g. the order's coded procedure is not the schedule's); the case keeps the schedule's. */
    | 'conflict'
    /** An order linked to the case was cancelled or discontinued; the case itself is the schedule's to cancel. */
    | 'order-cancelled'
    /** The fact lacks what its rule needs (e.g. an order without a number, a time that is no time). */
    | 'invalid-fact'
    /**
     * No identifier matched, and the case was found by patient + day + room instead (with a
     * confidence); its identifiers now include the fact's. See `matchByPatientDayRoom`.
     */
    | 'identity-fallback'
    /** No identifier matched and several cases of the patient that day in that room could be the one: none was chosen. */
    | 'identity-ambiguous';
  message: string;
  source: FactSource;
}
