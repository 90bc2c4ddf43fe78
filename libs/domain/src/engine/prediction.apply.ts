import type { AlertView } from '@circulator/contracts';
import type { ApplyContext, ApplyResult } from '../case.engine';
import type { CaseState } from '../case.model';
import type { PredictionFact } from '../fact';
import { CaseDraft } from './case.draft';
import { deepEqual } from './equal';
import { stampOf, withStamp } from './stamp';
import { invalidTime, noCase } from './warnings';

/** The alert kind of a room predicted to run past its staffed hours (for the desk). */
export const DELAY_ALERT_KIND = 'delay';
export const DELAY_ALERT_ID = 'delay:room';

/**
 * The platform's prediction for the case (newest by its time wins): predicted start and end with
 * their basis, and, on the room's last case, a delay alert when the room runs over.
 */
export function applyPrediction(current: CaseState | undefined, fact: PredictionFact, ctx: ApplyContext): ApplyResult {
  const stamp = stampOf(fact);
  if (Number.isNaN(stamp.ms)) return invalidTime(current, fact);
  if (!current) return noCase(fact);
  const d = new CaseDraft(current, fact, stamp, ctx.policy);
  if (d.claim('prediction')) {
    d.set('predictedStart', fact.predictedStart);
    d.set('predictedEnd', fact.predictedEnd);
    d.set('prediction', fact.basis);
    const overrun = fact.overrun ? withStamp(stamp, { ...fact.overrun, at: fact.at }) : undefined;
    if (!deepEqual(d.track.overrun, overrun)) {
      if (overrun) d.track.overrun = overrun;
      else delete d.track.overrun;
    }
    writeDelayAlert(d);
  }
  return d.commit(
    (change) => {
      const alerts = change.alerts as { raised?: unknown; cleared?: unknown } | undefined;
      return alerts?.raised ? 'alert-raised' : 'prediction-updated';
    },
    { basis: fact.basis },
    ctx.receivedAt,
  );
}

function writeDelayAlert(d: CaseDraft): void {
  const o = d.track.overrun;
  const shown = d.next.alerts.find((a) => a.id === DELAY_ALERT_ID);
  const want: AlertView | undefined = o
    ? {
        id: DELAY_ALERT_ID,
        kind: DELAY_ALERT_KIND,
        priority: o.priority,
        message: `Room predicted to run ${o.minutes} min past its hours`,
        // One episode while the room stays over: it was raised when first predicted.
        raisedAt: shown?.raisedAt ?? o.at,
      }
    : undefined;
  if (deepEqual(shown && { ...shown, acknowledgedAt: undefined }, want && { ...want, acknowledgedAt: undefined }))
    return;
  d.replaceAlerts((a) => a.id === DELAY_ALERT_ID, want ? [want] : []);
}
