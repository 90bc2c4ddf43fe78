import type { DataSource } from 'typeorm';

/**
 * The churn of `count` messages stored and applied (each leaves a dead row in `inbox_open`), in one
 * session whose statistics are then flushed and re-read: `pg_stat_user_tables` shows them at once
 * (a backend otherwise reports them up to a second later).
 */
export async function churnInbox(ds: DataSource, count: number): Promise<void> {
  await ds.transaction(async (m) => {
    const ids = await m.query<{ id: string }[]>(
      `INSERT INTO inbox (channel, sender, message_type, raw, status)
       SELECT 'mllp', 'UPKEEP|TEST', 'ADT^A08', '\\x00'::bytea, 'received' FROM generate_series(1, $1::int)
       RETURNING id::text AS id`,
      [count],
    );
    await m.query(`UPDATE inbox SET status = 'applied' WHERE id = ANY($1::bigint[])`, [ids.map((r) => r.id)]);
    await m.query('SELECT pg_stat_force_next_flush()');
  });
  await ds.query('SELECT pg_stat_clear_snapshot()');
}
