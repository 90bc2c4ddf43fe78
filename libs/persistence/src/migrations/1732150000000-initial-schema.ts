import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The walking skeleton's schema. Runs unchanged on PostgreSQL and on embedded PGlite. */
export class InitialSchema1732150000000 implements MigrationInterface {
  name = 'InitialSchema1732150000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE inbox (
        id bigserial PRIMARY KEY,
        channel text NOT NULL,
        sender text NOT NULL,
        control_id text,
        message_type text,
        raw bytea NOT NULL,
        peer text,
        received_at timestamptz NOT NULL DEFAULT now(),
        status text NOT NULL CHECK (status IN ('received', 'applied', 'rejected', 'failed')),
        error text,
        duplicates int NOT NULL DEFAULT 0,
        processed_at timestamptz
      );
      -- A sender's message id is applied once (CONTRACT §4); rejected messages may be resent under it.
      CREATE UNIQUE INDEX inbox_sender_control_id ON inbox (channel, sender, control_id)
        WHERE control_id IS NOT NULL AND status <> 'rejected';
      CREATE INDEX inbox_status ON inbox (status) WHERE status IN ('received', 'failed');
      CREATE INDEX inbox_received_at ON inbox (received_at);

      CREATE TABLE room (
        id text PRIMARY KEY,
        name text NOT NULL,
        locations jsonb NOT NULL DEFAULT '[]',
        unmapped boolean NOT NULL DEFAULT false
      );

      CREATE TABLE surgical_case (
        id uuid PRIMARY KEY,
        version int NOT NULL,
        status text NOT NULL,
        room_id text NOT NULL REFERENCES room (id),
        scheduled_start timestamptz NOT NULL,
        scheduled_end timestamptz NOT NULL,
        state jsonb NOT NULL,
        updated_at timestamptz NOT NULL
      );
      CREATE INDEX surgical_case_start ON surgical_case (scheduled_start);
      CREATE INDEX surgical_case_room_start ON surgical_case (room_id, scheduled_start);

      CREATE TABLE case_identifier (
        kind text NOT NULL,
        value text NOT NULL,
        case_id uuid NOT NULL REFERENCES surgical_case (id),
        PRIMARY KEY (kind, value)
      );
      CREATE INDEX case_identifier_case ON case_identifier (case_id);

      CREATE TABLE case_event (
        id bigserial PRIMARY KEY,
        case_id uuid NOT NULL REFERENCES surgical_case (id),
        version int NOT NULL,
        kind text NOT NULL,
        at timestamptz NOT NULL,
        received_at timestamptz NOT NULL,
        source_kind text NOT NULL,
        source_id text NOT NULL,
        change jsonb NOT NULL
      );
      CREATE INDEX case_event_case ON case_event (case_id, id);

      CREATE TABLE app_user (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        username text NOT NULL UNIQUE,
        password_hash text NOT NULL,
        display_name text NOT NULL,
        roles jsonb NOT NULL,
        disabled boolean NOT NULL DEFAULT false,
        created_at timestamptz NOT NULL DEFAULT now()
      );

      CREATE TABLE display_credential (
        id uuid PRIMARY KEY,
        room_id text NOT NULL,
        created_at timestamptz NOT NULL,
        created_by text NOT NULL,
        revoked_at timestamptz
      );

      CREATE TABLE audit_log (
        id bigserial PRIMARY KEY,
        at timestamptz NOT NULL,
        actor text NOT NULL,
        roles jsonb NOT NULL,
        action text NOT NULL,
        target_type text NOT NULL,
        target_id text,
        detail jsonb NOT NULL DEFAULT '{}'
      );
      CREATE INDEX audit_log_at ON audit_log (at);

      CREATE TABLE app_secret (
        name text PRIMARY KEY,
        value text NOT NULL
      );
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TABLE app_secret; DROP TABLE audit_log; DROP TABLE display_credential; DROP TABLE app_user;
      DROP TABLE case_event; DROP TABLE case_identifier; DROP TABLE surgical_case; DROP TABLE room; DROP TABLE inbox;
    `);
  }
}
