import type { DataSource } from 'typeorm';
import { createTempDir, createTestDatabase, type TempDir, type TestDatabase } from '../../../test/support/services';
import { openDatabase } from './data-source';
import { analyzeDatabase, autovacuumOn, CHURNING_TABLES, vacuumChurningTables } from './table-upkeep';

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

  it('knows whether the database vacuums by itself', async () => {
    if (engine === 'pglite') {
      expect(await autovacuumOn(ds)).toBe(false);
    } else {
      const shown = await ds.query<{ autovacuum: string }[]>('SHOW autovacuum');
      expect(await autovacuumOn(ds)).toBe(shown[0]?.autovacuum === 'on');
    }
  });

  it('vacuums every churning table, and clears the dead rows of applied messages', async () => {
    const ids = await ds.query<{ id: string }[]>(
      `INSERT INTO inbox (channel, sender, message_type, raw, status)
       SELECT 'mllp', 'UPKEEP|TEST', 'ADT^A08', '\\x00'::bytea, 'received' FROM generate_series(1, 200)
       RETURNING id::text AS id`,
    );
    expect(Number((await ds.query<{ n: string }[]>(`SELECT count(*) AS n FROM inbox_open`))[0]!.n)).toBe(200);
    await ds.query(`UPDATE inbox SET status = 'applied' WHERE id = ANY($1::bigint[])`, [ids.map((r) => r.id)]);
    expect(Number((await ds.query<{ n: string }[]>(`SELECT count(*) AS n FROM inbox_open`))[0]!.n)).toBe(0);
    const vacuums = async () =>
      ds.query<{ relname: string; n: string; dead: string }[]>(
        `SELECT relname, vacuum_count::text AS n, n_dead_tup::text AS dead
         FROM pg_stat_user_tables WHERE relname = ANY($1) ORDER BY relname`,
        [[...CHURNING_TABLES]],
      );
    const before = await vacuums();
    await vacuumChurningTables(ds);
    const after = await vacuums();
    expect(after.map((r) => r.relname)).toEqual([...CHURNING_TABLES].sort());
    for (const row of after) {
      const was = Number(before.find((b) => b.relname === row.relname)?.n ?? 0);
      expect({ table: row.relname, vacuumed: Number(row.n) - was }).toEqual({ table: row.relname, vacuumed: 1 });
    }
    // The 200 rows the applied messages left behind in inbox_open are gone (as the vacuum reports).
    expect(after.find((r) => r.relname === 'inbox_open')?.dead).toBe('0');
  });

  it('analyses every table', async () => {
    const analyses = async () =>
      Number(
        (
          await ds.query<{ n: string }[]>(
            `SELECT coalesce(analyze_count, 0)::text AS n FROM pg_stat_user_tables WHERE relname = 'case_event'`,
          )
        )[0]!.n,
      );
    const before = await analyses();
    await analyzeDatabase(ds);
    expect(await analyses()).toBe(before + 1);
  });
});
