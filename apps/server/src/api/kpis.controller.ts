import { BadRequestException, Controller, Get, Inject, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CASE_READER_ROLES, isCalendarDate, type KpiView } from '@circulator/contracts';
import { computeKpis, localDayBounds, localInstant, type Clock } from '@circulator/domain';
import { AuditService, CurrentPrincipal, Roles, type Principal } from '@circulator/identity';
import { CaseRepository, RoomRepository } from '@circulator/persistence';
import { SITE_POLICY, type SitePolicy } from '@circulator/pipeline';
import { CLOCK, REALTIME_SETTINGS, type RealtimeSettings } from '@circulator/realtime';

const ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

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
  async kpis(
    @CurrentPrincipal() principal: Principal,
    @Query('date') date?: string,
    @Query('roomId') roomId?: string,
  ): Promise<KpiView> {
    if (!date || !isCalendarDate(date)) throw new BadRequestException('date=YYYY-MM-DD (a real day) is required');
    if (roomId !== undefined && !ID.test(roomId)) throw new BadRequestException('roomId is not a room id');
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
