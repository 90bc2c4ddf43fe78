import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import type { InboxStatus } from './entities/inbox-message.entity';
import { writeTogether, type WritePart } from './write-together';

export interface NewInboxMessage {
  channel: 'mllp' | 'fhir' | 'mqtt' | 'rest' | 'api';
  sender: string;
  controlId: string | null;
  messageType: string | null;
  raw: Buffer;
  peer: string | null;
  receivedAt: Date;
  /** `received` for messages to apply; `rejected` for ones we refused (kept for inspection). */
  status: Extract<InboxStatus, 'received' | 'rejected'>;
  error?: string | null;
  /** The inbound interface it came in on. */
  interfaceName?: string | null;
  /** The acknowledgment code the sender is given if this is a first copy (AA, AE, AR, CA…). */
  ackCode?: string | null;
  /** The patient it is about, when the edge already knows (kept for the log's search). */
  mrn?: string | null;
}

/** What storing one message did. */
export interface InboxStoreResult {
  id: string;
  /** True when the sender already sent this message id: nothing new was stored. */
  duplicate: boolean;
  /** The stored copy's status (for a duplicate: the first copy's). */
  status: InboxStatus;
  /** The ACK code the first copy got (a repeat is answered with it again). */
  ackCode: string | null;
}

export interface StoredInboxMessage {
  id: string;
  channel: string;
  sender: string;
  controlId: string | null;
  messageType: string | null;
  raw: Buffer;
  receivedAt: Date;
  status: InboxStatus;
  error: string | null;
  interfaceName?: string | null;
  attempts?: number;
}

/** One processing attempt's result, written with the batch that made it. */
export interface InboxAttempt {
  inboxId: string;
  trigger: 'queue' | 'reprocess' | 'api';
  actor?: string | null;
  startedAt: Date;
  finishedAt: Date;
  outcome: 'applied' | 'failed' | 'error';
  error?: string | null;
  facts?: unknown[];
  caseIds?: string[];
  warnings?: string[];
  /** The patient the message is about (kept on the inbox row for the log's search). */
  mrn?: string | null;
}

/** Appends the attempts of `t` (numbered after the message's earlier attempts). */
/** The attempt rows of the attempts in `source` (a `jsonb_to_recordset` of {@link attemptsDocument}). */
const attemptInsert = (source: string): string => `INSERT INTO inbox_attempt (inbox_id, attempt, trigger, started_at,
         finished_at, outcome, error, facts, case_ids, warnings, actor)
       SELECT t.inbox_id, (SELECT count(*) FROM inbox_attempt a WHERE a.inbox_id = t.inbox_id) + 1, t.trigger,
              t.started_at, t.finished_at, t.outcome, t.error, t.facts, t.case_ids, t.warnings, t.actor
       FROM ${source} AS t`;

/**
 * Attempts as one JSON document (read with jsonb_to_recordset): facts are JSON already, and a
 * text[] of them would be escaped element by element by the driver.
 */
function attemptsDocument(attempts: readonly InboxAttempt[]): string {
  return JSON.stringify(
    attempts.map((a) => ({
      inbox_id: a.inboxId,
      trigger: a.trigger,
      started_at: a.startedAt.toISOString(),
      finished_at: a.finishedAt.toISOString(),
      outcome: a.outcome,
      error: a.error ?? null,
      facts: a.facts ?? [],
      case_ids: a.caseIds ?? [],
      warnings: a.warnings ?? [],
      actor: a.actor ?? null,
      mrn: a.mrn ?? null,
    })),
  );
}

interface InboxRow {
  id: string;
  channel: string;
  sender: string;
  control_id: string | null;
  message_type: string | null;
  raw: Uint8Array;
  received_at: Date;
  status: InboxStatus;
  error: string | null;
  interface_name: string | null;
  attempts: number;
}

function fromRow(r: InboxRow): StoredInboxMessage {
  return {
    id: r.id,
    channel: r.channel,
    sender: r.sender,
    controlId: r.control_id,
    messageType: r.message_type,
    raw: Buffer.from(r.raw),
    receivedAt: new Date(r.received_at),
    status: r.status,
    error: r.error,
    interfaceName: r.interface_name,
    attempts: r.attempts,
  };
}

const INBOX_COLUMNS = `id::text AS id, channel, sender, control_id, message_type, raw, received_at, status, error,
  interface_name, attempts`;

/** The inbox: every inbound message, durably stored before it is acknowledged. */
@Injectable()
export class InboxRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /**
   * Stores a message, once per sender message id. Returns `duplicate: true` (and the first copy's
   * id and status) when the sender already sent this id: the caller answers AA and applies nothing.
   * The commit is durable when this resolves (synchronous commit on PostgreSQL; WAL on PGlite).
   */
  async store(m: NewInboxMessage): Promise<InboxStoreResult> {
    const [result] = await this.storeMany([m]);
    if (!result) throw new Error('inbox insert returned no row');
    return result;
  }

  /**
   * Stores several messages in one statement and one commit (group commit: the ingest collects
   * what concurrent senders sent while the previous commit was in flight). Results are in input
   * order. Within one call, a repeat of an earlier message's id is that message's duplicate.
   */
  async storeMany(messages: readonly NewInboxMessage[]): Promise<InboxStoreResult[]> {
    if (messages.length === 0) return [];
    // ON CONFLICT DO UPDATE may not touch one row twice in a statement: repeats inside the batch
    // are resolved here, against the first copy.
    const firstOf = new Map<string, number>();
    const insert: number[] = [];
    const repeatOf: (number | undefined)[] = messages.map((m, i) => {
      if (m.controlId === null || m.status === 'rejected') {
        insert.push(i);
        return undefined;
      }
      const key = `${m.channel}\u0000${m.sender}\u0000${m.controlId}`;
      const first = firstOf.get(key);
      if (first !== undefined) return first;
      firstOf.set(key, i);
      insert.push(i);
      return undefined;
    });
    const col = <T>(pick: (m: NewInboxMessage) => T): T[] => insert.map((i) => pick(messages[i]!));
    // Ids are drawn in the CTE so that each input row knows its own; a row that meets an existing
    // copy (a sender's repeat) comes back with the existing copy's id instead, found by its key.
    const rows = await this.ds.query<
      { ord: string; id: string; duplicates: number; status: InboxStatus; ack_code: string | null }[]
    >(
      `WITH input AS (
         SELECT nextval(pg_get_serial_sequence('inbox', 'id')) AS id, t.*
         FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bytea[], $6::text[], $7::timestamptz[],
                     $8::text[], $9::text[], $10::text[], $11::text[], $12::text[])
              WITH ORDINALITY AS t(channel, sender, control_id, message_type, raw, peer, received_at,
                                   status, error, interface_name, ack_code, mrn, ord)
         ORDER BY t.ord
       ), ins AS (
         INSERT INTO inbox (id, channel, sender, control_id, message_type, raw, peer, received_at, status, error,
                            interface_name, ack_code, mrn)
         SELECT id, channel, sender, control_id, message_type, raw, peer, received_at, status, error,
                interface_name, ack_code, mrn FROM input ORDER BY ord
         ON CONFLICT (channel, sender, control_id) WHERE control_id IS NOT NULL AND dedup
         DO UPDATE SET duplicates = inbox.duplicates + 1
         RETURNING id, channel, sender, control_id, duplicates, status, ack_code
       )
       SELECT input.ord::text AS ord, ins.id::text AS id, ins.duplicates, ins.status, ins.ack_code
       FROM input JOIN ins ON ins.id = input.id
          OR (ins.id <> input.id AND input.status <> 'rejected' AND ins.duplicates > 0
              AND ins.channel = input.channel AND ins.sender = input.sender AND ins.control_id = input.control_id)`,
      [
        col((m) => m.channel),
        col((m) => m.sender),
        col((m) => m.controlId),
        col((m) => m.messageType),
        col((m) => m.raw),
        col((m) => m.peer),
        col((m) => m.receivedAt.toISOString()),
        col((m) => m.status),
        col((m) => m.error ?? null),
        col((m) => m.interfaceName ?? null),
        col((m) => m.ackCode ?? null),
        col((m) => m.mrn ?? null),
      ],
    );
    const byOrd = new Map(rows.map((r) => [Number(r.ord), r]));
    const stored: InboxStoreResult[] = [];
    insert.forEach((index, n) => {
      const row = byOrd.get(n + 1);
      if (!row) throw new Error(`inbox insert returned no row for message ${index}`);
      stored[index] = { id: row.id, duplicate: row.duplicates > 0, status: row.status, ackCode: row.ack_code };
    });
    const repeats = new Map<string, number>();
    const results = messages.map((_, i) => {
      const first = repeatOf[i];
      if (first === undefined) return stored[i]!;
      const original = stored[first]!;
      repeats.set(original.id, (repeats.get(original.id) ?? 0) + 1);
      return { ...original, duplicate: true };
    });
    if (repeats.size) {
      await this.ds.query(
        `UPDATE inbox SET duplicates = inbox.duplicates + r.n
         FROM unnest($1::bigint[], $2::int[]) AS r(id, n) WHERE inbox.id = r.id`,
        [[...repeats.keys()], [...repeats.values()]],
      );
    }
    return results;
  }

  async get(id: string, manager: EntityManager = this.ds.manager): Promise<StoredInboxMessage | undefined> {
    const rows = await manager.query<InboxRow[]>(`SELECT ${INBOX_COLUMNS} FROM inbox WHERE id = $1`, [id]);
    return rows[0] ? fromRow(rows[0]) : undefined;
  }

  /** Several messages, locked for update inside the caller's transaction, in id order. */
  async lockMany(manager: EntityManager, ids: readonly string[]): Promise<StoredInboxMessage[]> {
    const rows = await manager.query<InboxRow[]>(
      `SELECT ${INBOX_COLUMNS} FROM inbox WHERE id = ANY($1::bigint[]) ORDER BY id FOR UPDATE`,
      [ids],
    );
    return rows.map(fromRow);
  }

  /**
   * Ends a batch's attempts inside its transaction, in one statement: applied and failed messages
   * change status (only from `received`), and every attempt is recorded with the facts it produced.
   */
  async finishAttempts(manager: EntityManager, attempts: readonly InboxAttempt[]): Promise<void> {
    await writeTogether(manager, [this.finishPart(attempts)]);
  }

  /**
   * {@link finishAttempts}'s writes as part of a combined statement ({@link writeTogether}): each
   * message's new status and its attempt row. Undefined when there are none.
   */
  finishPart(attempts: readonly InboxAttempt[]): WritePart | undefined {
    if (!attempts.length) return undefined;
    return {
      ctes: [
        {
          name: 'attempt_input',
          sql: `SELECT * FROM jsonb_to_recordset($1::jsonb) AS t(inbox_id bigint, trigger text, started_at timestamptz,
            finished_at timestamptz, outcome text, error text, facts jsonb, case_ids jsonb, warnings jsonb, actor text,
            mrn text)`,
        },
        {
          name: 'attempt_done',
          sql: `UPDATE inbox SET status = t.outcome, processed_at = t.finished_at, error = t.error,
              mrn = COALESCE(t.mrn, inbox.mrn), attempts = inbox.attempts + 1
            FROM attempt_input AS t WHERE inbox.id = t.inbox_id AND inbox.status = 'received' AND t.outcome <> 'error'`,
        },
        { name: 'attempt_rows', sql: attemptInsert('attempt_input') },
      ],
      params: [attemptsDocument(attempts)],
    };
  }

  /** Appends attempt rows (an `error` attempt is written on its own, outside the failed batch). */
  async recordAttempts(manager: EntityManager, attempts: readonly InboxAttempt[]): Promise<void> {
    if (!attempts.length) return;
    await manager.query(
      `WITH t AS (
         SELECT * FROM jsonb_to_recordset($1::jsonb) AS t(inbox_id bigint, trigger text, started_at timestamptz,
           finished_at timestamptz, outcome text, error text, facts jsonb, case_ids jsonb, warnings jsonb, actor text)
       )
       ${attemptInsert('t')}`,
      [attemptsDocument(attempts)],
    );
  }

  /**
   * Marks a message that cannot be applied as it is (kept for the integration console). Only a
   * message not yet applied: a late write must never mark an applied message failed.
   */
  async markFailed(id: string, at: Date, error: string): Promise<void> {
    await this.ds.query(
      `UPDATE inbox SET status = 'failed', processed_at = $2, error = $3 WHERE id = $1 AND status = 'received'`,
      [id, at, error],
    );
  }

  /** Messages stored but not yet applied: re-queued at start in case the queue lost them. */
  async pendingIds(limit = 10_000, receivedBefore?: Date): Promise<string[]> {
    const rows = await this.ds.query<{ id: string }[]>(
      `SELECT inbox_id::text AS id FROM inbox_open
       WHERE status = 'received' AND ($2::timestamptz IS NULL OR received_at < $2)
       ORDER BY inbox_id LIMIT $1`,
      [limit, receivedBefore ?? null],
    );
    return rows.map((r) => r.id);
  }
}
