import { VITAL_NAMES, type AlertPriority, type VitalName } from '@circulator/contracts';
import { finish, openTrack, ruleAlertId } from './rule.outcome';
import { formatDuration } from './rule.text';
import { DEFAULT_RULE_CONFIG, VITAL_PARAMETERS } from './rules.config';
import type { CasePhase, ExpectedChanges, RuleAnnotation, RuleOutcome, RuleTrack, VitalLimitSet } from './rules.model';
import { expectedPhase } from './vital.rules';

export interface StaleRuleContext {
  /** The tick: the caller's clock (the domain reads none). */
  now: string;
  /** The case's phase at `now`; `none` (not in the room) clears every stale alert. */
  phase: CasePhase;
  limits?: VitalLimitSet;
  expected?: ExpectedChanges;
  priority?: AlertPriority;
}

/** The alert id of stale data: `rule:stale:hr`. */
export function staleAlertId(name: VitalName): string {
  return `rule:stale:${name}`;
}

/**
 * Stale data (kind `stale-data`): while the case is in the room, a vital that has had readings
 * but none for longer than its `staleSeconds` (by `now` against the newest reading the vital rules
 * evaluated) raises a low-priority alert; the next tick after a newer reading clears it. A vital
 * never seen raises nothing (the monitor may not measure it). A phase that expects the loss
 * (`etco2:stale` at induction) annotates it once per silence instead; an alert already showing stays.
 */
export function evaluateStale(state: RuleTrack | undefined, ctx: StaleRuleContext): RuleOutcome {
  const nowMs = Date.parse(ctx.now);
  if (Number.isNaN(nowMs)) return finish(state, openTrack(state), []);
  const limits = ctx.limits ?? DEFAULT_RULE_CONFIG.vitals;
  const expected = ctx.expected ?? DEFAULT_RULE_CONFIG.expected;
  const priority = ctx.priority ?? DEFAULT_RULE_CONFIG.stale.priority;
  const next = openTrack(state);
  const annotations: RuleAnnotation[] = [];

  for (const name of VITAL_NAMES) {
    const last = next.lastAt[`vital:${name}`];
    const lastMs = last === undefined ? NaN : Date.parse(last);
    if (last === undefined || Number.isNaN(lastMs)) continue;
    const ruleKey = `stale:${name}`;
    const id = ruleAlertId(ruleKey);
    const seconds = limits[name].staleSeconds;
    if (ctx.phase === 'none' || nowMs - lastMs <= seconds * 1000) {
      delete next.active[id];
      delete next.notes[ruleKey];
      continue;
    }
    const info = VITAL_PARAMETERS[name];
    const message = `No ${info.label} reading for over ${formatDuration(seconds)}`;
    const shown = next.active[id];
    const phase = expectedPhase(expected, ctx.phase, `${name}:stale`);
    if (!shown && phase !== undefined) {
      if (next.notes[ruleKey] === last) continue;
      next.notes[ruleKey] = last;
      annotations.push({
        id: `note:${ruleKey}@${last}`,
        kind: 'stale-data',
        ruleId: ruleKey,
        priority: 'low',
        expected: true,
        phase,
        at: ctx.now,
        message: `${message} (expected during ${phase})`,
        parameter: name,
        unit: 's',
        limit: seconds,
        since: last,
      });
      continue;
    }
    next.active[id] = {
      id,
      kind: 'stale-data',
      priority,
      message,
      raisedAt: shown?.raisedAt ?? ctx.now,
      ruleId: ruleKey,
      parameter: name,
      unit: 's',
      limit: seconds,
      since: last,
    };
  }
  return finish(state, next, annotations);
}
