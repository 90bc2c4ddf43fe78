import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import type { CaseEventView, CaseIdentifiers } from '@circulator/contracts';
import type { CaseEvent, CaseState } from '@circulator/domain';
import { writeTogether, type WritePart } from './write-together';

/**
 * The identifiers that name one appointment, in the order they are trusted: a case is found by
 * them (a visit number is shared by every case of a stay, so it finds none).
 */
export const UNIQUE_IDENTIFIER_KINDS = [
  'fillerAppointmentId',
  'placerAppointmentId',
  'fhirAppointmentId',
  'orderNumber',
] as const satisfies readonly (keyof CaseIdentifiers)[];

/** A fact waiting for its case, with the keys a case is matched by. */
export interface ParkedFactInput {
  inboxId: string;
  at: string;
  mrn?: string;
  orderNumber?: string;
  roomId?: string;
  /** Appointment identifiers as `kind:value` (a schedule change before its booking). */
  appointmentKeys?: string[];
  /** The fact and when it was received, as JSON. */
  fact: unknown;
}

/** A case to write, with its new events, as of the version it was read at. */
export interface CaseSave {
  state: CaseState;
  events: readonly CaseEvent[];
  expectedVersion: number | undefined;
  /** The case as it was read: identifiers it already had are not written again. */
  loaded?: CaseState | undefined;
}

@Injectable()
export class CaseRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /** Runs `work` in one transaction. */
  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.ds.transaction(work);
  }

  /**
   * Takes, in one fixed order, the transaction-scoped advisory locks of every appointment
   * identifier a batch will look up or create, so that two workers never create the same case
   * twice and never wait on each other in opposite orders.
   */
  async lockIdentifiers(manager: EntityManager, ids: readonly { kind: string; value: string }[]): Promise<void> {
    const keyed = ids.flatMap(({ kind, value }) => {
      const k = (UNIQUE_IDENTIFIER_KINDS as readonly string[]).indexOf(kind);
      return k === -1 ? [] : [{ k, value }];
    });
    if (!keyed.length) return;
    await manager.query(
      `SELECT pg_advisory_xact_lock(k, h) FROM (
         SELECT DISTINCT k, hashtext(v) AS h FROM unnest($1::int[], $2::text[]) AS t(k, v) ORDER BY k, h
       ) ordered`,
      [keyed.map((x) => x.k), keyed.map((x) => x.value)],
    );
  }

  /** The cases these identifiers name, locked for update, with the identifier that found each. */
  async loadByIdentifiers(
    manager: EntityManager,
    ids: readonly { kind: string; value: string }[],
  ): Promise<{ kind: string; value: string; state: CaseState }[]> {
    if (!ids.length) return [];
    return manager.query<{ kind: string; value: string; state: CaseState }[]>(
      `SELECT i.kind, i.value, c.state FROM case_identifier i JOIN surgical_case c ON c.id = i.case_id
       WHERE (i.kind, i.value) IN (SELECT * FROM unnest($1::text[], $2::text[]))
       ORDER BY c.id FOR UPDATE OF c`,
      [ids.map((i) => i.kind), ids.map((i) => i.value)],
    );
  }

  /**
   * Finished cases (out of the room) scheduled since `since`, newest first, at most `limit`: the
   * history predictions take their medians from.
   */
  async finishedSince(since: string, limit = 5000, manager: EntityManager = this.ds.manager): Promise<CaseState[]> {
    const rows = await manager.query<{ state: CaseState }[]>(
      `SELECT state FROM surgical_case WHERE status IN ('recovery', 'completed') AND scheduled_start >= $1
       ORDER BY scheduled_start DESC LIMIT $2`,
      [since, limit],
    );
    return rows.map((r) => r.state);
  }

  /** These cases (by id), locked for update. */
  async loadByIds(manager: EntityManager, ids: readonly string[]): Promise<CaseState[]> {
    if (!ids.length) return [];
    const rows = await manager.query<{ state: CaseState }[]>(
      `SELECT state FROM surgical_case WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE`,
      [ids],
    );
    return rows.map((r) => r.state);
  }

  /** Every case of these patients (by MRN, or an MRN merged into theirs), locked for update. */
  async loadByPatients(manager: EntityManager, mrns: readonly string[]): Promise<CaseState[]> {
    if (!mrns.length) return [];
    const rows = await manager.query<{ state: CaseState }[]>(
      // `= ANY(ARRAY(…))`, not `IN (subquery)`: the MRN list is then computed once (an InitPlan)
      // and the index surgical_case_patient is used. With `IN` the planner scanned every case
      // (35 ms at 11k cases, growing with the table).
      `SELECT state FROM surgical_case
       WHERE mrn = ANY(ARRAY(
         SELECT unnest($1::text[]) UNION SELECT survivor FROM patient_alias WHERE mrn = ANY($1)))
       ORDER BY id FOR UPDATE`,
      [mrns],
    );
    return rows.map((r) => r.state);
  }

  /** The surviving MRN of each of these MRNs that was merged into another (ADT A40). */
  async survivors(manager: EntityManager, mrns: readonly string[]): Promise<Map<string, string>> {
    if (!mrns.length) return new Map();
    const rows = await manager.query<{ mrn: string; survivor: string }[]>(
      `SELECT mrn, survivor FROM patient_alias WHERE mrn = ANY($1)`,
      [mrns],
    );
    return new Map(rows.map((r) => [r.mrn, r.survivor]));
  }

  /** Records that `merged` is now `survivor` (and re-points earlier aliases of `merged`). */
  async recordMerge(
    manager: EntityManager,
    merged: string,
    survivor: string,
    at: string,
    sourceId: string,
  ): Promise<void> {
    if (merged === survivor) return;
    await manager.query(
      `INSERT INTO patient_alias (mrn, survivor, merged_at, source_id) VALUES ($1, $2, $3, $4)
       ON CONFLICT (mrn) DO UPDATE SET survivor = EXCLUDED.survivor, merged_at = EXCLUDED.merged_at,
         source_id = EXCLUDED.source_id WHERE patient_alias.merged_at <= EXCLUDED.merged_at`,
      [merged, survivor, at, sourceId],
    );
    await manager.query(`UPDATE patient_alias SET survivor = $2 WHERE survivor = $1`, [merged, survivor]);
  }

  /** Cases booked in these rooms with a start in [from, to), locked for update. */
  async loadInRooms(
    manager: EntityManager,
    roomIds: readonly string[],
    from: string,
    to: string,
  ): Promise<CaseState[]> {
    if (!roomIds.length) return [];
    const rows = await manager.query<{ state: CaseState }[]>(
      `SELECT state FROM surgical_case
       WHERE room_id = ANY($1) AND scheduled_start >= $2 AND scheduled_start < $3
       ORDER BY id FOR UPDATE`,
      [roomIds, from, to],
    );
    return rows.map((r) => r.state);
  }

  /**
   * Writes many cases, their new identifiers and their events in one statement. Each existing case
   * is updated only if it is still at the version its change was computed on; otherwise the whole
   * batch fails (and is retried), never silently overwriting a concurrent writer.
   */
  async saveMany(manager: EntityManager, saves: readonly CaseSave[], at: Date): Promise<void> {
    if (!manager.queryRunner) throw new Error('CaseRepository.saveMany must run inside a transaction');
    await writeTogether(manager, [this.savePart(saves, at)]);
  }

  /**
   * {@link saveMany}'s writes as part of a combined statement ({@link writeTogether}), to run in a
   * transaction; undefined when there is nothing to save.
   */
  savePart(saves: readonly CaseSave[], at: Date): WritePart | undefined {
    if (!saves.length) return undefined;
    // One JSON document per statement (jsonb_to_recordset), not one array per column: the driver
    // escapes every element of a text[] character by character, which for whole case states cost
    // more than the rest of the batch.
    const rows = JSON.stringify(
      saves.map((x) => ({
        id: x.state.id,
        version: x.state.version,
        status: x.state.status,
        room_id: x.state.roomId,
        s: x.state.scheduledStart,
        e: x.state.scheduledEnd,
        state: x.state,
        expected: x.expectedVersion ?? -1,
      })),
    );
    // Only the identifiers a case is found by, and only those it did not have when it was read.
    const identifiers = saves.flatMap(({ state, loaded }) =>
      UNIQUE_IDENTIFIER_KINDS.flatMap((kind) => {
        const value = state.identifiers[kind];
        return value && value !== loaded?.identifiers[kind] ? [{ kind, value, case_id: state.id }] : [];
      }),
    );
    const events = saves.flatMap((x) =>
      x.events.map((e) => ({
        case_id: e.caseId,
        version: e.version,
        kind: e.kind,
        at: e.at,
        received_at: e.receivedAt,
        source_kind: e.source.kind,
        source_id: e.source.id,
        change: { ...e.change, ...(e.source.label ? { sourceLabel: e.source.label } : {}) },
      })),
    );
    return {
      ctes: [
        {
          name: 'case_input',
          sql: `SELECT * FROM jsonb_to_recordset($1::jsonb)
            AS t(id uuid, version int, status text, room_id text, s timestamptz, e timestamptz, state jsonb, expected int)`,
        },
        {
          name: 'case_saved',
          sql: `INSERT INTO surgical_case (id, version, status, room_id, scheduled_start, scheduled_end, state, updated_at)
            SELECT id, version, status, room_id, s, e, state, $2 FROM case_input
            ON CONFLICT (id) DO UPDATE SET version = EXCLUDED.version, status = EXCLUDED.status,
              room_id = EXCLUDED.room_id, scheduled_start = EXCLUDED.scheduled_start,
              scheduled_end = EXCLUDED.scheduled_end, state = EXCLUDED.state, updated_at = EXCLUDED.updated_at
            WHERE surgical_case.version = (SELECT expected FROM case_input WHERE case_input.id = EXCLUDED.id)
            RETURNING id`,
        },
        {
          name: 'case_identified',
          sql: `INSERT INTO case_identifier (kind, value, case_id)
            SELECT kind, value, case_id FROM jsonb_to_recordset($3::jsonb) AS t(kind text, value text, case_id uuid)
            ON CONFLICT (kind, value) DO NOTHING`,
        },
        {
          name: 'case_recorded',
          sql: `INSERT INTO case_event (case_id, version, kind, at, received_at, source_kind, source_id, change)
            SELECT case_id, version, kind, at, received_at, source_kind, source_id, change
            FROM jsonb_to_recordset($4::jsonb) AS t(case_id uuid, version int, kind text, at timestamptz,
              received_at timestamptz, source_kind text, source_id text, change jsonb)`,
        },
      ],
      params: [rows, at, JSON.stringify(identifiers), JSON.stringify(events)],
      // The identifiers' and events' foreign keys are checked at the end of the statement, when
      // the cases it inserts exist.
      result: {
        sql: '(SELECT count(*)::int FROM case_saved)',
        check: (count) => {
          if (count !== saves.length) {
            throw new Error(`${saves.length - count} case(s) changed concurrently; the batch is retried`);
          }
        },
      },
    };
  }

  /** Keeps facts that matched no case yet (see the parked_fact migration). */
  async park(manager: EntityManager, facts: readonly ParkedFactInput[], parkedAt: Date): Promise<void> {
    if (!facts.length) return;
    await manager.query(
      `INSERT INTO parked_fact (inbox_id, at, mrn, order_number, room_id, fact, parked_at, appointment_keys)
       SELECT inbox_id, at, mrn, order_number, room_id, fact::jsonb, $7,
              ARRAY(SELECT jsonb_array_elements_text(keys::jsonb))
       FROM unnest($1::bigint[], $2::timestamptz[], $3::text[], $4::text[], $5::text[], $6::text[], $8::text[])
         AS t(inbox_id, at, mrn, order_number, room_id, fact, keys)`,
      [
        facts.map((f) => f.inboxId),
        facts.map((f) => f.at),
        facts.map((f) => f.mrn ?? null),
        facts.map((f) => f.orderNumber ?? null),
        facts.map((f) => f.roomId ?? null),
        facts.map((f) => JSON.stringify(f.fact)),
        parkedAt,
        facts.map((f) => JSON.stringify(f.appointmentKeys ?? [])),
      ],
    );
  }

  /** Parked facts that may belong to cases with these patients, orders or rooms and times, oldest first. */
  async parkedFor(
    manager: EntityManager,
    keys: {
      mrns: readonly string[];
      orderNumbers: readonly string[];
      appointmentKeys: readonly string[];
      rooms: readonly { roomId: string; from: string; to: string }[];
    },
  ): Promise<{ id: string; fact: unknown; appliedTo: string[] }[]> {
    if (!keys.mrns.length && !keys.orderNumbers.length && !keys.rooms.length && !keys.appointmentKeys.length) {
      return [];
    }
    const rows = await manager.query<{ id: string; fact: unknown; applied_to: string[] }[]>(
      `SELECT id::text AS id, fact, applied_to FROM parked_fact
       WHERE mrn = ANY($1) OR order_number = ANY($2) OR appointment_keys && $6::text[]
          OR EXISTS (SELECT 1 FROM unnest($3::text[], $4::timestamptz[], $5::timestamptz[]) AS r(room_id, f, t)
                     WHERE parked_fact.room_id = r.room_id AND parked_fact.at >= r.f AND parked_fact.at < r.t)
       ORDER BY at, id FOR UPDATE`,
      [
        keys.mrns,
        keys.orderNumbers,
        keys.rooms.map((r) => r.roomId),
        keys.rooms.map((r) => r.from),
        keys.rooms.map((r) => r.to),
        keys.appointmentKeys,
      ],
    );
    return rows.map((r) => ({ id: r.id, fact: r.fact, appliedTo: r.applied_to }));
  }

  /** Records which cases parked facts were applied to (they stay parked for later cases). */
  async markParkedApplied(manager: EntityManager, applied: ReadonlyMap<string, readonly string[]>): Promise<void> {
    if (!applied.size) return;
    await manager.query(
      `UPDATE parked_fact SET applied_to = t.cases::jsonb FROM unnest($1::bigint[], $2::text[]) AS t(id, cases)
       WHERE parked_fact.id = t.id`,
      [[...applied.keys()], [...applied.values()].map((c) => JSON.stringify(c))],
    );
  }

  /** Forgets parked facts kept longer than their use (a week by default). */
  async purgeParked(before: Date): Promise<number> {
    const rows = await this.ds.query<{ n: string }[]>(
      `WITH gone AS (DELETE FROM parked_fact WHERE parked_at < $1 RETURNING 1) SELECT count(*)::text AS n FROM gone`,
      [before],
    );
    return Number(rows[0]?.n ?? 0);
  }

  /**
   * The cases showing an alert with this id (alert ids are per case: a device alarm's id is the
   * same on every case its device served), newest scheduled first; with `caseId`, that case only.
   */
  async findByAlert(alertId: string, caseId?: string): Promise<CaseState[]> {
    const rows = await this.ds.query<{ state: CaseState }[]>(
      `SELECT state FROM surgical_case
       WHERE state -> 'alerts' @> jsonb_build_array(jsonb_build_object('id', $1::text))
         AND ($2::uuid IS NULL OR id = $2::uuid)
       ORDER BY scheduled_start DESC, id LIMIT 20`,
      [alertId, caseId ?? null],
    );
    return rows.map((r) => r.state);
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
