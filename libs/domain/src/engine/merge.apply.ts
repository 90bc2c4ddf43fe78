import type { ApplyContext, ApplyResult } from '../case.engine';
import type { CaseState } from '../case.model';
import type { MergeFact } from '../fact';
import { CaseDraft } from './case.draft';
import { stampOf, withStamp } from './stamp';
import { invalidTime, noCase } from './warnings';

/**
 * A merge (A40): the merged MRN now means the survivor. The merge is kept and the case's MRN is
 * derived (the schedule's MRN followed through the merges), so a late schedule or ADT fact under
 * the old MRN cannot bring it back; `patient.mergedFrom` lists the MRNs that lead to it. The
 * survivor's demographics, where given, are written like any other at the merge's time.
 */
export function applyMerge(current: CaseState | undefined, fact: MergeFact, ctx: ApplyContext): ApplyResult {
  const stamp = stampOf(fact);
  if (Number.isNaN(stamp.ms)) return invalidTime(current, fact);
  if (!current) return noCase(fact);
  const d = new CaseDraft(current, fact, stamp, ctx.policy);
  if (fact.merged.mrn && fact.survivor.mrn && fact.merged.mrn !== fact.survivor.mrn) {
    d.recordMerge(withStamp(stamp, { at: fact.at, from: fact.merged.mrn, to: fact.survivor.mrn }));
  }
  d.writeDemographics(fact.survivor);
  return d.commit(() => 'patient-merged', { merged: fact.merged.mrn, survivor: fact.survivor.mrn }, ctx.receivedAt);
}
