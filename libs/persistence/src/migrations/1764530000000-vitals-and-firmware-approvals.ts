import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Vital-sign time series and firmware approvals (issue 5):
 * - `vital_reading`: every reading a case took, range-partitioned by day on the reading's time
 *   (`vital_reading_pYYYYMMDD`, UTC days). The worker's `VitalsRetention` creates the coming days'
 *   partitions ahead and drops those older than `VITALS_RETENTION_DAYS`: dropping a day is a
 *   catalogue change, where deleting 170 million rows (2,000 readings/s) would be a day of vacuum.
 *   The default partition takes what no day partition covers yet (a reading before the first
 *   run, or one far from now); the retention run moves such rows into their day when it creates
 *   it. The primary key includes the time, as a partitioned table requires, and makes a reading
 *   stored twice (a reprocessed message) one row.
 * - `vital_minute`: one row per case, vital and minute (min, max, sum, count), kept longer
 *   (`VITALS_MINUTE_RETENTION_DAYS`): trends of old cases without the raw readings.
 * - `device_firmware_approval`: an approved update record per device and firmware version; a
 *   firmware report without one raises a security event (secure-update tracking).
 * Declarative partitioning is plain PostgreSQL ≥ 11, so PGlite runs the same DDL.
 */
export class VitalsAndFirmwareApprovals1764530000000 implements MigrationInterface {
  name = 'VitalsAndFirmwareApprovals1764530000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE vital_reading (
        case_id uuid NOT NULL,
        name text NOT NULL,
        at timestamptz NOT NULL,
        value double precision NOT NULL,
        unit text NOT NULL,
        inbox_id bigint,
        PRIMARY KEY (case_id, name, at)
      ) PARTITION BY RANGE (at);
      CREATE TABLE vital_reading_default PARTITION OF vital_reading DEFAULT;

      CREATE TABLE vital_minute (
        case_id uuid NOT NULL,
        name text NOT NULL,
        minute timestamptz NOT NULL,
        unit text NOT NULL,
        min double precision NOT NULL,
        max double precision NOT NULL,
        sum double precision NOT NULL,
        count int NOT NULL,
        PRIMARY KEY (case_id, name, minute)
      );
      CREATE INDEX vital_minute_minute ON vital_minute (minute);

      CREATE TABLE device_firmware_approval (
        id bigserial PRIMARY KEY,
        device_id text NOT NULL,
        firmware text NOT NULL,
        reference text,
        note text,
        approved_by text NOT NULL,
        approved_at timestamptz NOT NULL
      );
      CREATE UNIQUE INDEX device_firmware_approval_version ON device_firmware_approval (device_id, firmware);
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TABLE device_firmware_approval;
      DROP TABLE vital_minute;
      DROP TABLE vital_reading;
    `);
  }
}
