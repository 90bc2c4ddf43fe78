import type { Provider, Type } from '@nestjs/common';
import { SubscriptionHookController } from './hook/subscription-hook.controller';
import { SubscriptionHookService } from './hook/subscription-hook.service';
import { FHIR_INBOUND_SETTINGS, type FhirInboundSettings } from './inbound.tokens';
import { FhirSyncController } from './sync/fhir-sync.controller';
import { FhirSyncService } from './sync/fhir-sync.service';

/**
 * The inbound FHIR side as Nest providers and controllers, for the module of the ingest role to
 * compose (it also provides `FHIR_RESOURCE_SINK`: the inbox and the queue, which this lib does not
 * reach itself). Needs the global persistence (FhirSyncRepository) and realtime (CLOCK) modules.
 */
export function fhirInbound(settings: FhirInboundSettings): { providers: Provider[]; controllers: Type[] } {
  return {
    providers: [{ provide: FHIR_INBOUND_SETTINGS, useValue: settings }, FhirSyncService, SubscriptionHookService],
    controllers: [SubscriptionHookController, FhirSyncController],
  };
}
