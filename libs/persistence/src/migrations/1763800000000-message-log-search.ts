import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Indexes for the integration engineer's message log (MessageLogRepository), whose pages are
 * keyset pages by id, newest first. Measured on 2 M inbox rows (80 % device ORU, 1 % ORM, 1.5 %
 * refused or failed):
 * - type by code (`SIU`, every trigger): `(code, id)` gives the page in id order straight from the
 *   index (rare code: 3 ms → 0.3 ms). The exact type (`ORM^O01`) is the same index plus a filter;
 *   without the extended statistics the planner multiplies the two conditions' selectivities,
 *   expects a few rows and sorts all 20 000 instead (96 ms → 0.2 ms with them);
 * - messages that are not applied (errors view, dead letters, stuck, status filters): a small
 *   partial index in id order (error counts 406 ms → 66 ms; it also covers `rejected`, which the
 *   initial `inbox_status` index leaves out);
 * - messages by case: the cases an attempt changed, a jsonb array (245 ms → 0.1 ms).
 * Interface, sender and time filters need nothing more: the id order walk is fast for the feeds
 * that carry most messages, and the existing (interface_name, received_at) index serves the stats.
 */
export class MessageLogSearch1763800000000 implements MigrationInterface {
  name = 'MessageLogSearch1763800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE INDEX inbox_type_code_id ON inbox (split_part(message_type, '^', 1), id);
      CREATE STATISTICS inbox_type_code_stats (dependencies) ON message_type, (split_part(message_type, '^', 1)) FROM inbox;
      CREATE INDEX inbox_unsettled_id ON inbox (status, id) WHERE status <> 'applied';
      CREATE INDEX inbox_attempt_case_ids ON inbox_attempt USING gin (case_ids jsonb_path_ops);
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP INDEX inbox_attempt_case_ids; DROP INDEX inbox_unsettled_id;
      DROP STATISTICS inbox_type_code_stats; DROP INDEX inbox_type_code_id;
    `);
  }
}
