import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The audit trail becomes tamper-evident and append-only (issue 7).
 *
 * - `source`: the client address of the request, when one was known.
 * - `prev_hash`, `hash`: the hash chain (libs/identity/src/audit/audit.chain.ts). Rows written
 *   before this migration keep NULL here; the application seals them once, at its next start or
 *   append, under the same lock as every append (AuditLogRepository). The chain is computed in
 *   TypeScript, not SQL, so that one canonical form serves writing and checking.
 * - A trigger refuses UPDATE, DELETE and TRUNCATE, also for the table's owner (the role the
 *   application connects as). The one UPDATE it lets through is that sealing: chain columns of an
 *   unsealed row set once, content unchanged. A superuser (or the owner) can still disable the
 *   trigger; the chain then shows what was changed.
 * - UPDATE, DELETE and TRUNCATE are revoked from PUBLIC, so that no role gets them by default.
 */
export class AuditChain1764210000000 implements MigrationInterface {
  name = 'AuditChain1764210000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE audit_log
        ADD COLUMN source text,
        ADD COLUMN prev_hash text,
        ADD COLUMN hash text;

      -- Rows still to seal (none after the first start): the partial index keeps finding them free.
      CREATE INDEX audit_log_unsealed ON audit_log (id) WHERE hash IS NULL;
      -- The admin's usual questions: what did this person do, who touched this case.
      CREATE INDEX audit_log_actor ON audit_log (actor, id);
      CREATE INDEX audit_log_target ON audit_log (target_type, target_id, id);

      CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'UPDATE' THEN
          IF OLD.hash IS NULL AND OLD.prev_hash IS NULL AND NEW.hash IS NOT NULL AND NEW.prev_hash IS NOT NULL
             AND (NEW.id, NEW.at, NEW.actor, NEW.roles, NEW.action, NEW.target_type, NEW.target_id, NEW.detail, NEW.source)
                 IS NOT DISTINCT FROM
                 (OLD.id, OLD.at, OLD.actor, OLD.roles, OLD.action, OLD.target_type, OLD.target_id, OLD.detail, OLD.source)
          THEN
            RETURN NEW;
          END IF;
        END IF;
        RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
      END
      $$;
      CREATE TRIGGER audit_log_append_only_rows BEFORE UPDATE OR DELETE ON audit_log
        FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
      CREATE TRIGGER audit_log_append_only_truncate BEFORE TRUNCATE ON audit_log
        FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();

      REVOKE UPDATE, DELETE, TRUNCATE ON audit_log FROM PUBLIC;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TRIGGER audit_log_append_only_truncate ON audit_log;
      DROP TRIGGER audit_log_append_only_rows ON audit_log;
      DROP FUNCTION audit_log_append_only();
      DROP INDEX audit_log_target;
      DROP INDEX audit_log_actor;
      DROP INDEX audit_log_unsealed;
      ALTER TABLE audit_log DROP COLUMN hash, DROP COLUMN prev_hash, DROP COLUMN source;
    `);
  }
}
