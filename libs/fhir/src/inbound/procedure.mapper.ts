import type { MilestoneKey } from '@circulator/contracts';
import type { FactDraft } from '@circulator/domain';
import { factTime, type ResourceMapOptions, type ResourceMapping } from './appointment.mapper';
import { caseTargetOf, milestone } from './encounter.mapper';
import type { FhirContext } from './fhir.context';
import { codingsOf, instant, obj, objects, str, type FhirResource } from './fhir.json';

/** Which pair of milestones a Procedure's performed period stands for. */
type Phase = { start: MilestoneKey; end: MilestoneKey; name: string };

const SURGERY: Phase = { start: 'procedureStart', end: 'procedureEnd', name: 'procedure' };
const ANESTHESIA: Phase = { start: 'anesthesiaStart', end: 'anesthesiaEnd', name: 'anesthesia' };
const PACU: Phase = { start: 'pacuIn', end: 'pacuOut', name: 'PACU care' };

/** SNOMED CT 736169004 |Post anesthesia care management (procedure)|. */
const PACU_CODES = new Set(['736169004']);
/** SNOMED CT 50697003 |General anesthesia|, 18946005 |Epidural anesthesia|. */
const ANESTHESIA_CODES = new Set(['50697003', '18946005']);
const PACU_TEXT = /post[- ]?an(a)?esthe(sia|tic) care|\bpacu\b|recovery room/i;
const ANESTHESIA_TEXT = /an(a)?esthe(sia|tic)|sedation/i;

/** The phase a Procedure's code names: PACU care, anesthesia, else the operation itself. */
export function phaseOf(procedure: FhirResource): Phase {
  const codings = codingsOf(procedure['code']);
  const texts = codings.map((c) => c.display ?? '').join(' | ');
  if (codings.some((c) => c.code !== undefined && PACU_CODES.has(c.code)) || PACU_TEXT.test(texts)) return PACU;
  if (codings.some((c) => c.code !== undefined && ANESTHESIA_CODES.has(c.code)) || ANESTHESIA_TEXT.test(texts)) {
    return ANESTHESIA;
  }
  return SURGERY;
}

/**
 * Procedure performed period → milestones (AACD: procedure start = incision, procedure end =
 * closure). The operation itself gives procedure start and end; an anesthesia procedure anesthesia
 * start and end; post-anesthesia care PACU in and out.
 *
 * - `performedPeriod.start`/`.end`, or `performedDateTime` as the start; a date without a time says
 *   no moment and is not used.
 * - `preparation` and `not-done` say nothing happened yet; `entered-in-error` withdraws FHIR's claims.
 * - The case: the Appointment of the Procedure's Encounter (when it came along), else the patient's
 *   case at the start.
 */
export function mapProcedure(p: FhirResource, ctx: FhirContext, options: ResourceMapOptions): ResourceMapping {
  const warnings: string[] = [];
  const at = factTime(p, options, warnings);
  const encounter = ctx.resolve(p['encounter']);
  if (p['encounter'] !== undefined && encounter === undefined) {
    warnings.push("the Procedure's Encounter did not come along: the case is found by patient and time");
  }
  const found = caseTargetOf(ctx, objects(encounter?.['appointment'])[0], p['subject'], warnings);
  if (!found) return { facts: [], warnings: [...warnings, 'Procedure names neither a case nor a patient'] };
  const { target } = found;
  const phase = phaseOf(p);
  const facts: FactDraft[] = [];
  const status = str(p['status']) ?? 'unknown';
  if (status === 'entered-in-error') {
    facts.push(milestone(target, phase.start, null, at), milestone(target, phase.end, null, at));
  } else if (status === 'preparation' || status === 'not-done') {
    warnings.push(`Procedure is ${status}: no ${phase.name} times`);
  } else {
    const period = obj(p['performedPeriod']);
    const start = instant(period?.['start']) ?? instant(p['performedDateTime']);
    const end = instant(period?.['end']);
    if (start !== undefined) facts.push(milestone(target, phase.start, start, at));
    if (end !== undefined) facts.push(milestone(target, phase.end, end, at));
    if (start === undefined && end === undefined) {
      warnings.push(`Procedure gives no ${phase.name} time to the minute with a zone`);
    }
  }
  return found.mrn === undefined ? { facts, warnings } : { facts, warnings, mrn: found.mrn };
}
