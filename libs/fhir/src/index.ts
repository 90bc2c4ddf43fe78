// FHIR R4 adapter (CONTRACT §5): mappers both ways, EHR sync, subscription hook, read façade.
export {};
export * from './outbound';
export { FhirFacadeModule } from './facade/fhir-facade.module';
export type { FhirFacadeOptions } from './facade/fhir-facade.options';
export { FHIR_READ_ROLES } from './facade/fhir.controller';
