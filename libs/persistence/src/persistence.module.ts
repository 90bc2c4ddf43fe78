import { type DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { CaseRepository } from './case.repository';
import { dataSourceOptions, migrate, type DatabaseSettings } from './data-source';
import { DeviceRepository } from './device.repository';
import { FhirSyncRepository } from './fhir-sync.repository';
import { WritebackOutboxRepository } from './writeback-outbox.repository';
import { InboxRepository } from './inbox.repository';
import { MessageLogRepository } from './message-log.repository';
import { FirmwareApprovalRepository } from './firmware-approval.repository';
import { RoomRepository } from './room.repository';
import { WorkOrderRepository } from './work-order.repository';
import { VitalsRepository } from './vitals.repository';

/**
 * The database for the whole application: PostgreSQL or embedded PGlite, migrated at start.
 * Feature modules use `TypeOrmModule.forFeature([...entities])` and `@InjectRepository`, or
 * inject `DataSource` for raw SQL on hot paths.
 */
@Module({})
export class PersistenceModule {
  static forRoot(settings: DatabaseSettings): DynamicModule {
    return {
      module: PersistenceModule,
      global: true,
      imports: [
        TypeOrmModule.forRootAsync({
          useFactory: () => ({ ...dataSourceOptions(settings), retryAttempts: 0 }),
          dataSourceFactory: async (options) => {
            if (!options) throw new Error('no data source options');
            const ds = new DataSource(options);
            await ds.initialize();
            await migrate(ds, settings);
            return ds;
          },
        }),
      ],
      providers: [
        InboxRepository,
        RoomRepository,
        CaseRepository,
        MessageLogRepository,
        DeviceRepository,
        FhirSyncRepository,
        WorkOrderRepository,
        WritebackOutboxRepository,
        VitalsRepository,
        FirmwareApprovalRepository,
      ],
      exports: [
        TypeOrmModule,
        InboxRepository,
        RoomRepository,
        CaseRepository,
        MessageLogRepository,
        DeviceRepository,
        FhirSyncRepository,
        WorkOrderRepository,
        WritebackOutboxRepository,
        VitalsRepository,
        FirmwareApprovalRepository,
      ],
    };
  }
}
