import { MILESTONE_KEYS, type CaseIdentifiers, type CaseStatus, type MilestoneKey } from '@circulator/contracts';
import type { CaseEvent, CaseState, MilestoneChange, MilestoneSource } from '@circulator/domain';

/** Where milestones are written back to (FHIR_WRITEBACK); `off` is the default. */
export type WritebackMode = 'off' | 'fhir' | 'hl7';

/**
 * Milestone sources whose values are written back by default: only what a person recorded here.
 * Device- and RTLS-derived milestones are inferred by machines; writing them into the legal record
 * unattested is a site's decision (FHIR_WRITEBACK_SOURCES=manual,device,rtls), not ours. What came
 * from the EHR itself (fhir, adt, siu) is never sent back to it: it would echo.
 */
export const DEFAULT_WRITEBACK_SOURCES: readonly MilestoneSource[] = ['manual'];

/** The milestone sources a site may write back (never the EHR's own). */
export const WRITEBACK_SOURCES = ['manual', 'device', 'rtls'] as const satisfies readonly MilestoneSource[];

/**
 * What one outbox row tells the EHR: the case as it was at the version that changed, reduced to
 * what the messages need (no patient name: the EHR has its own record; the MRN and the appointment
 * ids find it).
 */
export interface WritebackPayload {
  caseId: string;
  version: number;
  status: CaseStatus;
  /** When the change happened (the fact's time). */
  at: string;
  /** The milestones this version changed, by an allowed source. */
  changed: MilestoneKey[];
  /** Every milestone the case shows at this version. */
  milestones: Partial<Record<MilestoneKey, string>>;
  identifiers: CaseIdentifiers;
  mrn: string;
  procedure: { code?: string; text: string };
  roomId: string;
  roomName: string;
  scheduledStart: string;
  scheduledEnd: string;
}

/** A case changed in one transaction: its state after, and the events that changed it. */
export interface ChangedCase {
  state: CaseState;
  events: readonly CaseEvent[];
}

/** The milestones an event changed whose (new) value comes from one of `sources`. */
function changedBy(event: CaseEvent, sources: ReadonlySet<string>): MilestoneKey[] {
  if (event.kind !== 'milestone-recorded') return [];
  const list = event.change['milestones'];
  if (!Array.isArray(list)) return [];
  const factVia = typeof event.change['via'] === 'string' ? event.change['via'] : undefined;
  return (list as MilestoneChange[])
    .filter((m) => {
      // A withdrawal has no origin of its own: it is the fact's source that withdrew it.
      const via = m.value === null ? factVia : m.via;
      return via !== undefined && sources.has(via);
    })
    .map((m) => m.milestone);
}

/**
 * The write-back of a transaction's case changes (pure): one payload per changed case whose
 * milestones changed by an allowed source in this transaction, as the case is after it. A case
 * changed by several facts in one batch gives one row (its last version), which says everything
 * the earlier ones would have.
 */
export function planWriteback(
  changes: readonly ChangedCase[],
  sources: readonly MilestoneSource[],
): WritebackPayload[] {
  const allowed = new Set<string>(sources);
  const out: WritebackPayload[] = [];
  for (const { state, events } of changes) {
    const changed = new Set<MilestoneKey>();
    let at: string | undefined;
    for (const event of events) {
      const keys = changedBy(event, allowed);
      if (!keys.length) continue;
      keys.forEach((k) => changed.add(k));
      at = event.at;
    }
    if (!changed.size || at === undefined) continue;
    out.push({
      caseId: state.id,
      version: state.version,
      status: state.status,
      at,
      changed: MILESTONE_KEYS.filter((k) => changed.has(k)),
      milestones: { ...state.milestones },
      identifiers: { ...state.identifiers },
      mrn: state.patient.mrn,
      procedure: { ...state.procedure },
      roomId: state.roomId,
      roomName: state.roomName,
      scheduledStart: state.scheduledStart,
      scheduledEnd: state.scheduledEnd,
    });
  }
  return out;
}
