import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { AuditLogEntity } from '@circulator/persistence';
import { IDENTITY_OPTIONS, type ResolvedIdentityOptions } from './identity.options';
import { type Actor, actorOf } from './principal.model';

/** One audit entry. */
export interface AuditEntry {
  /** Who acted: a principal, `'system'`, or null for an anonymous caller (e.g. a failed sign-in). */
  principal: Actor;
  /** Dotted verb, e.g. `auth.token`, `case.read`, `user.create`. */
  action: string;
  /** Kind of thing acted on, e.g. `case`, `user`, `display`. */
  targetType: string;
  targetId?: string;
  /** Extra facts. Never secrets; PHI only where the audit needs it to be meaningful. */
  detail?: Record<string, unknown>;
}

/**
 * Appends to `audit_log`: who read or changed what, when. Append-only by construction (this
 * service has no update or delete). `record` resolves only once the row is stored and rejects
 * otherwise, so a caller that must not serve unaudited patient data can simply await it.
 */
@Injectable()
export class AuditService {
  constructor(
    @InjectRepository(AuditLogEntity) private readonly log: Repository<AuditLogEntity>,
    @Inject(IDENTITY_OPTIONS) private readonly options: ResolvedIdentityOptions,
  ) {}

  async record(entry: AuditEntry): Promise<void> {
    // Raw SQL: the id is a bigserial the database assigns, and jsonb parameters must be sent as
    // JSON text (pg would otherwise turn a JS array into a PostgreSQL array literal).
    await this.log.query(
      `INSERT INTO audit_log (at, actor, roles, action, target_type, target_id, detail)
       VALUES ($1, $2, $3::jsonb, $4, $5, $6, $7::jsonb)`,
      [
        this.options.now(),
        actorOf(entry.principal),
        JSON.stringify(typeof entry.principal === 'object' && entry.principal !== null ? entry.principal.roles : []),
        entry.action,
        entry.targetType,
        entry.targetId ?? null,
        JSON.stringify(entry.detail ?? {}),
      ],
    );
  }
}
