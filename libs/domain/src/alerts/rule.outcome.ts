import { compareText, deepEqual } from '../engine/equal';
import type { RuleAlert, RuleAnnotation, RuleOutcome, RuleTrack } from './rules.model';
import { emptyRuleTrack } from './rules.model';

/** The alert id of a rule key: `rule:vital:spo2:low`. */
export function ruleAlertId(ruleKey: string): string {
  return `rule:${ruleKey}`;
}

/**
 * A working copy of a track: its four maps are copied, their entries are not (an evaluation
 * replaces entries, never changes one), so the caller's track is never changed.
 */
export function openTrack(state: RuleTrack | undefined): RuleTrack {
  const base = state ?? emptyRuleTrack();
  return {
    lastAt: { ...base.lastAt },
    excursions: { ...base.excursions },
    notes: { ...base.notes },
    active: { ...base.active },
  };
}

/**
 * The outcome of an evaluation: the net difference between the active alerts before and after
 * (an alert raised and cleared within one call shows neither; one cleared and raised again, a new
 * episode with a new `raisedAt`, is in `cleared` and in `raised`), and the track — the one passed
 * in when nothing changed, so that `outcome.state === state` tells the caller there is nothing to
 * write.
 */
export function finish(before: RuleTrack | undefined, next: RuleTrack, annotations: RuleAnnotation[]): RuleOutcome {
  const old = before?.active ?? {};
  const raised: RuleAlert[] = [];
  const updated: RuleAlert[] = [];
  const cleared: string[] = [];
  for (const id of Object.keys(next.active).sort(compareText)) {
    const alert = next.active[id]!;
    const was = old[id];
    if (!was) raised.push(alert);
    else if (was.raisedAt !== alert.raisedAt) raised.push(alert);
    else if (!deepEqual(was, alert)) updated.push(alert);
  }
  for (const id of Object.keys(old).sort(compareText)) {
    const now = next.active[id];
    if (!now || now.raisedAt !== old[id]!.raisedAt) cleared.push(id);
  }
  annotations.sort((a, b) => Date.parse(a.at) - Date.parse(b.at) || compareText(a.id, b.id));
  const state = before && deepEqual(before, next) ? before : next;
  return { state, raised, updated, cleared, annotations };
}

/**
 * Puts the alerts a derived rule wants now in place of the ones it owns (`owns`): an alert it no
 * longer wants is cleared; one it wants again keeps its `raisedAt`.
 */
export function replaceOwned(track: RuleTrack, owns: (alert: RuleAlert) => boolean, wanted: RuleAlert[]): void {
  const ids = new Set(wanted.map((a) => a.id));
  for (const [id, alert] of Object.entries(track.active)) if (owns(alert) && !ids.has(id)) delete track.active[id];
  for (const alert of wanted) {
    const known = track.active[alert.id];
    track.active[alert.id] = known ? { ...alert, raisedAt: known.raisedAt } : alert;
  }
}

/**
 * Clears the rule alerts `which` selects (all by default) and forgets their excursions and notes,
 * e.g. when the case leaves the room: a later reading then starts afresh instead of finding an
 * excursion that believes its alert is showing.
 */
export function clearRuleAlerts(
  state: RuleTrack | undefined,
  which: (alert: RuleAlert) => boolean = () => true,
): RuleOutcome {
  const next = openTrack(state);
  for (const [id, alert] of Object.entries(next.active)) {
    if (!which(alert)) continue;
    delete next.active[id];
    const ruleKey = id.startsWith('rule:') ? id.slice('rule:'.length) : id;
    delete next.excursions[ruleKey];
    delete next.notes[ruleKey];
  }
  return finish(state, next, []);
}
