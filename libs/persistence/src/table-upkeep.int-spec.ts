import type { DataSource } from 'typeorm';
import { churnInbox } from '../../../test/support/inbox-churn';
import { createTempDir, createTestDatabase, type TempDir, type TestDatabase } from '../../../test/support/services';
import { openDatabase } from './data-source';
import { analyzeTables, autovacuumOn, CHURNING_TABLES, tableActivity, upkeepDue, vacuumTables } from './table-upkeep';

describe.each(['postgresql', 'pglite'] as const)('table upkeep on %s', (engine) => {
  let pg: TestDatabase | undefined;
  let dir: TempDir;
  let ds: DataSource;

  beforeAll(async () => {
    dir = createTempDir();
    if (engine === 'postgresql') pg = await createTestDatabase();
    ds = await openDatabase({ databaseUrl: pg?.url, dataDir: dir.path });
  });
  afterAll(async () => {
    if (ds?.isInitialized) await ds.destroy();
    await pg?.drop();
    dir.remove();
  });

  const counts = async (table: string) =>
    (
      await ds.query<{ vacuums: string; analyses: string; dead: string }[]>(
        `SELECT vacuum_count::text AS vacuums, analyze_count::text AS analyses, n_dead_tup::text AS dead
         FROM pg_stat_user_tables WHERE relname = $1`,
        [table],
      )
    ).map((r) => ({ vacuums: Number(r.vacuums), analyses: Number(r.analyses), dead: Number(r.dead) }))[0]!;

  it('knows whether the database vacuums by itself', async () => {
    if (engine === 'pglite') {
      expect(await autovacuumOn(ds)).toBe(false);
    } else {
      const shown = await ds.query<{ autovacuum: string }[]>('SHOW autovacuum');
      expect(await autovacuumOn(ds)).toBe(shown[0]?.autovacuum === 'on');
    }
  });

  it('sees the dead rows of applied messages in inbox_open, finds it due, and vacuums them away', async () => {
    await churnInbox(ds, 2000);
    const open = (await tableActivity(ds)).find((a) => a.table === 'inbox_open');
    expect(open).toEqual(expect.objectContaining({ live: 0, dead: 2_000 }));
    const due = upkeepDue(await tableActivity(ds));
    expect(due.vacuum).toContain('inbox_open');

    const before = await counts('inbox_open');
    await vacuumTables(ds, due.vacuum);
    const after = await counts('inbox_open');
    expect(after.vacuums).toBe(before.vacuums + 1);
    // Vacuumed only: analysis has its own rule (at most once a minute).
    expect(after.analyses).toBe(before.analyses);
    expect(after.dead).toBe(0);
  });

  it('vacuums every churning table it is given, and analyses the tables it is given', async () => {
    const before = await Promise.all(CHURNING_TABLES.map(counts));
    await vacuumTables(ds, CHURNING_TABLES);
    const after = await Promise.all(CHURNING_TABLES.map(counts));
    expect(after.map((a, i) => a.vacuums - before[i]!.vacuums)).toEqual(CHURNING_TABLES.map(() => 1));

    const analysed = await counts('case_event');
    await analyzeTables(ds, ['case_event', 'room']);
    expect((await counts('case_event')).analyses).toBe(analysed.analyses + 1);
    await analyzeTables(ds, []);
  });
});
