import { EventEmitter } from 'node:events';
import { PGlite, types, type PGliteOptions, type Results } from '@electric-sql/pglite';

/**
 * A `pg`-shaped driver over one embedded PGlite database, for TypeORM's postgres driver
 * (`{ type: 'postgres', driver: pgliteDriver(...) }`).
 *
 * Why our own and not `typeorm-pglite`: that package hands every TypeORM query runner the same
 * PGlite session at once and keeps the database in a process-wide singleton. PGlite is one
 * session, so two concurrent transactions would interleave their statements inside one
 * BEGIN…COMMIT (and a plain query issued meanwhile would join, or be rolled back with, someone
 * else's transaction). Here a connection is checked out exclusively — the pool has exactly one
 * — so transactions are serialised exactly as on a one-connection PostgreSQL pool, and each data
 * source owns its database. `data-source.int-spec.ts` ("keeps concurrent transactions apart") shows it.
 */
export function pgliteDriver(options: PGliteOptions & { dataDir?: string }): { Pool: new () => unknown } {
  const db = new PGlite({
    ...options,
    // TypeORM sends booleans as JS values; PGlite's default serializer would send 't'/'f' text.
    serializers: { [types.BOOL]: (v: unknown) => (v === true || v === 'true' || v === 1 ? 'TRUE' : 'FALSE') },
  });

  class PGliteConnection extends EventEmitter {
    async query(sql: string, params?: unknown[]): Promise<PgLikeResult> {
      const results: Results<Record<string, unknown>> =
        params && params.length > 0
          ? await db.query<Record<string, unknown>>(sql, params)
          : ((await db.exec(sql)).at(-1) ?? { rows: [], fields: [] });
      return {
        rows: results.rows,
        rowCount: results.affectedRows ?? results.rows.length,
        fields: results.fields,
        command: sql.trimStart().split(/\s/, 1)[0]?.toUpperCase() ?? '',
      };
    }
  }

  const connection = new PGliteConnection();
  let tail: Promise<void> = Promise.resolve();

  class PGlitePool extends EventEmitter {
    /** Exclusive checkout: the next caller waits until the previous one releases. */
    connect(callback: (err: Error | null, client: PGliteConnection | null, release: (err?: unknown) => void) => void) {
      let release!: () => void;
      const released = new Promise<void>((resolve) => (release = resolve));
      const previous = tail;
      tail = previous.then(() => released);
      previous
        .then(() => db.waitReady)
        .then(
          () => {
            let done = false;
            callback(null, connection, () => {
              if (done) return;
              done = true;
              release();
            });
          },
          (err: unknown) => {
            release();
            callback(err instanceof Error ? err : new Error(String(err)), null, () => undefined);
          },
        );
    }
    async query(sql: string, params?: unknown[]): Promise<PgLikeResult> {
      return connection.query(sql, params);
    }
    end(callback?: (err: Error | null) => void): void {
      db.close().then(
        () => callback?.(null),
        (err: unknown) => callback?.(err instanceof Error ? err : new Error(String(err))),
      );
    }
  }

  return { Pool: PGlitePool };
}

interface PgLikeResult {
  rows: Record<string, unknown>[];
  rowCount: number;
  fields: unknown[];
  command: string;
}
