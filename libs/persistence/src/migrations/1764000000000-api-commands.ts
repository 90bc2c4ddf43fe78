import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Commands from people through the API (milestones, checklist, acknowledgements, the desk's
 * schedule changes) take the same path as every feed: an inbox row (channel `api`), then the
 * worker's rules, applied at once by the request (trigger `api`).
 */
export class ApiCommands1764000000000 implements MigrationInterface {
  name = 'ApiCommands1764000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE inbox_attempt DROP CONSTRAINT inbox_attempt_trigger_check;
      ALTER TABLE inbox_attempt ADD CONSTRAINT inbox_attempt_trigger_check
        CHECK (trigger IN ('queue', 'reprocess', 'api'));
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DELETE FROM inbox_attempt WHERE trigger = 'api';
      ALTER TABLE inbox_attempt DROP CONSTRAINT inbox_attempt_trigger_check;
      ALTER TABLE inbox_attempt ADD CONSTRAINT inbox_attempt_trigger_check CHECK (trigger IN ('queue', 'reprocess'));
    `);
  }
}
