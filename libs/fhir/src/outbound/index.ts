// Pure mappers of the read façade: the live case model (CaseView, rooms, devices) → FHIR R4.
export * from './appointment.mapper';
export * from './bundle.builder';
export * from './device.mapper';
export * from './encounter.mapper';
export * from './fhir.ids';
export * from './fhir.references';
export * from './fhir.systems';
export * from './location.mapper';
export * from './observation.mapper';
export * from './procedure.mapper';
export * from './patient.mapper';
