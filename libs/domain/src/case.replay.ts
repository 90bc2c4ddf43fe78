import type { AlertView, MilestoneKey } from '@circulator/contracts';
import type { CaseEvent, CaseOrder, CaseResult, CaseState, CaseVital, MilestoneChange } from './case.model';
import { PLAIN_FIELDS, compareAlerts } from './engine/case.draft';
import { compareText } from './engine/equal';
import { sortResults } from './engine/observation.apply';

/** What a case shows, without the engine's bookkeeping: what its event log can rebuild. */
export type CaseRecord = Omit<CaseState, 'track' | 'scheduleAt' | 'scheduleSeq'>;

/** A case without the engine's bookkeeping (to compare with {@link replayEvents}). */
export function caseRecordOf(state: CaseState): CaseRecord {
  const { track: _track, scheduleAt: _at, scheduleSeq: _seq, ...record } = state;
  return record;
}

/**
 * Rebuilds what a case shows from its event log, oldest first (the integration console's "why
 * does it say this?", and a check that the log is complete). Undefined when the log does not
 * start with `case-created`. Acknowledgements, checklist records and predictions are facts like
 * any other, so they are in the log and in the result.
 */
export function replayEvents(events: readonly CaseEvent[]): CaseRecord | undefined {
  const [first, ...rest] = events;
  if (first?.kind !== 'case-created') return undefined;
  const c = structuredClone(first.change) as Record<string, unknown> & CaseRecord;
  const record: CaseRecord = {
    id: first.caseId,
    version: first.version,
    status: c.status,
    roomId: c.roomId,
    roomName: c.roomName,
    patient: c.patient,
    procedure: c.procedure,
    scheduledStart: c.scheduledStart,
    scheduledEnd: c.scheduledEnd,
    milestones: c.milestones ?? {},
    vitals: {},
    alerts: [],
    identifiers: c.identifiers,
  };
  if (c.surgeon) record.surgeon = c.surgeon;
  if (c.anesthesiologist) record.anesthesiologist = c.anesthesiologist;
  if (c.equipment) record.equipment = c.equipment;
  for (const event of rest) apply(record, structuredClone(event.change), event.version);
  return record;
}

function apply(record: CaseRecord, change: Record<string, unknown>, version: number): void {
  record.version = version;
  const target = record as unknown as Record<string, unknown>;
  for (const key of PLAIN_FIELDS) {
    const diff = change[key] as { to: unknown } | undefined;
    if (!diff) continue;
    if (diff.to === null) delete target[key];
    else target[key] = diff.to;
  }
  const milestones = change.milestones as MilestoneChange[] | undefined;
  if (milestones) {
    const next: Partial<Record<MilestoneKey, string>> = { ...record.milestones };
    for (const m of milestones) {
      if (m.value === null) delete next[m.milestone];
      else next[m.milestone] = m.value;
    }
    record.milestones = next;
  }
  const vitals = change.vitals as Record<string, CaseVital> | undefined;
  if (vitals) record.vitals = { ...record.vitals, ...vitals };
  const results = change.results as { set: CaseResult[]; dropped?: string[] } | undefined;
  if (results) {
    const byCode = new Map((record.results ?? []).map((r) => [r.code, r]));
    for (const r of results.set) byCode.set(r.code, r);
    for (const code of results.dropped ?? []) byCode.delete(code);
    record.results = [...byCode.values()];
    sortResults(record.results);
  }
  const alerts = change.alerts as { raised?: AlertView[]; updated?: AlertView[]; cleared?: string[] } | undefined;
  if (alerts) {
    const byId = new Map(record.alerts.map((a) => [a.id, a]));
    for (const a of [...(alerts.raised ?? []), ...(alerts.updated ?? [])]) byId.set(a.id, a);
    for (const id of alerts.cleared ?? []) byId.delete(id);
    record.alerts = [...byId.values()].sort(compareAlerts);
  }
  const orders = change.orders as CaseOrder[] | undefined;
  if (orders) {
    const byNumber = new Map((record.orders ?? []).map((o) => [o.number, o]));
    for (const o of orders) byNumber.set(o.number, o);
    record.orders = [...byNumber.values()].sort((a, b) => compareText(a.number, b.number));
  }
}
