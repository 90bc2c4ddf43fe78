import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A schedule change that arrives before the booking it changes (an SIU S15 before its S12) waits
 * under the appointment's identifiers (`kind:value`), and is applied when the booking creates
 * the case.
 */
export class ParkedFactAppointments1763900000000 implements MigrationInterface {
  name = 'ParkedFactAppointments1763900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE parked_fact ADD COLUMN appointment_keys text[] NOT NULL DEFAULT '{}';
      CREATE INDEX parked_fact_appointment_keys ON parked_fact USING gin (appointment_keys);
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX parked_fact_appointment_keys; ALTER TABLE parked_fact DROP COLUMN appointment_keys`);
  }
}
