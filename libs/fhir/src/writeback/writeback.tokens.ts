import type { MilestoneSource } from '@circulator/domain';
import type { FhirAuthSettings } from '../inbound.tokens';
import type { MllpDestination } from './hl7-writeback.delivery';
import type { Hl7WritebackIdentity } from './siu-s14.builder';

/** Retries of one outbox row: attempts in all, the wait doubling from `baseDelayMs` up to `maxDelayMs`. */
export interface WritebackRetry {
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

/**
 * Default retries: waits of 10 s doubling to 10 min (10+20+40+80+160+320 s, then 10 min each), 15
 * attempts in all: about 1 h 30 min of an EHR being down before a row is given up (`failed`, kept
 * for the console; an EHR interface down longer than that is an incident, not a retry).
 */
export const DEFAULT_WRITEBACK_RETRY: WritebackRetry = { maxAttempts: 15, baseDelayMs: 10_000, maxDelayMs: 600_000 };

/** Write-back settings (FHIR_WRITEBACK and its companions); absent: off (the default). */
export type FhirWritebackSettings = {
  /** Milestone sources written back (FHIR_WRITEBACK_SOURCES, default manual only). */
  sources: readonly MilestoneSource[];
  /** Time between drains of the outbox (FHIR_WRITEBACK_INTERVAL_SECONDS); 0: only `drainNow()` (tests). */
  intervalMs: number;
  retry?: WritebackRetry;
} & (
  | { mode: 'fhir'; fhir: { baseUrl: string; auth: FhirAuthSettings; timeoutMs?: number } }
  | { mode: 'hl7'; hl7: { destination: MllpDestination; identity: Hl7WritebackIdentity } }
);

export const FHIR_WRITEBACK_SETTINGS = Symbol('FHIR_WRITEBACK_SETTINGS');
