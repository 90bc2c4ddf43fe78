import { Controller, Get, HttpCode, Inject, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AuditService, CurrentPrincipal, Roles, type Principal } from '@circulator/identity';
import { FhirSyncService, type FhirSyncStatus } from './fhir-sync.service';

/**
 * The EHR sync's state and a way to run it now, for integration engineers (`integration`, and
 * `admin`). Served where the sync runs (the ingest role: every process by default); in a split
 * deployment route `/api/fhir/**` to the ingest processes, like `/fhir/subscription-hook`.
 */
@ApiTags('fhir')
@ApiBearerAuth()
@Roles('integration', 'admin')
@Controller('api/fhir/sync')
export class FhirSyncController {
  constructor(
    @Inject(FhirSyncService) private readonly sync: FhirSyncService,
    @Inject(AuditService) private readonly audit: AuditService,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Per resource type: high-water mark, last run, last error and counts' })
  status(): Promise<FhirSyncStatus> {
    return this.sync.status();
  }

  /**
   * Starts a sync now and answers at once (202) with the state: a run may take minutes. While one
   * runs, one more follows it, so that what changed before this request is read.
   */
  @Post()
  @HttpCode(202)
  @ApiOperation({ summary: 'Run a sync now (202; follow it with GET)' })
  async trigger(@CurrentPrincipal() principal: Principal): Promise<FhirSyncStatus & { started: boolean }> {
    const started = this.sync.enabled;
    if (started) this.sync.runSoon(`asked by ${principal.username}`);
    await this.audit.record({
      principal,
      action: 'fhir.sync.run',
      targetType: 'fhir-sync',
      ...(this.sync.enabled ? { targetId: (await this.sync.status()).baseUrl } : {}),
    });
    return { started, ...(await this.sync.status()) };
  }
}
