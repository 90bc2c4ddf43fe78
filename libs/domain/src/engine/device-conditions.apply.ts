import type { ApplyContext, ApplyResult, CasePolicy } from '../case.engine';
import type { CaseState } from '../case.model';
import { casePhase } from '../alerts/case.phase';
import { zoneDistance } from '../alerts/device.availability';
import { evaluateDeviceOffline } from '../alerts/device.rules';
import type { RuleOutcome, RuleTrack } from '../alerts/rules.model';
import type { DeviceConditionsFact } from '../fact';
import { CaseDraft } from './case.draft';
import { alertEventKind } from './event.kind';
import { stampOf } from './stamp';
import { invalidTime, noCase } from './warnings';

/**
 * What the device-offline rule makes of a case at the fact's time, without changing anything: the
 * watchdog asks first and writes a fact only when the outcome changes the case's alerts. Backups
 * in other rooms go by the site's zones (`policy.roomZones`, `zoneDistance`), then by id.
 */
export function evaluateDeviceConditions(
  state: Pick<CaseState, 'id' | 'roomId' | 'milestones'>,
  rules: RuleTrack | undefined,
  fact: Omit<DeviceConditionsFact, 'source'>,
  policy?: CasePolicy,
): RuleOutcome {
  return evaluateDeviceOffline(
    rules,
    {
      case: { id: state.id, roomId: state.roomId },
      devices: fact.devices,
      ...(fact.activeCaseIds ? { activeCaseIds: fact.activeCaseIds } : {}),
      ...(policy?.roomZones ? { distance: zoneDistance(policy.roomZones) } : {}),
    },
    { now: fact.at, phase: casePhase(state.milestones, fact.at) },
  );
}

/** Whether an outcome changes the case's alerts (else no fact is worth writing). */
export function changesAlerts(outcome: RuleOutcome): boolean {
  return outcome.raised.length > 0 || outcome.updated.length > 0 || outcome.cleared.length > 0;
}

/**
 * Device conditions at a tick (the watchdog): the device-offline rule evaluated on the registry's
 * view of the room, its alerts (with the proposed backup) raised, updated or cleared on the case.
 * Ticks are applied newest-wins: an older tick arriving late changes nothing.
 */
export function applyDeviceConditions(
  current: CaseState | undefined,
  fact: DeviceConditionsFact,
  ctx: ApplyContext,
): ApplyResult {
  const stamp = stampOf(fact);
  if (Number.isNaN(stamp.ms)) return invalidTime(current, fact);
  if (!current) return noCase(fact);
  const d = new CaseDraft(current, fact, stamp, ctx.policy);
  if (d.claim('deviceConditions')) d.applyRules(evaluateDeviceConditions(d.next, d.track.rules, fact, ctx.policy));
  return d.commit(
    (change) => alertEventKind(change, 'alert-updated'),
    { devices: fact.devices.map((x) => ({ id: x.id, state: x.state, since: x.since, roomId: x.roomId })) },
    ctx.receivedAt,
  );
}
