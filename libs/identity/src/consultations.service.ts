import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { IsNull, Repository } from 'typeorm';
import { type ConsultationView, type CreatedConsultation, isCaseId } from '@circulator/contracts';
import { CaseRepository, ConsultationEntity } from '@circulator/persistence';
import { AuditService } from './audit.service';
import { CredentialEvents } from './credential.events';
import { IdentityError } from './identity.error';
import { IDENTITY_OPTIONS, type ResolvedIdentityOptions } from './identity.options';
import { isUuid, newConsultationSchema, parseBody } from './identity.schemas';
import { type Principal, actorOf } from './principal.model';
import { TokenService } from './token.service';

/**
 * Remote consultations: a surgeon or anesthesiologist lets someone outside the room (a colleague
 * on call, a specialist) follow one case, read-only, for a limited time. The grant is a bearer
 * token of kind `consult` bound to the case; it ends at `expiresAt` or when revoked, whichever
 * comes first. Reads it makes are audited by the case routes themselves, under `consult:<id>`.
 */
@Injectable()
export class ConsultationsService {
  constructor(
    @InjectRepository(ConsultationEntity) private readonly consultations: Repository<ConsultationEntity>,
    private readonly cases: CaseRepository,
    private readonly tokens: TokenService,
    private readonly audit: AuditService,
    private readonly events: CredentialEvents,
    @Inject(IDENTITY_OPTIONS) private readonly options: ResolvedIdentityOptions,
  ) {}

  /** Grants a consultation of an existing case. Audited as `consultation.create`. */
  async create(caseId: string, input: unknown, by: Principal): Promise<CreatedConsultation> {
    const { consultant, minutes } = parseBody(newConsultationSchema, input);
    await this.requireCase(caseId);
    const id = randomUUID();
    // Whole seconds: the token's `exp` and the stored end are then the same instant.
    const issuedAtSeconds = Math.floor(this.options.now().getTime() / 1000);
    const lifetimeSeconds = minutes * 60;
    const createdAt = new Date(issuedAtSeconds * 1000);
    const expiresAt = new Date((issuedAtSeconds + lifetimeSeconds) * 1000);
    await this.consultations.insert({
      id,
      caseId,
      consultant,
      createdAt,
      createdBy: actorOf(by),
      expiresAt,
      revokedAt: null,
      revokedBy: null,
    });
    await this.audit.record({
      principal: by,
      action: 'consultation.create',
      targetType: 'consultation',
      targetId: id,
      detail: { caseId, consultant, expiresAt: expiresAt.toISOString() },
    });
    const token = this.tokens.issueForConsultation({ id, caseId, issuedAtSeconds, lifetimeSeconds });
    return { id, token, caseId, consultant, expiresAt: expiresAt.toISOString() };
  }

  /** The consultations of a case, newest first, ended ones included; never a token. */
  async list(caseId: string): Promise<ConsultationView[]> {
    await this.requireCase(caseId);
    const rows = await this.consultations.find({ where: { caseId }, order: { createdAt: 'DESC', id: 'ASC' } });
    const now = this.options.now().getTime();
    return rows.map((c) => {
      const expiresAt = new Date(c.expiresAt);
      return {
        id: c.id,
        caseId: c.caseId,
        consultant: c.consultant,
        createdAt: new Date(c.createdAt).toISOString(),
        createdBy: c.createdBy,
        expiresAt: expiresAt.toISOString(),
        revokedAt: c.revokedAt === null ? null : new Date(c.revokedAt).toISOString(),
        active: c.revokedAt === null && expiresAt.getTime() > now,
      };
    });
  }

  /**
   * Ends a consultation now: by whoever granted it, or an admin (`forbidden` otherwise). Its token
   * fails verification from now on and its connections are told to drop. Idempotent; audited as
   * `consultation.revoke` the first time.
   */
  async revoke(id: string, by: Principal): Promise<void> {
    const consultation = isUuid(id) ? await this.consultations.findOneBy({ id }) : null;
    if (!consultation) throw new IdentityError('not_found', 'no such consultation');
    if (!by.roles.includes('admin') && consultation.createdBy !== actorOf(by)) {
      throw new IdentityError('forbidden', 'only who granted a consultation, or an admin, may revoke it');
    }
    const result = await this.consultations.update(
      { id, revokedAt: IsNull() },
      { revokedAt: this.options.now(), revokedBy: actorOf(by) },
    );
    if ((result.affected ?? 0) === 0) return;
    await this.audit.record({
      principal: by,
      action: 'consultation.revoke',
      targetType: 'consultation',
      targetId: id,
      detail: { caseId: consultation.caseId, consultant: consultation.consultant },
    });
    this.events.revoked({ kind: 'consult', sub: id });
  }

  private async requireCase(caseId: string): Promise<void> {
    const found = isCaseId(caseId) ? await this.cases.get(caseId) : undefined;
    if (!found) throw new IdentityError('not_found', `no case ${caseId}`);
  }
}
