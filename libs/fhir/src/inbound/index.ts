export * from './fhir.json';
export * from './fhir.reference';
export * from './fhir.context';
export * from './fhir.envelope';
export * from './fhir.roles';
export {
  mapFhirEnvelope,
  mapFhirEnvelopeDecoded,
  mapFhirResource,
  FHIR_CONTEXT_TYPES,
  FHIR_INBOUND_TYPES,
  FHIR_MAPPED_TYPES,
} from './fhir.mapper';
export type { FhirMapOptions, FhirMapping, FhirMapResult } from './fhir.mapper';
