/**
 * The public shape of a surgical case (CONTRACT §3). Fields may be added, never renamed.
 * Shared by the server, the web clients and the simulator.
 */
export const CASE_STATUSES = [
  'scheduled',
  'pre-op',
  'in-room',
  'in-procedure',
  'recovery',
  'completed',
  'cancelled',
  'no-show',
] as const;
export type CaseStatus = (typeof CASE_STATUSES)[number];

/**
 * The AACD perioperative milestones, in the order a case reaches them: room ready, patient in room,
 * anesthesia start, induction, procedure start (incision), procedure end (closure), anesthesia end,
 * patient out of room, PACU in, PACU out. Definitions: docs/case-model.md.
 */
export const MILESTONE_KEYS = [
  'roomReady',
  'inRoom',
  'anesthesiaStart',
  'induction',
  'procedureStart',
  'procedureEnd',
  'anesthesiaEnd',
  'outOfRoom',
  'pacuIn',
  'pacuOut',
] as const;
export type MilestoneKey = (typeof MILESTONE_KEYS)[number];

export const VITAL_NAMES = ['hr', 'spo2', 'nibpSys', 'nibpDia', 'etco2', 'temp', 'rr', 'bis'] as const;
export type VitalName = (typeof VITAL_NAMES)[number];

export type AlertPriority = 'high' | 'medium' | 'low';

export interface AlertView {
  id: string;
  kind: string;
  priority: AlertPriority;
  message: string;
  raisedAt: string;
  acknowledgedAt?: string;
}

export interface PersonRef {
  id?: string;
  name: string;
}

export interface CaseIdentifiers {
  placerAppointmentId?: string;
  fillerAppointmentId?: string;
  visitNumber?: string;
  fhirAppointmentId?: string;
  orderNumber?: string;
}

/** Equipment a case needs (a robot, a C-arm), as the schedule names it. Not PHI: every reader sees it. */
export interface EquipmentView {
  code?: string;
  text: string;
}

/** The status of a surgical order, reduced from its order control and ORC-5 (HL7 table 0038). */
export type OrderStatus = 'active' | 'completed' | 'cancelled' | 'discontinued';

/** A surgical order linked to the case (full-disclosure roles only). */
export interface OrderView {
  /** The placer order number when there is one, else the filler's. */
  number: string;
  fillerNumber?: string;
  procedure?: { code?: string; text: string };
  orderedBy?: PersonRef;
  status: OrderStatus;
  /** The source's status as written (ORC-5), e.g. `IP`, `CM`, `CA`. */
  orderStatus?: string;
  /** The order control of the newest message about it. */
  action: 'new' | 'changed' | 'cancelled' | 'discontinued' | 'status';
  /** Source time of the newest message about it. */
  at: string;
}

/** A result (lab, or a device reading that has no vitals name), as the source wrote it (full-disclosure roles only). */
export interface ResultView {
  code: string;
  text: string;
  value: string;
  unit?: string;
  /** Abnormal flag, e.g. `H`, `L`, `A`. */
  flag?: string;
  /** Result status, e.g. `F` final, `P` preliminary, `C` corrected. */
  status?: string;
  at: string;
}

export interface CaseView {
  id: string;
  version: number;
  status: CaseStatus;
  roomId: string;
  roomName: string;
  /** `name` is already reduced to what the caller's role may see. */
  /**
   * As the role may see it: clinicians the full name, MRN and birth date; wall displays initials,
   * age and sex only. `age` is in whole years on the day of surgery.
   */
  patient: { mrn: string; name: string; birthDate?: string; age?: number; sex?: string };
  procedure: { code?: string; text: string };
  surgeon?: PersonRef;
  anesthesiologist?: PersonRef;
  /** ISO 8601 with offset. */
  scheduledStart: string;
  scheduledEnd: string;
  milestones: Partial<Record<MilestoneKey, string>>;
  predictedEnd?: string;
  /** When the patient is predicted in the room (the room's day knocked on). */
  predictedStart?: string;
  /** Why: `method` (surgeon-procedure-median, procedure-median, schedule, actual), median and count. */
  prediction?: { method: string; explanation: string; medianMinutes?: number; count?: number };
  vitals: Partial<Record<VitalName, { value: number; unit: string; at: string }>>;
  alerts: AlertView[];
  identifiers: CaseIdentifiers;
  /** What the schedule says the case needs; absent when it said nothing. */
  equipment?: EquipmentView[];
  /** Linked orders, by number; full-disclosure roles only (never on displays). */
  orders?: OrderView[];
  /** The newest result per code, newest first (at most 50); full-disclosure roles only. */
  results?: ResultView[];
  /** The WHO Surgical Safety Checklist parts recorded: when, and by whom. */
  checklist?: Partial<Record<'signIn' | 'timeOut' | 'signOut', { at: string; by?: string }>>;
  /**
   * The case's own vital-sign limits over the site's defaults (`PUT /api/cases/{id}/limits`), per
   * vital: `low`, `high`, `criticalLow`, `criticalHigh` (null: off), in the vital's display unit.
   */
  limits?: Partial<Record<VitalName, VitalLimitOverride>>;
}

/** One vital's override (CaseView `limits`); an absent field keeps the site's value, null turns it off. */
export interface VitalLimitOverride {
  low?: number | null;
  high?: number | null;
  criticalLow?: number | null;
  criticalHigh?: number | null;
  sustainSeconds?: number;
  staleSeconds?: number;
}

export interface RoomView {
  id: string;
  name: string;
  locations: string[];
  unmapped?: boolean;
}

export interface CaseEventView {
  at: string;
  receivedAt: string;
  kind: string;
  source: { kind: string; id: string };
  change: Record<string, unknown>;
}

/** `GET /api/site`: what every client needs to know about the site. */
export interface SiteView {
  /** IANA zone of the facility: times on boards and displays are shown in it, not the browser's. */
  facilityTz: string;
  /** Staffed hours of every room (`OR_HOURS`), facility-local `HH:MM`: the desk's time axis. */
  orHours?: { open: string; close: string };
}
