import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Optional sign-in through an external OpenID Provider (issue 7):
 * - `app_user.oidc_issuer` / `oidc_subject`: the provider account a user is linked to. A user is
 *   found by this pair only (OpenID Connect Core 1.0 §5.7: `sub` is unique per issuer, and the only
 *   stable identifier), never by a name or an e-mail address the provider also sends.
 * - `oidc_pending`: short-lived server-side state of the flow: a sign-in started at the provider
 *   (state, nonce, PKCE verifier; 10 min) and the one-time code that hands the result to the web
 *   client (60 s). Keyed by the SHA-256 of the random value, each row is taken once.
 */
export class OidcSignIn1764400000000 implements MigrationInterface {
  name = 'OidcSignIn1764400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE app_user ADD COLUMN oidc_issuer text, ADD COLUMN oidc_subject text;
      CREATE UNIQUE INDEX app_user_oidc_idx ON app_user (oidc_issuer, oidc_subject) WHERE oidc_issuer IS NOT NULL;
      CREATE TABLE oidc_pending (
        key text PRIMARY KEY,
        kind text NOT NULL,
        payload jsonb NOT NULL,
        expires_at timestamptz NOT NULL
      );
      CREATE INDEX oidc_pending_expires_idx ON oidc_pending (expires_at);
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TABLE oidc_pending;
      DROP INDEX app_user_oidc_idx;
      ALTER TABLE app_user DROP COLUMN oidc_subject, DROP COLUMN oidc_issuer;
    `);
  }
}
