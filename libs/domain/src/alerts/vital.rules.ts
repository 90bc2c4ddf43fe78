import { VITAL_NAMES, type VitalName } from '@circulator/contracts';
import type { VitalReading } from '../fact';
import { finish, openTrack } from './rule.outcome';
import { DEFAULT_RULE_CONFIG, VITAL_PARAMETERS } from './rules.config';
import type {
  CasePhase,
  ExpectedChange,
  ExpectedChanges,
  RuleAnnotation,
  RuleOutcome,
  RuleTrack,
  VitalLimitSet,
} from './rules.model';
import { runThresholds, type ThresholdReading } from './threshold.rules';

/** The case's phase: one for the whole call, or per reading time. */
export type PhaseInput = CasePhase | ((at: string) => CasePhase);

export interface VitalRuleContext {
  /** E.g. `(at) => casePhase(state.milestones, at)`, so that each reading is judged in its own phase. */
  phase: PhaseInput;
  /** The case's limits: `resolveLimits(DEFAULT_RULE_CONFIG.vitals, overrides)`; the defaults when absent. */
  limits?: VitalLimitSet;
  /** The changes each phase makes expected; `DEFAULT_RULE_CONFIG.expected` when absent. */
  expected?: ExpectedChanges;
}

/** The alert id of a vital limit: `rule:vital:spo2:low`. */
export function vitalAlertId(name: VitalName, side: 'low' | 'high'): string {
  return `rule:vital:${name}:${side}`;
}

/**
 * Vital-sign limits (kind `vital-limit`): readings against each vital's limits, with sustain time
 * and hysteresis (`threshold.rules.ts`), escalating from the limit's priority (medium) to the
 * critical limit's (high) under the same alert id. A change the reading's phase expects (a
 * heart-rate dip at induction) is annotated once per excursion instead of raised; critical limits
 * alarm in every phase. An alert already showing stays when the phase starts expecting it.
 *
 * Readings in a unit the vital does not accept are ignored; `°F`, `kPa` are converted.
 */
export function evaluateVitals(
  state: RuleTrack | undefined,
  readings: readonly VitalReading[],
  ctx: VitalRuleContext,
): RuleOutcome {
  const limits = ctx.limits ?? DEFAULT_RULE_CONFIG.vitals;
  const expected = ctx.expected ?? DEFAULT_RULE_CONFIG.expected;
  const phaseAt = typeof ctx.phase === 'function' ? ctx.phase : () => ctx.phase as CasePhase;
  const byName = new Map<VitalName, ThresholdReading[]>();
  for (const r of readings) {
    if (!VITAL_NAMES.includes(r.name)) continue;
    const list = byName.get(r.name) ?? [];
    list.push(r);
    byName.set(r.name, list);
  }

  const next = openTrack(state);
  const annotations: RuleAnnotation[] = [];
  for (const name of VITAL_NAMES) {
    const list = byName.get(name);
    if (!list) continue;
    const parameter = {
      key: `vital:${name}`,
      ruleId: `vital:${name}`,
      kind: 'vital-limit' as const,
      parameter: name,
      info: VITAL_PARAMETERS[name],
      limits: limits[name],
    };
    runThresholds(
      next,
      parameter,
      list,
      (side, at) => expectedPhase(expected, phaseAt(at), `${name}:${side}`),
      annotations,
    );
  }
  return finish(state, next, annotations);
}

/** The phase, when it expects the change; else undefined. */
export function expectedPhase(
  expected: ExpectedChanges,
  phase: CasePhase,
  change: ExpectedChange,
): CasePhase | undefined {
  return expected[phase]?.includes(change) ? phase : undefined;
}
