import { type DynamicModule, Module } from '@nestjs/common';
import { CaseApplyService } from './case-apply.service';
import { PredictionService } from './prediction.service';
import { InboundQueue } from './inbound.queue';
import { InboundWorker } from './inbound.worker';
import { MllpIngestService } from './mllp-ingest.service';
import { InterfaceRegistry } from './interfaces';
import { INTERFACE_LOOKUP, PIPELINE_SETTINGS, type PipelineSettings } from './pipeline.tokens';

/** The ingest role: the MLLP listener, storing to the inbox and queueing. */
@Module({})
export class IngestModule {
  static forRoot(settings: PipelineSettings): DynamicModule {
    return {
      module: IngestModule,
      providers: [{ provide: PIPELINE_SETTINGS, useValue: settings }, InboundQueue, MllpIngestService],
      exports: [MllpIngestService],
    };
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
      ],
      exports: [CaseApplyService, InboundWorker, PredictionService],
    };
  }
}
