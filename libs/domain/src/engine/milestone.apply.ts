import type { ApplyContext, ApplyResult } from '../case.engine';
import type { CaseState, MilestoneClaim } from '../case.model';
import type { MilestoneFact } from '../fact';
import { CaseDraft, DEFAULT_CONFLICT_TOLERANCE_MS } from './case.draft';
import { deepEqual } from './equal';
import { compareStamps, stampOf, withStamp } from './stamp';
import { invalid, invalidTime, noCase } from './warnings';

/**
 * A milestone from one source (a person, a device event, an RTLS tag, FHIR, the schedule). Each
 * source keeps one claim per milestone, last-writer-wins by the fact's time; the case shows the
 * most trusted source's claim (see `CaseDraft.deriveMilestones`). A claim that loses to a more
 * trusted source's value, and is more than the tolerance away from it, is an integration warning
 * (`conflict`), never a silent overwrite. `value: null` withdraws the source's claim.
 */
export function applyMilestone(current: CaseState | undefined, fact: MilestoneFact, ctx: ApplyContext): ApplyResult {
  const stamp = stampOf(fact);
  if (Number.isNaN(stamp.ms)) return invalidTime(current, fact);
  if (!current) return noCase(fact);
  const valueMs = fact.value === null ? NaN : Date.parse(fact.value);
  if (fact.value !== null && Number.isNaN(valueMs)) {
    return invalid(current, fact, `milestone ${fact.milestone} time '${fact.value}' is not an ISO 8601 instant`);
  }

  const d = new CaseDraft(current, fact, stamp, ctx.policy);
  const known = d.track.claims?.[fact.milestone]?.[fact.via];
  if (!known || compareStamps(stamp, known) >= 0) {
    const claim: MilestoneClaim = withStamp(stamp, {
      value: fact.value,
      source: fact.source.label
        ? { kind: fact.source.kind, id: fact.source.id, label: fact.source.label }
        : { kind: fact.source.kind, id: fact.source.id },
    });
    if (fact.confidence) claim.confidence = fact.confidence;
    if (fact.reason) claim.reason = fact.reason;
    if (!deepEqual(known, claim)) d.claims(fact.milestone)[fact.via] = claim;
  }

  const meta: Record<string, unknown> = { milestone: fact.milestone, via: fact.via };
  if (fact.reason) meta.reason = fact.reason;
  if (fact.actor) meta.actor = fact.actor;
  const result = d.commit(() => 'milestone-recorded', meta, ctx.receivedAt);

  // Lost to a more trusted source with a different time: say so.
  const shown = result.state?.milestones[fact.milestone];
  const origin = d.milestoneOrigin(fact.milestone);
  const tolerance = ctx.policy?.conflictToleranceMs ?? DEFAULT_CONFLICT_TOLERANCE_MS;
  if (
    fact.value !== null &&
    shown !== undefined &&
    origin?.via !== undefined &&
    origin.via !== fact.via &&
    Math.abs(Date.parse(shown) - valueMs) > tolerance
  ) {
    result.warnings.push({
      code: 'conflict',
      message:
        `${fact.via} says ${fact.milestone} at ${fact.value}; the case keeps ${shown} from ${origin.via}` +
        ` (${origin.source?.label ?? origin.source?.id ?? 'unknown'}), which ranks higher`,
      source: fact.source,
    });
  }
  return result;
}
