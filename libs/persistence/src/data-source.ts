import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DataSource, type DataSourceOptions } from 'typeorm';
import { AppSecretEntity, AuditLogEntity, DisplayCredentialEntity, UserEntity } from './entities/identity.entities';
import {
  ConsultationEntity,
  LoginThrottleEntity,
  RefreshFamilyEntity,
  RefreshTokenEntity,
} from './entities/identity-hardening.entities';
import { InboxMessageEntity } from './entities/inbox-message.entity';
import { RoomEntity } from './entities/room.entity';
import { CaseEventEntity, CaseIdentifierEntity, SurgicalCaseEntity } from './entities/surgical-case.entity';
import { InitialSchema1732150000000 } from './migrations/1732150000000-initial-schema';
import { CaseEventSourceIndex1732236400000 } from './migrations/1732236400000-case-event-source-index';
import { MessageLogAndInterfaces1763700000000 } from './migrations/1763700000000-message-log-and-interfaces';
import { PatientsAndParkedFacts1763750000000 } from './migrations/1763750000000-patients-and-parked-facts';
import { MessageLogSearch1763800000000 } from './migrations/1763800000000-message-log-search';
import { ParkedFactAppointments1763900000000 } from './migrations/1763900000000-parked-fact-appointments';
import { ApiCommands1764000000000 } from './migrations/1764000000000-api-commands';
import { Devices1764100000000 } from './migrations/1764100000000-devices';
import { IdentityHardening1764200000000 } from './migrations/1764200000000-identity-hardening';
import { AuditChain1764210000000 } from './migrations/1764210000000-audit-chain';
import { FhirInbound1764305000000 } from './migrations/1764305000000-fhir-inbound';
import { WorkOrders1764520000000 } from './migrations/1764520000000-work-orders';
import { OidcSignIn1764400000000 } from './migrations/1764400000000-oidc-sign-in';
import { InboxHotUpdates1764500000000 } from './migrations/1764500000000-inbox-hot-updates';
import { WritebackOutbox1764510000000 } from './migrations/1764510000000-writeback-outbox';
import { VitalsAndFirmwareApprovals1764530000000 } from './migrations/1764530000000-vitals-and-firmware-approvals';
import { RoomLocationsIndex1764540000000 } from './migrations/1764540000000-room-locations-index';
import { CaseHotUpdates1764550000000 } from './migrations/1764550000000-case-hot-updates';
import { pgliteDriver } from './pglite.driver';

export const ENTITIES = [
  InboxMessageEntity,
  RoomEntity,
  SurgicalCaseEntity,
  CaseIdentifierEntity,
  CaseEventEntity,
  UserEntity,
  DisplayCredentialEntity,
  AuditLogEntity,
  AppSecretEntity,
  LoginThrottleEntity,
  RefreshFamilyEntity,
  RefreshTokenEntity,
  ConsultationEntity,
];

export const MIGRATIONS = [
  InitialSchema1732150000000,
  CaseEventSourceIndex1732236400000,
  MessageLogAndInterfaces1763700000000,
  PatientsAndParkedFacts1763750000000,
  MessageLogSearch1763800000000,
  ParkedFactAppointments1763900000000,
  ApiCommands1764000000000,
  Devices1764100000000,
  IdentityHardening1764200000000,
  AuditChain1764210000000,
  FhirInbound1764305000000,
  OidcSignIn1764400000000,
  InboxHotUpdates1764500000000,
  WritebackOutbox1764510000000,
  WorkOrders1764520000000,
  VitalsAndFirmwareApprovals1764530000000,
  RoomLocationsIndex1764540000000,
  CaseHotUpdates1764550000000,
];

export interface DatabaseSettings {
  /** PostgreSQL URL; when absent the embedded database under `dataDir` is used. */
  databaseUrl?: string | undefined;
  dataDir: string;
  poolSize?: number;
}

/** TypeORM options for PostgreSQL or embedded PGlite: the same entities and migrations on both. */
export function dataSourceOptions(settings: DatabaseSettings): DataSourceOptions {
  const common = {
    type: 'postgres' as const,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsRun: false,
    synchronize: false,
  };
  if (settings.databaseUrl) {
    return { ...common, url: settings.databaseUrl, poolSize: settings.poolSize ?? 10, connectTimeoutMS: 5_000 };
  }
  const dataDir = join(settings.dataDir, 'pglite');
  mkdirSync(dataDir, { recursive: true });
  return { ...common, driver: pgliteDriver({ dataDir }), poolSize: 1 };
}

/** Opens the database and brings its schema up to date. */
export async function openDatabase(settings: DatabaseSettings): Promise<DataSource> {
  const ds = new DataSource(dataSourceOptions(settings));
  await ds.initialize();
  try {
    await migrate(ds, settings);
  } catch (err) {
    await ds.destroy();
    throw err;
  }
  return ds;
}

/** Arbitrary, fixed: the advisory lock that lets one process at a time migrate a database. */
const MIGRATION_LOCK = 72_627_013;

/**
 * Brings the schema up to date. Several processes of one deployment may start at once on an empty
 * database: on PostgreSQL they take turns under an advisory lock (without it two of them race to
 * create the migrations table and one crashes). PGlite serves one process, so it needs none.
 */
export async function migrate(ds: DataSource, settings: DatabaseSettings): Promise<void> {
  if (!settings.databaseUrl) {
    await ds.runMigrations({ transaction: 'each' });
    return;
  }
  const lock = ds.createQueryRunner();
  await lock.connect();
  try {
    await lock.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    await ds.runMigrations({ transaction: 'each' });
  } finally {
    await lock.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
    await lock.release();
  }
}
