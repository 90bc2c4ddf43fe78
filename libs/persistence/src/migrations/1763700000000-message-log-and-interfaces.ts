import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The integration engineer's message log and the HL7 interfaces:
 * - inbox: which interface a message came in on, the ACK code it got, the MRN it is about and how
 *   many times it was tried, so the log can be searched without decoding every row;
 * - inbox_attempt: one row per processing attempt (first run, retries, reprocessing) with the
 *   facts it produced or the error, so that "both attempts" of a reprocessed message stay visible;
 * - hl7_interface: inbound interfaces managed by REST and the config file;
 * - cases found by patient (ADT updates, merges, observations) through the MRN in their state.
 */
export class MessageLogAndInterfaces1763700000000 implements MigrationInterface {
  name = 'MessageLogAndInterfaces1763700000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE inbox ADD COLUMN interface_name text;
      ALTER TABLE inbox ADD COLUMN ack_code text;
      ALTER TABLE inbox ADD COLUMN mrn text;
      ALTER TABLE inbox ADD COLUMN attempts int NOT NULL DEFAULT 0;
      CREATE INDEX inbox_mrn ON inbox (mrn) WHERE mrn IS NOT NULL;
      CREATE INDEX inbox_control_id ON inbox (control_id);
      CREATE INDEX inbox_interface_received ON inbox (interface_name, received_at);
      CREATE INDEX inbox_type_received ON inbox (message_type, received_at);

      CREATE TABLE inbox_attempt (
        id bigserial PRIMARY KEY,
        inbox_id bigint NOT NULL REFERENCES inbox (id),
        attempt int NOT NULL,
        trigger text NOT NULL CHECK (trigger IN ('queue', 'reprocess')),
        started_at timestamptz NOT NULL,
        finished_at timestamptz NOT NULL,
        outcome text NOT NULL CHECK (outcome IN ('applied', 'failed', 'error')),
        error text,
        facts jsonb NOT NULL DEFAULT '[]',
        case_ids jsonb NOT NULL DEFAULT '[]',
        warnings jsonb NOT NULL DEFAULT '[]',
        actor text
      );
      CREATE INDEX inbox_attempt_inbox ON inbox_attempt (inbox_id, id);

      CREATE TABLE hl7_interface (
        name text PRIMARY KEY,
        config jsonb NOT NULL,
        origin text NOT NULL CHECK (origin IN ('api', 'file')),
        version int NOT NULL DEFAULT 1,
        updated_at timestamptz NOT NULL,
        updated_by text NOT NULL
      );

      CREATE INDEX surgical_case_mrn ON surgical_case ((state -> 'patient' ->> 'mrn'));
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP INDEX surgical_case_mrn; DROP TABLE hl7_interface; DROP TABLE inbox_attempt;
      DROP INDEX inbox_type_received; DROP INDEX inbox_interface_received; DROP INDEX inbox_control_id; DROP INDEX inbox_mrn;
      ALTER TABLE inbox DROP COLUMN attempts; ALTER TABLE inbox DROP COLUMN mrn;
      ALTER TABLE inbox DROP COLUMN ack_code; ALTER TABLE inbox DROP COLUMN interface_name;
    `);
  }
}
