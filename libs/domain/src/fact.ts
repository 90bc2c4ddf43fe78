import type { CaseIdentifiers, PersonRef } from '@circulator/contracts';

/** Where a fact came from: enough for an engineer to answer "why does the display say this?". */
export interface FactSource {
  /** The feed: `hl7`, `fhir`, `device`, `manual` (a person through the API). */
  kind: 'hl7' | 'fhir' | 'device' | 'manual';
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

/** What the schedule said about an appointment (SIU, FHIR Appointment, REST reschedule). */
export type ScheduleAction = 'booked' | 'rescheduled' | 'modified' | 'cancelled' | 'deleted' | 'no-show';

export interface ScheduleFact {
  kind: 'schedule';
  action: ScheduleAction;
  /** When it happened at the source (ISO 8601 with offset). Merge rules use this time. */
  at: string;
  source: FactSource;
  identifiers: CaseIdentifiers;
  patient?: PatientFacts;
  procedure?: { code?: string; text: string };
  /** The room the case is booked in, already resolved from the source's location. */
  room?: { id: string; name: string };
  scheduledStart?: string;
  scheduledEnd?: string;
  surgeon?: PersonRef;
  anesthesiologist?: PersonRef;
}

/** Every fact the engine understands. Later feeds add kinds (milestones, vitals, alarms). */
export type Fact = ScheduleFact;
