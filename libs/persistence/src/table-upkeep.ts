import type { DataSource } from 'typeorm';

/**
 * The tables whose rows the pipeline rewrites or deletes all the time: `inbox_open` gets a row per
 * message stored and loses it when the message is applied (its update trigger's DELETE reads it
 * for every batch), `device` is rewritten by every batch of readings (last seen, usage), and
 * `surgical_case` by every change. PostgreSQL's autovacuum keeps them small; without it their
 * dead rows pile up and every statement that reads them slows with the history: measured on the
 * bench, 120,678 dead rows beside 5,235 live ones in `inbox_open` after a minute of HL7 at full
 * speed, and the readings that followed reached their displays in 8-9 s instead of 0.3 s (with the
 * statistics of {@link analyzeDatabase}).
 */
export const CHURNING_TABLES = ['inbox_open', 'device', 'surgical_case'] as const;

/**
 * Whether the database vacuums by itself: PostgreSQL with `autovacuum` on. The embedded database
 * (PGlite) runs as a single user, with no autovacuum launcher.
 */
export async function autovacuumOn(ds: DataSource): Promise<boolean> {
  if ('driver' in ds.options && ds.options.driver) return false;
  const rows = await ds.query<{ autovacuum: string }[]>('SHOW autovacuum');
  return rows[0]?.autovacuum !== 'off';
}

/**
 * Vacuums the churning tables, one statement each (VACUUM runs outside a transaction). Lazy
 * VACUUM takes no lock that blocks reads or writes, so the pipeline goes on meanwhile; a table
 * another worker is vacuuming is skipped (SKIP_LOCKED).
 */
export async function vacuumChurningTables(ds: DataSource): Promise<void> {
  for (const table of CHURNING_TABLES) await ds.query(`VACUUM (ANALYZE, SKIP_LOCKED) ${table}`);
}

/**
 * Refreshes the planner's statistics of every table (`ANALYZE`, which autovacuum otherwise runs as
 * tables grow). Without them the planner keeps the sizes it saw when the tables were nearly empty:
 * on the bench, with the churning tables vacuumed but nothing analysed, readings after a minute of
 * HL7 reached their displays in 3.1 s (p50); analysed as well, in 0.25 s.
 */
export async function analyzeDatabase(ds: DataSource): Promise<void> {
  await ds.query('ANALYZE');
}
