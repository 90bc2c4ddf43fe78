// FHIR R4 adapter (CONTRACT §5): mappers both ways, EHR sync, subscription hook, read façade.
// Outbound: the read façade of the live case model.
export * from './outbound';
export { FhirFacadeModule } from './facade/fhir-facade.module';
export type { FhirFacadeOptions } from './facade/fhir-facade.options';
export { FHIR_READ_ROLES } from './facade/fhir.controller';
// Inbound (issue 6): FHIR → facts, the EHR sync, the subscription hook.
export * from './inbound';
export * from './inbound.tokens';
export * from './fhir-inbound.providers';
export { FHIR_SYNC_TYPES, FhirSyncService } from './sync/fhir-sync.service';
export type { FhirSyncReport, FhirSyncStatus, FhirTypeReport } from './sync/fhir-sync.service';
export { algorithmFor, signClientAssertion, smartKeyFromPem } from './sync/smart-backend';
export { SubscriptionHookService } from './hook/subscription-hook.service';
export type { HookOutcome } from './hook/subscription-hook.service';
export { checkEventCounter, parseNotification } from './hook/subscription-notification';
export type { NotificationStatus, ParsedNotification } from './hook/subscription-notification';
export { hookSecretMatches } from './hook/hook.secret';
// Write-back (issue 6, off by default): milestones recorded here, to the EHR through an outbox.
export { planWriteback, DEFAULT_WRITEBACK_SOURCES, WRITEBACK_SOURCES } from './writeback/writeback.plan';
export type { ChangedCase, WritebackMode, WritebackPayload } from './writeback/writeback.plan';
export { WritebackSender, backoffMs, writebackRows } from './writeback/writeback.sender';
export { DEFAULT_WRITEBACK_RETRY, FHIR_WRITEBACK_SETTINGS } from './writeback/writeback.tokens';
export type { FhirWritebackSettings, WritebackRetry } from './writeback/writeback.tokens';
export { buildSiuS14, fillerStatus, MILESTONE_CODE_SYSTEM, writebackControlId } from './writeback/siu-s14.builder';
export type { Hl7WritebackIdentity } from './writeback/siu-s14.builder';
export { readAck } from './writeback/hl7-writeback.delivery';
export type { MllpDestination } from './writeback/hl7-writeback.delivery';
