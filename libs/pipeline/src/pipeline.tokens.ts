/** Settings of the ingest → queue → worker pipeline. */
export const PIPELINE_SETTINGS = Symbol('PIPELINE_SETTINGS');

export interface PipelineSettings {
  facilityTz: string;
  mllp: { host?: string; port: number; tls?: { cert: Buffer; key: Buffer }; maxFrameBytes?: number };
  /** How many jobs one worker process applies at once. 1 keeps a sender's order (see README). */
  workerConcurrency: number;
}

/** Job name → payload: payloads carry ids, never entities (STYLE.md §6). */
export interface JobPayloads {
  'inbox.apply': { inboxId: string };
}

export const INBOUND_QUEUE = 'inbound';

/** BullMQ refuses integer-looking custom ids; the inbox id stays readable inside. */
export function jobIdFor(inboxId: string): string {
  return `inbox-${inboxId}`;
}
