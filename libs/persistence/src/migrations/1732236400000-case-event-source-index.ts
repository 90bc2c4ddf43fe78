import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Finding what one message changed (re-publishing after a retry; the integration engineer's
 * "changes this message caused") reads case events by their source.
 */
export class CaseEventSourceIndex1732236400000 implements MigrationInterface {
  name = 'CaseEventSourceIndex1732236400000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX case_event_source ON case_event (source_kind, source_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX case_event_source`);
  }
}
