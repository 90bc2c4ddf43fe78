import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import type { InboxStatus } from './entities/inbox-message.entity';

export interface NewInboxMessage {
  channel: 'mllp' | 'fhir' | 'mqtt' | 'rest';
  sender: string;
  controlId: string | null;
  messageType: string | null;
  raw: Buffer;
  peer: string | null;
  receivedAt: Date;
  /** `received` for messages to apply; `rejected` for ones we refused (kept for inspection). */
  status: Extract<InboxStatus, 'received' | 'rejected'>;
  error?: string | null;
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
}

/** The inbox: every inbound message, durably stored before it is acknowledged. */
@Injectable()
export class InboxRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /**
   * Stores a message, once per sender message id. Returns `duplicate: true` (and the first copy's
   * id and status) when the sender already sent this id: the caller answers AA and applies nothing.
   * The commit is durable when this resolves (synchronous commit on PostgreSQL; WAL on PGlite).
   */
  async store(m: NewInboxMessage): Promise<{ id: string; duplicate: boolean; status: InboxStatus }> {
    const rows = await this.ds.query<{ id: string; duplicates: number; status: InboxStatus }[]>(
      `INSERT INTO inbox (channel, sender, control_id, message_type, raw, peer, received_at, status, error)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
       ON CONFLICT (channel, sender, control_id) WHERE control_id IS NOT NULL AND status <> 'rejected'
       DO UPDATE SET duplicates = inbox.duplicates + 1
       RETURNING id::text AS id, duplicates, status`,
      [m.channel, m.sender, m.controlId, m.messageType, m.raw, m.peer, m.receivedAt, m.status, m.error ?? null],
    );
    const row = rows[0];
    if (!row) throw new Error('inbox insert returned no row');
    return { id: row.id, duplicate: row.duplicates > 0, status: row.status };
  }

  async get(id: string, manager: EntityManager = this.ds.manager): Promise<StoredInboxMessage | undefined> {
    const rows = await manager.query<
      {
        id: string;
        channel: string;
        sender: string;
        control_id: string | null;
        message_type: string | null;
        raw: Uint8Array;
        received_at: Date;
        status: InboxStatus;
        error: string | null;
      }[]
    >(
      `SELECT id::text AS id, channel, sender, control_id, message_type, raw, received_at, status, error
       FROM inbox WHERE id = $1`,
      [id],
    );
    const r = rows[0];
    return r
      ? {
          id: r.id,
          channel: r.channel,
          sender: r.sender,
          controlId: r.control_id,
          messageType: r.message_type,
          raw: Buffer.from(r.raw),
          receivedAt: new Date(r.received_at),
          status: r.status,
          error: r.error,
        }
      : undefined;
  }

  /** Marks a message applied, inside the transaction that applied it. */
  async markApplied(manager: EntityManager, id: string, at: Date, note: string | null = null): Promise<void> {
    await manager.query(`UPDATE inbox SET status = 'applied', processed_at = $2, error = $3 WHERE id = $1`, [
      id,
      at,
      note,
    ]);
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
  async pendingIds(limit = 10_000): Promise<string[]> {
    const rows = await this.ds.query<{ id: string }[]>(
      `SELECT id::text AS id FROM inbox WHERE status = 'received' ORDER BY id LIMIT $1`,
      [limit],
    );
    return rows.map((r) => r.id);
  }
}
