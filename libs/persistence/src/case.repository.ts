import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import type { CaseEventView, CaseIdentifiers } from '@circulator/contracts';
import type { CaseEvent, CaseState } from '@circulator/domain';

/** The identifier kinds a case can be found by, in the order they are trusted. */
const IDENTIFIER_KINDS = [
  'fillerAppointmentId',
  'placerAppointmentId',
  'fhirAppointmentId',
  'orderNumber',
  'visitNumber',
] as const satisfies readonly (keyof CaseIdentifiers)[];

/** Identifiers that name one appointment; a visit number is shared by every case of a stay. */
const UNIQUE_KINDS = IDENTIFIER_KINDS.filter((k) => k !== 'visitNumber');

@Injectable()
export class CaseRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /** Runs `work` in one transaction. */
  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.ds.transaction(work);
  }

  /**
   * The case any of these identifiers names, locked for update inside the caller's transaction
   * so that two messages about one case are applied one after the other.
   */
  async findByIdentifiers(manager: EntityManager, ids: CaseIdentifiers): Promise<CaseState | undefined> {
    // Row locks cannot cover a case that does not exist yet: two workers booking the same
    // appointment would both create it. A transaction-scoped advisory lock per identifier,
    // taken in a fixed order (no deadlock), makes the second wait and then find the first's case.
    // The order is the one the locks are keyed by (kind number, then the value's hash), so no two
    // transactions can take the same two locks in opposite orders.
    const kinds = UNIQUE_KINDS.flatMap((kind, i) => (ids[kind] ? [i] : []));
    const values = UNIQUE_KINDS.flatMap((kind) => (ids[kind] ? [ids[kind]] : []));
    if (kinds.length) {
      await manager.query(
        `SELECT pg_advisory_xact_lock(k, h) FROM (
           SELECT k, hashtext(v) AS h FROM unnest($1::int[], $2::text[]) AS t(k, v) ORDER BY k, h
         ) ordered`,
        [kinds, values],
      );
    }
    for (const kind of UNIQUE_KINDS) {
      const value = ids[kind];
      if (!value) continue;
      const rows = await manager.query<{ state: CaseState }[]>(
        `SELECT c.state FROM case_identifier i JOIN surgical_case c ON c.id = i.case_id
         WHERE i.kind = $1 AND i.value = $2 FOR UPDATE OF c`,
        [kind, value],
      );
      if (rows[0]) return rows[0].state;
    }
    return undefined;
  }

  /**
   * Writes a case's new state and its events. The version check makes a concurrent writer fail
   * instead of silently overwriting: `expectedVersion` is the version the change was computed on.
   */
  async save(
    manager: EntityManager,
    state: CaseState,
    events: CaseEvent[],
    expectedVersion: number | undefined,
    at: Date,
  ): Promise<void> {
    // One statement for both cases. A new case inserts; an existing one is updated only if it is
    // still at the version the change was computed on. TypeORM returns [rows, count] for plain
    // queries, and only the query runner passes the flag that gives `affected` instead.
    const runner = manager.queryRunner;
    if (!runner) throw new Error('CaseRepository.save must run inside a transaction');
    const result = (await runner.query(
      `INSERT INTO surgical_case (id, version, status, room_id, scheduled_start, scheduled_end, state, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (id) DO UPDATE SET version = EXCLUDED.version, status = EXCLUDED.status,
         room_id = EXCLUDED.room_id, scheduled_start = EXCLUDED.scheduled_start,
         scheduled_end = EXCLUDED.scheduled_end, state = EXCLUDED.state, updated_at = EXCLUDED.updated_at
       WHERE surgical_case.version = $9`,
      [
        state.id,
        state.version,
        state.status,
        state.roomId,
        state.scheduledStart,
        state.scheduledEnd,
        JSON.stringify(state),
        at,
        expectedVersion ?? -1,
      ],
      true,
    )) as { affected?: number };
    if (result.affected !== 1) {
      throw new Error(`case ${state.id} changed concurrently (expected version ${expectedVersion ?? 'none'})`);
    }
    for (const kind of IDENTIFIER_KINDS) {
      const value = state.identifiers[kind];
      if (!value) continue;
      await manager.query(
        `INSERT INTO case_identifier (kind, value, case_id) VALUES ($1, $2, $3) ON CONFLICT (kind, value) DO NOTHING`,
        [kind, value, state.id],
      );
    }
    for (const e of events) {
      await manager.query(
        `INSERT INTO case_event (case_id, version, kind, at, received_at, source_kind, source_id, change)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
        [
          e.caseId,
          e.version,
          e.kind,
          e.at,
          e.receivedAt,
          e.source.kind,
          e.source.id,
          JSON.stringify({ ...e.change, ...(e.source.label ? { sourceLabel: e.source.label } : {}) }),
        ],
      );
    }
  }

  async get(id: string): Promise<CaseState | undefined> {
    const rows = await this.ds.query<{ state: CaseState }[]>(`SELECT state FROM surgical_case WHERE id = $1`, [id]);
    return rows[0]?.state;
  }

  /** Cases whose scheduled start falls in [start, end), in start order. */
  async listBetween(start: string, end: string, roomId?: string): Promise<CaseState[]> {
    const rows = await this.ds.query<{ state: CaseState }[]>(
      `SELECT state FROM surgical_case
       WHERE scheduled_start >= $1 AND scheduled_start < $2 AND ($3::text IS NULL OR room_id = $3)
       ORDER BY scheduled_start, id`,
      [start, end, roomId ?? null],
    );
    return rows.map((r) => r.state);
  }

  /** The current state of every case a message changed (for re-publishing after a retry). */
  async touchedBy(sourceKind: string, sourceId: string): Promise<CaseState[]> {
    const rows = await this.ds.query<{ state: CaseState }[]>(
      `SELECT c.state FROM surgical_case c
       WHERE c.id IN (SELECT case_id FROM case_event WHERE source_kind = $1 AND source_id = $2)`,
      [sourceKind, sourceId],
    );
    return rows.map((r) => r.state);
  }

  async events(caseId: string): Promise<CaseEventView[]> {
    const rows = await this.ds.query<
      {
        at: Date;
        received_at: Date;
        kind: string;
        source_kind: string;
        source_id: string;
        change: Record<string, unknown>;
      }[]
    >(`SELECT at, received_at, kind, source_kind, source_id, change FROM case_event WHERE case_id = $1 ORDER BY id`, [
      caseId,
    ]);
    return rows.map((r) => ({
      at: new Date(r.at).toISOString(),
      receivedAt: new Date(r.received_at).toISOString(),
      kind: r.kind,
      source: { kind: r.source_kind, id: r.source_id },
      change: r.change,
    }));
  }
}
