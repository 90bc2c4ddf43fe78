/** Settings of the read façade, from the validated configuration (apps/server). */
export interface FhirFacadeOptions {
  /** IANA zone that search dates without a time are read in (FACILITY_TZ). */
  facilityTz: string;
  /** The clock (the CapabilityStatement's date is when the façade started). */
  now(): Date;
}

export const FHIR_FACADE_OPTIONS = Symbol('FHIR_FACADE_OPTIONS');
