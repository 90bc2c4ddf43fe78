import type { WritebackRow } from '@circulator/persistence';

/**
 * Why an attempt failed. `permanent`: trying again cannot help (the case names nothing the EHR
 * knows, the EHR refused the content for good); the row is `failed` at once. Anything else is
 * retried with backoff.
 */
export class WritebackError extends Error {
  override readonly name = 'WritebackError';
  constructor(
    message: string,
    readonly permanent: boolean,
  ) {
    super(message);
  }
}

/** One way of telling the EHR (FHIR updates, or HL7 over MLLP). */
export interface WritebackDelivery {
  /** Delivers one row; resolves with what the EHR answered once it acknowledged it. */
  deliver(row: WritebackRow): Promise<string>;
  /** Ends what a drain opened (an MLLP connection). */
  close(): Promise<void>;
}
