import { Injectable, Logger } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { type AuditContent, type ChainedRow, GENESIS_HASH, chainHash } from './audit.chain';

/**
 * Arbitrary, fixed: the advisory lock under which one process at a time extends the chain. Taken
 * keys: 72_627_013 (migrations, libs/persistence), 72_627_014 (HL7 interfaces, libs/pipeline).
 */
export const AUDIT_CHAIN_LOCK = 72_627_015;

/** Rows per statement when sealing or reading the chain: bounded memory on any table size. */
const CHUNK = 500;

/** What the admin asks the audit trail (every member optional; `to` is exclusive). */
export interface AuditFilter {
  from?: Date | undefined;
  to?: Date | undefined;
  actor?: string | undefined;
  action?: string | undefined;
  targetType?: string | undefined;
  targetId?: string | undefined;
}

/** A keyset page, newest first: `before` is the `next` of the previous page. */
export interface AuditPageRequest {
  limit: number;
  before?: string | undefined;
}

/** Rows of one page and the cursor of the next (older) page; null on the last page. */
export interface AuditPage {
  entries: ChainedRow[];
  next: string | null;
}

interface Row {
  id: string;
  at: Date;
  actor: string;
  roles: string[];
  action: string;
  targetType: string;
  targetId: string | null;
  detail: Record<string, unknown>;
  source: string | null;
  prevHash: string | null;
  hash: string | null;
}

// The id as text: pg gives int8 as a string, PGlite as a number. Statements that select it must
// sort by `a.id`: a bare `ORDER BY id` would sort by this text alias (10 before 9).
const COLUMNS = `a.id::text AS id, at, actor, roles, action, target_type AS "targetType", target_id AS "targetId",
  detail, source, prev_hash AS "prevHash", hash`;

const INSERT_COLUMNS = 10;

/**
 * Every side effect on `audit_log`: chained appends and the reads of the admin API. The table is
 * append-only in the database (migration 1764210000000-audit-chain), so there is no update here
 * except the one-off sealing of rows written before the chain existed.
 */
@Injectable()
export class AuditLogRepository {
  private readonly logger = new Logger(AuditLogRepository.name);

  constructor(private readonly ds: DataSource) {}

  /**
   * Appends rows, in this order, to the end of the one chain. Processes take turns under a
   * transaction-scoped advisory lock, so every row's `prev_hash` is the hash of the row with the
   * next lower id, whichever process wrote it. With no rows it only seals (see {@link seal}).
   */
  async append(rows: readonly AuditContent[]): Promise<void> {
    await this.ds.transaction(async (m) => {
      await m.query('SELECT pg_advisory_xact_lock($1)', [AUDIT_CHAIN_LOCK]);
      // A separate statement after the lock: in READ COMMITTED a statement sees what was committed
      // before it started, so this one sees the row the previous lock holder wrote.
      let prev = await this.head(m);
      if (rows.length === 0) return;
      const params: unknown[] = [];
      const tuples: string[] = [];
      for (const row of rows) {
        const hash = chainHash(prev, row);
        const n = params.length;
        tuples.push(
          `($${n + 1}::timestamptz, $${n + 2}, $${n + 3}::jsonb, $${n + 4}, $${n + 5}, $${n + 6}, $${n + 7}::jsonb, ` +
            `$${n + 8}, $${n + 9}, $${n + 10})`,
        );
        // jsonb parameters as JSON text: pg would otherwise send a JS array as a PostgreSQL array.
        params.push(
          row.at,
          row.actor,
          JSON.stringify(row.roles),
          row.action,
          row.targetType,
          row.targetId,
          JSON.stringify(row.detail),
          row.source,
          prev,
          hash,
        );
        prev = hash;
      }
      if (params.length !== rows.length * INSERT_COLUMNS) throw new Error('audit insert: parameter count mismatch');
      await m.query(
        `INSERT INTO audit_log (at, actor, roles, action, target_type, target_id, detail, source, prev_hash, hash)
         VALUES ${tuples.join(', ')}`,
        params,
      );
    });
  }

  /** Seals rows written before the chain existed, if any (once, at start). */
  async seal(): Promise<void> {
    await this.append([]);
  }

  /** A page of the trail, newest first. */
  async page(filter: AuditFilter, page: AuditPageRequest): Promise<AuditPage> {
    const params: unknown[] = [];
    const where: string[] = [];
    const bind = (value: unknown): string => {
      params.push(value);
      return `$${params.length}`;
    };
    if (filter.from) where.push(`at >= ${bind(filter.from.toISOString())}::timestamptz`);
    if (filter.to) where.push(`at < ${bind(filter.to.toISOString())}::timestamptz`);
    if (filter.actor !== undefined) where.push(`actor = ${bind(filter.actor)}`);
    if (filter.action !== undefined) where.push(`action = ${bind(filter.action)}`);
    if (filter.targetType !== undefined) where.push(`target_type = ${bind(filter.targetType)}`);
    if (filter.targetId !== undefined) where.push(`target_id = ${bind(filter.targetId)}`);
    if (page.before !== undefined) where.push(`a.id < ${bind(page.before)}::bigint`);
    const rows = await this.ds.query<Row[]>(
      `SELECT ${COLUMNS} FROM audit_log a ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY a.id DESC LIMIT ${bind(page.limit + 1)}`,
      params,
    );
    const entries = rows.slice(0, page.limit).map(toChainedRow);
    return { entries, next: rows.length > page.limit ? (entries.at(-1)?.id ?? null) : null };
  }

  /** Up to `limit` rows after `afterId` ('0': from the first), oldest first: the chain in order. */
  async chainAfter(afterId: string, limit = CHUNK): Promise<ChainedRow[]> {
    const rows = await this.ds.query<Row[]>(
      `SELECT ${COLUMNS} FROM audit_log a WHERE a.id > $1::bigint ORDER BY a.id LIMIT $2`,
      [afterId, limit],
    );
    return rows.map(toChainedRow);
  }

  /** The hash to chain the next row to; seals first when the last row has none. */
  private async head(m: EntityManager): Promise<string> {
    const [last] = await m.query<{ hash: string | null }[]>(`SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1`);
    if (!last) return GENESIS_HASH;
    return last.hash ?? this.sealTail(m);
  }

  /**
   * Chains the rows after the last chained one, in id order, and answers the new head. They are
   * rows written before migration 1764210000000 (or by a process still running older code, during
   * a rolling upgrade); the trigger lets their chain columns be set exactly once.
   */
  private async sealTail(m: EntityManager): Promise<string> {
    const [anchor] = await m.query<{ id: string; hash: string }[]>(
      `SELECT a.id::text AS id, a.hash FROM audit_log a WHERE a.hash IS NOT NULL ORDER BY a.id DESC LIMIT 1`,
    );
    let prev = anchor?.hash ?? GENESIS_HASH;
    let after = anchor?.id ?? '0';
    let sealed = 0;
    for (;;) {
      const rows = (
        await m.query<Row[]>(`SELECT ${COLUMNS} FROM audit_log a WHERE a.id > $1::bigint ORDER BY a.id LIMIT $2`, [
          after,
          CHUNK,
        ])
      ).map(toChainedRow);
      const last = rows.at(-1);
      if (!last) break;
      const params: unknown[] = [];
      const tuples: string[] = [];
      for (const row of rows) {
        const hash = chainHash(prev, row);
        const n = params.length;
        tuples.push(`($${n + 1}::bigint, $${n + 2}, $${n + 3})`);
        params.push(row.id, prev, hash);
        prev = hash;
      }
      await m.query(
        `UPDATE audit_log a SET prev_hash = v.prev_hash, hash = v.hash
         FROM (VALUES ${tuples.join(', ')}) AS v (id, prev_hash, hash) WHERE a.id = v.id`,
        params,
      );
      sealed += rows.length;
      after = last.id;
    }
    this.logger.log(`sealed ${sealed} audit rows written before the hash chain`);
    return prev;
  }
}

function toChainedRow(row: Row): ChainedRow {
  return { ...row, at: new Date(row.at).toISOString() };
}
