import type { MqttSettings } from '@circulator/devices';
import type { FhirInboundSettings, FhirWritebackSettings } from '@circulator/fhir';
import type { CasePolicy } from '@circulator/domain';
/** Settings of the ingest → queue → worker pipeline. */
export const PIPELINE_SETTINGS = Symbol('PIPELINE_SETTINGS');

export interface PipelineSettings {
  facilityTz: string;
  mllp: {
    host?: string;
    port: number;
    tls?: { cert: Buffer; key: Buffer };
    maxFrameBytes?: number;
    /** MLLP_MAX_CONNECTIONS, MLLP_MAX_CONNECTIONS_PER_ADDRESS, MLLP_IDLE_TIMEOUT_SECONDS, MLLP_FRAME_TIMEOUT_SECONDS. */
    limits?: {
      maxConnections?: number;
      maxConnectionsPerAddress?: number;
      idleTimeoutMs?: number;
      frameTimeoutMs?: number;
    };
  };
  /** The MQTT edge of the ingest role (absent: no device feed in this process). */
  mqtt?: MqttSettings;
  /** The FHIR sync and subscription hook of the ingest role (absent: neither in this process). */
  fhir?: FhirInboundSettings;
  /** Milestones written back to the EHR by the worker role (FHIR_WRITEBACK); absent: off. */
  writeback?: FhirWritebackSettings;
  /**
   * How many jobs one worker process takes at once; the jobs ready together are applied in one
   * transaction. Order does not depend on it: the engine orders facts by their own times.
   */
  workerConcurrency: number;
  /**
   * BullMQ's lock on a job a worker holds (renewed at half of it), and how often workers look for
   * jobs whose lock ran out (a worker stopped or killed): those go back to the queue. Default 30 s.
   */
  workerLockMs?: number;
  /** The site's rules the engine applies (milestone precedence…). */
  policy?: CasePolicy;
  /** Staffed hours of every room (`OR_HOURS`), for the delay alert. */
  orHours?: { open: string; close: string };
  /** Keep predictions up to date (`PREDICTIONS=on`, the default). */
  predictions?: boolean;
  /**
   * Run the tick's alert rules — stale data, room environment, maintenance due, equipment conflicts — in the
   * worker's watchdog (`RULE_TICK=on`, the default).
   */
  ruleTick?: boolean;
  /** Whether an RTLS room id is a PACU location (`PACU_ROOMS`): a patient's tag there is `pacuIn`/`pacuOut`. */
  isPacu?: (roomId: string) => boolean;
  /** How long vital-sign readings and their minute aggregates are kept (`VITALS_*_RETENTION_DAYS`). */
  vitals?: { retentionDays: number; aggregateRetentionDays: number };
}

/** The site's rules for cases, from configuration (README: configuration). */
export const SITE_POLICY = Symbol('SITE_POLICY');

export interface SitePolicy {
  policy: CasePolicy;
  /** Staffed hours of every room, facility-local `HH:MM`. */
  orHours: { open: string; close: string };
  /** Whether the worker keeps predictions up to date (`PREDICTIONS`). */
  predictions: boolean;
  /** Whether the worker's tick runs stale-data, environment, maintenance-due and equipment-conflict rules (`RULE_TICK`). */
  ruleTick: boolean;
  /** RTLS room ids that are PACU locations (`PACU_ROOMS`). */
  pacuRooms?: readonly string[];
  kpi: { firstCaseGraceMinutes: number; turnoverMaxMinutes: number };
}

/**
 * What the ingest and the worker need to know of the interface a message came in on (the full
 * interface configuration lives in ./interfaces).
 */
export interface IngestInterface {
  name: string;
  /** IANA zone for times without an offset. */
  facilityTz: string;
  roles?: { surgeon?: readonly string[]; anesthesiologist?: readonly string[] };
  /** Site variants: logical field → HL7 path (see the HL7 mapper). */
  overrides?: Readonly<Record<string, string>>;
  /** Source location code → room id, set by an integration engineer. */
  locations?: Readonly<Record<string, string>>;
  /** What an unknown location does: create an unmapped room (default) or fail the message. */
  locationPolicy?: 'create-unmapped' | 'require-mapping';
}

/** Finds an interface by name (the interface registry; a fixed default when there is none). */
export const INTERFACE_LOOKUP = Symbol('INTERFACE_LOOKUP');

export interface InterfaceLookup {
  get(name: string): IngestInterface | undefined;
}

/** Job name → payload: payloads carry ids, never entities (STYLE.md §6). */
export interface JobPayloads {
  'inbox.apply': {
    inboxId: string;
    /**
     * Every message of one ingest commit (the first is `inboxId`): one job per group commit, not per
     * message, so that queue overhead does not grow with the message rate.
     */
    inboxIds?: string[];
    /** `reprocess` when an integration engineer asked for it again (recorded on the attempt). */
    trigger?: 'queue' | 'reprocess' | 'api';
    /** Who asked for a reprocess (user id), for the attempt row. */
    actor?: string;
  };
}

export const INBOUND_QUEUE = 'inbound';

/** BullMQ refuses integer-looking custom ids; the inbox id stays readable inside. */
export function jobIdFor(inboxId: string, reprocess?: string): string {
  // A reprocess is a new job (the first one is kept as completed or failed): its own id.
  return reprocess ? `inbox-${inboxId}-r${reprocess}` : `inbox-${inboxId}`;
}
