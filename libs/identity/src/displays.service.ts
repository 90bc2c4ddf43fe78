import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { IsNull, Repository } from 'typeorm';
import { DisplayCredentialEntity } from '@circulator/persistence';
import { AuditService } from './audit.service';
import { IdentityError } from './identity.error';
import { IDENTITY_OPTIONS, type ResolvedIdentityOptions } from './identity.options';
import { type NewDisplay, newDisplaySchema, parseBody } from './identity.schemas';
import { type Actor, actorOf } from './principal.model';
import { TokenService } from './token.service';

/** A new display credential and the only copy of its token (it is not stored). */
export interface CreatedDisplay {
  id: string;
  token: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Wall-display credentials (CONTRACT §2): each reads only `room:{roomId}` and can be revoked. */
@Injectable()
export class DisplaysService {
  constructor(
    @InjectRepository(DisplayCredentialEntity) private readonly displays: Repository<DisplayCredentialEntity>,
    private readonly tokens: TokenService,
    private readonly audit: AuditService,
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

  /**
   * Revokes a credential: its token fails verification from now on. Idempotent (a second revoke
   * keeps the first time); `not_found` for an unknown id. Audited as `display.revoke`.
   */
  async revoke(id: string, by: Actor): Promise<void> {
    // Checked here because a non-uuid would otherwise reach PostgreSQL as a cast error (a 500).
    const credential = UUID.test(id) ? await this.displays.findOneBy({ id }) : null;
    if (!credential) throw new IdentityError('not_found', 'no such display credential');
    // `revoked_at IS NULL` in the condition keeps the first revocation time on a repeat.
    await this.displays.update({ id, revokedAt: IsNull() }, { revokedAt: this.options.now() });
    await this.audit.record({
      principal: by,
      action: 'display.revoke',
      targetType: 'display',
      targetId: id,
      detail: { roomId: credential.roomId },
    });
  }
}
