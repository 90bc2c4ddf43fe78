import { type DynamicModule, Module, type ModuleMetadata } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { randomUUID } from 'node:crypto';
import { LoggerModule } from 'nestjs-pino';
import { DevicesModule, pacuMatcher } from '@circulator/devices';
import { type Clock, systemClock } from '@circulator/domain';
import { FhirFacadeModule } from '@circulator/fhir';
import { IdentityModule } from '@circulator/identity';
import { PersistenceModule } from '@circulator/persistence';
import {
  CaseCommandService,
  InboundQueue,
  IngestModule,
  InterfacesModule,
  ReprocessService,
  SITE_POLICY,
  WorkerModule,
} from '@circulator/pipeline';
import { RealtimeModule } from '@circulator/realtime';
import { CaseCommandsController } from './api/case-commands.controller';
import { CasesController } from './api/cases.controller';
import { BiomedController, COMPLIANCE_REPORT_SETTINGS } from './api/biomed.controller';
import { DeviceMaintenanceReader } from './api/device-maintenance.reader';
import { DeviceFirmwareController } from './api/device-firmware.controller';
import { DevicesController } from './api/devices.controller';
import { KpisController } from './api/kpis.controller';
import { InterfacesController } from './api/interfaces.controller';
import { MessagesController } from './api/messages.controller';
import type { AppConfig } from './config/app-config';
import { fhirInboundSettings, fhirWritebackSettings } from './config/fhir-settings';
import { HealthController } from './health/health.controller';
import { SiteController } from './api/site.controller';
import { WorkOrdersController } from './api/work-orders.controller';
import { SuggestionsController } from './api/suggestions.controller';
import { VitalsController } from './api/vitals.controller';
import { RateLimitModule } from './http/rate-limit.module';
import { originAllowed } from './http/origin.policy';
import { LOG_REDACT_PATHS } from './logging';
import { METRICS_TOKEN, MetricsController } from './metrics/metrics.controller';
import { MetricsProbes } from './metrics/metrics.probes';
import { PlatformMetrics } from './metrics/platform.metrics';

export interface AppOverrides {
  clock?: Clock;
  /** Pino destination for tests; default stdout. */
  logStream?: NodeJS.WritableStream;
  mllpTls?: { cert: Buffer; key: Buffer };
  mqttTls?: { cert: Buffer; key: Buffer; port: number };
}

/**
 * The whole platform, composed by ROLES (CONTRACT §1): gateway (REST, socket.io, web UI),
 * ingest (MLLP listener), worker (applies queued messages). Every process answers health.
 */
@Module({})
export class AppModule {
  static forRoot(config: AppConfig, overrides: AppOverrides = {}): DynamicModule {
    // One registry per application, handed to the libs as their MetricsSink.
    const metrics = new PlatformMetrics();
    const imports: ModuleMetadata['imports'] = [
      LoggerModule.forRoot({
        pinoHttp: [
          {
            level: config.logLevel,
            redact: { paths: LOG_REDACT_PATHS, censor: '[redacted]' },
            genReqId: (req, res) => {
              const incoming = req.headers['x-request-id'];
              const id = typeof incoming === 'string' && /^[\w.-]{1,64}$/.test(incoming) ? incoming : randomUUID();
              res.setHeader('x-request-id', id);
              return id;
            },
            autoLogging: { ignore: (req) => (req.url ?? '').startsWith('/health') },
            serializers: {
              req: (req: { id: string; method: string; url: string }) => ({
                id: req.id,
                method: req.method,
                url: req.url?.split('?')[0],
              }),
            },
          },
          overrides.logStream ?? process.stdout,
        ],
      }),
      PersistenceModule.forRoot({ databaseUrl: config.database.url, dataDir: config.dataDir }),
      IdentityModule.forRoot({
        adminPassword: config.adminPassword,
        oidc: config.oidc,
        lockoutThreshold: config.lockout.attempts,
        lockoutSeconds: config.lockout.seconds,
        now: overrides.clock ? () => overrides.clock!.now() : undefined,
      }),
      RealtimeModule.forRoot({
        redis: { url: config.redis.url, prefix: config.redis.prefix },
        facilityTz: config.facilityTz,
        displayPatient: config.displayPatient,
        gateway: config.roles.has('gateway'),
        clock: overrides.clock,
        metrics,
        originAllowed: (origin, host) => originAllowed(origin, host, config.http.corsOrigins),
      }),
      // After IdentityModule, on purpose: global guards run in the order their modules are
      // scanned, and the API limit counts per principal, which AccessGuard establishes.
      ...(config.roles.has('gateway') ? [RateLimitModule.forRoot(config.rateLimits)] : []),
      // The FHIR R4 read façade (CONTRACT §5) is served where the REST API is.
      ...(config.roles.has('gateway')
        ? [
            FhirFacadeModule.forRoot({
              facilityTz: config.facilityTz,
              now: () => (overrides.clock ?? systemClock).now(),
            }),
          ]
        : []),
      TerminusModule,
      DevicesModule.forRoot({ mqttUrl: config.mqtt.url }),
      InterfacesModule.forRoot({
        sharedPort: config.mllp.port,
        facilityTz: config.facilityTz,
        file: config.hl7.interfacesFile,
      }),
    ];
    const pipeline = {
      facilityTz: config.facilityTz,
      mllp: { port: config.mllp.port, tls: overrides.mllpTls, limits: config.mllp.limits },
      mqtt: { url: config.mqtt.url, port: config.mqtt.port, tls: overrides.mqttTls },
      workerConcurrency: 256,
      workerLockMs: config.worker.lockMs,
      policy: config.site.policy,
      orHours: config.site.orHours,
      predictions: config.site.predictions,
      ruleTick: config.site.ruleTick,
      vitals: config.vitals,
      ...(config.site.pacuRooms?.length ? { isPacu: pacuMatcher(config.site.pacuRooms) } : {}),
      // Read (and the SMART key checked) only where the sync and the hook run.
      fhir: config.roles.has('ingest') ? fhirInboundSettings(config.fhir) : undefined,
      // Milestones back to the EHR (off by default): the worker writes and sends the outbox.
      writeback: config.roles.has('worker') ? fhirWritebackSettings(config.fhir, config.facilityTz) : undefined,
    };
    if (config.roles.has('ingest')) imports.push(IngestModule.forRoot(pipeline));
    if (config.roles.has('worker')) imports.push(WorkerModule.forRoot(pipeline));
    return {
      module: AppModule,
      imports,
      controllers: [
        HealthController,
        MetricsController,
        ...(config.roles.has('gateway')
          ? [
              CasesController,
              CaseCommandsController,
              KpisController,
              SiteController,
              SuggestionsController,
              MessagesController,
              InterfacesController,
              DevicesController,
              WorkOrdersController,
              BiomedController,
              DeviceFirmwareController,
              VitalsController,
            ]
          : []),
      ],
      // The message console's reprocessing queues through its own InboundQueue in gateway processes.
      providers: [
        { provide: SITE_POLICY, useValue: config.site },
        { provide: PlatformMetrics, useValue: metrics },
        { provide: METRICS_TOKEN, useValue: config.metrics.token },
        {
          provide: COMPLIANCE_REPORT_SETTINGS,
          useValue: { facilityName: config.facilityName, facilityTz: config.facilityTz },
        },
        MetricsProbes,
        ...(config.roles.has('gateway')
          ? [InboundQueue, ReprocessService, CaseCommandService, DeviceMaintenanceReader]
          : []),
      ],
    };
  }
}
