import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * - patient_alias: patient merges (ADT A40). A merged MRN points at the surviving one, so that a
 *   late message about the old MRN still finds the patient's cases.
 * - parked_fact: a fact that arrived before the case it belongs to (an ADT before the booking, a
 *   reading before the case is in the schedule). It waits here, keyed the ways a case is found,
 *   and is applied to each case that later matches it, so that arrival order does not change the
 *   outcome. `applied_to` lists the cases it was applied to.
 */
export class PatientsAndParkedFacts1763750000000 implements MigrationInterface {
  name = 'PatientsAndParkedFacts1763750000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE patient_alias (
        mrn text PRIMARY KEY,
        survivor text NOT NULL,
        merged_at timestamptz NOT NULL,
        source_id text NOT NULL
      );
      CREATE INDEX patient_alias_survivor ON patient_alias (survivor);

      CREATE TABLE parked_fact (
        id bigserial PRIMARY KEY,
        inbox_id bigint NOT NULL,
        at timestamptz NOT NULL,
        mrn text,
        order_number text,
        room_id text,
        fact jsonb NOT NULL,
        applied_to jsonb NOT NULL DEFAULT '[]',
        parked_at timestamptz NOT NULL
      );
      CREATE INDEX parked_fact_mrn ON parked_fact (mrn) WHERE mrn IS NOT NULL;
      CREATE INDEX parked_fact_order ON parked_fact (order_number) WHERE order_number IS NOT NULL;
      CREATE INDEX parked_fact_room_at ON parked_fact (room_id, at) WHERE room_id IS NOT NULL;
      CREATE INDEX parked_fact_parked_at ON parked_fact (parked_at);
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE parked_fact; DROP TABLE patient_alias`);
  }
}
