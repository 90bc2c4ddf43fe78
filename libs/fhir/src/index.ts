// FHIR R4 adapter (CONTRACT §5): mappers both ways, EHR sync, subscription hook, read façade.
export {};
