import type {
  CaseDurationView,
  DurationKpiView,
  DurationTotalsView,
  ExcludedTurnoverView,
  FacilityKpiView,
  FirstCaseKpiView,
  KpiCaseCounts,
  KpiCaseIssue,
  KpiView,
  RoomKpiView,
  StaffedPeriodView,
  TurnoverKpiView,
  TurnoverStatsView,
  TurnoverView,
  UtilisationTotalsView,
} from '@circulator/contracts';
import type { CaseState } from '../case.model';

/**
 * The OR-management KPIs of one facility-local day: first-case on-time start, turnover time, raw
 * utilisation and case duration versus schedule, per room and for the facility. Definitions and
 * worked examples: docs/kpis.md.
 *
 * Pure: every time is an ISO 8601 instant handed in, arithmetic is on instants (so a day with a
 * daylight-saving change has its real 23 or 25 hours), and the result does not depend on the order
 * of the inputs.
 */

/** What the KPIs read of a case. */
export type KpiCase = Pick<
  CaseState,
  'id' | 'roomId' | 'roomName' | 'status' | 'scheduledStart' | 'scheduledEnd' | 'milestones'
>;

/**
 * One staffed period of a room (its session, or block). A room may have several in a day (split
 * sessions); overlapping periods count once.
 */
export interface RoomStaffedHours {
  roomId: string;
  /** The room's configured name: wins over the name the cases carry. */
  roomName?: string;
  /** ISO 8601 instant. */
  open: string;
  /** ISO 8601 instant; a period that does not end after it opens counts for nothing. */
  close: string;
}

/** How the KPIs are computed. */
export interface KpiConfig {
  /** A first case is on time when the patient is in the room at most this long after its scheduled start. */
  firstCaseGraceMinutes: number;
  /** A gap between two patients longer than this is idle time, not a turnover. */
  turnoverMaxMinutes: number;
}

/**
 * 5 minutes of grace is the usual first-case on-time allowance; a gap over 120 minutes is the usual
 * OR-management cut-off between a turnover and idle time (it keeps a lunch break or a gap in the
 * schedule from being read as a slow room change).
 */
export const DEFAULT_KPI_CONFIG: Readonly<KpiConfig> = Object.freeze({
  firstCaseGraceMinutes: 5,
  turnoverMaxMinutes: 120,
});

export interface KpiInput {
  /** The facility-local day (YYYY-MM-DD), as the caller chose the cases by: echoed in the view. */
  date: string;
  /** The cases of that day, cancelled and no-show ones included (they are counted, not measured). */
  cases: readonly KpiCase[];
  /** The staffed periods of the day's rooms. A room without any has no utilisation (null fraction). */
  staffedHours: readonly RoomStaffedHours[];
  /** The instant to compute as of: milestones after it are ignored, open cases count up to it. */
  now: string;
  /** Overrides of {@link DEFAULT_KPI_CONFIG}. */
  config?: Partial<KpiConfig>;
  /** Limit the view, facility totals included, to one room. */
  roomId?: string;
}

const MINUTE_MS = 60_000;

/**
 * Computes the KPIs of one day as of `now`.
 *
 * @throws RangeError when an instant does not parse or a setting is not a non-negative number:
 * the engine and the configuration validate both, so that is a programming error.
 */
export function computeKpis(input: KpiInput): KpiView {
  const settings = settingsOf(input.config);
  const now = instant(input.now, 'now');
  const graceMs = settings.firstCaseGraceMinutes * MINUTE_MS;
  const maxTurnoverMs = settings.turnoverMaxMinutes * MINUTE_MS;

  const inScope = (roomId: string) => input.roomId === undefined || roomId === input.roomId;
  const casesByRoom = groupBy(
    input.cases.filter((c) => inScope(c.roomId)),
    (c) => c.roomId,
  );
  const hoursByRoom = groupBy(
    input.staffedHours.filter((h) => inScope(h.roomId)),
    (h) => h.roomId,
  );
  const roomIds = [...new Set([...casesByRoom.keys(), ...hoursByRoom.keys()])].sort(compare);

  const rooms = roomIds.map((roomId) =>
    roomKpis(roomId, casesByRoom.get(roomId) ?? [], hoursByRoom.get(roomId) ?? [], now, graceMs, maxTurnoverMs),
  );

  const view: KpiView = {
    date: input.date,
    asOf: input.now,
    settings,
    rooms: rooms.map((r) => r.view),
    facility: facilityKpis(rooms),
  };
  if (input.roomId !== undefined) view.roomId = input.roomId;
  return view;
}

/** A room's view, with the exact figures the facility totals are computed from. */
interface RoomResult {
  view: RoomKpiView;
  turnoverMs: number[];
  utilisation: UtilisationMs;
  durations: DurationMs;
}

interface UtilisationMs {
  inside: number;
  staffedSoFar: number;
  staffedDay: number;
  outside: number;
}

interface DurationMs {
  cases: number;
  scheduled: number;
  actual: number;
}

/** An instant as given and in epoch milliseconds. */
interface Moment {
  iso: string;
  ms: number;
}

/** A counted case with its times as of `now`. */
interface Timed {
  c: KpiCase;
  /** Scheduled start and end, epoch milliseconds. */
  start: number;
  end: number;
  /** Patient in room, when it happened by `now`. */
  inRoom?: Moment;
  /** Patient out of room, when it happened by `now` and not before `inRoom`. */
  outOfRoom?: Moment;
  issue?: KpiCaseIssue;
}

function roomKpis(
  roomId: string,
  cases: readonly KpiCase[],
  hours: readonly RoomStaffedHours[],
  now: number,
  graceMs: number,
  maxTurnoverMs: number,
): RoomResult {
  const counted = cases
    .filter((c) => !isOff(c))
    .map((c) => timed(c, now))
    .sort(bySchedule);

  const turnovers = turnoversOf(counted, maxTurnoverMs);
  const utilisation = utilisationOf(counted, hours, now);
  const durations = durationsOf(counted, now);

  const view: RoomKpiView = {
    roomId,
    roomName: roomNameOf(roomId, cases, hours),
    cases: countsOf(cases),
    firstCase: firstCaseOf(counted[0], now, graceMs),
    turnovers: turnovers.view,
    utilisation: {
      staffedHours: hours
        .map((h): StaffedPeriodView => ({ open: h.open, close: h.close }))
        .sort(
          (a, b) =>
            compare(instant(a.open, 'open'), instant(b.open, 'open')) ||
            compare(instant(a.close, 'close'), instant(b.close, 'close')) ||
            compare(a.open, b.open) ||
            compare(a.close, b.close),
        ),
      ...utilisationView(utilisation),
    },
    durations: durations.view,
  };
  return { view, turnoverMs: turnovers.ms, utilisation, durations: durations.ms };
}

/** Cancelled and no-show cases are counted, never measured. */
function isOff(c: KpiCase): boolean {
  return c.status === 'cancelled' || c.status === 'no-show';
}

function timed(c: KpiCase, now: number): Timed {
  const t: Timed = {
    c,
    start: instant(c.scheduledStart, `scheduledStart of ${c.id}`),
    end: instant(c.scheduledEnd, `scheduledEnd of ${c.id}`),
  };
  const inRoom = milestone(c, 'inRoom', now);
  const outOfRoom = milestone(c, 'outOfRoom', now);
  if (inRoom !== undefined) t.inRoom = inRoom;
  if (outOfRoom !== undefined) {
    if (inRoom === undefined) t.issue = 'out-of-room-without-in-room';
    else if (outOfRoom.ms < inRoom.ms) t.issue = 'out-of-room-before-in-room';
    else t.outOfRoom = outOfRoom;
  }
  return t;
}

/** A milestone that had happened by `now`: a later one (a clock ahead, a time typed in advance) is ignored. */
function milestone(c: KpiCase, key: 'inRoom' | 'outOfRoom', now: number): Moment | undefined {
  const iso = c.milestones[key];
  if (iso === undefined) return undefined;
  const ms = instant(iso, `${key} of ${c.id}`);
  return ms <= now ? { iso, ms } : undefined;
}

/**
 * The room's first case is its counted case scheduled first (ties: the smaller id), measured
 * against its own scheduled start, whichever patient actually came in first.
 */
function firstCaseOf(first: Timed | undefined, now: number, graceMs: number): FirstCaseKpiView | null {
  if (!first) return null;
  const deadline = first.start + graceMs;
  const base = { caseId: first.c.id, scheduledStart: first.c.scheduledStart };
  if (first.inRoom !== undefined) {
    return {
      ...base,
      actualStart: first.inRoom.iso,
      status: 'started',
      onTime: first.inRoom.ms <= deadline,
      minutesLate: minutes(Math.max(0, first.inRoom.ms - first.start)),
    };
  }
  // Not in yet: once the grace period is over the start is late, however it ends.
  const late = now > deadline;
  return {
    ...base,
    actualStart: null,
    status: late ? 'not-started' : 'pending',
    onTime: late ? false : null,
    minutesLate: minutes(Math.max(0, now - first.start)),
  };
}

/**
 * Turnovers between consecutive patients in the room, in the order they came in (ties: scheduled
 * start, then id). Cases not in the room yet take no part.
 */
function turnoversOf(counted: readonly Timed[], maxMs: number): { view: TurnoverKpiView; ms: number[] } {
  const seq = counted
    .filter((t): t is Timed & { inRoom: Moment } => t.inRoom !== undefined)
    .sort((a, b) => compare(a.inRoom.ms, b.inRoom.ms) || bySchedule(a, b));
  const turnovers: TurnoverView[] = [];
  const excluded: ExcludedTurnoverView[] = [];
  const ms: number[] = [];
  for (let i = 1; i < seq.length; i++) {
    const prev = seq[i - 1];
    const next = seq[i];
    if (!prev || !next) continue;
    const pair = { fromCaseId: prev.c.id, toCaseId: next.c.id };
    const inRoom = next.inRoom.iso;
    if (prev.outOfRoom === undefined) {
      excluded.push({ ...pair, outOfRoom: null, inRoom, minutes: null, reason: 'no-out-of-room' });
      continue;
    }
    const outOfRoom = prev.outOfRoom.iso;
    const gap = next.inRoom.ms - prev.outOfRoom.ms;
    if (gap < 0) excluded.push({ ...pair, outOfRoom, inRoom, minutes: minutes(gap), reason: 'overlap' });
    else if (gap > maxMs) excluded.push({ ...pair, outOfRoom, inRoom, minutes: minutes(gap), reason: 'over-max' });
    else {
      turnovers.push({ ...pair, outOfRoom, inRoom, minutes: minutes(gap) });
      ms.push(gap);
    }
  }
  return { view: { ...turnoverStats(ms, excluded.length), turnovers, excluded }, ms };
}

function turnoverStats(ms: readonly number[], excludedCount: number): TurnoverStatsView {
  const mean = ms.length ? ms.reduce((a, b) => a + b, 0) / ms.length : undefined;
  const med = median(ms);
  return {
    count: ms.length,
    meanMinutes: mean === undefined ? null : minutes(mean),
    medianMinutes: med === undefined ? null : minutes(med),
    excludedCount,
  };
}

/**
 * Raw utilisation: the time a patient was in the room (in room to out of room, or to `now` while
 * in) within the staffed hours, over the staffed time up to `now`. Overlapping cases (a data
 * error, or a swap) count once: the room cannot be used twice over.
 */
function utilisationOf(counted: readonly Timed[], hours: readonly RoomStaffedHours[], now: number): UtilisationMs {
  const staffed = union(
    hours.map((h) => [instant(h.open, `open of ${h.roomId}`), instant(h.close, `close of ${h.roomId}`)]),
  );
  const occupied = union(counted.flatMap((t): Interval[] => (t.inRoom ? [[t.inRoom.ms, t.outOfRoom?.ms ?? now]] : [])));
  const inside = length(intersect(occupied, staffed));
  return {
    inside,
    staffedSoFar: length(intersect(staffed, [[-Infinity, now]])),
    staffedDay: length(staffed),
    outside: length(occupied) - inside,
  };
}

function utilisationView(u: UtilisationMs): UtilisationTotalsView {
  return {
    inRoomMinutes: minutes(u.inside),
    staffedMinutes: minutes(u.staffedSoFar),
    staffedMinutesDay: minutes(u.staffedDay),
    outsideHoursMinutes: minutes(u.outside),
    fraction: u.staffedSoFar > 0 ? fraction(u.inside / u.staffedSoFar) : null,
  };
}

/** Each counted case's in-room time against its scheduled time; totals over the cases that are out. */
function durationsOf(counted: readonly Timed[], now: number): { view: DurationKpiView; ms: DurationMs } {
  const ms: DurationMs = { cases: 0, scheduled: 0, actual: 0 };
  const cases = counted.map((t): CaseDurationView => {
    const scheduled = t.end - t.start;
    const row: CaseDurationView = {
      caseId: t.c.id,
      scheduledStart: t.c.scheduledStart,
      scheduledEnd: t.c.scheduledEnd,
      scheduledMinutes: minutes(scheduled),
      inRoom: t.inRoom?.iso ?? null,
      outOfRoom: t.outOfRoom?.iso ?? null,
      phase: 'not-started',
      actualMinutes: null,
      differenceMinutes: null,
    };
    if (t.inRoom && t.outOfRoom) {
      const actual = t.outOfRoom.ms - t.inRoom.ms;
      row.phase = 'out';
      row.actualMinutes = minutes(actual);
      row.differenceMinutes = minutes(actual - scheduled);
      ms.cases += 1;
      ms.scheduled += scheduled;
      ms.actual += actual;
    } else if (t.inRoom) {
      row.phase = 'in-room';
      row.actualMinutes = minutes(now - t.inRoom.ms);
    }
    if (t.issue) row.issue = t.issue;
    return row;
  });
  return { view: { cases, totals: durationTotals(ms) }, ms };
}

function durationTotals(ms: DurationMs): DurationTotalsView {
  return {
    cases: ms.cases,
    scheduledMinutes: minutes(ms.scheduled),
    actualMinutes: minutes(ms.actual),
    differenceMinutes: minutes(ms.actual - ms.scheduled),
  };
}

function countsOf(cases: readonly KpiCase[]): KpiCaseCounts {
  const cancelled = cases.filter((c) => c.status === 'cancelled').length;
  const noShow = cases.filter((c) => c.status === 'no-show').length;
  return { total: cases.length, counted: cases.length - cancelled - noShow, cancelled, noShow };
}

/** The configured name (the smallest, if periods disagree), else the latest-scheduled case's, else the id. */
function roomNameOf(roomId: string, cases: readonly KpiCase[], hours: readonly RoomStaffedHours[]): string {
  const configured = hours
    .map((h) => h.roomName)
    .filter((n): n is string => !!n)
    .sort(compare)[0];
  if (configured !== undefined) return configured;
  const latest = cases
    .map((c) => ({ c, start: instant(c.scheduledStart, `scheduledStart of ${c.id}`) }))
    .sort((a, b) => compare(a.start, b.start) || compare(a.c.id, b.c.id))
    .at(-1);
  return latest?.c.roomName || roomId;
}

function facilityKpis(rooms: readonly RoomResult[]): FacilityKpiView {
  const sum = (f: (r: RoomResult) => number) => rooms.reduce((total, r) => total + f(r), 0);
  const firsts = rooms.flatMap((r) => (r.view.firstCase ? [r.view.firstCase] : []));
  const onTime = firsts.filter((f) => f.onTime === true).length;
  const late = firsts.filter((f) => f.onTime === false).length;
  const utilisation: UtilisationMs = {
    inside: sum((r) => r.utilisation.inside),
    staffedSoFar: sum((r) => r.utilisation.staffedSoFar),
    staffedDay: sum((r) => r.utilisation.staffedDay),
    outside: sum((r) => r.utilisation.outside),
  };
  return {
    cases: {
      total: sum((r) => r.view.cases.total),
      counted: sum((r) => r.view.cases.counted),
      cancelled: sum((r) => r.view.cases.cancelled),
      noShow: sum((r) => r.view.cases.noShow),
    },
    firstCase: {
      rooms: firsts.length,
      onTime,
      late,
      pending: firsts.length - onTime - late,
      onTimeFraction: onTime + late > 0 ? fraction(onTime / (onTime + late)) : null,
    },
    turnovers: turnoverStats(
      rooms.flatMap((r) => r.turnoverMs),
      sum((r) => r.view.turnovers.excludedCount),
    ),
    utilisation: utilisationView(utilisation),
    durations: durationTotals({
      cases: sum((r) => r.durations.cases),
      scheduled: sum((r) => r.durations.scheduled),
      actual: sum((r) => r.durations.actual),
    }),
  };
}

// ── helpers ────────────────────────────────────────────────────────────────────────────────────

/** Half-open `[start, end)` in epoch milliseconds. */
type Interval = [number, number];

/** Sorted, disjoint, non-empty intervals covering the same time. */
function union(intervals: readonly Interval[]): Interval[] {
  const sorted = intervals.filter(([s, e]) => e > s).sort((a, b) => compare(a[0], b[0]) || compare(a[1], b[1]));
  const out: Interval[] = [];
  for (const [s, e] of sorted) {
    const last = out.at(-1);
    if (last && s <= last[1]) last[1] = Math.max(last[1], e);
    else out.push([s, e]);
  }
  return out;
}

/** The overlap of two unions (sorted, disjoint). */
function intersect(a: readonly Interval[], b: readonly Interval[]): Interval[] {
  const out: Interval[] = [];
  for (const [as, ae] of a) {
    for (const [bs, be] of b) {
      const s = Math.max(as, bs);
      const e = Math.min(ae, be);
      if (e > s) out.push([s, e]);
    }
  }
  return out;
}

function length(intervals: readonly Interval[]): number {
  return intervals.reduce((total, [s, e]) => total + (e - s), 0);
}

function median(values: readonly number[]): number | undefined {
  const sorted = [...values].sort(compare);
  const mid = Math.floor(sorted.length / 2);
  const hi = sorted[mid];
  if (hi === undefined) return undefined;
  const lo = sorted.length % 2 === 0 ? sorted[mid - 1] : hi;
  return lo === undefined ? hi : (lo + hi) / 2;
}

function bySchedule(a: Timed, b: Timed): number {
  return compare(a.start, b.start) || compare(a.c.id, b.c.id);
}

/** Plain ordering (code units for strings): the same everywhere, unlike `localeCompare`. */
function compare<T extends string | number>(a: T, b: T): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k);
    if (group) group.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}

/**
 * ISO 8601 date-time with a `Z` or numeric offset. A time without one would be read in the
 * process's own zone, which would make the result depend on the machine.
 */
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})$/i;

function instant(iso: string, what: string): number {
  const ms = ISO_INSTANT.test(iso) ? Date.parse(iso) : NaN;
  if (Number.isNaN(ms)) throw new RangeError(`${what} is not an ISO 8601 instant with an offset: ${iso}`);
  return ms;
}

/** Minutes to 0.1 min (6 s: HL7 times have one-second precision); `+ 0` turns -0 into 0. */
function minutes(ms: number): number {
  return Math.round(ms / 6_000) / 10 + 0;
}

function fraction(x: number): number {
  return Math.round(x * 10_000) / 10_000;
}

function settingsOf(overrides: Partial<KpiConfig> | undefined): KpiConfig {
  const settings: KpiConfig = { ...DEFAULT_KPI_CONFIG };
  for (const key of ['firstCaseGraceMinutes', 'turnoverMaxMinutes'] as const) {
    const value = overrides?.[key];
    if (value === undefined) continue;
    if (!Number.isFinite(value) || value < 0) throw new RangeError(`${key} must be a non-negative number: ${value}`);
    settings[key] = value;
  }
  return settings;
}
