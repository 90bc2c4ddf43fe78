/**
 * Predictions for the room day: when each case will really start and end, the knock-on delays
 * for the rest of its room's day, rooms predicted to run past closing, and rooms that could take
 * a case. Pure: the history of durations, the rooms and `now` are passed in. Definitions with
 * worked examples: docs/predictions.md.
 */
import type { AlertPriority, CaseStatus, PersonRef } from '@circulator/contracts';
import type { CaseState } from '../case.model';
import { UNSPECIFIED_PROCEDURE } from '../engine/case.draft';
import type { EquipmentNeed } from '../fact';

/** What planning needs of a case. */
export type PlanCase = Pick<
  CaseState,
  'id' | 'roomId' | 'status' | 'scheduledStart' | 'scheduledEnd' | 'milestones' | 'procedure' | 'surgeon' | 'equipment'
>;

/** The fields of a case that predictions read, apart from its id. */
const PLAN_FIELDS = [
  'roomId',
  'status',
  'scheduledStart',
  'scheduledEnd',
  'milestones',
  'procedure',
  'surgeon',
  'equipment',
] as const satisfies readonly (keyof PlanCase)[];

/**
 * Whether a change to a case can change the predictions of its room's day: a new case, or one of
 * the fields planning reads. The engine's copy-on-write keeps the identity of what a fact did not
 * touch, so a change of readings or alerts alone compares equal without a deep comparison (and a
 * field rebuilt with the same content counts as changed: predicting again is then merely wasted).
 */
export function planInputsChanged(before: PlanCase | undefined, after: PlanCase): boolean {
  return before === undefined || PLAN_FIELDS.some((key) => before[key] !== after[key]);
}

// ── Configuration ────────────────────────────────────────────────────────────────────────────

/** Settings of the predictions, in minutes apart from the count. */
export interface PlanningConfig {
  /** How many past cases a median needs before it is trusted (surgeon+procedure, then procedure). */
  minHistoryCount: number;
  /** Out of room of one case → in room of the next (cleaning, setup). */
  turnoverMinutes: number;
  /** Procedure end (closure) → out of room: what is left once the procedure has ended. */
  closingMinutes: number;
  /** What a case still in the room is given once it has passed its predicted end. */
  overrunAllowanceMinutes: number;
  /** A case is late when its predicted start is more than this after its scheduled start. */
  lateThresholdMinutes: number;
  /** A room is alerted when its last case is predicted to end more than this after closing. */
  overrunThresholdMinutes: number;
  /** From this overrun on, the room alert is `high` (else `medium`). */
  overrunHighMinutes: number;
}

export const DEFAULT_PLANNING_CONFIG: Readonly<PlanningConfig> = Object.freeze({
  minHistoryCount: 3,
  turnoverMinutes: 30,
  closingMinutes: 15,
  overrunAllowanceMinutes: 10,
  lateThresholdMinutes: 30,
  overrunThresholdMinutes: 30,
  overrunHighMinutes: 120,
});

/**
 * The defaults overlaid with `overrides`. Throws a RangeError for a setting that is not a finite
 * number ≥ 0, or a `minHistoryCount` that is not a whole number ≥ 1 (a median of no case is none).
 */
export function resolvePlanningConfig(overrides: Partial<PlanningConfig> = {}): PlanningConfig {
  const config: PlanningConfig = { ...DEFAULT_PLANNING_CONFIG };
  for (const key of Object.keys(DEFAULT_PLANNING_CONFIG) as (keyof PlanningConfig)[]) {
    const value = overrides[key];
    if (value === undefined) continue;
    if (!Number.isFinite(value) || value < 0) throw new RangeError(`planning ${key} must be a number ≥ 0: ${value}`);
    config[key] = value;
  }
  if (!Number.isInteger(config.minHistoryCount) || config.minHistoryCount < 1) {
    throw new RangeError(`planning minHistoryCount must be a whole number ≥ 1: ${config.minHistoryCount}`);
  }
  return config;
}

// ── History of durations ─────────────────────────────────────────────────────────────────────

/** The median in-room duration (in room → out of room) of past cases, and how many there were. */
export interface DurationStats {
  medianMinutes: number;
  count: number;
}

/** Stats by key: a Map or a plain record (e.g. read back from JSON). */
export type DurationTable = ReadonlyMap<string, DurationStats> | Readonly<Record<string, DurationStats>>;

/**
 * Past in-room durations from our own database, computed by the caller (see
 * {@link durationHistoryOf}, {@link durationStats}).
 * - `bySurgeonProcedure`: keyed by {@link historyKey}(surgeon, procedure);
 * - `byProcedure`: keyed by {@link procedureKey}(procedure).
 */
export interface DurationHistory {
  bySurgeonProcedure: DurationTable;
  byProcedure: DurationTable;
}

/**
 * The median and count of in-room durations in minutes. Samples that are not finite or not
 * positive are ignored (a zero-minute case is a missed message, not a fast surgeon). No sample:
 * `{medianMinutes: 0, count: 0}`, which no `minHistoryCount` (≥ 1) accepts.
 */
export function durationStats(samples: readonly number[]): DurationStats {
  const valid = samples.filter((m) => Number.isFinite(m) && m > 0).sort((a, b) => a - b);
  const count = valid.length;
  if (count === 0) return { medianMinutes: 0, count: 0 };
  const hi = valid[Math.floor(count / 2)] ?? 0;
  const lo = valid[Math.floor((count - 1) / 2)] ?? 0;
  return { medianMinutes: (lo + hi) / 2, count };
}

/**
 * The in-room minutes (in room → out of room) of a case whose room time is over, for the history:
 * both milestones recorded, out after in, and not cancelled or a no-show. Status `recovery` counts
 * as well as `completed`: the engine marks a case completed only at PACU out, which many sites
 * never send, and the room time is over at out of room. Else undefined.
 */
export function caseDurationMinutes(c: Pick<PlanCase, 'status' | 'milestones'>): number | undefined {
  if (c.status !== 'completed' && c.status !== 'recovery') return undefined;
  const inRoom = instant(c.milestones.inRoom);
  const out = instant(c.milestones.outOfRoom);
  if (inRoom === undefined || out === undefined || out <= inRoom) return undefined;
  return (out - inRoom) / MINUTE;
}

/**
 * Who the surgeon is, as a history key: `id:<id>` when the source gives an id, else
 * `name:<name>` (trimmed, spaces collapsed, lower case). Undefined for no surgeon (or an empty name).
 */
export function surgeonKey(surgeon: PersonRef | undefined): string | undefined {
  const id = surgeon?.id?.trim();
  if (id) return `id:${id}`;
  const name = normalText(surgeon?.name ?? '');
  return name ? `name:${name}` : undefined;
}

/**
 * The procedure as a history key: `code:<code>` when coded (e.g. `code:47562`), else
 * `text:<text>` (trimmed, spaces collapsed, lower case). Undefined when there is no procedure to
 * speak of (no code and an empty or the engine's "Unspecified procedure" text): pooling every
 * unspecified case would make a meaningless median.
 */
export function procedureKey(procedure: { code?: string; text: string }): string | undefined {
  const code = procedure.code?.trim();
  if (code) return `code:${code}`;
  const text = normalText(procedure.text);
  return text && text !== normalText(UNSPECIFIED_PROCEDURE) ? `text:${text}` : undefined;
}

/**
 * The key of `bySurgeonProcedure`: `JSON.stringify([surgeonKey, procedureKey])`, e.g.
 * `["id:S1","code:47562"]` (JSON so that no name can make two pairs collide). Undefined when
 * either part is.
 */
export function historyKey(
  surgeon: PersonRef | undefined,
  procedure: { code?: string; text: string },
): string | undefined {
  const s = surgeonKey(surgeon);
  const p = procedureKey(procedure);
  return s === undefined || p === undefined ? undefined : JSON.stringify([s, p]);
}

/**
 * The history of durations from past cases (e.g. the last year's, loaded by the caller): every
 * case with a {@link caseDurationMinutes}, grouped by surgeon+procedure and by procedure.
 */
export function durationHistoryOf(cases: readonly PlanCase[]): DurationHistory {
  const bySurgeonProcedure = new Map<string, number[]>();
  const byProcedure = new Map<string, number[]>();
  const push = (table: Map<string, number[]>, key: string | undefined, minutes: number) => {
    if (key === undefined) return;
    const list = table.get(key);
    if (list) list.push(minutes);
    else table.set(key, [minutes]);
  };
  for (const c of cases) {
    const minutes = caseDurationMinutes(c);
    if (minutes === undefined) continue;
    push(bySurgeonProcedure, historyKey(c.surgeon, c.procedure), minutes);
    push(byProcedure, procedureKey(c.procedure), minutes);
  }
  const stats = (table: Map<string, number[]>) => new Map([...table].map(([k, v]) => [k, durationStats(v)] as const));
  return { bySurgeonProcedure: stats(bySurgeonProcedure), byProcedure: stats(byProcedure) };
}

// ── Expected duration ────────────────────────────────────────────────────────────────────────

/** Where a predicted end comes from. */
export type PredictionMethod = 'surgeon-procedure-median' | 'procedure-median' | 'schedule' | 'actual';

/** The in-room minutes a case is expected to take, and why. */
export interface ExpectedDuration {
  minutes: number;
  method: Exclude<PredictionMethod, 'actual'>;
  /** The median used (absent for `schedule`). */
  medianMinutes?: number;
  /** How many past cases it is the median of (absent for `schedule`). */
  count?: number;
  /** One line: which level was used and why the finer ones were not. */
  explanation: string;
}

/**
 * The in-room minutes a case is expected to take: the median of the same surgeon and procedure
 * when it is over at least `minHistoryCount` cases; else the median of the procedure (any
 * surgeon) on the same condition; else the scheduled duration (end − start, 0 when the times are
 * not instants or the end is not after the start).
 */
export function expectedDuration(
  c: Pick<PlanCase, 'surgeon' | 'procedure' | 'scheduledStart' | 'scheduledEnd'>,
  history: DurationHistory,
  config: Partial<PlanningConfig> = {},
): ExpectedDuration {
  return expectationOf(c, history, resolvePlanningConfig(config));
}

function expectationOf(
  c: Pick<PlanCase, 'surgeon' | 'procedure' | 'scheduledStart' | 'scheduledEnd'>,
  history: DurationHistory,
  config: PlanningConfig,
): ExpectedDuration {
  const min = config.minHistoryCount;
  const declined: string[] = [];
  const levels = [
    {
      method: 'surgeon-procedure-median' as const,
      label: 'surgeon+procedure',
      key: historyKey(c.surgeon, c.procedure),
      table: history.bySurgeonProcedure,
    },
    {
      method: 'procedure-median' as const,
      label: 'procedure',
      key: procedureKey(c.procedure),
      table: history.byProcedure,
    },
  ];
  for (const level of levels) {
    if (level.key === undefined) {
      declined.push(`${level.label}: unknown`);
      continue;
    }
    const stats = lookup(level.table, level.key);
    const count = stats && Number.isFinite(stats.count) ? stats.count : 0;
    if (stats && count >= min && Number.isFinite(stats.medianMinutes) && stats.medianMinutes > 0) {
      const why = declined.length ? ` (${declined.join('; ')})` : '';
      return {
        minutes: stats.medianMinutes,
        method: level.method,
        medianMinutes: stats.medianMinutes,
        count,
        explanation: `${level.label} median ${fmtMinutes(stats.medianMinutes)} over ${plural(count, 'case')}${why}`,
      };
    }
    declined.push(`${level.label}: ${plural(count, 'case')}, fewer than ${min}`);
  }
  const start = instant(c.scheduledStart);
  const end = instant(c.scheduledEnd);
  const minutes = start === undefined || end === undefined ? 0 : Math.max(0, end - start) / MINUTE;
  return {
    minutes,
    method: 'schedule',
    explanation: `scheduled duration ${fmtMinutes(minutes)} (${declined.join('; ')})`,
  };
}

// ── Predicting the room day ──────────────────────────────────────────────────────────────────

/** The instant a prediction hangs on. */
export type PredictionAnchor =
  /** Not started: starts at its scheduled start. */
  | 'scheduledStart'
  /** Not started: starts a turnover after the case before it in the room ends. */
  | 'previousCase'
  /** Not started and already due: starts now at the earliest; or in the room past its prediction. */
  | 'now'
  /** In the room: in room + expected duration. */
  | 'inRoom'
  /** Procedure ended: procedure end + closing. */
  | 'procedureEnd'
  /** Out of the room: the actual end. */
  | 'outOfRoom'
  /** No out of room recorded, but a later case has come into the room: it left by then. */
  | 'nextCaseInRoom';

/** Why a prediction says what it says: what ends up in the case's event log. */
export interface PredictionBasis {
  method: PredictionMethod;
  /** The expected in-room minutes (the median or the scheduled duration); absent when the end is actual. */
  expectedMinutes?: number;
  /** The median used, when one was. */
  medianMinutes?: number;
  /** How many past cases the median is over. */
  count?: number;
  anchor: PredictionAnchor;
  /** The anchor's instant (ISO 8601, UTC). */
  anchorAt: string;
  /** One line for an integration engineer. */
  explanation: string;
}

export interface CasePrediction {
  caseId: string;
  roomId: string;
  /** When the patient is predicted in the room: the actual in room once recorded (ISO 8601, UTC). */
  predictedStart: string;
  /** When the patient is predicted out of the room: the actual out of room once recorded. */
  predictedEnd: string;
  /** predictedStart − scheduledStart in whole minutes (negative when early). */
  delayMinutes: number;
  /** predictedStart is more than `lateThresholdMinutes` after scheduledStart. */
  late: boolean;
  basis: PredictionBasis;
}

export interface PredictionInput {
  /** The current instant (ISO 8601). */
  now: string;
  history: DurationHistory;
  config?: Partial<PlanningConfig>;
}

/**
 * Predicted start and end of every case that occupies a room (not cancelled, not a no-show),
 * sorted by room, predicted start, then case id. Per room:
 *
 * 1. Cases in the room or out of it (started) keep their actual in room, and are placed first in
 *    order of it. Their end: out of room when recorded (`actual`); after procedure end, procedure
 *    end + `closingMinutes`; else in room + the expected duration. A case still in the room whose
 *    end so computed is before `now` gets `now + overrunAllowanceMinutes`. A case with no out of
 *    room whose room a later case has entered is taken to have left by then.
 * 2. The other cases follow in order of scheduled start (then id): each starts at the latest of
 *    its scheduled start, the previous cases' end + `turnoverMinutes`, and `now`; it ends the
 *    expected duration later.
 *
 * Pass one day's cases (a board day): every case given to a room is chained in that room. A case
 * whose scheduled times are not instants is left out (the engine never stores one). Case ids must
 * be unique (RangeError otherwise): any order of the same cases gives the same result.
 */
export function predictCases(cases: readonly PlanCase[], input: PredictionInput): CasePrediction[] {
  const config = resolvePlanningConfig(input.config);
  const now = requireInstant(input.now, 'now');
  requireUniqueIds(cases);
  const byRoom = new Map<string, PlanCase[]>();
  for (const c of cases) {
    if (!occupiesRoom(c) || instant(c.scheduledStart) === undefined || instant(c.scheduledEnd) === undefined) continue;
    const list = byRoom.get(c.roomId);
    if (list) list.push(c);
    else byRoom.set(c.roomId, [c]);
  }
  const out: CasePrediction[] = [];
  for (const roomCases of byRoom.values()) out.push(...predictRoom(roomCases, now, input.history, config));
  return out.sort(comparePredictions);
}

/** Whether a case takes room time at all: cancelled and no-show cases do not. */
export function occupiesRoom(c: Pick<PlanCase, 'status'>): boolean {
  return c.status !== 'cancelled' && c.status !== 'no-show';
}

/** Where a case is in its room day (by its milestones first, its status second). */
export type RoomPhase = 'planned' | 'in-room' | 'left';

/**
 * `left`: out of room recorded, or status `recovery`/`completed`; `in-room`: in room recorded, or
 * status `in-room`/`in-procedure`; else `planned`.
 */
export function roomPhase(c: Pick<PlanCase, 'status' | 'milestones'>): RoomPhase {
  if (instant(c.milestones.outOfRoom) !== undefined || LEFT.has(c.status)) return 'left';
  if (instant(c.milestones.inRoom) !== undefined || INSIDE.has(c.status)) return 'in-room';
  return 'planned';
}

const LEFT: ReadonlySet<CaseStatus> = new Set(['recovery', 'completed']);
const INSIDE: ReadonlySet<CaseStatus> = new Set(['in-room', 'in-procedure']);

interface Placed {
  c: PlanCase;
  start: number;
  end: number;
  expectation: ExpectedDuration | undefined;
  anchor: PredictionAnchor;
  anchorAt: number;
  /** How the anchor gives the end (or the start), for the explanation. */
  how: string;
}

function predictRoom(
  cases: PlanCase[],
  now: number,
  history: DurationHistory,
  config: PlanningConfig,
): CasePrediction[] {
  const started: Placed[] = [];
  const planned: PlanCase[] = [];
  for (const c of cases) {
    if (roomPhase(c) === 'planned') planned.push(c);
    else started.push(placeStarted(c, now, history, config));
  }
  started.sort((a, b) => a.start - b.start || compareText(a.c.id, b.c.id));

  // A case with no out of room is out by the time a later case comes in (a missed ADT A02 would
  // otherwise hold the room, and push every case after it, for as long as the message is missing).
  for (let i = 0; i + 1 < started.length; i++) {
    const p = started[i];
    const next = started[i + 1];
    if (!p || !next || p.anchor === 'outOfRoom' || instant(next.c.milestones.inRoom) === undefined) continue;
    if (p.end > next.start) {
      p.end = Math.max(p.start, next.start);
      p.anchor = 'nextCaseInRoom';
      p.anchorAt = next.start;
      p.how = `no out of room, but the next case ${next.c.id} came in at ${iso(next.start)}`;
    }
  }

  const turnover = config.turnoverMinutes * MINUTE;
  let previousEnd = -Infinity;
  let previousId: string | undefined;
  for (const p of started) {
    if (p.end >= previousEnd) {
      previousEnd = p.end;
      previousId = p.c.id;
    }
  }
  const placed = [...started];
  planned.sort((a, b) => ms(a.scheduledStart) - ms(b.scheduledStart) || compareText(a.id, b.id));
  for (const c of planned) {
    const expectation = expectationOf(c, history, config);
    const scheduled = ms(c.scheduledStart);
    const afterPrevious = previousEnd + turnover;
    let start = scheduled;
    let anchor: PredictionAnchor = 'scheduledStart';
    let anchorAt = scheduled;
    let how = `starts at its scheduled start ${iso(scheduled)}`;
    if (afterPrevious > start) {
      start = afterPrevious;
      anchor = 'previousCase';
      anchorAt = previousEnd;
      how = `starts ${fmtMinutes(config.turnoverMinutes)} turnover after case ${previousId ?? '?'} ends at ${iso(previousEnd)}`;
    }
    if (now > start) {
      start = now;
      anchor = 'now';
      anchorAt = now;
      how = `not in the room yet at ${iso(now)}: starts now at the earliest`;
    }
    const end = start + Math.round(expectation.minutes * MINUTE);
    placed.push({ c, start, end, expectation, anchor, anchorAt, how });
    if (end >= previousEnd) {
      previousEnd = end;
      previousId = c.id;
    }
  }
  return placed.map((p) => toPrediction(p, config));
}

/** Start and end of a case in the room or out of it (before the next-case cap). */
function placeStarted(c: PlanCase, now: number, history: DurationHistory, config: PlanningConfig): Placed {
  const inRoom = instant(c.milestones.inRoom);
  const outOfRoom = instant(c.milestones.outOfRoom);
  const scheduled = ms(c.scheduledStart);
  const expectation = expectationOf(c, history, config);
  const expected = Math.round(expectation.minutes * MINUTE);

  let start: number;
  let startAnchor: PredictionAnchor;
  if (inRoom !== undefined) {
    start = inRoom;
    startAnchor = 'inRoom';
  } else {
    // In or out of the room by its status, without the milestone: it came in by its scheduled
    // start, or by the time it left or by now at the latest.
    start = Math.min(scheduled, outOfRoom ?? now);
    startAnchor = start === scheduled ? 'scheduledStart' : 'now';
  }
  const startText = `${startAnchor === 'inRoom' ? 'in room' : startAnchor === 'now' ? 'in the room by' : 'taken in room at its scheduled start'} ${iso(start)}`;

  if (outOfRoom !== undefined) {
    return {
      c,
      start,
      end: Math.max(start, outOfRoom),
      expectation: undefined,
      anchor: 'outOfRoom',
      anchorAt: outOfRoom,
      how: `out of room at ${iso(outOfRoom)}`,
    };
  }
  if (roomPhase(c) === 'left') {
    // Left by its status, the out of room not recorded: it left by now at the latest.
    const byExpectation = start + expected;
    if (byExpectation > now) {
      const end = Math.max(start, now);
      return { c, start, end, expectation, anchor: 'now', anchorAt: now, how: `${startText}; left by ${iso(end)}` };
    }
    return {
      c,
      start,
      end: byExpectation,
      expectation,
      anchor: startAnchor,
      anchorAt: start,
      how: `${startText} + ${fmtMinutes(expectation.minutes)}; left (status ${c.status})`,
    };
  }

  const procedureEnd = instant(c.milestones.procedureEnd);
  let end: number;
  let anchor: PredictionAnchor;
  let anchorAt: number;
  let how: string;
  if (procedureEnd !== undefined) {
    end = procedureEnd + config.closingMinutes * MINUTE;
    anchor = 'procedureEnd';
    anchorAt = procedureEnd;
    how = `procedure ended at ${iso(procedureEnd)} + ${fmtMinutes(config.closingMinutes)} closing`;
  } else {
    end = start + expected;
    anchor = startAnchor;
    anchorAt = start;
    how = `${startText} + ${fmtMinutes(expectation.minutes)}`;
  }
  if (end < now) {
    how = `${how} = ${iso(end)} has passed: ${iso(now)} + ${fmtMinutes(config.overrunAllowanceMinutes)} allowance`;
    end = now + config.overrunAllowanceMinutes * MINUTE;
    anchor = 'now';
    anchorAt = now;
  }
  return { c, start, end: Math.max(start, end), expectation, anchor, anchorAt, how };
}

function toPrediction(p: Placed, config: PlanningConfig): CasePrediction {
  const delay = p.start - ms(p.c.scheduledStart);
  const e = p.expectation;
  const basis: PredictionBasis = e
    ? {
        method: e.method,
        expectedMinutes: e.minutes,
        ...(e.medianMinutes === undefined ? {} : { medianMinutes: e.medianMinutes }),
        ...(e.count === undefined ? {} : { count: e.count }),
        anchor: p.anchor,
        anchorAt: iso(p.anchorAt),
        explanation: `${e.explanation}; ${p.how}`,
      }
    : { method: 'actual', anchor: p.anchor, anchorAt: iso(p.anchorAt), explanation: p.how };
  return {
    caseId: p.c.id,
    roomId: p.c.roomId,
    predictedStart: iso(p.start),
    predictedEnd: iso(p.end),
    delayMinutes: Math.round(delay / MINUTE) + 0, // + 0: no −0 for a few seconds early
    late: delay > config.lateThresholdMinutes * MINUTE,
    basis,
  };
}

function comparePredictions(a: CasePrediction, b: CasePrediction): number {
  return (
    compareText(a.roomId, b.roomId) || ms(a.predictedStart) - ms(b.predictedStart) || compareText(a.caseId, b.caseId)
  );
}

// ── Rooms: overruns and suggestions ──────────────────────────────────────────────────────────

/** A room's day, as the desk configures it. */
export interface RoomDay {
  roomId: string;
  /** When the room's staffed day ends (ISO 8601). */
  closesAt: string;
  /** When it begins; no case is suggested before. Absent: no limit but `now`. */
  opensAt?: string;
  /**
   * The equipment in the room that day (fixed, or moved in for the day). Items are single units:
   * a site with two C-arms names them apart (codes `CARM-1`, `CARM-2`).
   */
  availableEquipment?: readonly EquipmentNeed[];
}

/** A room predicted to run past its closing time by more than the threshold. */
export interface RoomOverrun {
  roomId: string;
  /** Predicted end of its last case − closesAt, in whole minutes (rounded up). */
  overrunMinutes: number;
  /** The case predicted to end last. */
  lastCaseId: string;
  /** `high` from `overrunHighMinutes` on, else `medium`. */
  priority: AlertPriority;
  closesAt: string;
  predictedEnd: string;
}

/**
 * Rooms whose last case (the latest predicted end of its cases, then the larger case id) is
 * predicted to end more than `overrunThresholdMinutes` after the room closes. Rooms without
 * predictions, or without a valid `closesAt`, raise nothing. Sorted by overrun (largest first),
 * then room id. A room id given twice counts with its earliest `closesAt`.
 */
export function roomOverruns(
  predictions: readonly CasePrediction[],
  rooms: readonly RoomDay[],
  config: Partial<PlanningConfig> = {},
): RoomOverrun[] {
  const settings = resolvePlanningConfig(config);
  const last = new Map<string, CasePrediction>();
  for (const p of predictions) {
    const best = last.get(p.roomId);
    const d = best ? ms(p.predictedEnd) - ms(best.predictedEnd) : 1;
    if (!best || d > 0 || (d === 0 && p.caseId > best.caseId)) last.set(p.roomId, p);
  }
  const out: RoomOverrun[] = [];
  for (const room of roomsById(rooms).values()) {
    const p = last.get(room.roomId);
    const closes = instant(room.closesAt);
    if (!p || closes === undefined) continue;
    const over = ms(p.predictedEnd) - closes;
    if (over <= settings.overrunThresholdMinutes * MINUTE) continue;
    const overrunMinutes = Math.ceil(over / MINUTE);
    out.push({
      roomId: room.roomId,
      overrunMinutes,
      lastCaseId: p.caseId,
      priority: over >= settings.overrunHighMinutes * MINUTE ? 'high' : 'medium',
      closesAt: iso(closes),
      predictedEnd: p.predictedEnd,
    });
  }
  return out.sort((a, b) => b.overrunMinutes - a.overrunMinutes || compareText(a.roomId, b.roomId));
}

/** A room that could take a case, and when. */
export interface RoomSuggestion {
  roomId: string;
  /** The earliest in room the room's predicted day leaves free for the case. */
  start: string;
  /** start + the case's expected duration. */
  end: string;
  expectedMinutes: number;
  closesAt: string;
}

export interface SuggestionInput extends PredictionInput {
  /** The earliest the case may start; default its scheduled start (the patient is not ready before). */
  notBefore?: string;
}

/**
 * Other rooms that could take a case not yet in a room, by earliest possible start (then room id).
 * A room qualifies when it holds every item of equipment the case needs (same code when both have
 * one, else the same text regardless of case and spacing) and its predicted day (see
 * {@link predictCases}, on the `dayCases` of that room) has a gap for the case's expected duration
 * that starts no earlier than `now`, `notBefore` and `opensAt`:
 * - after a case: from its predicted end + turnover;
 * - before a case: ending a turnover before its predicted start (no case is pushed back);
 * - at the end of the day: ending by `closesAt`.
 *
 * Nothing is suggested for a case that is cancelled, a no-show, in the room or out of it.
 * Equipment moving between rooms during the day is not modelled: list it in each room that may
 * have it and check {@link equipmentConflicts} on the result.
 */
export function suggestRooms(
  c: PlanCase,
  dayCases: readonly PlanCase[],
  rooms: readonly RoomDay[],
  input: SuggestionInput,
): RoomSuggestion[] {
  const config = resolvePlanningConfig(input.config);
  const now = requireInstant(input.now, 'now');
  const notBefore =
    input.notBefore === undefined ? instant(c.scheduledStart) : requireInstant(input.notBefore, 'notBefore');
  if (!occupiesRoom(c) || roomPhase(c) !== 'planned' || notBefore === undefined) return [];
  const duration = Math.round(expectationOf(c, input.history, config).minutes * MINUTE);
  const turnover = config.turnoverMinutes * MINUTE;
  const needs = c.equipment ?? [];
  const others = dayCases.filter((o) => o.id !== c.id);
  requireUniqueIds(others);

  const out: RoomSuggestion[] = [];
  for (const room of roomsById(rooms).values()) {
    if (room.roomId === c.roomId) continue;
    const closes = instant(room.closesAt);
    if (closes === undefined) continue;
    const available = room.availableEquipment ?? [];
    if (!needs.every((need) => available.some((item) => sameEquipment(need, item)))) continue;
    const busy = predictCases(
      others.filter((o) => o.roomId === room.roomId),
      input,
    ).map((p) => ({ start: ms(p.predictedStart), end: ms(p.predictedEnd) }));
    let start = Math.max(now, notBefore, instant(room.opensAt) ?? -Infinity);
    for (const b of busy) {
      if (start + duration + turnover <= b.start) break;
      start = Math.max(start, b.end + turnover);
    }
    if (start + duration > closes) continue;
    out.push({
      roomId: room.roomId,
      start: iso(start),
      end: iso(start + duration),
      expectedMinutes: duration / MINUTE,
      closesAt: iso(closes),
    });
  }
  return out.sort((a, b) => ms(a.start) - ms(b.start) || compareText(a.roomId, b.roomId));
}

/**
 * Whether two items of equipment are the same: by code when both have one (trimmed, exact), else
 * by text (trimmed, spaces collapsed, regardless of case).
 */
export function sameEquipment(a: EquipmentNeed, b: EquipmentNeed): boolean {
  const ca = a.code?.trim();
  const cb = b.code?.trim();
  if (ca && cb) return ca === cb;
  return normalText(a.text) === normalText(b.text);
}

// ── Helpers ──────────────────────────────────────────────────────────────────────────────────

const MINUTE = 60_000;

/** Epoch ms of an ISO instant; undefined when absent or not an instant. */
function instant(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const t = Date.parse(value);
  return Number.isNaN(t) ? undefined : t;
}

/** Epoch ms of an instant already checked to be one. */
function ms(value: string): number {
  return Date.parse(value);
}

function requireInstant(value: string, what: string): number {
  const t = instant(value);
  if (t === undefined) throw new RangeError(`${what} is not an ISO 8601 instant: ${value}`);
  return t;
}

function requireUniqueIds(cases: readonly Pick<PlanCase, 'id'>[]): void {
  const seen = new Set<string>();
  for (const c of cases) {
    if (seen.has(c.id)) throw new RangeError(`case ${c.id} is given twice`);
    seen.add(c.id);
  }
}

/** Rooms by id; of a repeated id, the earliest valid `closesAt` (order-independent). */
function roomsById(rooms: readonly RoomDay[]): Map<string, RoomDay> {
  const sorted = [...rooms].sort(
    (a, b) =>
      compareText(a.roomId, b.roomId) ||
      (instant(a.closesAt) ?? Infinity) - (instant(b.closesAt) ?? Infinity) ||
      compareText(a.closesAt, b.closesAt),
  );
  const byId = new Map<string, RoomDay>();
  for (const room of sorted) if (!byId.has(room.roomId)) byId.set(room.roomId, room);
  return byId;
}

function lookup(table: DurationTable, key: string): DurationStats | undefined {
  if (table instanceof Map) return (table as ReadonlyMap<string, DurationStats>).get(key);
  const record = table as Readonly<Record<string, DurationStats>>;
  return Object.hasOwn(record, key) ? record[key] : undefined;
}

function iso(t: number): string {
  return new Date(t).toISOString();
}

function normalText(text: string): string {
  return text.trim().replace(/\s+/g, ' ').toLowerCase();
}

/** Code-unit order: the same on every machine and locale (unlike `localeCompare`). */
function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function fmtMinutes(minutes: number): string {
  return `${Math.round(minutes * 10) / 10} min`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
