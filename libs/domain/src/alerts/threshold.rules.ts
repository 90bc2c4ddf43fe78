import { inParameterUnit, type ParameterInfo } from './rules.config';
import { ruleAlertId } from './rule.outcome';
import { keptValue, withUnit } from './rule.text';
import type {
  CasePhase,
  Excursion,
  LevelRun,
  LimitSide,
  Limits,
  RuleAnnotation,
  RuleKind,
  RuleTrack,
} from './rules.model';

/**
 * Limits with sustain time and hysteresis (IEC 60601-1-8 alarm conditions), shared by the vital and
 * the environment rules. Per parameter and side (low, high) there are two levels, the limit and the
 * critical limit, each a {@link LevelRun}:
 *
 * - A run starts at a reading beyond the limit and raises once a reading beyond it comes at least
 *   `sustainSeconds` after the run's first (by the readings' own times; 0 = at once).
 * - It lasts until a reading back inside by the hysteresis margin (a reading between the limit and
 *   the margin neither ends nor restarts it). A raised run then ends once readings have stayed
 *   inside by the margin for `clearSeconds` (0 = at the first such reading): the alert clears, or
 *   drops from the critical to the limit's priority when only the critical run ended.
 * - A pending run whose readings are more than `staleSeconds` apart restarts: nobody knows what the
 *   value did in the gap.
 * - A critical run that raises marks the limit run raised too, so that the alert steps down rather
 *   than vanishing when the value recovers to between the two limits.
 *
 * Out of order: a reading not newer than the parameter's last evaluated reading is ignored by the
 * rules (it still reaches the case's vitals through the engine). One call's readings are evaluated
 * in time order; of readings at one instant the larger value is evaluated (as the case's vitals
 * keep it) and the others are ignored.
 */

/** One parameter as the threshold rules see it. */
export interface ThresholdParameter {
  /** Track key of the parameter: `vital:spo2`, `env:or-1:temp`. Sides add `:low`, `:high`. */
  key: string;
  /** Rule id prefix: `vital:spo2`, `environment:temp`. */
  ruleId: string;
  kind: RuleKind;
  parameter: string;
  info: ParameterInfo;
  limits: Limits;
  roomId?: string;
}

export interface ThresholdReading {
  value: number;
  unit: string;
  at: string;
}

/** Whether a side's change is expected at `at`: the phase that expects it, else undefined. */
export type ExpectedAt = (side: LimitSide, at: string) => CasePhase | undefined;

interface Reading {
  at: string;
  ms: number;
  value: number;
}

const SIDES: readonly LimitSide[] = ['low', 'high'];

/** Evaluates one parameter's readings into `track` (a working copy), collecting annotations. */
export function runThresholds(
  track: RuleTrack,
  p: ThresholdParameter,
  readings: readonly ThresholdReading[],
  expectedAt: ExpectedAt,
  annotations: RuleAnnotation[],
): void {
  const usable: Reading[] = [];
  for (const r of readings) {
    const ms = Date.parse(r.at);
    const value = inParameterUnit(p.info, r.value, r.unit);
    if (!Number.isNaN(ms) && value !== undefined) usable.push({ at: r.at, ms, value });
  }
  usable.sort((a, b) => a.ms - b.ms || b.value - a.value);
  const last = track.lastAt[p.key];
  let lastMs = last === undefined ? undefined : Date.parse(last);
  for (const r of usable) {
    if (lastMs !== undefined && r.ms <= lastMs) continue;
    for (const side of SIDES) stepSide(track, p, side, r, lastMs, expectedAt, annotations);
    track.lastAt[p.key] = r.at;
    lastMs = r.ms;
  }
}

function stepSide(
  track: RuleTrack,
  p: ThresholdParameter,
  side: LimitSide,
  r: Reading,
  prevMs: number | undefined,
  expectedAt: ExpectedAt,
  annotations: RuleAnnotation[],
): void {
  const ruleKey = `${p.key}:${side}`;
  const alertId = ruleAlertId(ruleKey);
  const known = track.excursions[ruleKey] ?? {};
  const before = levelOf(known);
  const lim = side === 'low' ? p.limits.low : p.limits.high;
  const crit = side === 'low' ? p.limits.criticalLow : p.limits.criticalHigh;
  const limit = stepRun(known.limit, r, lim, side, p.limits, prevMs);
  const critical = stepRun(known.critical, r, crit, side, p.limits, prevMs);

  if (critical.due && critical.run) {
    critical.run = { ...critical.run, raised: r.at };
    if (limit.run && !limit.run.raised) limit.run = { ...limit.run, raised: r.at };
  }
  if (limit.due && limit.run && !limit.run.raised) {
    const phase = expectedAt(side, r.at);
    if (phase === undefined) {
      limit.run = { ...limit.run, raised: r.at };
    } else if (track.notes[ruleKey] !== limit.run.since) {
      track.notes[ruleKey] = limit.run.since;
      annotations.push(annotationOf(p, side, ruleKey, phase, r, lim!, limit.run.since));
    }
  }

  const next: Excursion = {};
  if (limit.run) next.limit = limit.run;
  if (critical.run) next.critical = critical.run;
  if (next.limit || next.critical) track.excursions[ruleKey] = next;
  else delete track.excursions[ruleKey];
  if (track.notes[ruleKey] !== undefined && track.notes[ruleKey] !== next.limit?.since) delete track.notes[ruleKey];

  const after = levelOf(next);
  if (after === 0) {
    delete track.active[alertId];
    return;
  }
  const shown = track.active[alertId];
  if (shown && after === before) return;
  const level = after === 2 ? { limit: crit!, priority: p.limits.criticalPriority, critical: true } : undefined;
  const since = (next.limit ?? next.critical)!.since;
  track.active[alertId] = {
    id: alertId,
    kind: p.kind,
    priority: level?.priority ?? p.limits.priority,
    message: textOf(p, side, r.value, level?.limit ?? lim!, level?.critical ?? false),
    raisedAt: shown?.raisedAt ?? r.at,
    ruleId: `${p.ruleId}:${side}`,
    parameter: p.parameter,
    value: keptValue(r.value),
    unit: p.info.unit,
    limit: level?.limit ?? lim!,
    since,
    ...(p.roomId === undefined ? {} : { roomId: p.roomId }),
  };
}

/** 2 when the critical run has raised, 1 when the limit run has, else 0. */
function levelOf(ex: Excursion): 0 | 1 | 2 {
  return ex.critical?.raised ? 2 : ex.limit?.raised ? 1 : 0;
}

/** One reading applied to one level's run; `due` when the run should raise now. */
function stepRun(
  known: LevelRun | undefined,
  r: Reading,
  limit: number | undefined,
  side: LimitSide,
  limits: Limits,
  prevMs: number | undefined,
): { run?: LevelRun; due: boolean } {
  let run = known;
  if (run && !run.raised && prevMs !== undefined && r.ms - prevMs > limits.staleSeconds * 1000) run = undefined;
  if (limit === undefined) return { due: false };
  if (side === 'low' ? r.value < limit : r.value > limit) {
    const next: LevelRun = run ? withoutClear(run) : { since: r.at, value: keptValue(r.value) };
    const due = !next.raised && r.ms - Date.parse(next.since) >= limits.sustainSeconds * 1000;
    return { run: next, due };
  }
  if (!run) return { due: false };
  const inside = side === 'low' ? r.value >= limit + limits.hysteresis : r.value <= limit - limits.hysteresis;
  if (!inside) return { run: withoutClear(run), due: false };
  if (!run.raised) return { due: false };
  const clear = run.clear ?? r.at;
  if (r.ms - Date.parse(clear) >= limits.clearSeconds * 1000) return { due: false };
  return { run: run.clear ? run : { ...run, clear }, due: false };
}

function withoutClear(run: LevelRun): LevelRun {
  if (run.clear === undefined) return run;
  const { clear: _clear, ...rest } = run;
  return rest;
}

/** `SpO2 low: 88 % < 90 %`, `HR critically high: 150 bpm > 140 bpm`. */
function textOf(p: ThresholdParameter, side: LimitSide, value: number, limit: number, critical: boolean): string {
  const unit = p.info.display;
  const sign = side === 'low' ? '<' : '>';
  return `${p.info.label} ${critical ? 'critically ' : ''}${side}: ${withUnit(value, unit)} ${sign} ${withUnit(limit, unit)}`;
}

function annotationOf(
  p: ThresholdParameter,
  side: LimitSide,
  ruleKey: string,
  phase: CasePhase,
  r: Reading,
  limit: number,
  since: string,
): RuleAnnotation {
  return {
    id: `note:${ruleKey}@${since}`,
    kind: p.kind,
    ruleId: `${p.ruleId}:${side}`,
    priority: 'low',
    expected: true,
    phase,
    at: r.at,
    message: `${textOf(p, side, r.value, limit, false)} (expected during ${phase})`,
    parameter: p.parameter,
    value: keptValue(r.value),
    unit: p.info.unit,
    limit,
    since,
  };
}
