import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Identity hardening (issue 7): failed sign-ins and lockout per user name, refresh-token families
 * with rotation, and remote consultations of one case. `app_user.disabled` exists since the
 * initial schema and is what disabling a user sets.
 *
 * Every time column is written from the application's injected clock, never `now()`, so that the
 * rules (lockout, expiry) are the same on every process and testable by moving a clock.
 */
export class IdentityHardening1764200000000 implements MigrationInterface {
  name = 'IdentityHardening1764200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      -- Keyed by the normalised name that was tried, not by user id: unknown names are counted
      -- too, so that the answers never tell whether an account exists.
      CREATE TABLE login_throttle (
        username text PRIMARY KEY,
        failures int NOT NULL DEFAULT 0 CHECK (failures >= 0),
        last_failure_at timestamptz,
        locked_until timestamptz
      );
      CREATE INDEX login_throttle_last_failure ON login_throttle (last_failure_at);

      -- One family per sign-in: every refresh token a sign-in leads to, by rotation, belongs to it.
      CREATE TABLE refresh_family (
        id uuid PRIMARY KEY,
        user_id uuid NOT NULL REFERENCES app_user (id) ON DELETE CASCADE,
        created_at timestamptz NOT NULL,
        expires_at timestamptz NOT NULL,
        revoked_at timestamptz,
        revoked_reason text
      );
      CREATE INDEX refresh_family_user ON refresh_family (user_id) WHERE revoked_at IS NULL;
      CREATE INDEX refresh_family_expires ON refresh_family (expires_at);

      -- Only the SHA-256 of a refresh token is stored: a copy of this table signs nobody in.
      CREATE TABLE refresh_token (
        token_hash text PRIMARY KEY CHECK (token_hash ~ '^[0-9a-f]{64}$'),
        family_id uuid NOT NULL REFERENCES refresh_family (id) ON DELETE CASCADE,
        issued_at timestamptz NOT NULL,
        spent_at timestamptz
      );
      CREATE INDEX refresh_token_family ON refresh_token (family_id);

      -- A read-only, time-boxed grant to follow one case from outside the room.
      CREATE TABLE consultation (
        id uuid PRIMARY KEY,
        case_id uuid NOT NULL REFERENCES surgical_case (id),
        consultant text NOT NULL,
        created_at timestamptz NOT NULL,
        created_by text NOT NULL,
        expires_at timestamptz NOT NULL,
        revoked_at timestamptz,
        revoked_by text
      );
      CREATE INDEX consultation_case ON consultation (case_id, created_at);
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TABLE consultation;
      DROP TABLE refresh_token;
      DROP TABLE refresh_family;
      DROP TABLE login_throttle;
    `);
  }
}
