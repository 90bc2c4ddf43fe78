import type { MilestoneKey } from '@circulator/contracts';
import type { CaseTarget, FactDraft } from '@circulator/domain';
import { factTime, type ResourceMapOptions, type ResourceMapping } from './appointment.mapper';
import type { FhirContext } from './fhir.context';
import { instant, obj, objects, str, type FhirResource } from './fhir.json';
import { readPatientRef } from './fhir.people';
import { locationKey } from './location.reader';

/**
 * The case a resource linked to an Appointment is about: by `fhirAppointmentId` when it names its
 * Appointment (a fact that arrives before its booking waits for it), else the patient's case at the
 * time (`pickCaseAt`), else none.
 */
export function caseTargetOf(
  ctx: FhirContext,
  appointment: unknown,
  subject: unknown,
  warnings: string[],
): { target: CaseTarget; mrn?: string } | undefined {
  const key = ctx.describe(appointment).key;
  const appointmentId = key?.startsWith('Appointment/') ? key.slice('Appointment/'.length) : undefined;
  // With the Appointment named, the patient is only for the message log: no warning about it.
  const patient = subject === undefined ? undefined : readPatientRef(ctx, subject, appointmentId ? [] : warnings);
  if (appointmentId !== undefined) {
    return patient
      ? { target: { identifiers: { fhirAppointmentId: appointmentId } }, mrn: patient.mrn }
      : { target: { identifiers: { fhirAppointmentId: appointmentId } } };
  }
  if (patient) return { target: { subject: { patient: { mrn: patient.mrn } } }, mrn: patient.mrn };
  return undefined;
}

/** A milestone fact of FHIR's (`via: 'fhir'`, CONTRACT §3 precedence `manual, device, rtls, fhir, …`). */
export function milestone(
  target: CaseTarget,
  key: MilestoneKey,
  value: string | null,
  at: string,
): Extract<FactDraft, { kind: 'milestone' }> {
  return { kind: 'milestone', at, target, milestone: key, value, via: 'fhir', confidence: 'reported' };
}

/**
 * Encounter location history → in room and out of room (AACD: patient in room / out of room).
 *
 * Which `location` entries are the operating room: those at the Location the Encounter's
 * Appointment is booked in (the Appointment must have come along; it is fetched with the
 * Encounter). In room is the earliest start among them; out of room the end of the one entered
 * last, once it has ended. `planned` and `reserved` entries have not happened. An Encounter
 * `entered-in-error` withdraws FHIR's claims on both. Without an Appointment the Encounter cannot
 * say which place is the operating room, and nothing is read from it.
 */
export function mapEncounter(e: FhirResource, ctx: FhirContext, options: ResourceMapOptions): ResourceMapping {
  const warnings: string[] = [];
  const at = factTime(e, options, warnings);
  const appointmentRef = objects(e['appointment'])[0];
  const found = caseTargetOf(ctx, appointmentRef, e['subject'], warnings);
  if (!found) return { facts: [], warnings: [...warnings, 'Encounter names neither an Appointment nor a patient'] };
  const { target } = found;
  const out = (facts: FactDraft[]): ResourceMapping =>
    found.mrn === undefined ? { facts, warnings } : { facts, warnings, mrn: found.mrn };

  if (str(e['status']) === 'entered-in-error') {
    return out([milestone(target, 'inRoom', null, at), milestone(target, 'outOfRoom', null, at)]);
  }
  const appointment = appointmentRef === undefined ? undefined : ctx.resolve(appointmentRef);
  if (appointment?.resourceType !== 'Appointment') {
    warnings.push(
      appointmentRef === undefined
        ? 'Encounter names no Appointment: its location history does not say which place is the operating room'
        : "the Encounter's Appointment did not come along: its location history is not read",
    );
    return out([]);
  }
  const rooms = new Set(
    objects(appointment['participant'])
      .map((p) => locationKey(ctx, p['actor']))
      .filter((k): k is string => k !== undefined),
  );
  if (!rooms.size) {
    warnings.push("the Encounter's Appointment names no Location");
    return out([]);
  }
  const visits = objects(e['location'])
    .filter((l) => {
      const key = locationKey(ctx, l['location']);
      return key !== undefined && rooms.has(key) && l['status'] !== 'planned' && l['status'] !== 'reserved';
    })
    .map((l) => ({ start: instant(obj(l['period'])?.['start']), end: instant(obj(l['period'])?.['end']) }))
    .filter((v): v is { start: string; end: string | undefined } => v.start !== undefined)
    .sort((x, y) => Date.parse(x.start) - Date.parse(y.start));
  const first = visits[0];
  const last = visits[visits.length - 1];
  if (!first || !last) return out([]);
  const facts: FactDraft[] = [milestone(target, 'inRoom', first.start, at)];
  if (last.end !== undefined) facts.push(milestone(target, 'outOfRoom', last.end, at));
  return out(facts);
}
