import { type DynamicModule, Module, type Provider } from '@nestjs/common';
import { systemClock, type Clock } from '@circulator/domain';
import { ChangeBus } from './change.bus';
import { RevocationRelay } from './revocation.relay';
import { LiveGateway } from './live.gateway';
import { REDIS_SETTINGS, RedisConnections, type RedisSettings } from './redis.connections';
import { CLOCK, REALTIME_SETTINGS, type RealtimeSettings } from './realtime.tokens';
import { METRICS_SINK, type MetricsSink } from './metrics.sink';

export interface RealtimeModuleOptions extends RealtimeSettings {
  redis: RedisSettings;
  /** Serve the `/live` socket.io namespace in this process (ROLES includes gateway). */
  gateway: boolean;
  clock?: Clock;
  /** Where the gateway and the pipeline report what /metrics shows; none: nothing is counted. */
  metrics?: MetricsSink;
}

/** Redis connections, the change bus and (for gateway processes) the live socket.io gateway. */
@Module({})
export class RealtimeModule {
  static forRoot(options: RealtimeModuleOptions): DynamicModule {
    const providers: Provider[] = [
      { provide: REDIS_SETTINGS, useValue: options.redis },
      {
        provide: REALTIME_SETTINGS,
        useValue: {
          facilityTz: options.facilityTz,
          ...(options.originAllowed ? { originAllowed: options.originAllowed } : {}),
          ...(options.coalesceMs !== undefined ? { coalesceMs: options.coalesceMs } : {}),
          ...(options.displayPatient ? { displayPatient: options.displayPatient } : {}),
        } satisfies RealtimeSettings,
      },
      { provide: CLOCK, useValue: options.clock ?? systemClock },
      RedisConnections,
      ChangeBus,
      RevocationRelay,
    ];
    if (options.metrics) providers.push({ provide: METRICS_SINK, useValue: options.metrics });
    if (options.gateway) providers.push(LiveGateway);
    return {
      module: RealtimeModule,
      global: true,
      providers,
      exports: [
        REDIS_SETTINGS,
        REALTIME_SETTINGS,
        CLOCK,
        RedisConnections,
        ChangeBus,
        ...(options.metrics ? [METRICS_SINK] : []),
      ],
    };
  }
}
