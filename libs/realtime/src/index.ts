export * from './redis.connections';
export * from './realtime.tokens';
export * from './topics';
export * from './change.bus';
export * from './live.gateway';
export * from './realtime.module';
export * from './vitals.throttle';
export * from './metrics.sink';
