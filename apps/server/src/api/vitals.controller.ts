import { Controller, Get, NotFoundException, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { isCaseId, type Role } from '@circulator/contracts';
import { AuditService, CurrentPrincipal, Roles, type Principal } from '@circulator/identity';
import { CaseRepository, VitalsRepository, type VitalMinutePoint, type VitalPoint } from '@circulator/persistence';
import { parseVitalsQuery, VITALS_MAX_WINDOW_MS } from './vitals.schemas';

/**
 * Who may read a case's vital-sign trends: the clinical roles and admin. Schedulers and
 * integration engineers see cases, not physiology (minimum PHI).
 */
export const VITALS_READER_ROLES: readonly Role[] = ['admin', 'surgeon', 'anesthesiologist', 'nurse'];

/** The most points one answer carries; `next` says where to go on. */
const MAX_POINTS = 20_000;

export interface VitalsSeries<P> {
  name: string;
  unit: string;
  points: P[];
}

export interface VitalsAnswer {
  caseId: string;
  step: 'raw' | '1m';
  from: string;
  to: string;
  series: VitalsSeries<
    { at: string; value: number } | { at: string; min: number; max: number; mean: number; count: number }
  >[];
  /** When the window held more than one answer's points: ask again from here. */
  next?: string;
}

/** Groups points by vital, in the order the vitals first appear, each oldest first. */
function bySeries<P extends { name: string; unit: string; at: string }, O>(
  points: readonly P[],
  shape: (p: P) => O,
): VitalsSeries<O>[] {
  const out = new Map<string, VitalsSeries<O>>();
  for (const p of points) {
    let s = out.get(p.name);
    if (!s) out.set(p.name, (s = { name: p.name, unit: p.unit, points: [] }));
    s.points.push(shape(p));
  }
  return [...out.values()];
}

/**
 * Vital-sign trends of a case (issue 5): `GET /api/cases/{id}/vitals?from&to&step`, from the
 * readings stored as they were applied (`step=raw`, kept `VITALS_RETENTION_DAYS`) or their
 * one-minute aggregates (`step=1m`, the default, kept longer). Audited like every patient read.
 */
@ApiTags('cases')
@ApiBearerAuth()
@Controller('api/cases')
export class VitalsController {
  constructor(
    private readonly cases: CaseRepository,
    private readonly vitals: VitalsRepository,
    private readonly audit: AuditService,
  ) {}

  @Get(':id/vitals')
  @Roles(...VITALS_READER_ROLES)
  @ApiOperation({ summary: "A case's vital-sign readings (raw) or one-minute aggregates (1m) over a window" })
  @ApiQuery({ name: 'from', required: false, description: 'ISO 8601 instant; default an hour before the case' })
  @ApiQuery({ name: 'to', required: false, description: 'ISO 8601 instant, exclusive; default the widest window' })
  @ApiQuery({ name: 'step', required: false, enum: ['raw', '1m'] })
  async vitalsOf(
    @CurrentPrincipal() principal: Principal,
    @Param('id') id: string,
    @Query() query: unknown,
  ): Promise<VitalsAnswer> {
    const q = parseVitalsQuery(query);
    const state = isCaseId(id) ? await this.cases.get(id) : undefined;
    if (!state) throw new NotFoundException(`no case ${id}`);
    const span = VITALS_MAX_WINDOW_MS[q.step];
    const starts = [state.scheduledStart, state.milestones.inRoom].flatMap((t) => (t ? [Date.parse(t)] : []));
    const from = q.from ?? (q.to ? new Date(q.to.getTime() - span) : new Date(Math.min(...starts) - 3_600_000));
    const to = q.to ?? new Date(from.getTime() + span);

    const answer: VitalsAnswer = {
      caseId: id,
      step: q.step,
      from: from.toISOString(),
      to: to.toISOString(),
      series: [],
    };
    let points: (VitalPoint | VitalMinutePoint)[] =
      q.step === 'raw'
        ? await this.vitals.raw(id, from, to, MAX_POINTS + 1)
        : await this.vitals.minutes(id, from, to, MAX_POINTS + 1);
    if (points.length > MAX_POINTS) {
      // Cut before the first instant not given whole: asking again from `next` misses nothing.
      const next = points[MAX_POINTS]!.at;
      points = points.slice(0, MAX_POINTS).filter((p) => p.at !== next);
      answer.next = next;
    }
    answer.series =
      q.step === 'raw'
        ? bySeries(points as VitalPoint[], (p) => ({ at: p.at, value: p.value }))
        : bySeries(points as VitalMinutePoint[], (p) => ({
            at: p.at,
            min: p.min,
            max: p.max,
            mean: p.mean,
            count: p.count,
          }));
    await this.audit.record({
      principal,
      action: 'cases.vitals',
      targetType: 'case',
      targetId: id,
      detail: { step: q.step, from: answer.from, to: answer.to },
    });
    return answer;
  }
}
