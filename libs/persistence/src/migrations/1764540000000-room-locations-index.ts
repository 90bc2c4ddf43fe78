import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A GIN index on `room.locations`, for the worker's lookups of the rooms a batch names
 * (`locations ?| codes`, `locations ? code`). The room table keeps every unmapped location ever
 * seen, so reading it whole per batch grew with the site's history (and the bench, which books
 * into fresh rooms, read thousands of rows per batch).
 */
export class RoomLocationsIndex1764540000000 implements MigrationInterface {
  name = 'RoomLocationsIndex1764540000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX room_locations ON room USING gin (locations)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX room_locations`);
  }
}
