import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Biomed work orders (issue 5, predictive maintenance): opened on a device with a note, closed
 * with a service record. Equipment data only, never patient data. Who and when are kept on the row
 * (and in the audit log); a closed order is not reopened, a new one is opened instead.
 */
export class WorkOrders1764520000000 implements MigrationInterface {
  name = 'WorkOrders1764520000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE work_order (
        id bigserial PRIMARY KEY,
        device_id text NOT NULL REFERENCES device (id),
        status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
        note text NOT NULL,
        assignee text,
        opened_at timestamptz NOT NULL,
        opened_by text NOT NULL,
        closed_at timestamptz,
        closed_by text,
        close_note text,
        serviced boolean NOT NULL DEFAULT false,
        CHECK ((status = 'open') = (closed_at IS NULL))
      );
      CREATE INDEX work_order_device ON work_order (device_id, id);
      CREATE INDEX work_order_open ON work_order (status, id);
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE work_order`);
  }
}
