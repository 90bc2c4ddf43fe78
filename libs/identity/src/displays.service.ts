import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { IsNull, Repository } from 'typeorm';
import type { DisplayCredentialView } from '@circulator/contracts';
import { DisplayCredentialEntity } from '@circulator/persistence';
import { AuditService } from './audit.service';
import { CredentialEvents } from './credential.events';
import { IdentityError } from './identity.error';
import { IDENTITY_OPTIONS, type ResolvedIdentityOptions } from './identity.options';
import { type NewDisplay, isUuid, newDisplaySchema, parseBody } from './identity.schemas';
import { type Actor, actorOf } from './principal.model';
import { TokenService } from './token.service';

/** A new display credential and the only copy of its token (it is not stored). */
export interface CreatedDisplay {
  id: string;
  token: string;
}

/** Wall-display credentials (CONTRACT §2): each reads only `room:{roomId}` and can be revoked. */
@Injectable()
export class DisplaysService {
  constructor(
    @InjectRepository(DisplayCredentialEntity) private readonly displays: Repository<DisplayCredentialEntity>,
    private readonly tokens: TokenService,
    private readonly audit: AuditService,
    private readonly events: CredentialEvents,
    @Inject(IDENTITY_OPTIONS) private readonly options: ResolvedIdentityOptions,
  ) {}

  /** Creates a credential for one room and returns its token. Audited as `display.create`. */
  async create(input: NewDisplay, by: Actor): Promise<CreatedDisplay> {
    const { roomId } = parseBody(newDisplaySchema, input);
    const id = randomUUID();
    await this.displays.insert({ id, roomId, createdAt: this.options.now(), createdBy: actorOf(by), revokedAt: null });
    await this.audit.record({
      principal: by,
      action: 'display.create',
      targetType: 'display',
      targetId: id,
      detail: { roomId },
    });
    return { id, token: this.tokens.issueForDisplay({ id, roomId }) };
  }

  /** Every credential, newest first, revoked ones included; never a token (they are not stored). */
  async list(): Promise<DisplayCredentialView[]> {
    const rows = await this.displays.find({ order: { createdAt: 'DESC', id: 'ASC' } });
    return rows.map((d) => ({
      id: d.id,
      roomId: d.roomId,
      createdAt: new Date(d.createdAt).toISOString(),
      createdBy: d.createdBy,
      revokedAt: d.revokedAt === null ? null : new Date(d.revokedAt).toISOString(),
    }));
  }

  /**
   * Revokes a credential: its token fails verification from now on, and its connections are told
   * to drop ({@link CredentialEvents}). Idempotent (a repeat keeps the first time and is neither
   * audited nor announced again); `not_found` for an unknown id. Audited as `display.revoke`.
   */
  async revoke(id: string, by: Actor): Promise<void> {
    const credential = isUuid(id) ? await this.displays.findOneBy({ id }) : null;
    if (!credential) throw new IdentityError('not_found', 'no such display credential');
    // `revoked_at IS NULL` in the condition keeps the first revocation time on a repeat.
    const result = await this.displays.update({ id, revokedAt: IsNull() }, { revokedAt: this.options.now() });
    if ((result.affected ?? 0) === 0) return;
    await this.audit.record({
      principal: by,
      action: 'display.revoke',
      targetType: 'display',
      targetId: id,
      detail: { roomId: credential.roomId },
    });
    this.events.revoked({ kind: 'display', sub: id });
  }
}
