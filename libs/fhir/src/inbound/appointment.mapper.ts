import type { CaseIdentifiers } from '@circulator/contracts';
import type { FactDraft, PatientFacts, ScheduleAction, SourceLocation } from '@circulator/domain';
import type { FhirContext } from './fhir.context';
import {
  codingsOf,
  conceptText,
  instant,
  metaOf,
  num,
  obj,
  objects,
  str,
  type FhirResource,
  type JsonObject,
} from './fhir.json';
import { readPatientRef, readPerson } from './fhir.people';
import { assignRoles, type FhirRoleCodes, type PractitionerParticipant } from './fhir.roles';
import { readLocation } from './location.reader';

/** What a mapper of one resource produces. */
export interface ResourceMapping {
  facts: FactDraft[];
  warnings: string[];
  /** The patient's MRN, for the message log. */
  mrn?: string;
}

export interface ResourceMapOptions {
  /** When the resource was received: the facts' time when it carries no `meta.lastUpdated`. */
  receivedAt: string;
  roles: FhirRoleCodes;
}

/**
 * FHIR R4 AppointmentStatus → what it says of the case. An Appointment is a state, not an event:
 * every version says the whole appointment. A live status of a first version books; of a later
 * one it makes the case live again (`rescheduled`), which also undoes an earlier cancellation.
 * `proposed` and `waitlist` are not on the schedule yet: nothing to show.
 */
const STATUS_ACTIONS: Readonly<Record<string, ScheduleAction | 'live' | 'not-scheduled'>> = {
  proposed: 'not-scheduled',
  waitlist: 'not-scheduled',
  pending: 'live',
  booked: 'live',
  arrived: 'live',
  'checked-in': 'live',
  fulfilled: 'live',
  cancelled: 'cancelled',
  noshow: 'no-show',
  'entered-in-error': 'deleted',
};

/** HL7 v2 table 0203 codes of the placer and filler appointment ids (SCH-1, SCH-2 in v2-to-FHIR). */
const PLACER = 'PLAC';
const FILLER = 'FILL';

/** The time a fact of this resource happened at the source: `meta.lastUpdated`, else when received. */
export function factTime(resource: FhirResource, options: ResourceMapOptions, warnings: string[]): string {
  const updated = instant(metaOf(resource).lastUpdated);
  if (updated !== undefined) return updated;
  warnings.push(`${resource.resourceType} has no meta.lastUpdated: the receive time is its time`);
  return options.receivedAt;
}

/**
 * Appointment → a schedule fact (CONTRACT §3 case, the same rules as SIU's):
 * - identifiers: `fhirAppointmentId` = the Appointment's id; identifiers typed PLAC/FILL (v2-0203)
 *   are the placer/filler appointment ids, so a case booked by SIU and by FHIR is one case.
 * - patient: the Patient participant (MRN: see `readPatientRef`); room: the Location participant;
 *   people: Practitioner/PractitionerRole participants by type and role (`assignRoles`).
 * - procedure: the code of the ServiceRequest it is `basedOn` (when it came along), else
 *   `serviceType`, else `description`; the ServiceRequest's PLAC identifier is the order number.
 * - times: `start`, `end` (else start + `minutesDuration`).
 * Participants that `declined` are left out.
 */
export function mapAppointment(a: FhirResource, ctx: FhirContext, options: ResourceMapOptions): ResourceMapping {
  const warnings: string[] = [];
  const status = str(a['status']) ?? '';
  const meaning = STATUS_ACTIONS[status];
  if (meaning === undefined) {
    return { facts: [], warnings: [`Appointment status '${status}' is not one of FHIR R4's: nothing applied`] };
  }
  if (meaning === 'not-scheduled') {
    return { facts: [], warnings: [`Appointment is ${status}: not on the schedule yet`] };
  }
  const version = metaOf(a).versionId;
  const action: ScheduleAction =
    meaning === 'live' ? (version === undefined || version === '1' ? 'booked' : 'rescheduled') : meaning;

  const identifiers: CaseIdentifiers = { fhirAppointmentId: String(a.id) };
  for (const identifier of objects(a['identifier'])) {
    const value = str(identifier['value']);
    if (value === undefined) continue;
    const codes = codingsOf(identifier['type']).map((c) => c.code?.toUpperCase());
    if (codes.includes(PLACER)) identifiers.placerAppointmentId ??= value;
    else if (codes.includes(FILLER)) identifiers.fillerAppointmentId ??= value;
  }

  const fact: Extract<FactDraft, { kind: 'schedule' }> = {
    kind: 'schedule',
    action,
    at: factTime(a, options, warnings),
    identifiers,
  };
  const participants = objects(a['participant']).filter((p) => p['status'] !== 'declined');
  const practitioners: PractitionerParticipant[] = [];
  let patient: PatientFacts | undefined;
  let location: SourceLocation | undefined;
  for (const participant of participants) {
    const actor = participant['actor'];
    if (!obj(actor)) continue;
    const type = ctx.resolve(actor)?.resourceType ?? ctx.describe(actor).type;
    if (type === 'Patient') {
      patient ??= readPatientRef(ctx, actor, warnings);
    } else if (type === 'Location') {
      location ??= readLocation(ctx, actor);
    } else if (type === 'Practitioner' || type === 'PractitionerRole') {
      const reading = readPerson(ctx, actor);
      if (reading) practitioners.push({ reading, typeCodes: participantTypes(participant) });
    }
  }
  if (patient) fact.patient = patient;
  else warnings.push('Appointment names no patient');
  if (location) fact.location = location;
  else warnings.push('Appointment names no Location: no room');
  Object.assign(fact, assignRoles(practitioners, options.roles, warnings));

  const serviceRequest = objects(a['basedOn'])
    .map((ref) => ctx.resolve(ref))
    .find((r) => r?.resourceType === 'ServiceRequest');
  const procedure =
    conceptText(serviceRequest?.['code']) ??
    objects(a['serviceType'])
      .map(conceptText)
      .find((p) => p !== undefined) ??
    (str(a['description']) !== undefined ? { text: str(a['description'])! } : undefined);
  if (procedure) fact.procedure = procedure;
  else warnings.push('Appointment names no procedure (basedOn ServiceRequest, serviceType, description)');
  const orderNumber = serviceRequest ? placerNumber(serviceRequest) : undefined;
  if (orderNumber !== undefined) identifiers.orderNumber = orderNumber;

  const start = instant(a['start']);
  if (start !== undefined) {
    fact.scheduledStart = start;
    const end = instant(a['end']);
    const minutes = num(a['minutesDuration']);
    if (end !== undefined && Date.parse(end) >= Date.parse(start)) fact.scheduledEnd = end;
    else if (end !== undefined) warnings.push('Appointment ends before it starts: end ignored');
    else if (minutes !== undefined && minutes > 0) {
      fact.scheduledEnd = new Date(Date.parse(start) + minutes * 60_000).toISOString();
    }
  } else if (a['start'] !== undefined) {
    warnings.push('Appointment start is not an instant with a zone');
  } else if (action !== 'cancelled' && action !== 'deleted' && action !== 'no-show') {
    warnings.push('Appointment has no start');
  }

  const out: ResourceMapping = { facts: [fact], warnings };
  if (fact.patient?.mrn) out.mrn = fact.patient.mrn;
  return out;
}

/** `participant.type` codes and texts, upper case. */
function participantTypes(participant: JsonObject): string[] {
  return objects(participant['type'])
    .flatMap((concept) =>
      codingsOf(concept).flatMap((c) => [c.code, c.display].filter((x): x is string => x !== undefined)),
    )
    .map((c) => c.toUpperCase());
}

/** A ServiceRequest's placer order number (identifier typed PLAC), else its first identifier. */
function placerNumber(request: FhirResource): string | undefined {
  const identifiers = objects(request['identifier']);
  const placer = identifiers.find((i) => codingsOf(i['type']).some((c) => c.code?.toUpperCase() === PLACER));
  return str((placer ?? identifiers[0])?.['value']);
}
