/**
 * The OR-management KPIs of one facility-local day (CONTRACT §3 `GET /api/kpis?date=YYYY-MM-DD[&roomId=]`):
 * per room, first-case on-time start, turnovers, utilisation and case duration versus schedule, and
 * the facility's totals. Definitions and worked examples: docs/kpis.md. Fields may be added, never
 * renamed.
 *
 * Every duration is in minutes, rounded to 0.1 min; totals, means and fractions are computed from
 * the exact instants before rounding. Every instant is ISO 8601 as the source gave it.
 */
export interface KpiView {
  /** The facility-local day (YYYY-MM-DD). */
  date: string;
  /** The instant the figures are as of: for a day in progress only what had happened by then counts. */
  asOf: string;
  /** The room the request was limited to; absent for the whole facility. */
  roomId?: string;
  /** The settings the figures were computed with. */
  settings: KpiSettingsView;
  /** One entry per room that had cases or staffed hours that day, by room id. */
  rooms: RoomKpiView[];
  /** All of `rooms` together. */
  facility: FacilityKpiView;
}

export interface KpiSettingsView {
  /** A first case is on time when the patient is in the room at most this long after its scheduled start. */
  firstCaseGraceMinutes: number;
  /** A gap between two patients longer than this is idle time, not a turnover. */
  turnoverMaxMinutes: number;
}

export interface KpiCaseCounts {
  /** Every case of the day, cancelled and no-show ones included. */
  total: number;
  /** The cases the KPIs count: neither cancelled nor no-show. */
  counted: number;
  cancelled: number;
  noShow: number;
}

/**
 * `started`: the patient is in the room (`onTime` decided). `pending`: not in yet, but the grace
 * period has not run out (`onTime` null). `not-started`: not in yet and the grace period is over,
 * so the start is already late (`onTime` false).
 */
export type FirstCaseStartStatus = 'started' | 'pending' | 'not-started';

/** The room's first case: the counted case with the earliest scheduled start. */
export interface FirstCaseKpiView {
  caseId: string;
  scheduledStart: string;
  /** Patient in room; null until then. */
  actualStart: string | null;
  status: FirstCaseStartStatus;
  /** In room at most the grace period after the scheduled start; null while that is undecided. */
  onTime: boolean | null;
  /**
   * In room minus scheduled start, 0 when early; while the patient is not in yet, how late it is
   * so far (0 before the scheduled start). Counted from the scheduled start, not from the grace.
   */
  minutesLate: number;
}

/** One turnover: the previous patient out of the room to the next patient in it. */
export interface TurnoverView {
  fromCaseId: string;
  toCaseId: string;
  /** The previous patient's out of room. */
  outOfRoom: string;
  /** The next patient's in room. */
  inRoom: string;
  minutes: number;
}

/**
 * A pair of consecutive cases whose gap is not counted as a turnover. `over-max`: longer than
 * `turnoverMaxMinutes` (idle time). `overlap`: the next patient was in before the previous one was
 * out. `no-out-of-room`: the previous case has no out of room, though the next patient is in.
 */
export interface ExcludedTurnoverView {
  fromCaseId: string;
  toCaseId: string;
  outOfRoom: string | null;
  inRoom: string;
  /** The gap; negative for an overlap; null without an out of room. */
  minutes: number | null;
  reason: 'over-max' | 'overlap' | 'no-out-of-room';
}

export interface TurnoverStatsView {
  /** How many turnovers are counted. */
  count: number;
  meanMinutes: number | null;
  medianMinutes: number | null;
  /** How many gaps were excluded. */
  excludedCount: number;
}

export interface TurnoverKpiView extends TurnoverStatsView {
  /** In the order the patients came in. */
  turnovers: TurnoverView[];
  excluded: ExcludedTurnoverView[];
}

export interface UtilisationTotalsView {
  /** Minutes a patient was in the room within staffed hours, up to `asOf` (overlaps counted once). */
  inRoomMinutes: number;
  /** Staffed minutes up to `asOf`: the denominator. */
  staffedMinutes: number;
  /** Staffed minutes of the whole day. */
  staffedMinutesDay: number;
  /** Minutes a patient was in the room outside the staffed hours (early starts, overruns). */
  outsideHoursMinutes: number;
  /** `inRoomMinutes / staffedMinutes`, 0..1, four decimals; null when no staffed time has passed. */
  fraction: number | null;
}

/** One staffed period of a room. */
export interface StaffedPeriodView {
  open: string;
  close: string;
}

export interface UtilisationKpiView extends UtilisationTotalsView {
  /** The room's staffed periods that day, by open. Empty when the room had none. */
  staffedHours: StaffedPeriodView[];
}

/**
 * `not-started`: no in room yet. `in-room`: in, not out yet (actual minutes so far). `out`: in and
 * out (final).
 */
export type CaseDurationPhase = 'not-started' | 'in-room' | 'out';

/**
 * Milestones the KPIs could not use. `out-of-room-without-in-room`: the case has no in-room time.
 * `out-of-room-before-in-room`: the out of room is ignored, the case counts as still in the room.
 */
export type KpiCaseIssue = 'out-of-room-without-in-room' | 'out-of-room-before-in-room';

export interface CaseDurationView {
  caseId: string;
  scheduledStart: string;
  scheduledEnd: string;
  scheduledMinutes: number;
  inRoom: string | null;
  outOfRoom: string | null;
  phase: CaseDurationPhase;
  /** In room to out of room (not clipped to staffed hours); so far while in the room; null before. */
  actualMinutes: number | null;
  /** `actualMinutes - scheduledMinutes`: positive ran over. Null until the patient is out. */
  differenceMinutes: number | null;
  issue?: KpiCaseIssue;
}

/** Totals over the cases whose duration is final (`phase: 'out'`). */
export interface DurationTotalsView {
  cases: number;
  scheduledMinutes: number;
  actualMinutes: number;
  differenceMinutes: number;
}

export interface DurationKpiView {
  /** Every counted case, by scheduled start. */
  cases: CaseDurationView[];
  totals: DurationTotalsView;
}

export interface RoomKpiView {
  roomId: string;
  roomName: string;
  cases: KpiCaseCounts;
  /** Null when the room had no counted case. */
  firstCase: FirstCaseKpiView | null;
  turnovers: TurnoverKpiView;
  utilisation: UtilisationKpiView;
  durations: DurationKpiView;
}

export interface FirstCaseTotalsView {
  /** Rooms with a first case. */
  rooms: number;
  onTime: number;
  /** Late ones, including first cases not started after the grace period. */
  late: number;
  pending: number;
  /** `onTime / (onTime + late)`, four decimals; null while none is decided. */
  onTimeFraction: number | null;
}

export interface FacilityKpiView {
  cases: KpiCaseCounts;
  firstCase: FirstCaseTotalsView;
  /** Over every room's counted turnovers (the median of all of them, not of the rooms' medians). */
  turnovers: TurnoverStatsView;
  utilisation: UtilisationTotalsView;
  durations: DurationTotalsView;
}
