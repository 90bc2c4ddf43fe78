import type { ApplyContext, ApplyResult } from '../case.engine';
import type { CaseEventKind, CaseState, TransferRecord } from '../case.model';
import { MAX_TRANSFERS } from '../case.model';
import type { PatientFact } from '../fact';
import { CaseDraft } from './case.draft';
import { stampOf, withStamp } from './stamp';
import { invalidTime, noCase } from './warnings';

/**
 * ADT facts about the case's patient.
 * - Every action carries the patient's demographics (PID): each field is last-writer-wins by
 *   source time, so a late, older A08 never rolls back a newer one.
 * - `transferred` (A02) is kept, and the movement milestones are derived from all transfers kept
 *   (see `CaseDraft.deriveMovements`): in room → status `in-room`, out of room → `recovery`.
 * - `admitted` (A01) and `registered` (A04) do not make the case `pre-op`: an inpatient may be
 *   admitted days before surgery and an outpatient registers at the front desk, neither of which
 *   is the pre-operative area (AACD glossary: "patient in facility" is not "in pre-procedure").
 * - `discharged` (A03), `admit-cancelled` (A11), `discharge-cancelled` (A13): the stay's state,
 *   kept in the message log only. Hospital discharge is not case completion (that is PACU
 *   discharge, days earlier for an inpatient), and an A13 could not reach a case A03 had closed.
 * The engine trusts the pipeline's targeting: it does not compare the fact's MRN with the case's.
 */
export function applyPatient(current: CaseState | undefined, fact: PatientFact, ctx: ApplyContext): ApplyResult {
  const stamp = stampOf(fact);
  if (Number.isNaN(stamp.ms)) return invalidTime(current, fact);
  if (!current) return noCase(fact);
  const d = new CaseDraft(current, fact, stamp, ctx.policy);
  d.writeDemographics(fact.patient);
  if (fact.action === 'transferred') {
    const record: TransferRecord = withStamp(stamp, {
      at: fact.at,
      source: sourceRef(fact),
    });
    if (fact.room) record.roomId = fact.room.id;
    if (fact.priorRoom) record.priorRoomId = fact.priorRoom.id;
    d.recordTransfer(record, MAX_TRANSFERS);
  }
  return d.commit(patientEventKind, { action: fact.action }, ctx.receivedAt);
}

function patientEventKind(change: Record<string, unknown>): CaseEventKind {
  return change.milestones ? 'milestone-recorded' : change.status ? 'status-changed' : 'patient-updated';
}

function sourceRef(fact: PatientFact): TransferRecord['source'] {
  const { kind, id, label } = fact.source;
  return label === undefined ? { kind, id } : { kind, id, label };
}
