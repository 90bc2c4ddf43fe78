import { Controller, Get, Inject, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { CASE_READER_ROLES, type KpiView } from '@circulator/contracts';
import { computeKpis, localDayBounds, localInstant, type Clock } from '@circulator/domain';
import { AuditService, CurrentPrincipal, Roles, type Principal } from '@circulator/identity';
import { CaseRepository, RoomRepository } from '@circulator/persistence';
import { SITE_POLICY, type SitePolicy } from '@circulator/pipeline';
import { CLOCK, REALTIME_SETTINGS, type RealtimeSettings } from '@circulator/realtime';
import { parseDayQuery } from './cases.schemas';

/**
 * Operating-room KPIs per room and day (docs/kpis.md): first-case on-time start, turnovers,
 * utilisation of staffed hours, durations against the schedule. No patient data: case ids and
 * times only; still audited, as the cases behind the figures are named.
 */
@ApiTags('kpis')
@ApiBearerAuth()
@Controller('api')
export class KpisController {
  constructor(
    private readonly cases: CaseRepository,
    private readonly rooms: RoomRepository,
    private readonly audit: AuditService,
    @Inject(SITE_POLICY) private readonly site: SitePolicy,
    @Inject(REALTIME_SETTINGS) private readonly settings: RealtimeSettings,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @Get('kpis')
  @Roles(...CASE_READER_ROLES)
  @ApiOperation({ summary: 'KPIs per room for a facility-local day (definitions: docs/kpis.md)' })
  @ApiQuery({ name: 'date', required: true, description: 'YYYY-MM-DD, facility-local' })
  @ApiQuery({ name: 'roomId', required: false })
  async kpis(@CurrentPrincipal() principal: Principal, @Query() query: unknown): Promise<KpiView> {
    const { date, roomId } = parseDayQuery(query);
    const zone = this.settings.facilityTz;
    const { start, end } = localDayBounds(date, zone);
    const cases = await this.cases.listBetween(start, end, roomId);
    const open = localInstant(date, this.site.orHours.open, zone);
    const close = localInstant(date, this.site.orHours.close, zone);
    const rooms = (await this.rooms.list()).filter((r) => !r.unmapped || cases.some((c) => c.roomId === r.id));
    const view = computeKpis({
      date,
      cases,
      staffedHours: rooms.map((r) => ({ roomId: r.id, roomName: r.name, open, close })),
      now: this.clock.now().toISOString(),
      config: this.site.kpi,
      ...(roomId !== undefined ? { roomId } : {}),
    });
    await this.audit.record({
      principal,
      action: 'kpis.read',
      targetType: 'room-day',
      detail: { date, roomId: roomId ?? null, caseIds: cases.map((c) => c.id) },
    });
    return view;
  }
}
