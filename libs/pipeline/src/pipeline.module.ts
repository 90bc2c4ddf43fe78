import { type DynamicModule, Module, type Provider } from '@nestjs/common';
import { FEED_SINK, MQTT_SETTINGS, MqttEdge } from '@circulator/devices';
import {
  FHIR_RESOURCE_SINK,
  FHIR_WRITEBACK_SETTINGS,
  FhirSyncService,
  WritebackSender,
  fhirInbound,
} from '@circulator/fhir';
import { CaseApplyService } from './case-apply.service';
import { FhirIngestService } from './fhir-ingest.service';
import { PredictionService } from './prediction.service';
import { DeviceWatchdog } from './device-watchdog.service';
import { TableUpkeep } from './table-upkeep.service';
import { VitalsRetention } from './vitals-retention.service';
import { InboundQueue } from './inbound.queue';
import { InboundWorker } from './inbound.worker';
import { MllpIngestService } from './mllp-ingest.service';
import { MqttIngestService } from './mqtt-ingest.service';
import { InterfaceRegistry } from './interfaces';
import { INTERFACE_LOOKUP, PIPELINE_SETTINGS, type PipelineSettings } from './pipeline.tokens';

/**
 * The ingest role: the MLLP listener, the MQTT edge and the FHIR sync and subscription hook, storing
 * to the inbox and queueing.
 */
@Module({})
export class IngestModule {
  static forRoot(settings: PipelineSettings): DynamicModule {
    const providers: Provider[] = [{ provide: PIPELINE_SETTINGS, useValue: settings }, InboundQueue, MllpIngestService];
    const exports: DynamicModule['exports'] = [MllpIngestService];
    if (settings.mqtt) {
      providers.push(
        MqttIngestService,
        { provide: FEED_SINK, useExisting: MqttIngestService },
        { provide: MQTT_SETTINGS, useValue: settings.mqtt },
        MqttEdge,
      );
      exports.push(MqttIngestService, MqttEdge);
    }
    const controllers: NonNullable<DynamicModule['controllers']> = [];
    if (settings.fhir) {
      // The EHR sync and the subscription hook: FHIR's ingest edge, storing through the inbox.
      const fhir = fhirInbound(settings.fhir);
      providers.push(
        FhirIngestService,
        { provide: FHIR_RESOURCE_SINK, useExisting: FhirIngestService },
        ...fhir.providers,
      );
      controllers.push(...fhir.controllers);
      exports.push(FhirSyncService);
    }
    return { module: IngestModule, providers, exports, controllers };
  }
}

/** The worker role: applies queued inbox messages to the case model and publishes changes. */
@Module({})
export class WorkerModule {
  static forRoot(settings: PipelineSettings): DynamicModule {
    return {
      module: WorkerModule,
      providers: [
        { provide: PIPELINE_SETTINGS, useValue: settings },
        // Mappings are read per message from the registry, so an interface change applies at once.
        { provide: INTERFACE_LOOKUP, useExisting: InterfaceRegistry },
        InboundQueue,
        PredictionService,
        CaseApplyService,
        InboundWorker,
        DeviceWatchdog,
        VitalsRetention,
        TableUpkeep,
        // Write-back to the EHR (off by default): the worker writes the outbox and sends it.
        ...(settings.writeback
          ? [{ provide: FHIR_WRITEBACK_SETTINGS, useValue: settings.writeback }, WritebackSender]
          : []),
      ],
      exports: [
        CaseApplyService,
        InboundWorker,
        PredictionService,
        DeviceWatchdog,
        VitalsRetention,
        ...(settings.writeback ? [WritebackSender] : []),
      ],
    };
  }
}
