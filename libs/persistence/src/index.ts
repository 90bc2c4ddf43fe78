export * from './data-source';
export * from './pglite.driver';
export * from './entities/inbox-message.entity';
export * from './entities/room.entity';
export * from './entities/surgical-case.entity';
export * from './entities/identity.entities';
export * from './persistence.module';
