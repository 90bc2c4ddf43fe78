import type { ApplyContext, ApplyResult } from '../case.engine';
import type { AcknowledgementRecord, CaseState } from '../case.model';
import type { AcknowledgementFact } from '../fact';
import { CaseDraft } from './case.draft';
import { compareStamps, stampOf, withStamp } from './stamp';
import { invalidTime, noCase } from './warnings';

/**
 * A person acknowledged an alert. The newest acknowledgement per alert id is kept; it covers the
 * alert while the alert's episode was raised at or before it, so a new episode of the same alarm
 * must be acknowledged again. An acknowledgement of an alert the case does not show (yet: the
 * alarm's start may arrive later) is kept and warned about; the API refuses unknown alerts before
 * they become facts.
 */
export function applyAcknowledgement(
  current: CaseState | undefined,
  fact: AcknowledgementFact,
  ctx: ApplyContext,
): ApplyResult {
  const stamp = stampOf(fact);
  if (Number.isNaN(stamp.ms)) return invalidTime(current, fact);
  if (!current) return noCase(fact);
  const known = current.track?.acks?.[fact.alertId];
  const d = new CaseDraft(current, fact, stamp, ctx.policy);
  if (!known || compareStamps(stamp, known) > 0) {
    const record: AcknowledgementRecord = withStamp(stamp, { at: fact.at });
    const by = fact.actor?.name ?? fact.actor?.role;
    if (by) record.by = by;
    d.acks()[fact.alertId] = record;
  }
  const meta: Record<string, unknown> = { alertId: fact.alertId };
  if (fact.actor) meta.actor = fact.actor;
  const result = d.commit(() => 'alert-acknowledged', meta, ctx.receivedAt);
  if (!current.alerts.some((a) => a.id === fact.alertId)) {
    result.warnings.push({
      code: 'invalid-fact',
      message: `the case shows no alert ${fact.alertId}; the acknowledgement is kept for an episode raised before it`,
      source: fact.source,
    });
  }
  return result;
}
