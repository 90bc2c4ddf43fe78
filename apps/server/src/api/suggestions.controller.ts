import { Controller, Get, Inject, NotFoundException, Param } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { isCaseId, type CaseSuggestionsView } from '@circulator/contracts';
import {
  durationHistoryOf,
  equipmentConflicts,
  localDate,
  localDayBounds,
  localInstant,
  suggestRooms,
  type Clock,
  type RoomDay,
} from '@circulator/domain';
import { AuditService, CurrentPrincipal, Roles, type Principal } from '@circulator/identity';
import { CaseRepository, RoomRepository } from '@circulator/persistence';
import { SITE_POLICY, type SitePolicy } from '@circulator/pipeline';
import { CLOCK, REALTIME_SETTINGS, type RealtimeSettings } from '@circulator/realtime';

/** How far back the durations that predict a room's day reach (as the prediction service's). */
const HISTORY_DAYS = 180;

/**
 * Rooms that could take a case (planning/predict.ts `suggestRooms`), for the desk's reschedule
 * dialog. Room ids and times only, no patient data; audited all the same, as it reads the day's
 * cases.
 */
@ApiTags('cases')
@ApiBearerAuth()
@Controller('api')
export class SuggestionsController {
  constructor(
    private readonly cases: CaseRepository,
    private readonly rooms: RoomRepository,
    private readonly audit: AuditService,
    @Inject(SITE_POLICY) private readonly site: SitePolicy,
    @Inject(REALTIME_SETTINGS) private readonly settings: RealtimeSettings,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @Get('cases/:id/suggestions')
  @Roles('scheduler')
  @ApiOperation({
    summary: 'Other rooms that could take a case that has not started, earliest first (by predicted room days)',
  })
  async suggestions(@CurrentPrincipal() principal: Principal, @Param('id') id: string): Promise<CaseSuggestionsView> {
    const state = isCaseId(id) ? await this.cases.get(id) : undefined;
    if (!state) throw new NotFoundException(`no case ${id}`);
    const zone = this.settings.facilityTz;
    const date = localDate(state.scheduledStart, zone);
    const { start, end } = localDayBounds(date, zone);
    const day = await this.cases.listBetween(start, end);
    const now = this.clock.now();
    const since = new Date(now.getTime() - HISTORY_DAYS * 24 * 3_600_000).toISOString();
    const history = durationHistoryOf(await this.cases.finishedSince(since));
    const opensAt = localInstant(date, this.site.orHours.open, zone);
    const closesAt = localInstant(date, this.site.orHours.close, zone);
    // Rooms are not equipped in the model: what the case needs moves with it, unless another case
    // holds that item at the suggested time (checked below).
    const needs = state.equipment ?? [];
    const rooms = (await this.rooms.list()).filter((r) => !r.unmapped || day.some((c) => c.roomId === r.id));
    const roomDays: RoomDay[] = rooms.map((r) => ({ roomId: r.id, opensAt, closesAt, availableEquipment: needs }));
    const others = day.filter((c) => c.id !== state.id);
    const names = new Map(rooms.map((r) => [r.id, r.name] as const));
    const suggestions = suggestRooms(state, day, roomDays, { now: now.toISOString(), history })
      .filter(
        (s) =>
          needs.length === 0 ||
          !equipmentConflicts([
            ...others,
            { ...state, roomId: s.roomId, scheduledStart: s.start, scheduledEnd: s.end },
          ]).some((conflict) => conflict.caseIds.includes(state.id)),
      )
      .map((s) => ({ ...s, roomName: names.get(s.roomId) ?? s.roomId }));
    await this.audit.record({
      principal,
      action: 'cases.suggestions',
      targetType: 'case',
      targetId: id,
      detail: { date, rooms: suggestions.map((s) => s.roomId) },
    });
    return { caseId: id, asOf: now.toISOString(), suggestions };
  }
}
