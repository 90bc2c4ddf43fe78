import { Controller, Get, Inject, NotFoundException, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { CASE_READER_ROLES, isCaseId, type CaseEventView, type CaseView, type RoomView } from '@circulator/contracts';
import { localDayBounds, toCaseView } from '@circulator/domain';
import { AuditService, CurrentPrincipal, Roles, type Principal } from '@circulator/identity';
import { CaseRepository, RoomRepository } from '@circulator/persistence';
import { REALTIME_SETTINGS, disclosureFor, type RealtimeSettings } from '@circulator/realtime';
import { parseDayQuery } from './cases.schemas';

/** Rooms and cases (CONTRACT §3). Every read of patient data is audited. */
@ApiTags('cases')
@ApiBearerAuth()
@Controller('api')
export class CasesController {
  constructor(
    private readonly cases: CaseRepository,
    private readonly rooms: RoomRepository,
    private readonly audit: AuditService,
    @Inject(REALTIME_SETTINGS) private readonly settings: RealtimeSettings,
  ) {}

  @Get('rooms')
  @Roles(...CASE_READER_ROLES, 'biomed')
  @ApiOperation({ summary: 'Operating rooms and the source locations mapped to them' })
  listRooms(): Promise<RoomView[]> {
    return this.rooms.list();
  }

  @Get('cases')
  @Roles(...CASE_READER_ROLES)
  @ApiOperation({ summary: 'Cases scheduled on a facility-local day' })
  @ApiQuery({ name: 'date', required: true, description: 'YYYY-MM-DD, facility-local' })
  @ApiQuery({ name: 'roomId', required: false })
  async listCases(@CurrentPrincipal() principal: Principal, @Query() query: unknown): Promise<CaseView[]> {
    const { date, roomId } = parseDayQuery(query);
    const { start, end } = localDayBounds(date, this.settings.facilityTz);
    const states = await this.cases.listBetween(start, end, roomId);
    await this.audit.record({
      principal,
      action: 'cases.list',
      targetType: 'case',
      detail: { date, roomId: roomId ?? null, caseIds: states.map((s) => s.id) },
    });
    return states.map((s) => toCaseView(s, disclosureFor(principal)));
  }

  @Get('cases/:id')
  @Roles(...CASE_READER_ROLES)
  @ApiOperation({ summary: 'One case' })
  async getCase(@CurrentPrincipal() principal: Principal, @Param('id') id: string): Promise<CaseView> {
    const state = isCaseId(id) ? await this.cases.get(id) : undefined;
    if (!state) throw new NotFoundException(`no case ${id}`);
    await this.audit.record({ principal, action: 'cases.read', targetType: 'case', targetId: id });
    return toCaseView(state, disclosureFor(principal));
  }

  @Get('cases/:id/events')
  @Roles(...CASE_READER_ROLES)
  @ApiOperation({ summary: "A case's event log with provenance, oldest first" })
  async events(@CurrentPrincipal() principal: Principal, @Param('id') id: string): Promise<CaseEventView[]> {
    const state = isCaseId(id) ? await this.cases.get(id) : undefined;
    if (!state) throw new NotFoundException(`no case ${id}`);
    await this.audit.record({ principal, action: 'cases.events', targetType: 'case', targetId: id });
    return this.cases.events(id);
  }
}
