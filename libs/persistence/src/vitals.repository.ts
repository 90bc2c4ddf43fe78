import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { writeTogether, type WritePart } from './write-together';

/** One reading a case took (a vitals name of CONTRACT §3 in its display unit). */
export interface VitalRow {
  caseId: string;
  name: string;
  /** ISO 8601: when it was measured. */
  at: string;
  value: number;
  unit: string;
  /** The inbox message it came from (provenance). */
  inboxId?: string | null;
}

export interface VitalPoint {
  name: string;
  at: string;
  value: number;
  unit: string;
}

export interface VitalMinutePoint {
  name: string;
  /** The minute's start. */
  at: string;
  unit: string;
  min: number;
  max: number;
  mean: number;
  count: number;
}

/** Arbitrary, fixed: one process at a time changes the partitions (72_627_013–015 are taken). */
const PARTITION_LOCK = 72_627_016;
const DAY_MS = 86_400_000;
const PARTITION = /^vital_reading_p(\d{4})(\d{2})(\d{2})$/;

/** `2026-11-21` → the partition of that UTC day. */
export function vitalPartitionName(day: string): string {
  return `vital_reading_p${day.replaceAll('-', '')}`;
}

/** The UTC day (YYYY-MM-DD) of a time. */
export function utcDay(ms: number): string {
  return new Date(Math.floor(ms / DAY_MS) * DAY_MS).toISOString().slice(0, 10);
}

/**
 * The vital-sign time series: raw readings in daily partitions, one-minute aggregates, and the
 * partition upkeep (see the VitalsAndFirmwareApprovals migration). SQL only, no rules.
 */
@Injectable()
export class VitalsRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /**
   * Stores readings in one statement with their minute aggregates. A reading stored already (same
   * case, vital and time: a message applied again) is skipped and not counted twice in its
   * minute, since only the rows really inserted feed the aggregates. Returns how many were new.
   */
  async store(rows: readonly VitalRow[], manager: EntityManager = this.ds.manager): Promise<number> {
    let stored = 0;
    await writeTogether(manager, [this.storePart(rows, (n) => (stored = n))]);
    return stored;
  }

  /**
   * {@link store}'s writes as part of a combined statement ({@link writeTogether}); `stored` is
   * told how many readings were new. Undefined when there are none.
   */
  storePart(rows: readonly VitalRow[], stored?: (count: number) => void): WritePart | undefined {
    if (!rows.length) return undefined;
    return {
      ctes: [
        {
          name: 'vital_written',
          sql: `INSERT INTO vital_reading (case_id, name, at, value, unit, inbox_id)
            SELECT * FROM unnest($1::uuid[], $2::text[], $3::timestamptz[], $4::float8[], $5::text[], $6::bigint[])
            ON CONFLICT DO NOTHING
            RETURNING case_id, name, at, value, unit`,
        },
        {
          name: 'vital_minutes',
          sql: `INSERT INTO vital_minute AS v (case_id, name, minute, unit, min, max, sum, count)
            SELECT case_id, name, date_trunc('minute', at), max(unit), min(value), max(value), sum(value), count(*)
            FROM vital_written GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
            ON CONFLICT (case_id, name, minute) DO UPDATE SET
              unit = EXCLUDED.unit, min = LEAST(v.min, EXCLUDED.min), max = GREATEST(v.max, EXCLUDED.max),
              sum = v.sum + EXCLUDED.sum, count = v.count + EXCLUDED.count`,
        },
      ],
      params: [
        rows.map((r) => r.caseId),
        rows.map((r) => r.name),
        rows.map((r) => r.at),
        rows.map((r) => r.value),
        rows.map((r) => r.unit),
        rows.map((r) => r.inboxId ?? null),
      ],
      ...(stored ? { result: { sql: '(SELECT count(*)::int FROM vital_written)', check: stored } } : {}),
    };
  }

  /** A case's raw readings in `[from, to)`, oldest first, at most `limit`. */
  async raw(caseId: string, from: Date, to: Date, limit: number): Promise<VitalPoint[]> {
    const rows = await this.ds.query<{ name: string; at: Date; value: number; unit: string }[]>(
      `SELECT name, at, value, unit FROM vital_reading
       WHERE case_id = $1 AND at >= $2 AND at < $3 ORDER BY at, name LIMIT $4`,
      [caseId, from, to, limit],
    );
    return rows.map((r) => ({ name: r.name, at: new Date(r.at).toISOString(), value: r.value, unit: r.unit }));
  }

  /** A case's one-minute aggregates of minutes starting in `[from, to)`, oldest first, at most `limit`. */
  async minutes(caseId: string, from: Date, to: Date, limit: number): Promise<VitalMinutePoint[]> {
    const rows = await this.ds.query<
      { name: string; minute: Date; unit: string; min: number; max: number; sum: number; count: number }[]
    >(
      `SELECT name, minute, unit, min, max, sum, count FROM vital_minute
       WHERE case_id = $1 AND minute >= $2 AND minute < $3 ORDER BY minute, name LIMIT $4`,
      [caseId, from, to, limit],
    );
    return rows.map((r) => ({
      name: r.name,
      at: new Date(r.minute).toISOString(),
      unit: r.unit,
      min: r.min,
      max: r.max,
      mean: r.sum / r.count,
      count: r.count,
    }));
  }

  /** The days (YYYY-MM-DD, UTC) that have a partition of their own. */
  async partitionDays(manager: EntityManager = this.ds.manager): Promise<string[]> {
    const rows = await manager.query<{ name: string }[]>(
      `SELECT c.relname AS name FROM pg_inherits i
       JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent
       WHERE p.relname = 'vital_reading'`,
    );
    return rows
      .flatMap((r) => {
        const m = PARTITION.exec(r.name);
        return m ? [`${m[1]}-${m[2]}-${m[3]}`] : [];
      })
      .sort();
  }

  /**
   * Gives each of these UTC days its partition (those missing), moving the day's rows out of the
   * default partition first; drops the partitions of days before `keepFrom` and deletes older rows
   * of the default partition; deletes minute aggregates before `keepMinutesFrom`. Under an advisory
   * lock, in one transaction: several workers may run it at once. Returns what changed.
   */
  async maintain(
    days: readonly string[],
    keepFrom: string,
    keepMinutesFrom: Date,
  ): Promise<{ created: string[]; dropped: string[]; minutesDeleted: number }> {
    for (const day of [...days, keepFrom]) {
      if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) throw new Error(`not a day: ${day}`);
    }
    return this.ds.transaction(async (m) => {
      await m.query('SELECT pg_advisory_xact_lock($1)', [PARTITION_LOCK]);
      const existing = new Set(await this.partitionDays(m));
      const created: string[] = [];
      for (const day of days) {
        if (existing.has(day) || day < keepFrom) continue;
        const name = vitalPartitionName(day);
        const from = `${day} 00:00:00+00`;
        const to = `${utcDay(Date.parse(`${day}T00:00:00Z`) + DAY_MS)} 00:00:00+00`;
        await m.query(`CREATE TABLE ${name} (LIKE vital_reading INCLUDING DEFAULTS)`);
        await m.query(
          `WITH moved AS (DELETE FROM vital_reading_default WHERE at >= $1 AND at < $2 RETURNING *)
           INSERT INTO ${name} SELECT * FROM moved`,
          [from, to],
        );
        await m.query(`ALTER TABLE vital_reading ATTACH PARTITION ${name} FOR VALUES FROM ('${from}') TO ('${to}')`);
        created.push(day);
      }
      const dropped = [...existing].filter((day) => day < keepFrom);
      for (const day of dropped) await m.query(`DROP TABLE ${vitalPartitionName(day)}`);
      await m.query(`DELETE FROM vital_reading_default WHERE at < $1`, [`${keepFrom} 00:00:00+00`]);
      const gone = await m.query<{ n: string }[]>(
        `WITH gone AS (DELETE FROM vital_minute WHERE minute < $1 RETURNING 1) SELECT count(*)::text AS n FROM gone`,
        [keepMinutesFrom],
      );
      return { created, dropped, minutesDeleted: Number(gone[0]?.n ?? 0) };
    });
  }
}
