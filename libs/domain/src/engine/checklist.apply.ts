import type { ApplyContext, ApplyResult } from '../case.engine';
import type { CaseState, ChecklistClaim } from '../case.model';
import type { ChecklistFact } from '../fact';
import { CaseDraft } from './case.draft';
import { deepEqual } from './equal';
import { compareStamps, stampOf, withStamp } from './stamp';
import { invalidTime, noCase } from './warnings';

/**
 * A WHO Surgical Safety Checklist part recorded (or withdrawn: recorded in error). Each part is
 * last-writer-wins by the fact's time. A part missing when its milestone is reached raises an alert
 * (see `CaseDraft.deriveChecklistAlerts`).
 */
export function applyChecklist(current: CaseState | undefined, fact: ChecklistFact, ctx: ApplyContext): ApplyResult {
  const stamp = stampOf(fact);
  if (Number.isNaN(stamp.ms)) return invalidTime(current, fact);
  if (!current) return noCase(fact);
  const d = new CaseDraft(current, fact, stamp, ctx.policy);
  const known = d.track.checklist?.[fact.phase];
  if (!known || compareStamps(stamp, known) >= 0) {
    const claim: ChecklistClaim = withStamp(stamp, { completed: fact.completed, at: fact.at });
    const by = fact.actor?.name ?? fact.actor?.role;
    if (by) claim.by = by;
    if (!deepEqual(known, claim)) d.checklistClaims()[fact.phase] = claim;
  }
  const meta: Record<string, unknown> = { phase: fact.phase, completed: fact.completed };
  if (fact.actor) meta.actor = fact.actor;
  if (fact.note) meta.note = fact.note;
  return d.commit(
    (change) => (change.checklist ? 'checklist-recorded' : change.alerts ? 'alert-cleared' : 'checklist-recorded'),
    meta,
    ctx.receivedAt,
  );
}
