import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';

/** Where a write-back goes: FHIR updates to FHIR_BASE_URL, or HL7 v2 messages over MLLP. */
export type WritebackTarget = 'fhir' | 'hl7';

/** `pending` until acknowledged (`sent`) or given up (`failed`). */
export type WritebackStatus = 'pending' | 'sent' | 'failed';

/** A row to write in the transaction that changed the case. */
export interface WritebackRowInput {
  target: WritebackTarget;
  caseId: string;
  caseVersion: number;
  /** What to tell the EHR, as it was when the case changed (the sender never reads the case again). */
  payload: unknown;
}

/** One outbox row, as the sender and the console see it. */
export interface WritebackRow {
  id: string;
  target: WritebackTarget;
  caseId: string;
  caseVersion: number;
  payload: unknown;
  status: WritebackStatus;
  attempts: number;
  createdAt: string;
  nextAttemptAt: string;
  lastAttemptAt: string | null;
  lastError: string | null;
  sentAt: string | null;
  /** What the EHR answered: the ACK's control id, or the resource versions written. */
  result: string | null;
}

interface Row {
  id: string;
  target: WritebackTarget;
  case_id: string;
  case_version: number;
  payload: unknown;
  status: WritebackStatus;
  attempts: number;
  created_at: Date;
  next_attempt_at: Date;
  last_attempt_at: Date | null;
  last_error: string | null;
  sent_at: Date | null;
  result: string | null;
}

const iso = (d: Date | null): string | null => (d ? new Date(d).toISOString() : null);

function toRow(r: Row): WritebackRow {
  return {
    id: String(r.id),
    target: r.target,
    caseId: r.case_id,
    caseVersion: Number(r.case_version),
    payload: r.payload,
    status: r.status,
    attempts: Number(r.attempts),
    createdAt: iso(r.created_at)!,
    nextAttemptAt: iso(r.next_attempt_at)!,
    lastAttemptAt: iso(r.last_attempt_at),
    lastError: r.last_error,
    sentAt: iso(r.sent_at),
    result: r.result,
  };
}

const COLUMNS = `id::text, target, case_id, case_version, payload, status, attempts, created_at, next_attempt_at,
  last_attempt_at, last_error, sent_at, result`;

/**
 * The write-back outbox (migration WritebackOutbox1764510000000): rows are written with the case
 * change, claimed by a sender under a lease, and finished as sent or failed; never deleted, so an
 * integration engineer can see what was said to the EHR and what it answered.
 */
@Injectable()
export class WritebackOutboxRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /** Writes rows inside the caller's transaction; a row already there (same case version) is kept. */
  async enqueue(manager: EntityManager, rows: readonly WritebackRowInput[], at: Date): Promise<void> {
    if (!rows.length) return;
    await manager.query(
      `INSERT INTO writeback_outbox (target, case_id, case_version, payload, created_at, next_attempt_at)
       SELECT target, case_id, case_version, payload, $2, $2
       FROM jsonb_to_recordset($1::jsonb) AS t(target text, case_id uuid, case_version int, payload jsonb)
       ON CONFLICT (target, case_id, case_version) DO NOTHING`,
      [
        JSON.stringify(
          rows.map((r) => ({ target: r.target, case_id: r.caseId, case_version: r.caseVersion, payload: r.payload })),
        ),
        at,
      ],
    );
  }

  /**
   * Claims up to `limit` rows that are due, under a lease until `until`: the oldest pending row of
   * each case (a later version waits for the earlier one, so the EHR hears a case's changes in
   * order), none that another sender holds. `SKIP LOCKED` keeps two senders off the same rows.
   */
  async claimDue(now: Date, until: Date, limit: number): Promise<WritebackRow[]> {
    // An UPDATE … RETURNING comes back from TypeORM's PostgreSQL driver as [rows, count].
    const raw = await this.ds.query<unknown[]>(
      `UPDATE writeback_outbox SET locked_until = $2
       WHERE id IN (
         SELECT o.id FROM writeback_outbox o
         WHERE o.status = 'pending' AND o.next_attempt_at <= $1
           AND (o.locked_until IS NULL OR o.locked_until < $1)
           AND NOT EXISTS (
             SELECT 1 FROM writeback_outbox p
             WHERE p.case_id = o.case_id AND p.target = o.target AND p.status = 'pending' AND p.id < o.id)
         ORDER BY o.id LIMIT $3 FOR UPDATE SKIP LOCKED)
       RETURNING ${COLUMNS}`,
      [now, until, limit],
    );
    const rows = (Array.isArray(raw[0]) ? raw[0] : raw) as Row[];
    return rows.map(toRow).sort((a, b) => Number(a.id) - Number(b.id));
  }

  /** The EHR acknowledged it: sent, for good. */
  async markSent(id: string, at: Date, result: string): Promise<void> {
    await this.ds.query(
      `UPDATE writeback_outbox SET status = 'sent', attempts = attempts + 1, last_attempt_at = $2, sent_at = $2,
         result = $3, locked_until = NULL WHERE id = $1 AND status = 'pending'`,
      [id, at, result.slice(0, 2000)],
    );
  }

  /**
   * An attempt failed: tried again at `nextAttemptAt`, or, with `giveUp`, `failed` for good (kept
   * for the console; later rows of the case then go on).
   */
  async markFailed(
    id: string,
    at: Date,
    error: string,
    next: { nextAttemptAt: Date } | { giveUp: true },
  ): Promise<void> {
    await this.ds.query(
      `UPDATE writeback_outbox SET attempts = attempts + 1, last_attempt_at = $2, last_error = $3, locked_until = NULL,
         status = CASE WHEN $4::timestamptz IS NULL THEN 'failed' ELSE status END,
         next_attempt_at = COALESCE($4::timestamptz, next_attempt_at)
       WHERE id = $1 AND status = 'pending'`,
      [id, at, error.slice(0, 2000), 'giveUp' in next ? null : next.nextAttemptAt],
    );
  }

  /** Rows, newest first (the console; tests). */
  async list(filter: { caseId?: string; status?: WritebackStatus; limit?: number } = {}): Promise<WritebackRow[]> {
    const rows = await this.ds.query<Row[]>(
      `SELECT ${COLUMNS} FROM writeback_outbox
       WHERE ($1::uuid IS NULL OR case_id = $1) AND ($2::text IS NULL OR status = $2)
       ORDER BY id DESC LIMIT $3`,
      [filter.caseId ?? null, filter.status ?? null, filter.limit ?? 100],
    );
    return rows.map(toRow);
  }
}
