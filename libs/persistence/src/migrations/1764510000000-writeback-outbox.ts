import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Write-back to the EHR (issue 6, off by default) and the FHIR sync's status:
 * - `writeback_outbox`: one row per case version whose milestones the EHR should hear of, written
 *   in the transaction that changed the case (a transactional outbox: the change and the intent to
 *   tell the EHR commit together or not at all). The sender keeps it: `pending` until the EHR
 *   acknowledged it (HL7 AA, FHIR 2xx) → `sent`, or until it gave up → `failed`; with its attempts,
 *   the last error and what the EHR answered, for the integration console.
 * - `fhir_sync_cursor` gains what the last run read (stored, duplicates, pages) and the total of
 *   duplicates and deletions seen, for `GET /api/fhir/sync`.
 */
export class WritebackOutbox1764510000000 implements MigrationInterface {
  name = 'WritebackOutbox1764510000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE writeback_outbox (
        id bigserial PRIMARY KEY,
        target text NOT NULL,
        case_id uuid NOT NULL,
        case_version int NOT NULL,
        payload jsonb NOT NULL,
        status text NOT NULL DEFAULT 'pending',
        attempts int NOT NULL DEFAULT 0,
        created_at timestamptz NOT NULL,
        next_attempt_at timestamptz NOT NULL,
        locked_until timestamptz,
        last_attempt_at timestamptz,
        last_error text,
        sent_at timestamptz,
        result text,
        UNIQUE (target, case_id, case_version)
      );
      CREATE INDEX writeback_outbox_due ON writeback_outbox (next_attempt_at, id) WHERE status = 'pending';
      CREATE INDEX writeback_outbox_case ON writeback_outbox (case_id, id);
      ALTER TABLE fhir_sync_cursor
        ADD COLUMN duplicates bigint NOT NULL DEFAULT 0,
        ADD COLUMN deleted bigint NOT NULL DEFAULT 0,
        ADD COLUMN last_stored int,
        ADD COLUMN last_duplicates int,
        ADD COLUMN last_pages int;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TABLE writeback_outbox;
      ALTER TABLE fhir_sync_cursor DROP COLUMN duplicates, DROP COLUMN deleted, DROP COLUMN last_stored,
        DROP COLUMN last_duplicates, DROP COLUMN last_pages;
    `);
  }
}
