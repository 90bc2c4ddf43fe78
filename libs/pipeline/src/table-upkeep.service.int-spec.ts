import type { DataSource } from 'typeorm';
import { churnInbox } from '../../../test/support/inbox-churn';
import { ManualClock } from '@circulator/domain';
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

  it('does nothing on a quiet database, then vacuums what churned and analyses it at most once a minute', async () => {
    const clock = new ManualClock(new Date('2026-11-22T10:00:00Z'));
    const upkeep = new TableUpkeep(ds, clock);
    await upkeep.onApplicationBootstrap();
    try {
      const quiet = await counts();
      await upkeep.run();
      expect(await counts()).toEqual(quiet);

      await churnInbox(ds, 1500);
      await upkeep.run();
      // inbox_open: 1,500 dead rows (vacuumed); inbox: 3,000 changes (analysed).
      expect(await counts()).toEqual({ vacuums: quiet.vacuums + 1, analyses: quiet.analyses + 1 });

      // As much again 59 s later: vacuumed again, but the inbox's statistics are recent enough.
      clock.advance(59_000);
      await churnInbox(ds, 1500);
      await upkeep.run();
      expect(await counts()).toEqual({ vacuums: quiet.vacuums + 2, analyses: quiet.analyses + 1 });
      clock.advance(1_000);
      await upkeep.run();
      expect(await counts()).toEqual({ vacuums: quiet.vacuums + 2, analyses: quiet.analyses + 2 });
    } finally {
      await upkeep.onApplicationShutdown();
    }
  });
});
