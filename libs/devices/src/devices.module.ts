import { type DynamicModule, Module } from '@nestjs/common';
import { DEVICES_SETTINGS, type DevicesSettings } from './devices.tokens';
import { DeviceRegistry } from './registry/device.registry';

/**
 * The device registry for every role: the gateway's REST API registers devices, the ingest's MQTT
 * edge authenticates them, the worker reads them. The MQTT edge itself is composed by the ingest
 * role (`IngestModule`), which owns the feed sink.
 */
@Module({})
export class DevicesModule {
  static forRoot(settings: DevicesSettings): DynamicModule {
    return {
      module: DevicesModule,
      global: true,
      providers: [{ provide: DEVICES_SETTINGS, useValue: settings }, DeviceRegistry],
      exports: [DEVICES_SETTINGS, DeviceRegistry],
    };
  }
}
