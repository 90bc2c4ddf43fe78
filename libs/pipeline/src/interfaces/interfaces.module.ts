import { type DynamicModule, Module } from '@nestjs/common';
import { InterfaceListeners } from './interface.listeners';
import { INTERFACE_SETTINGS, InterfaceRegistry, type InterfaceSettings } from './interface.registry';

/**
 * Inbound HL7 interfaces for every role: the registry (REST on the gateway, listeners on ingest,
 * mappings on the worker) and the listener manager (idle until the ingest service starts it).
 * Global, so that IngestModule, WorkerModule and the server's controllers can inject them. Needs
 * PersistenceModule (DataSource), IdentityModule (AuditService) and RealtimeModule (CLOCK).
 */
@Module({})
export class InterfacesModule {
  static forRoot(settings: InterfaceSettings): DynamicModule {
    return {
      module: InterfacesModule,
      global: true,
      providers: [{ provide: INTERFACE_SETTINGS, useValue: settings }, InterfaceRegistry, InterfaceListeners],
      exports: [INTERFACE_SETTINGS, InterfaceRegistry, InterfaceListeners],
    };
  }
}
