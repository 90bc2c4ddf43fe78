import {
  Body,
  ConflictException,
  Controller,
  ForbiddenException,
  Headers,
  HttpCode,
  Inject,
  NotFoundException,
  Param,
  Patch,
  Post,
  Put,
  Query,
  UnprocessableEntityException,
} from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import {
  CLINICAL_ROLES,
  ROLES,
  alertAckRoles,
  isCaseId,
  type AlertView,
  type CaseView,
  type Role,
} from '@circulator/contracts';
import {
  isOpenCase,
  scheduleConflicts,
  toCaseView,
  type Actor,
  type CaseState,
  type Clock,
  type FactDraft,
} from '@circulator/domain';
import { AuditService, CurrentPrincipal, Roles, type Principal } from '@circulator/identity';
import { CaseRepository, RoomRepository } from '@circulator/persistence';
import { CaseCommandService } from '@circulator/pipeline';
import { CLOCK, REALTIME_SETTINGS, disclosureFor, type RealtimeSettings } from '@circulator/realtime';
import {
  idempotencyKey,
  parseChecklistBody,
  parseLimitsBody,
  parseMilestoneBody,
  parseScheduleBody,
} from './case-commands.schemas';
import { parseAlertAckQuery } from './cases.schemas';

/** How far in the future a person may date a milestone (clocks on carts drift). */
const FUTURE_SLACK_MS = 5 * 60_000;

/** Two values of a milestone this close are the same entry, not a correction. */
const SAME_VALUE_MS = 60_000;

const ALERT_ID = /^[\x21-\x7e]{1,200}$/;

/**
 * What people do to cases (CONTRACT §3): clinicians record milestones and the checklist, the desk
 * moves cases, and alerts are acknowledged. Each becomes a fact on the one path every datum takes
 * (an inbox row, then the engine), so the case's event log names the person and the reason.
 */
@ApiTags('cases')
@ApiBearerAuth()
@Controller('api')
export class CaseCommandsController {
  constructor(
    private readonly cases: CaseRepository,
    private readonly rooms: RoomRepository,
    private readonly commands: CaseCommandService,
    private readonly audit: AuditService,
    @Inject(REALTIME_SETTINGS) private readonly settings: RealtimeSettings,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @Post('cases/:id/milestones')
  @HttpCode(200)
  @Roles(...CLINICAL_ROLES)
  @ApiOperation({
    summary:
      'Record a milestone (at: when it happened, default now; null withdraws your entry; reason for a correction)',
  })
  async milestone(
    @CurrentPrincipal() principal: Principal,
    @Param('id') id: string,
    @Body() raw: unknown,
    @Headers('idempotency-key') key?: string,
  ): Promise<CaseView> {
    const body = parseMilestoneBody(raw);
    const state = await this.caseOr404(id);
    const now = this.clock.now();
    const value = body.at === undefined ? now.toISOString() : body.at;
    if (value !== null && Date.parse(value) > now.getTime() + FUTURE_SLACK_MS) {
      throw invalid(`at: ${value} is in the future`);
    }
    const shown = state.milestones[body.milestone];
    const correction =
      value === null || (shown !== undefined && Math.abs(Date.parse(shown) - Date.parse(value)) >= SAME_VALUE_MS);
    if (correction && !body.reason) {
      throw invalid(
        value === null
          ? 'reason: withdrawing a milestone needs a reason'
          : `reason: ${body.milestone} already shows ${shown}; a correction needs a reason`,
      );
    }
    const actor = actorOf(principal, CLINICAL_ROLES);
    const fact: FactDraft = {
      kind: 'milestone',
      at: now.toISOString(),
      target: { caseId: id },
      milestone: body.milestone,
      value,
      via: 'manual',
      actor,
      ...(body.reason ? { reason: body.reason } : {}),
    };
    await this.commands.submit({
      fact,
      actor,
      label: `${correction ? 'correct' : 'record'} ${body.milestone} (${actor.role})`,
      ...keyOf(key),
    });
    await this.audit.record({
      principal,
      action: correction ? 'cases.milestone.correct' : 'cases.milestone',
      targetType: 'case',
      targetId: id,
      detail: { milestone: body.milestone, value, from: shown ?? null, reason: body.reason ?? null },
    });
    return this.view(principal, id);
  }

  @Post('cases/:id/checklist')
  @HttpCode(200)
  @Roles(...CLINICAL_ROLES)
  @ApiOperation({ summary: 'Record a WHO Surgical Safety Checklist part: signIn, timeOut or signOut' })
  async checklist(
    @CurrentPrincipal() principal: Principal,
    @Param('id') id: string,
    @Body() raw: unknown,
    @Headers('idempotency-key') key?: string,
  ): Promise<CaseView> {
    const body = parseChecklistBody(raw);
    await this.caseOr404(id);
    const now = this.clock.now();
    const at = body.at ?? now.toISOString();
    if (Date.parse(at) > now.getTime() + FUTURE_SLACK_MS) throw invalid(`at: ${at} is in the future`);
    const actor = actorOf(principal, CLINICAL_ROLES);
    const completed = body.completed ?? true;
    const fact: FactDraft = {
      kind: 'checklist',
      at,
      target: { caseId: id },
      phase: body.phase,
      completed,
      actor,
      ...(body.note ? { note: body.note } : {}),
    };
    await this.commands.submit({
      fact,
      actor,
      label: `${completed ? 'record' : 'withdraw'} ${body.phase} (${actor.role})`,
      ...keyOf(key),
    });
    await this.audit.record({
      principal,
      action: 'cases.checklist',
      targetType: 'case',
      targetId: id,
      detail: { phase: body.phase, completed, at },
    });
    return this.view(principal, id);
  }

  @Put('cases/:id/limits')
  @Roles('anesthesiologist', 'admin')
  @ApiOperation({
    summary:
      "Set the case's own vital-sign limits over the site's (per vital: low, high, criticalLow, criticalHigh — null turns one off — sustainSeconds, staleSeconds; {} restores the site's), with a reason",
  })
  async limits(
    @CurrentPrincipal() principal: Principal,
    @Param('id') id: string,
    @Body() raw: unknown,
    @Headers('idempotency-key') key?: string,
  ): Promise<CaseView> {
    const body = parseLimitsBody(raw);
    const state = await this.caseOr404(id);
    const actor = actorOf(principal, ['anesthesiologist', 'admin']);
    const fact: FactDraft = {
      kind: 'limits',
      at: this.clock.now().toISOString(),
      target: { caseId: id },
      limits: body.limits,
      reason: body.reason,
      actor,
    };
    await this.commands.submit({ fact, actor, label: `set vital limits (${actor.role})`, ...keyOf(key) });
    await this.audit.record({
      principal,
      action: 'cases.limits',
      targetType: 'case',
      targetId: id,
      detail: { from: state.limits ?? null, to: body.limits, reason: body.reason },
    });
    return this.view(principal, id);
  }

  @Patch('cases/:id')
  @Roles('scheduler')
  @ApiOperation({ summary: 'Move a case to another room or time (409 with the conflicts when it cannot be)' })
  async reschedule(
    @CurrentPrincipal() principal: Principal,
    @Param('id') id: string,
    @Body() raw: unknown,
    @Headers('idempotency-key') key?: string,
  ): Promise<CaseView> {
    const body = parseScheduleBody(raw);
    const state = await this.caseOr404(id);
    if (!isOpenCase(state)) {
      throw new ConflictException({
        type: 'urn:circulator:problem:schedule-conflict',
        title: 'Schedule conflict',
        detail: `case ${id} is ${state.status}: it cannot be moved`,
        conflicts: [{ kind: 'closed', status: state.status, message: `case ${id} is ${state.status}` }],
      });
    }
    const room = body.roomId === undefined ? undefined : await this.rooms.get(body.roomId);
    if (body.roomId !== undefined && !room) throw new UnprocessableEntityException(`no room ${body.roomId}`);
    const start = body.scheduledStart ?? state.scheduledStart;
    // Moving the start keeps the duration unless a new end is given.
    const end =
      body.scheduledEnd ??
      (body.scheduledStart
        ? new Date(
            Date.parse(body.scheduledStart) + (Date.parse(state.scheduledEnd) - Date.parse(state.scheduledStart)),
          ).toISOString()
        : state.scheduledEnd);
    const proposed = { roomId: room?.id ?? state.roomId, scheduledStart: start, scheduledEnd: end };
    const around = await this.cases.listBetween(
      new Date(Date.parse(start) - 24 * 3_600_000).toISOString(),
      new Date(Date.parse(end) + 24 * 3_600_000).toISOString(),
      proposed.roomId,
    );
    const conflicts = scheduleConflicts(state, proposed, around);
    if (conflicts.length) {
      throw new ConflictException({
        type: 'urn:circulator:problem:schedule-conflict',
        title: 'Schedule conflict',
        detail: conflicts.map((c) => c.message).join('; '),
        conflicts,
      });
    }
    const actor = actorOf(principal, ['scheduler']);
    const fact: FactDraft = {
      kind: 'schedule',
      action: 'modified',
      at: this.clock.now().toISOString(),
      identifiers: {},
      caseId: id,
      scheduledStart: start,
      scheduledEnd: end,
      actor,
      ...(room ? { room: { id: room.id, name: room.name } } : {}),
    };
    await this.commands.submit({ fact, actor, label: `desk move (${actor.role})`, ...keyOf(key) });
    await this.audit.record({
      principal,
      action: 'cases.reschedule',
      targetType: 'case',
      targetId: id,
      detail: {
        from: { roomId: state.roomId, scheduledStart: state.scheduledStart, scheduledEnd: state.scheduledEnd },
        to: proposed,
        reason: body.reason ?? null,
      },
    });
    return this.view(principal, id);
  }

  @Post('alerts/:id/ack')
  @HttpCode(200)
  @Roles(...ROLES.filter((r) => r !== 'display' && r !== 'integration'))
  @ApiOperation({
    summary: 'Acknowledge an alert (by the roles that act on its kind); ?caseId= when several cases show it',
  })
  @ApiQuery({ name: 'caseId', required: false })
  async acknowledge(
    @CurrentPrincipal() principal: Principal,
    @Param('id') alertId: string,
    @Query() query: unknown,
    @Headers('idempotency-key') key?: string,
  ): Promise<{ caseId: string; alert: AlertView }> {
    if (!ALERT_ID.test(alertId)) throw invalid('id: not an alert id');
    const { caseId } = parseAlertAckQuery(query);
    const showing = (await this.cases.findByAlert(alertId, caseId)).filter(isOpenCase);
    const [target, ...others] = showing;
    if (!target) throw new NotFoundException(`no open case shows alert ${alertId}`);
    if (others.length) {
      throw new ConflictException({
        type: 'urn:circulator:problem:ambiguous-alert',
        title: 'Ambiguous alert',
        detail: `${showing.length} open cases show alert ${alertId}; name one with ?caseId=`,
        caseIds: showing.map((c) => c.id),
      });
    }
    const alert = target.alerts.find((a) => a.id === alertId)!;
    const allowed = alertAckRoles(alert.kind);
    if (!principal.roles.some((r) => allowed.includes(r))) {
      throw new ForbiddenException(`a ${alert.kind} alert is acknowledged by ${allowed.join(', ')}`);
    }
    const actor = actorOf(principal, allowed);
    const fact: FactDraft = {
      kind: 'acknowledgement',
      at: this.clock.now().toISOString(),
      target: { caseId: target.id },
      alertId,
      actor,
    };
    await this.commands.submit({ fact, actor, label: `acknowledge ${alertId} (${actor.role})`, ...keyOf(key) });
    await this.audit.record({
      principal,
      action: 'alerts.ack',
      targetType: 'case',
      targetId: target.id,
      detail: { alertId, kind: alert.kind },
    });
    const after = await this.cases.get(target.id);
    const shown = after?.alerts.find((a) => a.id === alertId) ?? alert;
    return { caseId: target.id, alert: { ...shown } };
  }

  private async caseOr404(id: string): Promise<CaseState> {
    const state = isCaseId(id) ? await this.cases.get(id) : undefined;
    if (!state) throw new NotFoundException(`no case ${id}`);
    return state;
  }

  private async view(principal: Principal, id: string): Promise<CaseView> {
    const state = await this.caseOr404(id);
    return toCaseView(state, disclosureFor(principal));
  }
}

/** The person as a fact names them: the first of their roles the operation allows. */
function actorOf(principal: Principal, allowed: readonly Role[]): Actor {
  const role = principal.roles.find((r) => allowed.includes(r)) ?? principal.roles[0] ?? 'unknown';
  return { id: principal.sub, role, name: principal.username };
}

function keyOf(header: string | undefined): { idempotencyKey?: string } {
  const key = idempotencyKey(header);
  return key === undefined ? {} : { idempotencyKey: key };
}

function invalid(detail: string): UnprocessableEntityException {
  return new UnprocessableEntityException({
    type: 'urn:circulator:problem:invalid-request',
    title: 'Invalid request',
    detail,
  });
}
