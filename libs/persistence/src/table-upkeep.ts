import type { DataSource } from 'typeorm';

/**
 * The tables whose rows the pipeline rewrites or deletes all the time: `inbox_open` gets a row per
 * message stored and loses it when the message is applied (its update trigger's DELETE reads it
 * for every batch), `device` is rewritten by every batch of readings (last seen, usage), and
 * `surgical_case` by every change. PostgreSQL's autovacuum keeps them small; without it their
 * dead rows pile up and every statement that reads them slows with the history: measured on the
 * bench, 120,678 dead rows beside 5,235 live ones in `inbox_open` after a minute of HL7 at full
 * speed, and the readings that followed reached their displays in 8-9 s instead of 0.3 s (with the
 * statistics of {@link analyzeTables}).
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

/** A table's activity since it was last vacuumed and analysed (`pg_stat_user_tables`). */
export interface TableActivity {
  table: string;
  live: number;
  dead: number;
  modifiedSinceAnalyze: number;
}

/** The activity of every table of the schema. */
export async function tableActivity(ds: DataSource): Promise<TableActivity[]> {
  const rows = await ds.query<{ table: string; live: string; dead: string; mods: string }[]>(
    `SELECT relname AS table, n_live_tup::text AS live, n_dead_tup::text AS dead, n_mod_since_analyze::text AS mods
     FROM pg_stat_user_tables WHERE schemaname = current_schema()`,
  );
  return rows.map((r) => ({
    table: r.table,
    live: Number(r.live),
    dead: Number(r.dead),
    modifiedSinceAnalyze: Number(r.mods),
  }));
}

/**
 * The least time between two analyses of a table: autovacuum's `autovacuum_naptime` (a minute),
 * which bounds how often it gets round to a table. Tables the pipeline grows all the time (the
 * inbox, the case events) pass the 10 % rule below at every look under load; analysed every 10 s,
 * the analyses took 1-1.7 s of the database's CPU in each 10 s of the bench's HL7 phase, and the
 * readings' latency rose with each pass. Statistics a minute old are good enough for the planner.
 */
export const ANALYZE_INTERVAL_MS = 60_000;

/**
 * What is due, by autovacuum's own rule with its default scale factors and a floor of 1,000 rows:
 * a churning table is vacuumed when its dead rows pass 1,000 + 20 % of its live ones; any table is
 * analysed when its rows changed since the last analysis pass 1,000 + 10 % of its live ones, and
 * it was not analysed here in the last {@link ANALYZE_INTERVAL_MS} (`analyzedAt`: when each table
 * was last analysed, on the clock of `nowMs`). A quiet database (the tests', a night) costs one
 * statistics query a pass.
 */
export function upkeepDue(
  activity: readonly TableActivity[],
  analyzedAt: ReadonlyMap<string, number> = new Map(),
  nowMs = 0,
): { vacuum: string[]; analyze: string[] } {
  const churning = new Set<string>(CHURNING_TABLES);
  const vacuum = activity
    .filter((t) => churning.has(t.table) && t.dead > 1_000 + 0.2 * t.live)
    .map((t) => t.table)
    .sort();
  const rested = (table: string) => {
    const last = analyzedAt.get(table);
    return last === undefined || nowMs - last >= ANALYZE_INTERVAL_MS;
  };
  const analyze = activity
    .filter((t) => t.modifiedSinceAnalyze > 1_000 + 0.1 * t.live && rested(t.table))
    .map((t) => t.table)
    .sort();
  return { vacuum, analyze };
}

/**
 * Vacuums these tables, one statement each (VACUUM runs outside a transaction). Lazy VACUUM takes
 * no lock that blocks reads or writes, so the pipeline goes on meanwhile; a table another worker
 * is vacuuming is skipped (SKIP_LOCKED). Analysis is {@link analyzeTables}' (at most once a minute).
 */
export async function vacuumTables(ds: DataSource, tables: readonly string[]): Promise<void> {
  for (const table of tables) await ds.query(`VACUUM (SKIP_LOCKED) ${quoteName(table)}`);
}

/**
 * Refreshes the planner's statistics of these tables (`ANALYZE`, which autovacuum otherwise runs
 * as tables grow). Without them the planner keeps the sizes it saw when the tables were nearly
 * empty: on the bench, with the churning tables vacuumed but nothing analysed, readings after a
 * minute of HL7 reached their displays in 3.1 s (p50); analysed as well, in 0.25 s.
 */
export async function analyzeTables(ds: DataSource, tables: readonly string[]): Promise<void> {
  if (tables.length === 0) return;
  await ds.query(`ANALYZE (SKIP_LOCKED) ${tables.map(quoteName).join(', ')}`);
}

/** A table name from the catalogue, quoted as an SQL identifier. */
function quoteName(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
