import type { Appointment, Bundle, BundleEntry, Encounter, FhirResource, Parameters, Patient } from 'fhir/r4';
import { caseEnd, type PlannedCase } from '../or-day.plan';
import { SENDING_FACILITY } from '../siu.builder';

/** HL7 v2 table 0203 (identifier types) as FHIR names it. */
const V2_0203 = 'http://terminology.hl7.org/CodeSystem/v2-0203';
/** Fictional identifier systems of the simulated hospital (`.invalid`: RFC 2606, never resolves). */
const SIM = 'http://simhosp.invalid/fhir';
const CPT = 'http://www.ama-assn.org/go/cpt';
const V3_ACT_CODE = 'http://terminology.hl7.org/CodeSystem/v3-ActCode';
const BACKPORT_STATUS =
  'http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/backport-subscription-status-r4';
/** The topic the simulated EHR's subscription is on (changes to surgical appointments). */
export const SIM_TOPIC = `${SIM}/SubscriptionTopic/or-appointments`;
/** The id of the simulated EHR's Subscription to the platform's hook. */
export const SIM_SUBSCRIPTION_ID = 'circulator-or-board';

/** What changes between versions of a resource. */
export interface VersionMeta {
  versionId: number;
  /** ISO 8601 instant. */
  lastUpdated: string;
}

/** FHIR ids: the MRN for the patient, the placer appointment id for the appointment (both `[A-Za-z0-9-.]`). */
export const patientId = (c: PlannedCase): string => c.patient.mrn;
export const appointmentId = (c: PlannedCase): string => c.placerId;
export const encounterId = (c: PlannedCase): string => `enc-${c.placerId}`;

const typed = (code: string, display: string) => ({ coding: [{ system: V2_0203, code, display }] });
const meta = (m: VersionMeta) => ({ versionId: String(m.versionId), lastUpdated: m.lastUpdated });

/** The case's patient: the MRN typed MR (as HL7 PID-3 carries it), name, birth date, gender. */
export function patientResource(c: PlannedCase, m: VersionMeta): Patient {
  return {
    resourceType: 'Patient',
    id: patientId(c),
    meta: meta(m),
    identifier: [
      {
        use: 'usual',
        type: typed('MR', 'Medical record number'),
        system: `${SIM}/mrn`,
        value: c.patient.mrn,
        assigner: { display: SENDING_FACILITY },
      },
    ],
    name: [{ use: 'official', family: c.patient.family, given: [c.patient.given] }],
    gender: c.patient.sex === 'F' ? 'female' : 'male',
    birthDate: c.patient.birthDate,
  };
}

/**
 * The case's surgical appointment as the EHR keeps it: the placer and filler appointment ids typed
 * PLAC and FILL (so the platform finds the case the SIU booking made), the patient, the CPT
 * procedure, start and end. No Location: the OR's scheduling system (SIU) assigns the room.
 */
export function appointmentResource(c: PlannedCase, m: VersionMeta, reason?: string): Appointment {
  const cancelled = c.status === 'Cancelled';
  return {
    resourceType: 'Appointment',
    id: appointmentId(c),
    meta: meta(m),
    identifier: [
      { type: typed('PLAC', 'Placer Identifier'), system: `${SIM}/appointment-placer`, value: c.placerId },
      { type: typed('FILL', 'Filler Identifier'), system: `${SIM}/appointment-filler`, value: c.fillerId },
    ],
    status: cancelled ? 'cancelled' : 'booked',
    ...(cancelled && reason ? { cancelationReason: { text: reason } } : {}),
    serviceType: [
      { coding: [{ system: CPT, code: c.procedure.code, display: c.procedure.text }], text: c.procedure.text },
    ],
    description: c.procedure.text,
    start: c.start,
    end: caseEnd(c),
    minutesDuration: c.durationMin,
    ...(reason && !cancelled ? { comment: reason } : {}),
    participant: [
      {
        actor: { reference: `Patient/${patientId(c)}`, display: `${c.patient.given} ${c.patient.family}` },
        required: 'required',
        status: 'accepted',
      },
    ],
  };
}

/** The stay the surgery belongs to: planned, then cancelled with its appointment. */
export function encounterResource(c: PlannedCase, m: VersionMeta): Encounter {
  return {
    resourceType: 'Encounter',
    id: encounterId(c),
    meta: meta(m),
    identifier: [{ type: typed('VN', 'Visit number'), system: `${SIM}/visit`, value: c.visitNumber }],
    status: c.status === 'Cancelled' ? 'cancelled' : 'planned',
    class:
      c.patientClass === 'I'
        ? { system: V3_ACT_CODE, code: 'IMP', display: 'inpatient encounter' }
        : { system: V3_ACT_CODE, code: 'AMB', display: 'ambulatory' },
    subject: { reference: `Patient/${patientId(c)}` },
    appointment: [{ reference: `Appointment/${appointmentId(c)}` }],
  };
}

/** A notification's kind (Subscriptions Backport IG `type`). */
export type NotificationType = 'handshake' | 'heartbeat' | 'event-notification';

export interface NotificationInput {
  /** The EHR's FHIR base (the simulator's server), for the Subscription's and resources' addresses. */
  base: string;
  type: NotificationType;
  /** `events-since-subscription-start`: this notification's events included. */
  eventsSinceStart: number;
  /** The events carried: their numbers and focus resources (current versions). */
  events: { number: number; focus: FhirResource }[];
  /** Full resources (`full-resource`), or only the focus addresses in the status (`id-only`). */
  content: 'full-resource' | 'id-only';
  /** Resources sent along with the focus (full-resource), e.g. the Appointment's Patient. */
  included?: FhirResource[];
  /** The notification's timestamp, ISO 8601. */
  at: string;
}

/**
 * A subscription notification as the Subscriptions R5 Backport IG (1.1) has an R4 server send it:
 * a `history` Bundle whose first entry is the status (`Parameters`, profile
 * backport-subscription-status-r4: subscription, topic, status, type,
 * events-since-subscription-start, one notification-event per event with its number, timestamp and
 * focus), then, for full-resource content, the resources with absolute fullUrls.
 */
export function buildNotification(input: NotificationInput): Bundle {
  const { base } = input;
  const address = (r: FhirResource) => `${base}/${r.resourceType}/${String(r.id)}`;
  const status: Parameters = {
    resourceType: 'Parameters',
    meta: { profile: [BACKPORT_STATUS] },
    parameter: [
      { name: 'subscription', valueReference: { reference: `${base}/Subscription/${SIM_SUBSCRIPTION_ID}` } },
      { name: 'topic', valueCanonical: SIM_TOPIC },
      { name: 'status', valueCode: 'active' },
      { name: 'type', valueCode: input.type },
      // integer64 in R4 is carried as a string.
      { name: 'events-since-subscription-start', valueString: String(input.eventsSinceStart) },
      ...input.events.map((e) => ({
        name: 'notification-event',
        part: [
          { name: 'event-number', valueString: String(e.number) },
          { name: 'timestamp', valueInstant: input.at },
          { name: 'focus', valueReference: { reference: address(e.focus) } },
        ],
      })),
    ],
  };
  const first = input.events[0]?.number ?? input.eventsSinceStart;
  const entries: BundleEntry[] = [
    {
      fullUrl: `urn:uuid:5e1f0000-0000-4000-8000-${String(first).padStart(12, '0')}`,
      resource: status,
      request: { method: 'GET', url: `Subscription/${SIM_SUBSCRIPTION_ID}/$status` },
      response: { status: '200' },
    },
  ];
  if (input.content === 'full-resource') {
    for (const resource of [...input.events.map((e) => e.focus), ...(input.included ?? [])]) {
      entries.push({
        fullUrl: address(resource),
        resource,
        request: { method: 'PUT', url: `${resource.resourceType}/${String(resource.id)}` },
        response: { status: '200' },
      });
    }
  }
  return { resourceType: 'Bundle', type: 'history', timestamp: input.at, entry: entries };
}
