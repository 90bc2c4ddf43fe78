export * from './pipeline.tokens';
export * from './fact.decoder';
export * from './inbound.queue';
export * from './case-apply.service';
export * from './inbound.worker';
export * from './mllp-ingest.service';
export * from './pipeline.module';
