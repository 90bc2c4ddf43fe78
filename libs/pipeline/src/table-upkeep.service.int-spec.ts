import type { DataSource } from 'typeorm';
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
                (SELECT analyze_count FROM pg_stat_user_tables WHERE relname = 'case_event')::text AS analyses`,
      )
    ).map((r) => ({ vacuums: Number(r.vacuums), analyses: Number(r.analyses) }))[0]!;

  it('vacuums the churning tables every pass and analyses every table every third pass', async () => {
    const upkeep = new TableUpkeep(ds);
    await upkeep.onApplicationBootstrap();
    try {
      const before = await counts();
      await upkeep.run();
      await upkeep.run();
      expect(await counts()).toEqual({ vacuums: before.vacuums + 2, analyses: before.analyses });
      await upkeep.run();
      expect(await counts()).toEqual({ vacuums: before.vacuums + 3, analyses: before.analyses + 1 });
    } finally {
      await upkeep.onApplicationShutdown();
    }
  });
});
