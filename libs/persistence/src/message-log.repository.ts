import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type {
  MessageAttempt,
  MessageCaseEvent,
  MessageErrorKind,
  MessageErrors,
  MessagePage,
  MessageStats,
  MessageStatus,
  MessageSummary,
  SenderStats,
  InterfaceStats,
  TrafficStats,
} from '@circulator/contracts';
import type { InboxStatus } from './entities/inbox-message.entity';

// The wire types of the log live in @circulator/contracts (the console reads them too); they are
// exported from here as well, beside the repository that makes them.
export type {
  InterfaceStats,
  MessageAttempt,
  MessageCaseEvent,
  MessageErrorGroup,
  MessageErrorKind,
  MessageErrors,
  MessagePage,
  MessageStats,
  MessageSummary,
  SenderStats,
  TrafficStats,
} from '@circulator/contracts';

/** The stored status and the wire status are one set: this fails to compile when they part. */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const STATUSES_AGREE: Same<InboxStatus, MessageStatus> = true;
void STATUSES_AGREE;

/** Every inbox status, in the order the console shows them. */
export const INBOX_STATUSES = ['received', 'applied', 'rejected', 'failed'] as const satisfies readonly InboxStatus[];

/** Page size of the message log when the caller names none, and the most one page may hold. */
export const MESSAGE_PAGE_DEFAULT = 50;
export const MESSAGE_PAGE_MAX = 500;

/** How long a stored message may wait for its first processing before the errors view calls it stuck. */
export const STUCK_AFTER_MINUTES_DEFAULT = 5;

/**
 * What to look for in the message log. Every filter is optional and they combine with AND.
 * There is deliberately no free-text search: the raw text is patient data, and scanning it would
 * make every search a read of every message.
 */
export interface MessageSearchFilter {
  /** The patient: the MRN the message carried, or any case of that patient the message changed. */
  mrn?: string;
  /** Messages that changed this case (its event log) or that an attempt recorded touching it. */
  caseId?: string;
  /** `SIU^S12` (code and trigger, exact) or `SIU` (every trigger of the code). */
  type?: string;
  /** MSH-10, exact. */
  controlId?: string;
  /** The inbound interface's name, exact. */
  interfaceName?: string;
  /** One or several statuses. */
  status?: readonly InboxStatus[];
  /** `MSH-3|MSH-4`, exact. */
  sender?: string;
  /** Received at or after (inclusive). */
  from?: Date;
  /** Received before (exclusive). */
  to?: Date;
}

/** A keyset page: newest first; `before` is the `next` cursor of the previous page (an inbox id). */
export interface MessagePageRequest {
  before?: string;
  /** Default {@link MESSAGE_PAGE_DEFAULT}, at most {@link MESSAGE_PAGE_MAX}. */
  limit?: number;
}

/** One message in full: the summary with its raw bytes, its attempts (oldest first) and what it changed. */
export interface MessageDetail {
  message: MessageSummary & { raw: Buffer };
  attempts: MessageAttempt[];
  events: MessageCaseEvent[];
}

/** The errors view: refused, failed (dead letters) and stuck messages. */
export interface MessageErrorsFilter extends Omit<MessageSearchFilter, 'status'> {
  /** The time "stuck" is measured against (passed in: no clock is read here). */
  now: Date;
  /** A `received` message older than this is stuck; default {@link STUCK_AFTER_MINUTES_DEFAULT}. */
  stuckAfterMinutes?: number;
}

/** A message set back to `received` for reprocessing, with what it was before (to undo it). */
export interface ReprocessReset {
  id: string;
  previousStatus: Extract<InboxStatus, 'applied' | 'failed'>;
  previousError: string | null;
  /** Processing attempts recorded before this reprocess. */
  attempts: number;
}

/** The outcome of {@link MessageLogRepository.resetForReprocess}. */
export interface ReprocessResetResult {
  reset: ReprocessReset[];
  /** Ids that were not reset: their current status, or null when there is no such message. */
  notReset: { id: string; status: InboxStatus | null }[];
}

const INBOX_ID = /^[1-9]\d{0,17}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** True for a string that can be an inbox id (a positive bigint, no sign or leading zero). */
export function isInboxId(value: string): boolean {
  return INBOX_ID.test(value);
}

/** Bound parameters of one statement, numbered in the order they are added. */
class Params {
  readonly values: unknown[] = [];
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

// An hl7 case event names its message by id as text; the guard keeps a cast of anything else
// (another source kind's id) from failing the whole query.
const HL7_SOURCE_INBOX_ID = `CASE WHEN ce.source_id ~ '^[0-9]{1,18}$' THEN ce.source_id::bigint END`;

// What a summary reads: never `raw` itself (octet_length reads only the stored length).
const SUMMARY_COLUMNS = `i.id::text AS id, i.channel, i.sender, i.control_id, i.message_type, i.interface_name, i.status,
  i.ack_code, i.mrn, i.error, i.duplicates, i.attempts, octet_length(i.raw) AS bytes, i.peer, i.received_at,
  i.processed_at`;

interface SummaryRow {
  id: string;
  channel: string;
  sender: string;
  control_id: string | null;
  message_type: string | null;
  interface_name: string | null;
  status: InboxStatus;
  ack_code: string | null;
  mrn: string | null;
  error: string | null;
  duplicates: number;
  attempts: number;
  bytes: number | string;
  peer: string | null;
  received_at: Date | string;
  processed_at: Date | string | null;
}

interface StatsRow {
  interface_name: string | null;
  sender: string | null;
  grouping: number;
  total: string | number;
  last_minute: string | number;
  received: string | number;
  applied: string | number;
  rejected: string | number;
  failed: string | number;
  last_at: Date | string | null;
}

/**
 * The integration engineer's message log: search, one message in full, errors and traffic
 * statistics over the inbox and what processing it recorded. Reads only, but for setting messages
 * back to `received` for reprocessing. Raw SQL: these are the console's hot reads.
 */
@Injectable()
export class MessageLogRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /** Messages matching `filter`, newest first, one keyset page at a time. */
  async search(filter: MessageSearchFilter, page: MessagePageRequest = {}): Promise<MessagePage> {
    const p = new Params();
    const where = this.conditions(filter, p);
    return this.page(where, p, page);
  }

  /** One message with its raw bytes, its attempts (oldest first) and the case events it caused. */
  async get(id: string): Promise<MessageDetail | undefined> {
    if (!isInboxId(id)) return undefined;
    const rows = await this.ds.query<(SummaryRow & { raw: Uint8Array })[]>(
      `SELECT ${SUMMARY_COLUMNS}, i.raw FROM inbox i WHERE i.id = $1`,
      [id],
    );
    const row = rows[0];
    if (!row) return undefined;
    const attempts = await this.ds.query<
      {
        attempt: number;
        trigger: 'queue' | 'reprocess';
        started_at: Date | string;
        finished_at: Date | string;
        outcome: 'applied' | 'failed' | 'error';
        error: string | null;
        facts: unknown[];
        case_ids: string[];
        warnings: unknown[];
        actor: string | null;
      }[]
    >(
      `SELECT attempt, trigger, started_at, finished_at, outcome, error, facts, case_ids, warnings, actor
       FROM inbox_attempt WHERE inbox_id = $1 ORDER BY attempt, id`,
      [id],
    );
    const events = await this.ds.query<
      {
        case_id: string;
        version: number;
        kind: string;
        at: Date | string;
        received_at: Date | string;
        change: Record<string, unknown>;
      }[]
    >(
      `SELECT case_id, version, kind, at, received_at, change FROM case_event
       WHERE source_kind = 'hl7' AND source_id = $1 ORDER BY id`,
      [id],
    );
    return {
      message: { ...toSummary(row), raw: Buffer.from(row.raw) },
      attempts: attempts.map((a) => ({
        attempt: a.attempt,
        trigger: a.trigger,
        startedAt: iso(a.started_at),
        finishedAt: iso(a.finished_at),
        outcome: a.outcome,
        error: a.error,
        facts: a.facts,
        caseIds: a.case_ids,
        warnings: a.warnings,
        actor: a.actor,
      })),
      events: events.map((e) => ({
        caseId: e.case_id,
        version: e.version,
        kind: e.kind,
        at: iso(e.at),
        receivedAt: iso(e.received_at),
        change: e.change,
      })),
    };
  }

  /**
   * Refused (`rejected`), dead-lettered (`failed`) and stuck messages (`received` longer than
   * `stuckAfterMinutes` before `now`): counted per kind and error text, and listed newest first.
   */
  async errors(filter: MessageErrorsFilter, page: MessagePageRequest = {}): Promise<MessageErrors> {
    const { now, stuckAfterMinutes = STUCK_AFTER_MINUTES_DEFAULT, ...rest } = filter;
    const p = new Params();
    const where = this.conditions(rest, p);
    const stuckBefore = new Date(now.getTime() - stuckAfterMinutes * 60_000);
    where.push(
      `i.id IN (SELECT o.inbox_id FROM inbox_open o
                WHERE o.status IN ('rejected', 'failed') OR o.received_at < ${p.add(stuckBefore)})`,
    );
    const groups = await this.ds.query<
      {
        kind: MessageErrorKind;
        error: string | null;
        count: string | number;
        first_at: Date | string;
        last_at: Date | string;
        last_id: string;
      }[]
    >(
      `SELECT CASE WHEN i.status = 'received' THEN 'stuck' ELSE i.status END AS kind, i.error,
              count(*) AS count, min(i.received_at) AS first_at, max(i.received_at) AS last_at,
              max(i.id)::text AS last_id
       FROM inbox i WHERE ${where.join(' AND ')}
       GROUP BY 1, 2 ORDER BY count(*) DESC, max(i.id) DESC LIMIT 100`,
      p.values,
    );
    const listed = await this.page([...where], p, page);
    return {
      ...listed,
      groups: groups.map((g) => ({
        kind: g.kind,
        error: g.error,
        count: Number(g.count),
        firstAt: iso(g.first_at),
        lastAt: iso(g.last_at),
        lastId: g.last_id,
      })),
    };
  }

  /**
   * Traffic per interface and per sender (within its interface) over the `windowSeconds` before
   * `now` (default one hour), and over the last minute. Counts are by received time; statuses are
   * the messages' current ones. Interfaces that sent nothing in the window are listed too (those
   * configured, and those seen before), with their last message time: a silent feed is the first
   * thing an integration engineer looks for.
   */
  async stats({ now, windowSeconds = 3600 }: { now: Date; windowSeconds?: number }): Promise<MessageStats> {
    const windowStart = new Date(now.getTime() - windowSeconds * 1000);
    const minuteStart = new Date(now.getTime() - 60_000);
    // GROUPING(interface_name, sender): 0 per (interface, sender), 1 per interface, 3 overall.
    const rows = await this.ds.query<StatsRow[]>(
      `SELECT interface_name, sender, GROUPING(interface_name, sender) AS grouping,
              count(*) AS total,
              count(*) FILTER (WHERE received_at > $3) AS last_minute,
              count(*) FILTER (WHERE status = 'received') AS received,
              count(*) FILTER (WHERE status = 'applied') AS applied,
              count(*) FILTER (WHERE status = 'rejected') AS rejected,
              count(*) FILTER (WHERE status = 'failed') AS failed,
              max(received_at) AS last_at
       FROM inbox WHERE received_at > $1 AND received_at <= $2
       GROUP BY GROUPING SETS ((), (interface_name), (interface_name, sender))`,
      [windowStart, now, minuteStart],
    );
    // Every interface name ever seen, by a skip scan of the (interface_name, received_at) index
    // (one probe per name, not a scan of the inbox), plus the configured ones; then each one's
    // newest message before `now`, again from the index.
    const known = await this.ds.query<{ name: string; last_at: Date | string | null }[]>(
      `WITH RECURSIVE seen(name) AS (
         (SELECT interface_name FROM inbox WHERE interface_name IS NOT NULL ORDER BY interface_name LIMIT 1)
         UNION ALL
         SELECT (SELECT i.interface_name FROM inbox i WHERE i.interface_name > s.name ORDER BY i.interface_name LIMIT 1)
         FROM seen s WHERE s.name IS NOT NULL
       ), names AS (
         SELECT name FROM seen WHERE name IS NOT NULL
         UNION SELECT name FROM hl7_interface
       )
       SELECT n.name,
              (SELECT max(i.received_at) FROM inbox i WHERE i.interface_name = n.name AND i.received_at <= $1) AS last_at
       FROM names n`,
      [now],
    );

    const traffic = (r: StatsRow | undefined, lastAt: Date | string | null | undefined): TrafficStats => {
      const byStatus: Record<InboxStatus, number> = {
        received: Number(r?.received ?? 0),
        applied: Number(r?.applied ?? 0),
        rejected: Number(r?.rejected ?? 0),
        failed: Number(r?.failed ?? 0),
      };
      const total = Number(r?.total ?? 0);
      const lastMinute = Number(r?.last_minute ?? 0);
      return {
        messages: { lastMinute, window: total },
        ratePerSecond: lastMinute / 60,
        errorRate: total === 0 ? null : (byStatus.rejected + byStatus.failed) / total,
        byStatus,
        lastMessageAt: lastAt ? iso(lastAt) : null,
      };
    };

    const perInterface = new Map<string | null, StatsRow>();
    const senders: SenderStats[] = [];
    let overall: StatsRow | undefined;
    for (const r of rows) {
      const grouping = Number(r.grouping);
      if (grouping === 3) overall = r;
      else if (grouping === 1) perInterface.set(r.interface_name, r);
      else if (r.sender !== null) {
        senders.push({ interfaceName: r.interface_name, sender: r.sender, ...traffic(r, r.last_at) });
      }
    }
    const lastOf = new Map(known.map((k) => [k.name, k.last_at]));
    const names = new Set<string | null>([...lastOf.keys(), ...perInterface.keys()]);
    const interfaces: InterfaceStats[] = [...names].map((name) => {
      const r = perInterface.get(name);
      return { interfaceName: name, ...traffic(r, name === null ? r?.last_at : (lastOf.get(name) ?? r?.last_at)) };
    });
    // Named interfaces by name, then the unnamed bucket; senders by interface then sender.
    interfaces.sort((a, b) => compareNullLast(a.interfaceName, b.interfaceName));
    senders.sort((a, b) => compareNullLast(a.interfaceName, b.interfaceName) || a.sender.localeCompare(b.sender, 'en'));
    return {
      at: now.toISOString(),
      windowSeconds,
      total: traffic(overall, overall?.last_at),
      interfaces,
      senders,
    };
  }

  /**
   * Sets messages back to `received` so that they are processed again, in one transaction: only
   * `applied` and `failed` ones (a `rejected` message was refused at the edge; a `received` one is
   * already pending). The error of the last attempt is cleared (it stays on the attempt's row).
   * Rows are locked first, so two concurrent requests cannot both reset the same message.
   */
  async resetForReprocess(ids: readonly string[]): Promise<ReprocessResetResult> {
    const wanted = [...new Set(ids)].filter(isInboxId);
    if (wanted.length === 0) return { reset: [], notReset: [...new Set(ids)].map((id) => ({ id, status: null })) };
    return this.ds.transaction(async (manager) => {
      const rows = await manager.query<{ id: string; status: InboxStatus; error: string | null; attempts: number }[]>(
        `SELECT id::text AS id, status, error, attempts FROM inbox WHERE id = ANY($1::bigint[]) ORDER BY id FOR UPDATE`,
        [wanted],
      );
      const found = new Map(rows.map((r) => [r.id, r]));
      const reset: ReprocessReset[] = [];
      const notReset: ReprocessResetResult['notReset'] = [];
      for (const id of new Set(ids)) {
        const row = found.get(id);
        if (row && (row.status === 'applied' || row.status === 'failed')) {
          reset.push({ id, previousStatus: row.status, previousError: row.error, attempts: row.attempts });
        } else {
          notReset.push({ id, status: row?.status ?? null });
        }
      }
      if (reset.length) {
        await manager.query(`UPDATE inbox SET status = 'received', error = NULL WHERE id = ANY($1::bigint[])`, [
          reset.map((r) => r.id),
        ]);
      }
      return { reset, notReset };
    });
  }

  /**
   * Undoes {@link resetForReprocess} for messages that could not be queued after all: each gets its
   * previous status and error back, unless something has processed it since.
   */
  async undoReset(resets: readonly ReprocessReset[]): Promise<void> {
    if (resets.length === 0) return;
    await this.ds.query(
      `UPDATE inbox SET status = r.status, error = r.error
       FROM unnest($1::bigint[], $2::text[], $3::text[]) AS r(id, status, error)
       WHERE inbox.id = r.id AND inbox.status = 'received'`,
      [resets.map((r) => r.id), resets.map((r) => r.previousStatus), resets.map((r) => r.previousError)],
    );
  }

  /** SQL conditions (over `inbox i`) for a filter; values go into `p`. */
  private conditions(filter: MessageSearchFilter, p: Params): string[] {
    const where: string[] = [];
    // Sets of ids as UNIONs, not ORs: an OR across two sources defeats both indexes and makes the
    // planner walk the whole inbox backwards (measured: 650 ms on 2 M rows, against 0.5 ms).
    if (filter.mrn !== undefined) {
      const mrn = p.add(filter.mrn);
      // The MRN the message carried, or a case of that patient the message changed: messages
      // stored before the column was filled, or about a patient since merged, are found too.
      where.push(`i.id IN (
        SELECT m.id FROM inbox m WHERE m.mrn = ${mrn}
        UNION SELECT ${HL7_SOURCE_INBOX_ID} FROM case_event ce JOIN surgical_case c ON c.id = ce.case_id
        WHERE ce.source_kind = 'hl7' AND c.mrn = ${mrn})`);
    }
    if (filter.caseId !== undefined) {
      if (!UUID.test(filter.caseId)) {
        where.push('false');
      } else {
        const caseId = p.add(filter.caseId);
        where.push(`i.id IN (
          SELECT ${HL7_SOURCE_INBOX_ID} FROM case_event ce WHERE ce.case_id = ${caseId}::uuid AND ce.source_kind = 'hl7'
          UNION SELECT a.inbox_id FROM inbox_attempt a WHERE a.case_ids @> jsonb_build_array(${caseId}::text))`);
      }
    }
    if (filter.type !== undefined) {
      const [code = '', trigger] = filter.type.split('^', 2);
      // The code condition is what the expression index of migration 1763800000000 serves (ordered
      // by id); the exact type narrows within it. The migration's extended statistics tell the
      // planner that the two conditions are one, so it does not multiply their selectivities.
      where.push(`split_part(i.message_type, '^', 1) = ${p.add(code)}`);
      if (trigger !== undefined) where.push(`i.message_type = ${p.add(filter.type)}`);
    }
    if (filter.controlId !== undefined) where.push(`i.control_id = ${p.add(filter.controlId)}`);
    if (filter.interfaceName !== undefined) where.push(`i.interface_name = ${p.add(filter.interfaceName)}`);
    if (filter.sender !== undefined) where.push(`i.sender = ${p.add(filter.sender)}`);
    if (filter.status !== undefined) {
      const statuses = p.add([...filter.status]);
      where.push(`i.status = ANY(${statuses}::text[])`);
      // Only unsettled statuses: those messages are listed in the small inbox_open table (no index
      // of the inbox reads its status, so that applying a message is a HOT update).
      if (!filter.status.includes('applied')) {
        where.push(`i.id IN (SELECT o.inbox_id FROM inbox_open o WHERE o.status = ANY(${statuses}::text[]))`);
      }
    }
    if (filter.from !== undefined) where.push(`i.received_at >= ${p.add(filter.from)}`);
    if (filter.to !== undefined) where.push(`i.received_at < ${p.add(filter.to)}`);
    return where;
  }

  /** One keyset page of summaries, newest first. Reads one row more than asked to know if there is a next page. */
  private async page(where: string[], p: Params, page: MessagePageRequest): Promise<MessagePage> {
    const limit = Math.min(Math.max(Math.trunc(page.limit ?? MESSAGE_PAGE_DEFAULT), 1), MESSAGE_PAGE_MAX);
    const conditions = [...where];
    if (page.before !== undefined) {
      // A cursor that is not an id matches nothing rather than everything.
      if (!isInboxId(page.before)) return { items: [], next: null };
      conditions.push(`i.id < ${p.add(page.before)}::bigint`);
    }
    const rows = await this.ds.query<SummaryRow[]>(
      `SELECT ${SUMMARY_COLUMNS} FROM inbox i
       ${conditions.length ? `WHERE ${conditions.join(' AND ')}` : ''}
       ORDER BY i.id DESC LIMIT ${p.add(limit + 1)}`,
      p.values,
    );
    const items = rows.slice(0, limit).map(toSummary);
    return { items, next: rows.length > limit ? (items.at(-1)?.id ?? null) : null };
  }
}

function toSummary(r: SummaryRow): MessageSummary {
  return {
    id: r.id,
    channel: r.channel,
    sender: r.sender,
    controlId: r.control_id,
    messageType: r.message_type,
    interfaceName: r.interface_name,
    status: r.status,
    ackCode: r.ack_code,
    mrn: r.mrn,
    error: r.error,
    duplicates: r.duplicates,
    attempts: r.attempts,
    bytes: Number(r.bytes),
    peer: r.peer,
    receivedAt: iso(r.received_at),
    processedAt: r.processed_at === null ? null : iso(r.processed_at),
  };
}

function iso(value: Date | string): string {
  return new Date(value).toISOString();
}

function compareNullLast(a: string | null, b: string | null): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  return a.localeCompare(b, 'en');
}
