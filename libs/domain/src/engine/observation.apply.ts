import type { ApplyContext, ApplyResult } from '../case.engine';
import type { CaseEventKind, CaseResult, CaseState, CaseVital } from '../case.model';
import { MAX_RESULTS } from '../case.model';
import type { ObservationFact, ResultReading, VitalReading } from '../fact';
import { casePhase } from '../alerts/case.phase';
import { evaluateVitals } from '../alerts/vital.rules';
import { CaseDraft, isMonitored } from './case.draft';
import { alertEventKind } from './event.kind';
import { vitalLimitsOf } from './limits.apply';
import { compareText } from './equal';
import { stampOf } from './stamp';
import { invalidTime, noCase } from './warnings';

/**
 * Readings (ORU results, IHE PCD-01, MQTT). Each vital sign keeps its newest reading by the
 * reading's own time, so a late batch never replaces a newer value; each result code its newest
 * result (then the {@link MAX_RESULTS} newest codes). One event per fact that changed something,
 * with what it changed: `observations-recorded`, or `alert-raised` / `alert-cleared` /
 * `alert-updated` when the readings changed a rule alert (see {@link alertEventKind}).
 */
export function applyObservations(
  current: CaseState | undefined,
  fact: ObservationFact,
  ctx: ApplyContext,
): ApplyResult {
  const stamp = stampOf(fact);
  if (Number.isNaN(stamp.ms)) return invalidTime(current, fact);
  if (!current) return noCase(fact);
  const d = new CaseDraft(current, fact, stamp, ctx.policy);
  const instant = lastInstant();

  for (const reading of fact.vitals) {
    const ms = instant(reading.at);
    if (Number.isNaN(ms)) continue;
    const known = d.next.vitals[reading.name];
    if (known && !newerVital(reading, ms, known, instant)) continue;
    d.vitals()[reading.name] = { value: reading.value, unit: reading.unit, at: reading.at };
  }

  if (fact.results.length) {
    let changed = false;
    let list: CaseResult[] | undefined;
    for (const reading of fact.results) {
      const ms = instant(reading.at);
      if (Number.isNaN(ms) || !reading.code) continue;
      const candidate = toResult(reading, stamp.seq);
      list ??= d.next.results ?? [];
      const at = list.findIndex((r) => r.code === reading.code);
      const known = at >= 0 ? list[at] : undefined;
      if (known && compareResults(candidate, ms, known, instant) <= 0) continue;
      if (!changed) {
        list = d.results();
        changed = true;
      }
      if (at >= 0) list[at] = candidate;
      else list.push(candidate);
    }
    if (changed && list) {
      sortResults(list);
      if (list.length > MAX_RESULTS) list.length = MAX_RESULTS;
    }
  }
  // Alert rules on the vitals, as they arrive (docs/alert-rules.md).
  const meta: Record<string, unknown> = {};
  if (fact.vitals.length && isMonitored(d.next.status)) {
    const milestones = d.next.milestones;
    const outcome = evaluateVitals(d.track.rules, fact.vitals, {
      phase: (at) => casePhase(milestones, at),
      limits: vitalLimitsOf(d.next, ctx.policy),
    });
    d.applyRules(outcome);
    if (outcome.annotations.length) meta.annotations = outcome.annotations;
  }
  return d.commit(ruleEventKind, meta, ctx.receivedAt);
}

/** `alert-raised`, `alert-cleared`, `alert-updated`, else `observations-recorded` (see {@link alertEventKind}). */
function ruleEventKind(change: Record<string, unknown>): CaseEventKind {
  return alertEventKind(change, 'observations-recorded');
}

/** Sorts results in the order they are kept: newest first, ties by code (one order whatever the arrival order). */
export function sortResults(list: CaseResult[]): void {
  const ms = new Map(list.map((r) => [r, Date.parse(r.at)]));
  list.sort((a, b) => ms.get(b)! - ms.get(a)! || compareText(a.code, b.code));
}

/**
 * `Date.parse` remembering its last two answers: a batch's readings mostly share one time, and
 * the kept readings mostly share the previous batch's (the hot path of high-rate device feeds).
 */
function lastInstant(): (iso: string) => number {
  let a = '';
  let aMs = NaN;
  let b = '';
  let bMs = NaN;
  return (iso) => {
    if (iso === a) return aMs;
    if (iso === b) return bMs;
    b = a;
    bMs = aMs;
    a = iso;
    aMs = Date.parse(iso);
    return aMs;
  };
}

/**
 * Whether a reading replaces the kept one: a newer time; at the same time (two monitors in one
 * second) the larger value, then unit, so that arrival order never decides.
 */
function newerVital(reading: VitalReading, ms: number, known: CaseVital, instant: (iso: string) => number): boolean {
  const knownMs = instant(known.at);
  if (ms !== knownMs) return ms > knownMs;
  if (reading.value !== known.value) return reading.value > known.value;
  return reading.unit > known.unit;
}

function toResult(reading: ResultReading, seq: number | undefined): CaseResult {
  const out: CaseResult = { code: reading.code, text: reading.text, value: reading.value, at: reading.at };
  if (reading.unit) out.unit = reading.unit;
  if (reading.flag) out.flag = reading.flag;
  if (reading.status) out.status = reading.status;
  if (seq !== undefined) out.seq = seq;
  return out;
}

/**
 * Orders two results of one code: by time, then arrival (a correction, OBX-11 `C`, keeps the
 * original's time and comes later), then by content so that arrival order never decides.
 */
function compareResults(a: CaseResult, aMs: number, b: CaseResult, instant: (iso: string) => number): number {
  const bMs = instant(b.at);
  if (aMs !== bMs) return aMs - bMs;
  if (a.seq !== undefined && b.seq !== undefined && a.seq !== b.seq) return a.seq - b.seq;
  return (
    compareText(a.status ?? '', b.status ?? '') ||
    compareText(a.value, b.value) ||
    compareText(a.unit ?? '', b.unit ?? '') ||
    compareText(a.flag ?? '', b.flag ?? '') ||
    compareText(a.text, b.text)
  );
}
