import type { AlertPriority, CaseIdentifiers, MilestoneKey, PersonRef, VitalName } from '@circulator/contracts';
import type { DeviceStatus, LimitOverrides } from './alerts/rules.model';
import type { EnvironmentReading } from './alerts/environment.rules';
import type { UpcomingCase } from './alerts/equipment.rules';

/** Where a fact came from: enough for an engineer to answer "why does the display say this?". */
export interface FactSource {
  /**
   * The feed: `hl7`, `fhir`, `device`, `manual` (a person through the API), or `engine` (what the
   * platform derived itself: predictions, with their basis).
   */
  kind: 'hl7' | 'fhir' | 'device' | 'manual' | 'engine';
  /** The inbox id of the message (or the user id for manual entries). */
  id: string;
  /** A short human label, e.g. `SIU^S12 MSG00012`. */
  label?: string;
  /**
   * Arrival order at the source's channel (the inbox id): breaks ties between facts with the same
   * source time, which HL7's one-second MSH-7 makes common.
   */
  sequence?: number;
}

export interface PatientFacts {
  mrn: string;
  assigningAuthority?: string;
  familyName?: string;
  givenName?: string;
  birthDate?: string;
  sex?: string;
}

/** A patient as a reference: the MRN and, when the source gives it, its assigning authority. */
export interface PatientRef {
  mrn: string;
  assigningAuthority?: string;
}

/** A place as the source names it; resolved to a room by the caller (never by the domain). */
export interface SourceLocation {
  /** Stable key, e.g. HL7 PL components joined by `^` (`OR^OR3^^GENHOSP`), or a FHIR Location id. */
  code: string;
  /** Display name. */
  name: string;
}

/** A room the caller resolved a source location to. */
export interface RoomRef {
  id: string;
  name: string;
}

/** Equipment a case needs (SIU AIG: a robot, a C-arm), as the source names it. */
export interface EquipmentNeed {
  code?: string;
  text: string;
}

/** What the schedule said about an appointment (SIU, FHIR Appointment, REST reschedule). */
export type ScheduleAction = 'booked' | 'rescheduled' | 'modified' | 'cancelled' | 'deleted' | 'no-show';

export interface ScheduleFact {
  kind: 'schedule';
  action: ScheduleAction;
  /** When it happened at the source (ISO 8601 with offset). Merge rules use this time. */
  at: string;
  source: FactSource;
  identifiers: CaseIdentifiers;
  /** The case itself, when the source names it (the desk's PATCH): found by id, never created. */
  caseId?: string;
  /** Who changed the schedule through the API. */
  actor?: Actor;
  patient?: PatientFacts;
  procedure?: { code?: string; text: string };
  /** Where the case is booked, as the source names it. */
  location?: SourceLocation;
  /** `location` resolved by the caller to a room (an unknown location creates an unmapped room). */
  room?: RoomRef;
  scheduledStart?: string;
  scheduledEnd?: string;
  surgeon?: PersonRef;
  anesthesiologist?: PersonRef;
  /** Equipment the case needs (AIG); absent when the source says nothing about equipment. */
  equipment?: EquipmentNeed[];
}

/**
 * What the EHR said about a patient's stay (ADT). Applies to the patient's open cases, found by
 * MRN (and visit number when given).
 * - `admitted` (A01), `registered` (A04), `updated` (A08): demographics.
 * - `transferred` (A02): the patient is now at `room` (or at a place that is no room of ours).
 * - `discharged` (A03), `admit-cancelled` (A11), `discharge-cancelled` (A13): the stay's state.
 */
export type PatientAction =
  'admitted' | 'registered' | 'transferred' | 'discharged' | 'updated' | 'admit-cancelled' | 'discharge-cancelled';

export interface PatientFact {
  kind: 'patient';
  action: PatientAction;
  at: string;
  source: FactSource;
  patient: PatientFacts;
  visitNumber?: string;
  /** Where the patient is after this event (PV1-3), when the source says. */
  location?: SourceLocation;
  /** Where the patient was before (PV1-6 prior location), when the source says. */
  priorLocation?: SourceLocation;
  /**
   * `location` resolved by the caller to one of our rooms; absent when it is no room of ours
   * (a ward bed). ADT never creates rooms.
   */
  room?: RoomRef;
  /** `priorLocation` resolved the same way. */
  priorRoom?: RoomRef;
}

/**
 * Two patient records are one (ADT A40): every case and observation of `merged` now belongs to
 * `survivor`.
 */
export interface MergeFact {
  kind: 'merge';
  at: string;
  source: FactSource;
  survivor: PatientFacts;
  merged: PatientRef;
}

/** ORC-1 order control, reduced to what changes a case. */
export type OrderAction = 'new' | 'changed' | 'cancelled' | 'discontinued' | 'status';

/**
 * A surgical order (ORM^O01, OMG^O19), linked to its scheduled case by its order number
 * (the placer order number, which SIU carries in SCH-26; else the filler's).
 */
export interface OrderFact {
  kind: 'order';
  action: OrderAction;
  at: string;
  source: FactSource;
  /** `orderNumber` is the placer order number when there is one, else the filler's. */
  identifiers: Pick<CaseIdentifiers, 'orderNumber' | 'visitNumber'> & { fillerOrderNumber?: string };
  patient?: PatientFacts;
  procedure?: { code?: string; text: string };
  orderedBy?: PersonRef;
  /** The source's order status as written (ORC-5), for the log. */
  orderStatus?: string;
}

/** What readings are about: the caller finds the case from it (patient first, then room, then device). */
export interface ObservationSubject {
  patient?: PatientRef;
  visitNumber?: string;
  /** Where the readings were taken, as the source names it (PV1-3). */
  location?: SourceLocation;
  /** `location` resolved by the caller to one of our rooms. */
  room?: RoomRef;
  /** The device that took them (IHE PCD-01 OBX-18; MQTT device id). */
  device?: { id: string; name?: string };
}

/** One vital-sign reading, already named (CONTRACT §3 vitals names) and in its display unit. */
export interface VitalReading {
  name: VitalName;
  value: number;
  unit: string;
  /** When it was measured (OBX-14, else the message's time). */
  at: string;
  /** The source's code, e.g. `150456^MDC_PULS_OXIM_SAT_O2^MDC`, for the log. */
  code?: string;
}

/** One result (lab, or a device reading that is no vitals name), kept as the source wrote it. */
export interface ResultReading {
  code: string;
  text: string;
  value: string;
  unit?: string;
  /** Abnormal flag (OBX-8), e.g. `H`, `L`, `A`. */
  flag?: string;
  /** Result status (OBX-11), e.g. `F` final, `P` preliminary, `C` corrected. */
  status?: string;
  at: string;
}

/**
 * Readings (ORU^R01 results, IHE PCD-01 device observations, MQTT observations). "Not available"
 * values (IEEE 11073 sentinels such as 8388607) never become readings.
 */
export interface ObservationFact {
  kind: 'observations';
  at: string;
  source: FactSource;
  subject: ObservationSubject;
  vitals: VitalReading[];
  results: ResultReading[];
}

/** IHE PCD ACM event phase (ORU^R40 OBX event phase), reduced. */
export type AlarmPhase = 'start' | 'continue' | 'end';

/** An alarm from a device or a system (ORU^R40 in IHE PCD ACM form, MQTT alarms). */
export interface AlarmFact {
  kind: 'alarm';
  at: string;
  source: FactSource;
  /**
   * Stable identity of this alarm across its start, continue and end messages, e.g. the device
   * id and the alarm's code (and OBX-4 instance); never the message id.
   */
  alarmId: string;
  phase: AlarmPhase;
  /** IEC 60601-1-8 priority (PCD ACM PH/PM/PL). */
  priority: AlertPriority;
  /** The alarm's code as the source gives it, e.g. `196670^MDC_EVT_LO^MDC`. */
  code?: string;
  /** Human text, e.g. "Low SpO2 88 %". */
  message: string;
  subject: ObservationSubject;
}

/** Who stated a fact through the API (a person, signed in with a role). */
export interface Actor {
  /** The user id. */
  id: string;
  /** The role the person acted in (e.g. `nurse`). */
  role: string;
  /** Display name, for the log. */
  name?: string;
}

/**
 * Which case a fact is about, when its source names the case itself (a person through the API, a
 * FHIR resource linked to the case's appointment, a device in a room at a time).
 */
export type CaseTarget = { caseId: string } | { identifiers: CaseIdentifiers } | { subject: ObservationSubject };

/**
 * Where a milestone value comes from. Each source keeps its own claim on each milestone; the case
 * shows the claim of the highest-precedence source that has one (see `MilestonePrecedence`).
 * - `manual`: a person through the API (nurse, anesthesiologist, surgeon);
 * - `device`: a device event (the anesthesia machine starting ventilation);
 * - `rtls`: the patient's location tag entering or leaving the room;
 * - `fhir`: an Encounter's location period or a Procedure's performed period;
 * - `adt`: an HL7 ADT A02 transfer (derived by the engine from the transfers it keeps);
 * - `siu`: the schedule's own status.
 */
export const MILESTONE_SOURCES = ['manual', 'device', 'rtls', 'fhir', 'adt', 'siu'] as const;
export type MilestoneSource = (typeof MILESTONE_SOURCES)[number];

/** A milestone reached (or corrected, or withdrawn) by one source. */
export interface MilestoneFact {
  kind: 'milestone';
  /** When the source said so. */
  at: string;
  source: FactSource;
  target: CaseTarget;
  milestone: MilestoneKey;
  /** When the milestone happened; null withdraws this source's claim. */
  value: string | null;
  via: MilestoneSource;
  confidence?: 'reported' | 'inferred';
  /** Why a person corrected a value (required by the API for a correction). */
  reason?: string;
  actor?: Actor;
}

/** The three parts of the WHO Surgical Safety Checklist. */
export const CHECKLIST_PHASES = ['signIn', 'timeOut', 'signOut'] as const;
export type ChecklistPhase = (typeof CHECKLIST_PHASES)[number];

/** A checklist part done (or undone: `completed: false` withdraws a record made in error). */
export interface ChecklistFact {
  kind: 'checklist';
  at: string;
  source: FactSource;
  target: CaseTarget;
  phase: ChecklistPhase;
  completed: boolean;
  actor?: Actor;
  note?: string;
}

/** A person acknowledged an alert on a case. */
export interface AcknowledgementFact {
  kind: 'acknowledgement';
  at: string;
  source: FactSource;
  target: CaseTarget;
  alertId: string;
  actor?: Actor;
}

/**
 * The platform's prediction for a case (planning/predict.ts), with why: derived from the room's
 * day, the history of the same surgeon and procedure, and the live milestones. Last-writer-wins
 * by its time. `overrun` is set on the room's last case when the room is predicted to run past
 * its staffed hours by more than the threshold: the desk gets a delay alert.
 */
export interface PredictionFact {
  kind: 'prediction';
  at: string;
  source: FactSource;
  target: { caseId: string };
  predictedStart: string;
  predictedEnd: string;
  basis: { method: string; explanation: string; medianMinutes?: number; count?: number };
  overrun?: { minutes: number; closesAt: string; priority: AlertPriority };
}

/**
 * The devices that matter to a case as the registry saw them at a tick (the watchdog): the ones in
 * its room or in use by it, and the candidates for a backup. The engine evaluates the device-offline
 * rule on them (docs/alert-rules.md), so the case's log says which device failed and which backup
 * was proposed. Written only when the evaluation changes the case's alerts.
 */
export interface DeviceConditionsFact {
  kind: 'device-conditions';
  at: string;
  source: FactSource;
  target: { caseId: string };
  devices: DeviceStatus[];
  /** Cases in progress: a device in use by one of them is no backup. */
  activeCaseIds?: string[];
}

/**
 * The conditions around a case at a tick (the worker's rule tick): the tick itself for the stale-data
 * rule, the room's newest environment readings for the environment rule, and the registry and the
 * overlapping cases for the maintenance-due and equipment-conflict rules (docs/alert-rules.md). The engine evaluates the
 * rules on them, so the case's log says what the rules saw. Written only when the evaluation
 * changes the case's alerts; ticks are applied newest-wins.
 */
export interface ConditionsFact {
  kind: 'conditions';
  at: string;
  source: FactSource;
  target: { caseId: string };
  /** The room's newest reading per parameter (absent: the room has no sensor, or said nothing new). */
  environment?: EnvironmentReading[];
  /**
   * For the maintenance-due and equipment-conflict rules (absent: not evaluated): the device types the registry tracks
   * (a need of another type is not judged: the site does not register such devices), the devices
   * of the types the case needs, and the other cases of its day that need any of them.
   */
  equipment?: { tracked: string[]; devices: DeviceStatus[]; cases: UpcomingCase[] };
}

/**
 * A case's own vital-sign limits (an anaesthesiologist's override of the site's defaults, e.g.
 * SpO2 low 88 % for a patient with COPD): partial, per parameter, `null` turning a limit off. The
 * newest by source time wins; `limits: {}` goes back to the defaults. The vital and stale-data
 * rules use them from the next reading or tick on.
 */
export interface LimitsFact {
  kind: 'limits';
  at: string;
  source: FactSource;
  target: { caseId: string };
  limits: LimitOverrides<VitalName>;
  /** Why (shown in the log). */
  reason?: string;
  actor?: Actor;
}

/** Every fact the engine understands. */
export type Fact =
  | ConditionsFact
  | LimitsFact
  | DeviceConditionsFact
  | PredictionFact
  | ScheduleFact
  | PatientFact
  | MergeFact
  | OrderFact
  | ObservationFact
  | AlarmFact
  | MilestoneFact
  | ChecklistFact
  | AcknowledgementFact;
export type FactKind = Fact['kind'];

/**
 * A fact as a mapper (HL7, FHIR, MQTT) produces it: no `source` yet and no resolved rooms. The
 * pipeline attaches the source (inbox id) and resolves `location`s to rooms.
 */
export type FactDraft = Fact extends infer F ? (F extends Fact ? Omit<F, 'source'> : never) : never;
