import type { DataSource } from 'typeorm';
import { churnInbox } from '../../../test/support/inbox-churn';
import { openDatabase } from '@circulator/persistence';
import { createTempDir, type TempDir } from '../../../test/support/services';
import { TableUpkeep } from './table-upkeep.service';

/** On the embedded database, which runs no autovacuum: the service does the upkeep itself. */
describe('TableUpkeep (embedded database)', () => {
  let dir: TempDir;
  let ds: DataSource;

  beforeAll(async () => {
    dir = createTempDir();
    ds = await openDatabase({ dataDir: dir.path });
  });
  afterAll(async () => {
    if (ds?.isInitialized) await ds.destroy();
    dir.remove();
  });

  const counts = async () =>
    (
      await ds.query<{ vacuums: string; analyses: string }[]>(
        `SELECT (SELECT vacuum_count FROM pg_stat_user_tables WHERE relname = 'inbox_open')::text AS vacuums,
                (SELECT analyze_count FROM pg_stat_user_tables WHERE relname = 'inbox')::text AS analyses`,
      )
    ).map((r) => ({ vacuums: Number(r.vacuums), analyses: Number(r.analyses) }))[0]!;

  it('does nothing on a quiet database, then vacuums and analyses what churned', async () => {
    const upkeep = new TableUpkeep(ds);
    await upkeep.onApplicationBootstrap();
    try {
      const quiet = await counts();
      await upkeep.run();
      expect(await counts()).toEqual(quiet);

      await churnInbox(ds, 1500);
      await upkeep.run();
      // inbox_open: 1,500 dead rows (vacuumed); inbox: 3,000 changes (analysed).
      expect(await counts()).toEqual({ vacuums: quiet.vacuums + 1, analyses: quiet.analyses + 1 });
    } finally {
      await upkeep.onApplicationShutdown();
    }
  });
});
