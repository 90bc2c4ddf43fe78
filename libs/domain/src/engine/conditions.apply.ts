import type { ApplyContext, ApplyResult, CasePolicy } from '../case.engine';
import type { CaseState } from '../case.model';
import { casePhase } from '../alerts/case.phase';
import { evaluateEnvironment } from '../alerts/environment.rules';
import { zoneDistance } from '../alerts/device.availability';
import { evaluateEquipment } from '../alerts/equipment.rules';
import { clearRuleAlerts, finish, openTrack } from '../alerts/rule.outcome';
import {
  emptyRuleTrack,
  type RuleAlert,
  type RuleAnnotation,
  type RuleOutcome,
  type RuleTrack,
} from '../alerts/rules.model';
import { evaluateStale } from '../alerts/stale.rules';
import type { ConditionsFact, EquipmentNeed } from '../fact';
import { CaseDraft, isMonitored } from './case.draft';
import { deepEqual } from './equal';
import { alertEventKind } from './event.kind';
import { vitalLimitsOf } from './limits.apply';
import { stampOf } from './stamp';
import { invalidTime, noCase } from './warnings';

/** What the conditions rules read of a case. */
export type ConditionsCase = Pick<
  CaseState,
  'id' | 'roomId' | 'status' | 'milestones' | 'scheduledStart' | 'scheduledEnd' | 'equipment' | 'limits'
>;

const ENVIRONMENT = (a: RuleAlert): boolean => a.kind === 'environment';
const EQUIPMENT = (a: RuleAlert): boolean => a.kind === 'equipment-conflict' || a.kind === 'maintenance-due';

/**
 * What the tick's rules make of a case at the fact's time, without changing anything (the worker
 * asks first and writes a fact only when the outcome changes the case's alerts):
 *
 * - stale data (`evaluateStale`) at the tick, with the case's own limits over the site's;
 * - room environment (`evaluateEnvironment`) on the room's newest readings while the patient is
 *   in the room; out of the room its alerts clear;
 * - equipment (`evaluateEquipment`, both its kinds: maintenance due on a device of a needed type in
 *   the case's room, and conflicts) on the device types the registry tracks; a case that is over
 *   or off clears them.
 */
export function evaluateConditions(
  state: ConditionsCase,
  rules: RuleTrack | undefined,
  fact: Omit<ConditionsFact, 'source'>,
  policy?: CasePolicy,
): RuleOutcome {
  const live = isMonitored(state.status);
  const phase = live ? casePhase(state.milestones, fact.at) : 'none';
  const annotations: RuleAnnotation[] = [];

  const stale = evaluateStale(rules, { now: fact.at, phase, limits: vitalLimitsOf(state, policy) });
  annotations.push(...stale.annotations);
  let track = stale.state;

  if (phase === 'none') track = clearRuleAlerts(track, ENVIRONMENT).state;
  else if (fact.environment?.length) {
    track = evaluateEnvironment(track, { roomId: state.roomId, readings: fact.environment }).state;
  }

  if (!live) track = clearRuleAlerts(track, EQUIPMENT).state;
  else if (fact.equipment) {
    const tracked = new Set(fact.equipment.tracked.map(normalType));
    const typeOf = (need: EquipmentNeed): string | undefined => {
      const type = (need.code ?? need.text).trim();
      return type && tracked.has(normalType(type)) ? type : undefined;
    };
    const upcoming = {
      id: state.id,
      roomId: state.roomId,
      scheduledStart: state.scheduledStart,
      scheduledEnd: state.scheduledEnd,
      ...(state.equipment ? { equipment: state.equipment } : {}),
    };
    track = evaluateEquipment(
      track,
      {
        case: upcoming,
        cases: fact.equipment.cases,
        devices: fact.equipment.devices,
        typeOf,
        ...(policy?.roomZones ? { distance: zoneDistance(policy.roomZones) } : {}),
      },
      { now: fact.at, kinds: ['maintenance-due', 'equipment-conflict'] },
    ).state;
  }
  return finish(rules, track === rules ? openTrack(rules) : track, annotations);
}

/**
 * Whether a tick's outcome is worth a fact: it changes the case's alerts, or the rules' state (a
 * new room reading starts or ends an excursion: the sustain time is measured from it, so it must
 * be kept even though nothing shows yet).
 */
export function conditionsWorthWriting(rules: RuleTrack | undefined, outcome: RuleOutcome): boolean {
  if (outcome.raised.length || outcome.updated.length || outcome.cleared.length) return true;
  return outcome.state !== rules && !deepEqual(rules ?? emptyRuleTrack(), outcome.state);
}

function normalType(type: string): string {
  return type.trim().toLowerCase();
}

/**
 * Conditions at a tick (the worker's rule tick): stale data, room environment, maintenance due
 * and equipment conflicts evaluated on what the tick saw, their alerts raised, updated or cleared on the case.
 * Ticks are applied newest-wins: an older tick arriving late changes nothing.
 */
export function applyConditions(current: CaseState | undefined, fact: ConditionsFact, ctx: ApplyContext): ApplyResult {
  const stamp = stampOf(fact);
  if (Number.isNaN(stamp.ms)) return invalidTime(current, fact);
  if (!current) return noCase(fact);
  const d = new CaseDraft(current, fact, stamp, ctx.policy);
  const meta: Record<string, unknown> = {};
  if (d.claim('conditions')) {
    const outcome = evaluateConditions(d.next, d.track.rules, fact, ctx.policy);
    d.applyRules(outcome);
    if (outcome.annotations.length) meta.annotations = outcome.annotations;
  }
  if (fact.environment?.length) meta.environment = fact.environment;
  return d.commit((change) => alertEventKind(change, 'alert-updated'), meta, ctx.receivedAt);
}
