// Inbound HL7 interfaces: configuration, routing, the registry and the listener manager.
export * from './interface.config';
export * from './interface.error';
export * from './interface.routing';
export * from './interface.registry';
export * from './interface.listeners';
export * from './interfaces.module';
