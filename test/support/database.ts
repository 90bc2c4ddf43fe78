import type { DataSource } from 'typeorm';
import { openDatabase } from '../../libs/persistence/src/data-source';
import { createTempDir, createTestDatabase, type TempDir, type TestDatabase } from './services';

/** The database engines the platform runs on: PostgreSQL, or the embedded one (the default deployment). */
export type Engine = 'postgresql' | 'pglite';

/** A migrated database for one test file, open between its `beforeAll` and `afterAll`. */
export interface OpenTestDatabase {
  /** The open data source (throws before `beforeAll` has run). */
  readonly ds: DataSource;
  /** Another connection to the same database (PostgreSQL only): opened on first use, closed with `ds`. */
  other(): Promise<DataSource>;
}

/**
 * Registers the hooks that give this file (or `describe` block) a brand-new migrated database on
 * `engine`, and remove it afterwards: a PostgreSQL database of its own on the machine's server, or
 * an embedded one in a temporary directory.
 */
export function useTestDatabase(engine: Engine): OpenTestDatabase {
  let pg: TestDatabase | undefined;
  let dir: TempDir | undefined;
  let ds: DataSource | undefined;
  let other: DataSource | undefined;
  beforeAll(async () => {
    dir = createTempDir();
    if (engine === 'postgresql') pg = await createTestDatabase();
    ds = await openDatabase({ databaseUrl: pg?.url, dataDir: dir.path });
  });
  afterAll(async () => {
    for (const open of [other, ds]) if (open?.isInitialized) await open.destroy();
    await pg?.drop();
    dir?.remove();
  });
  return {
    get ds(): DataSource {
      if (!ds) throw new Error('the test database opens in beforeAll');
      return ds;
    },
    async other(): Promise<DataSource> {
      if (!pg || !dir) throw new Error('a second connection needs PostgreSQL, after beforeAll');
      other ??= await openDatabase({ databaseUrl: pg.url, dataDir: dir.path });
      return other;
    },
  };
}
