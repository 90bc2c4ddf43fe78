import { Controller, Get, Header, Inject, Query } from '@nestjs/common';
import { CurrentPrincipal, Roles } from '../access.decorators';
import { AuditService, type AuditVerification } from '../audit.service';
import { IDENTITY_OPTIONS, type ResolvedIdentityOptions } from '../identity.options';
import type { Principal } from '../principal.model';
import type { ChainedRow } from './audit.chain';
import type { AuditFilter } from './audit-log.repository';
import { type AuditEventBundle, toAuditBundle } from './audit-event.mapper';
import { parseAuditExport, parseAuditSearch } from './audit.schemas';

/** `GET /api/audit`: a page of the trail, newest first. */
export interface AuditPageView {
  entries: ChainedRow[];
  /** Pass as `before` for the next (older) page; null on the last page. */
  next: string | null;
}

/**
 * The audit trail for administrators (issue 7): search it, check its hash chain, export it as
 * FHIR R4 AuditEvents. Reading the trail is itself audited (`audit.read`): it names patients.
 */
@Controller('api/audit')
@Roles('admin')
export class AuditController {
  constructor(
    private readonly audit: AuditService,
    @Inject(IDENTITY_OPTIONS) private readonly options: ResolvedIdentityOptions,
  ) {}

  @Get()
  @Header('Cache-Control', 'no-store')
  async search(@CurrentPrincipal() principal: Principal, @Query() query: unknown): Promise<AuditPageView> {
    const { filter, page } = parseAuditSearch(query);
    const result = await this.audit.search(filter, page);
    await this.recordRead(principal, 'search', filter, result.entries.length);
    return result;
  }

  @Get('verify')
  @Header('Cache-Control', 'no-store')
  async verify(@CurrentPrincipal() principal: Principal): Promise<AuditVerification> {
    const result = await this.audit.verify();
    await this.audit.record({
      principal,
      action: 'audit.read',
      targetType: 'audit_log',
      detail: { view: 'verify', ok: result.ok, checked: result.checked, firstBrokenId: result.firstBrokenId ?? null },
    });
    return result;
  }

  @Get('export')
  @Header('Cache-Control', 'no-store')
  @Header('Content-Type', 'application/fhir+json; charset=utf-8')
  async export(
    @CurrentPrincipal() principal: Principal,
    @Query() query: Record<string, string>,
  ): Promise<AuditEventBundle> {
    const { filter, page } = parseAuditExport(query);
    const result = await this.audit.search(filter, page);
    await this.recordRead(principal, 'export', filter, result.entries.length);
    // The query was validated: it holds only known names with one string each.
    const params = new URLSearchParams(query);
    const self = `/api/audit/export?${params.toString()}`;
    let next: string | undefined;
    if (result.next !== null) {
      params.set('before', result.next);
      next = `/api/audit/export?${params.toString()}`;
    }
    return toAuditBundle(result.entries, { self, next, timestamp: this.options.now().toISOString() });
  }

  private recordRead(principal: Principal, view: string, filter: AuditFilter, count: number): Promise<void> {
    return this.audit.record({
      principal,
      action: 'audit.read',
      targetType: 'audit_log',
      detail: { view, filter, count },
    });
  }
}
