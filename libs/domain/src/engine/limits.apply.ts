import type { VitalName } from '@circulator/contracts';
import type { ApplyContext, ApplyResult, CasePolicy } from '../case.engine';
import type { CaseState } from '../case.model';
import { DEFAULT_RULE_CONFIG, resolveLimits } from '../alerts/rules.config';
import type { LimitOverrides, Limits } from '../alerts/rules.model';
import type { LimitsFact } from '../fact';
import { CaseDraft } from './case.draft';
import { deepEqual } from './equal';
import { alertEventKind } from './event.kind';
import { stampOf } from './stamp';
import { invalidTime, noCase } from './warnings';

/** The adult defaults (docs/alert-rules.md), resolved once. */
const DEFAULT_VITAL_LIMITS = resolveLimits(DEFAULT_RULE_CONFIG.vitals);

/** Resolved limits per (site limits, case overrides): a case's readings resolve them once, not per reading. */
const resolved = new WeakMap<object, WeakMap<object, Record<VitalName, Limits>>>();

/**
 * The vital-sign limits in force for a case: the site's (`policy.vitalLimits`, else the documented
 * adult defaults) with the case's own overrides (`state.limits`) applied field by field.
 */
export function vitalLimitsOf(
  state: Pick<CaseState, 'limits'>,
  policy: CasePolicy | undefined,
): Record<VitalName, Limits> {
  const site = policy?.vitalLimits ?? DEFAULT_VITAL_LIMITS;
  const overrides = state.limits;
  if (!overrides) return site;
  let bySite = resolved.get(site);
  if (!bySite) resolved.set(site, (bySite = new WeakMap()));
  let out = bySite.get(overrides);
  if (!out) bySite.set(overrides, (out = resolveLimits(site, overrides)));
  return out;
}

/**
 * A case's own vital limits (`PUT /api/cases/{id}/limits`): the newest by source time replaces the
 * whole override (`{}` goes back to the site's limits). Alerts already showing are judged again by
 * the next reading (and the stale rule at the next tick): a limit change is not a reading.
 */
export function applyLimits(current: CaseState | undefined, fact: LimitsFact, ctx: ApplyContext): ApplyResult {
  const stamp = stampOf(fact);
  if (Number.isNaN(stamp.ms)) return invalidTime(current, fact);
  if (!current) return noCase(fact);
  const d = new CaseDraft(current, fact, stamp, ctx.policy);
  if (d.claim('limits')) {
    const limits = normalLimits(fact.limits);
    if (Object.keys(limits).length) {
      if (!deepEqual(d.next.limits, limits)) d.next.limits = limits;
    } else if (d.next.limits) delete d.next.limits;
  }
  const meta: Record<string, unknown> = {};
  if (fact.reason) meta.reason = fact.reason;
  if (fact.actor) meta.actor = fact.actor;
  return d.commit((change) => alertEventKind(change, 'limits-changed'), meta, ctx.receivedAt);
}

/** The override without empty parameters, as a fresh object (the fact is never shared with the state). */
function normalLimits(limits: LimitOverrides<VitalName>): LimitOverrides<VitalName> {
  const out: LimitOverrides<VitalName> = {};
  for (const [name, override] of Object.entries(limits) as [VitalName, LimitOverrides<VitalName>[VitalName]][]) {
    if (override && Object.keys(override).length) out[name] = { ...override };
  }
  return out;
}
