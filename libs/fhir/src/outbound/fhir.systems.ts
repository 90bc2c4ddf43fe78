/**
 * Code systems and identifier systems the read façade writes. External ones are the canonical
 * URIs of FHIR R4 (http://hl7.org/fhir/R4/terminologies-systems.html); ours are `urn:circulator:*`
 * names, like the audit export's, for values that only mean something inside this platform.
 */
export const LOINC = 'http://loinc.org';
export const UCUM = 'http://unitsofmeasure.org';
export const SNOMED_CT = 'http://snomed.info/sct';
/** ISO/IEEE 11073-10101 (MDC), as FHIR names it ("mdc" on the terminologies page). */
export const MDC = 'urn:iso:std:iso:11073:10101';
export const OBSERVATION_CATEGORY = 'http://terminology.hl7.org/CodeSystem/observation-category';
export const DATA_ABSENT_REASON = 'http://terminology.hl7.org/CodeSystem/data-absent-reason';
export const PARTICIPATION_TYPE = 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType';
export const V2_IDENTIFIER_TYPE = 'http://terminology.hl7.org/CodeSystem/v2-0203';
export const NULL_FLAVOR = 'http://terminology.hl7.org/CodeSystem/v3-NullFlavor';
export const LOCATION_PHYSICAL_TYPE = 'http://terminology.hl7.org/CodeSystem/location-physical-type';
export const DEVICE_STATUS_REASON = 'http://terminology.hl7.org/CodeSystem/device-status-reason';

/** Identifier and code systems of our own. */
export const CIRCULATOR_SYSTEMS = {
  /** The patient's MRN as the schedule gave it (its assigning authority goes into `assigner`). */
  mrn: 'urn:circulator:mrn',
  /** A person's id as the source named it (HL7 AIP-3.1). */
  practitioner: 'urn:circulator:practitioner',
  placerAppointmentId: 'urn:circulator:placer-appointment-id',
  fillerAppointmentId: 'urn:circulator:filler-appointment-id',
  /** The EHR's own Appointment id, when the case came through FHIR. */
  fhirAppointmentId: 'urn:circulator:fhir-appointment-id',
  orderNumber: 'urn:circulator:order-number',
  /** The hospital visit (HL7 PV1-19): every case of a stay shares it. */
  visitNumber: 'urn:circulator:visit-number',
  room: 'urn:circulator:room',
  /** A source location code that means a room (HL7 PL joined with `^`, or an EHR Location id). */
  sourceLocation: 'urn:circulator:source-location',
  device: 'urn:circulator:device',
  deviceType: 'urn:circulator:device-type',
  /** The vitals names of CONTRACT §3 (`hr`, `spo2`, `nibpSys`…), for mapping back to CaseView. */
  vital: 'urn:circulator:vital',
} as const;
