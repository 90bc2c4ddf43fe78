import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { PersonRef } from '@circulator/contracts';
import type { CaseState } from '@circulator/domain';
import type { PatientRecord } from '../outbound/patient.mapper';
import { OBSERVATION_KINDS, type ObservationKind } from '../outbound/observation.mapper';
import type {
  CaseCriteria,
  CaseTimeline,
  PageRequest,
  StatusMatch,
  TimeCondition,
  VitalCriteria,
} from './case-search.criteria';

/** A case as stored: its state and when its row was last written. */
export interface CaseRow {
  state: CaseState;
  /** ISO 8601. */
  updatedAt: string;
}

/** One Observation's worth of a case: the case and the kind of reading. */
export interface VitalRow {
  row: CaseRow;
  kind: ObservationKind;
}

/** Numbered parameters of one statement. */
class Params {
  readonly values: unknown[] = [];
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

const M = `(c.state -> 'milestones')`;
const milestone = (key: string): string => `(${M} ->> '${key}')::timestamptz`;

/**
 * The start and end of each timeline in SQL, the same rules as the mappers': Appointment.start
 * (a point), Encounter.period (stayPeriod: in room → PACU out, or out of room when completed;
 * open while going on) and Procedure.performedPeriod (incision → closure, open until closure).
 * An open end is `infinity`; a missing start matches nothing.
 */
const TIMELINES: Readonly<Record<CaseTimeline, { start: string; end: string }>> = {
  scheduled: { start: 'c.scheduled_start', end: 'c.scheduled_start' },
  stay: {
    start: milestone('inRoom'),
    end: `coalesce(${milestone('pacuOut')}, CASE WHEN c.status = 'completed' THEN ${milestone('outOfRoom')} END, 'infinity'::timestamptz)`,
  },
  procedure: {
    start: milestone('procedureStart'),
    end: `coalesce(${milestone('procedureEnd')}, 'infinity'::timestamptz)`,
  },
};

function timeSql(condition: TimeCondition, target: { start: string; end: string }, p: Params): string {
  const groups = condition.map(
    (group) =>
      `(${group.map((t) => `${t.side === 'start' ? target.start : target.end} ${t.op} ${p.add(t.at)}::timestamptz`).join(' AND ') || 'true'})`,
  );
  return `(${target.start} IS NOT NULL AND (${groups.join(' OR ') || 'false'}))`;
}

function statusSql(match: StatusMatch, p: Params): string {
  const status = `c.status = ${p.add(match.status)}`;
  if (!match.milestone) return `(${status})`;
  const recorded = `(${M} ->> ${p.add(match.milestone.key)}) IS ${match.milestone.present ? 'NOT ' : ''}NULL`;
  return `(${status} AND ${recorded})`;
}

/** The WHERE conditions of case criteria (on `surgical_case c`); ANDed by the caller. */
function caseWhere(criteria: CaseCriteria, p: Params): string[] {
  const where: string[] = [];
  for (const ids of criteria.ids ?? []) where.push(`c.id = ANY(${p.add(ids)}::uuid[])`);
  for (const mrns of criteria.mrns ?? []) {
    // The patient's MRN column (indexed); a merged MRN finds the survivor's cases (A40).
    const list = p.add(mrns);
    where.push(
      // `= ANY(ARRAY(…))` so that the MRN index is used (see CaseRepository.loadByPatients).
      `c.mrn = ANY(ARRAY(SELECT unnest(${list}::text[]) UNION SELECT survivor FROM patient_alias WHERE mrn = ANY(${list}::text[])))`,
    );
  }
  for (const rooms of criteria.roomIds ?? []) where.push(`c.room_id = ANY(${p.add(rooms)}::text[])`);
  for (const group of criteria.statuses ?? []) {
    where.push(`(${group.map((m) => statusSql(m, p)).join(' OR ') || 'false'})`);
  }
  for (const group of criteria.identifiers ?? []) {
    const pairs = group.flatMap((m) => m.kinds.map((kind) => [kind, m.value] as const));
    const values = p.add([...new Set(group.map((m) => m.value))]);
    const kinds = p.add(pairs.map(([k]) => k));
    const pairValues = p.add(pairs.map(([, v]) => v));
    // case_identifier (indexed) finds the candidates; the state says whether the case still has it.
    where.push(
      `(c.id IN (SELECT case_id FROM case_identifier WHERE value = ANY(${values}::text[]))
        AND EXISTS (SELECT 1 FROM unnest(${kinds}::text[], ${pairValues}::text[]) AS q(kind, value)
                    WHERE c.state -> 'identifiers' ->> q.kind = q.value))`,
    );
  }
  for (const codes of criteria.procedureCodes ?? []) {
    where.push(`(c.state -> 'procedure' ->> 'code') = ANY(${p.add(codes)}::text[])`);
  }
  if (criteria.time) {
    const target = TIMELINES[criteria.time.timeline];
    for (const condition of criteria.time.conditions) where.push(timeSql(condition, target, p));
  }
  return where;
}

const whereClause = (where: readonly string[]): string => (where.length ? `WHERE ${where.join(' AND ')}` : '');

interface StateRow {
  state: CaseState;
  updated_at: Date | string;
}

const toCaseRow = (r: StateRow): CaseRow => ({ state: r.state, updatedAt: new Date(r.updated_at).toISOString() });

/**
 * Reads cases for the FHIR read façade: searches with FHIR's combinations of criteria, counted
 * and paged in SQL (no search loads more than its page), in a stable order (scheduled start, then
 * id) so that paging by offset is deterministic while nothing changes. The vitals search expands
 * each case's newest readings into one row per Observation (the two pressures are one panel).
 */
@Injectable()
export class CaseSearchRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /** The cases with these ids (any order). */
  async get(ids: readonly string[]): Promise<CaseRow[]> {
    if (!ids.length) return [];
    const rows = await this.ds.query<StateRow[]>(
      `SELECT state, updated_at FROM surgical_case WHERE id = ANY($1::uuid[])`,
      [[...ids]],
    );
    return rows.map(toCaseRow);
  }

  /** One page of the cases that meet the criteria, and how many do in all. */
  async searchCases(criteria: CaseCriteria, page: PageRequest): Promise<{ total: number; rows: CaseRow[] }> {
    const p = new Params();
    const where = whereClause(caseWhere(criteria, p));
    const [count] = await this.ds.query<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM surgical_case c ${where}`,
      p.values,
    );
    const total = count?.n ?? 0;
    if (page.limit === 0 || page.offset >= total) return { total, rows: [] };
    const rows = await this.ds.query<StateRow[]>(
      `SELECT c.state, c.updated_at FROM surgical_case c ${where}
       ORDER BY c.scheduled_start, c.id LIMIT ${p.add(page.limit)} OFFSET ${p.add(page.offset)}`,
      p.values,
    );
    return { total, rows: rows.map(toCaseRow) };
  }

  /**
   * One page of the readings (one row per case and Observation kind) that meet both criteria, in
   * case order then {@link OBSERVATION_KINDS} order. Cancelled and no-show cases have none (their
   * CaseView shows no vitals).
   */
  async searchVitals(
    criteria: CaseCriteria,
    vitals: VitalCriteria,
    page: PageRequest,
  ): Promise<{ total: number; rows: VitalRow[] }> {
    const p = new Params();
    const caseConditions = [`c.status NOT IN ('cancelled', 'no-show')`, ...caseWhere(criteria, p)];
    const kindOrder = p.add([...OBSERVATION_KINDS]);
    const obsWhere: string[] = [`o.kind = ANY(${kindOrder}::text[])`];
    for (const kinds of vitals.kinds ?? []) obsWhere.push(`o.kind = ANY(${p.add(kinds)}::text[])`);
    for (const pairs of vitals.ids ?? []) {
      obsWhere.push(
        `(o.id, o.kind) IN (SELECT * FROM unnest(${p.add(pairs.map((x) => x.caseId))}::uuid[], ${p.add(pairs.map((x) => x.kind))}::text[]))`,
      );
    }
    for (const condition of vitals.conditions ?? [])
      obsWhere.push(timeSql(condition, { start: 'o.at', end: 'o.at' }, p));
    const obs = `WITH obs AS (
        SELECT c.id, c.scheduled_start,
               CASE WHEN v.key IN ('nibpSys', 'nibpDia') THEN 'bp' ELSE v.key END AS kind,
               max((v.value ->> 'at')::timestamptz) AS at
        FROM surgical_case c CROSS JOIN LATERAL jsonb_each(c.state -> 'vitals') AS v(key, value)
        ${whereClause(caseConditions)}
        GROUP BY c.id, c.scheduled_start, 3
      )`;
    const [count] = await this.ds.query<{ n: number }[]>(
      `${obs} SELECT count(*)::int AS n FROM obs o ${whereClause(obsWhere)}`,
      p.values,
    );
    const total = count?.n ?? 0;
    if (page.limit === 0 || page.offset >= total) return { total, rows: [] };
    const rows = await this.ds.query<(StateRow & { kind: ObservationKind })[]>(
      `${obs} SELECT o.kind, c.state, c.updated_at FROM obs o JOIN surgical_case c ON c.id = o.id
       ${whereClause(obsWhere)}
       ORDER BY o.scheduled_start, o.id, array_position(${kindOrder}::text[], o.kind)
       LIMIT ${p.add(page.limit)} OFFSET ${p.add(page.offset)}`,
      p.values,
    );
    return { total, rows: rows.map((r) => ({ row: toCaseRow(r), kind: r.kind })) };
  }

  /**
   * Every patient of the case table, once per MRN (the survivor's after a merge), with the
   * demographics of their most recently written case. Read whole and filtered in memory by the
   * façade: a patient list is a few thousand rows a year per OR suite.
   */
  async patients(): Promise<PatientRecord[]> {
    const rows = await this.ds.query<{ patient: PatientRecord; updated_at: Date }[]>(
      `SELECT DISTINCT ON (c.mrn) c.state -> 'patient' AS patient, c.updated_at
       FROM surgical_case c WHERE coalesce(c.mrn, '') <> ''
       ORDER BY c.mrn, c.updated_at DESC`,
    );
    return rows.map((r) => ({
      mrn: r.patient.mrn,
      ...(r.patient.familyName ? { familyName: r.patient.familyName } : {}),
      ...(r.patient.givenName ? { givenName: r.patient.givenName } : {}),
      ...(r.patient.birthDate ? { birthDate: r.patient.birthDate } : {}),
      ...(r.patient.sex ? { sex: r.patient.sex } : {}),
      updatedAt: new Date(r.updated_at).toISOString(),
    }));
  }

  /** Every surgeon and anesthesiologist with an id, once, with the name of their newest case. */
  async practitioners(): Promise<(PersonRef & { updatedAt: string })[]> {
    const rows = await this.ds.query<{ person: PersonRef; updated_at: Date }[]>(
      `SELECT DISTINCT ON (p.person ->> 'id') p.person, c.updated_at
       FROM surgical_case c
       CROSS JOIN LATERAL (VALUES (c.state -> 'surgeon'), (c.state -> 'anesthesiologist')) AS p(person)
       WHERE coalesce(p.person ->> 'id', '') <> ''
       ORDER BY p.person ->> 'id', c.updated_at DESC`,
    );
    return rows.map((r) => ({
      id: r.person.id,
      name: r.person.name ?? '',
      updatedAt: new Date(r.updated_at).toISOString(),
    }));
  }
}
