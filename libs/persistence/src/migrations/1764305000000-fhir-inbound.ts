import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The inbound FHIR side's state (issue 6, CONTRACT §5):
 * - `fhir_sync_cursor`: per EHR (its FHIR base) and resource type, the high-water mark of the
 *   incremental sync — the newest `meta.lastUpdated` stored, as the server wrote it — and how the
 *   last run went.
 * - `fhir_sync_lease`: which process runs the sync of an EHR now, until when (several ingest
 *   processes share one database; one syncs at a time).
 * - `fhir_subscription`: per subscription, the highest event number received
 *   (`events-since-subscription-start`), to detect dropped notifications.
 * The resources themselves go to the inbox like every other message.
 */
export class FhirInbound1764305000000 implements MigrationInterface {
  name = 'FhirInbound1764305000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE fhir_sync_cursor (
        source text NOT NULL,
        resource_type text NOT NULL,
        high_water text,
        high_water_at timestamptz,
        last_run_at timestamptz,
        last_error text,
        stored bigint NOT NULL DEFAULT 0,
        PRIMARY KEY (source, resource_type)
      );
      CREATE TABLE fhir_sync_lease (
        source text PRIMARY KEY,
        owner text NOT NULL,
        until timestamptz NOT NULL
      );
      CREATE TABLE fhir_subscription (
        subscription text PRIMARY KEY,
        topic text,
        events_since_start bigint,
        last_type text,
        last_status text,
        last_at timestamptz NOT NULL,
        notifications bigint NOT NULL DEFAULT 0,
        missed bigint NOT NULL DEFAULT 0,
        last_missed_at timestamptz,
        last_missed_reason text
      );
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE fhir_subscription; DROP TABLE fhir_sync_lease; DROP TABLE fhir_sync_cursor;`);
  }
}
