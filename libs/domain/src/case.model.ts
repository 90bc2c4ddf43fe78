import type { AlertView, CaseIdentifiers, CaseStatus, MilestoneKey, PersonRef, VitalName } from '@circulator/contracts';
import type { FactSource, PatientFacts } from './fact';

/** The engine's full state of one case, persisted as it is and reduced to a CaseView per role. */
export interface CaseState {
  id: string;
  version: number;
  status: CaseStatus;
  roomId: string;
  roomName: string;
  patient: PatientFacts;
  procedure: { code?: string; text: string };
  surgeon?: PersonRef;
  anesthesiologist?: PersonRef;
  scheduledStart: string;
  scheduledEnd: string;
  milestones: Partial<Record<MilestoneKey, string>>;
  predictedEnd?: string;
  vitals: Partial<Record<VitalName, { value: number; unit: string; at: string }>>;
  alerts: AlertView[];
  identifiers: CaseIdentifiers;
  /** Source time of the newest schedule fact applied: older ones arriving late do not overwrite. */
  scheduleAt: string;
  /** Arrival order of that fact (its source's `sequence`), for ties on `scheduleAt`. */
  scheduleSeq?: number;
}

/** One entry of a case's append-only event log (CONTRACT §3 `/events`). */
export interface CaseEvent {
  caseId: string;
  /** The case version this event produced. */
  version: number;
  kind: 'case-created' | 'schedule-changed' | 'status-changed' | 'fact-ignored';
  /** Source time. */
  at: string;
  /** When we learned it. */
  receivedAt: string;
  source: FactSource;
  change: Record<string, unknown>;
}

/** A problem an integration engineer should see (conflicts, unknown references). */
export interface IntegrationWarning {
  code: 'unknown-appointment' | 'stale-fact' | 'incomplete-booking';
  message: string;
  source: FactSource;
}
