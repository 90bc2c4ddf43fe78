import type { AlertPriority, AlertView, VitalName } from '@circulator/contracts';

/**
 * The alert rules' shapes (docs/alert-rules.md). Everything here is plain JSON: a {@link RuleTrack}
 * is persisted inside the case's bookkeeping as it is, and every evaluation is a pure function
 * `(track | undefined, input, ctx) → RuleOutcome`.
 */

/** The kinds of alert the rules raise (the `kind` of the public `AlertView`). */
export const RULE_KINDS = [
  'vital-limit',
  'environment',
  'stale-data',
  'device-offline',
  'maintenance-due',
  'equipment-conflict',
] as const;
export type RuleKind = (typeof RULE_KINDS)[number];

/**
 * Where a case is in its anaesthetic, for the rules: what counts as an expected change depends on
 * it. `none` is "not in the room" (before in room or after out of room). See `casePhase`.
 */
export const CASE_PHASES = ['none', 'pre-induction', 'induction', 'maintenance', 'emergence'] as const;
export type CasePhase = (typeof CASE_PHASES)[number];

/** Which side of a range a limit guards. */
export type LimitSide = 'low' | 'high';

/**
 * A change a phase makes expected, e.g. `hr:low` (a heart-rate dip at induction) or `etco2:stale`
 * (no EtCO2 while the airway is being secured).
 */
export type ExpectedChange = `${VitalName}:${LimitSide | 'stale'}`;

/** The expected changes per phase; a phase not listed expects nothing. */
export type ExpectedChanges = Partial<Record<CasePhase, readonly ExpectedChange[]>>;

/**
 * An alert a rule raised: the public `AlertView` (IEC 60601-1-8 priority; red, yellow, cyan) plus
 * what the rule saw. Never carries patient data: the rules are not given any.
 */
export interface RuleAlert extends AlertView {
  kind: RuleKind;
  /** The rule, without its instance: `vital:spo2:low`, `environment:humidity:high`, `device-offline`… */
  ruleId: string;
  /** The vital, the room parameter (`temp`, `humidity`) or the device type concerned. */
  parameter?: string;
  /** The value that raised the alert, or last changed its priority (in `unit`). */
  value?: number;
  unit?: string;
  /** The limit `value` crossed. */
  limit?: number;
  /** When the condition began: the excursion's first reading, the last reading (stale), the device's state change. */
  since?: string;
  roomId?: string;
  deviceId?: string;
  /** The device proposed instead (device offline, maintenance due). */
  backupDeviceId?: string;
}

/**
 * A change the case's phase makes expected (a heart-rate dip at induction): recorded, not alarmed.
 * Given once per excursion. Shaped like an alert so that a client may show it as a low-priority
 * note; `expected: true` tells it apart.
 */
export interface RuleAnnotation {
  /** Unique per excursion: `note:<rule key>@<since>`. */
  id: string;
  kind: RuleKind;
  ruleId: string;
  priority: 'low';
  expected: true;
  phase: CasePhase;
  /** The reading (or tick) at which the change would have raised an alert. */
  at: string;
  message: string;
  parameter: string;
  value?: number;
  unit?: string;
  limit?: number;
  since: string;
}

/**
 * One level of an excursion beyond a limit (the limit, or the critical limit): a run of readings
 * that starts at the first reading beyond the limit and lasts until a reading back inside by the
 * hysteresis margin (for `clearSeconds` once raised).
 */
export interface LevelRun {
  /** The run's first reading beyond the limit. */
  since: string;
  value: number;
  /** When the run raised its alert (a reading's time); absent while pending or only annotated. */
  raised?: string;
  /** Once raised: the first reading of the current stretch back inside by the margin. */
  clear?: string;
}

/** One side of one parameter (`vital:spo2:low`): its runs beyond the limit and the critical limit. */
export interface Excursion {
  limit?: LevelRun;
  critical?: LevelRun;
}

/**
 * The rules' state for one case (or one room, for the environment): plain JSON, persisted as is.
 * Each evaluation touches only its own keys, so one track may hold every rule of a case.
 */
export interface RuleTrack {
  /**
   * Per parameter (`vital:hr`, `env:or-1:temp`): the time of the newest reading evaluated. A
   * reading not newer than it is ignored by the rules (out-of-order rule), and the stale rule
   * measures from it.
   */
  lastAt: Record<string, string>;
  /** Per rule key (`vital:spo2:low`, `env:or-1:temp:high`): the excursion in progress. */
  excursions: Record<string, Excursion>;
  /**
   * Per rule key: the `since` of the excursion (or stale episode) already annotated as expected,
   * so that it is annotated once.
   */
  notes: Record<string, string>;
  /** Per alert id: the alerts the rules have raised and not cleared. */
  active: Record<string, RuleAlert>;
}

/**
 * What one evaluation changed: the net difference of the call, plus its annotations. Apply
 * `cleared` before `raised`: an alert cleared and raised again within one call (a new episode, with
 * a new `raisedAt`) is in both.
 */
export interface RuleOutcome {
  /** The new track; the very object passed in when nothing changed. */
  state: RuleTrack;
  /** Alerts raised by this call, sorted by id. */
  raised: RuleAlert[];
  /** Alerts whose priority, value or text changed (same id, same `raisedAt`), sorted by id. */
  updated: RuleAlert[];
  /** Ids of the alerts cleared by this call, sorted. */
  cleared: string[];
  /** Expected changes noted instead of alarmed, in reading order. */
  annotations: RuleAnnotation[];
}

/**
 * The limits of one parameter. Below `low` or above `high` raises a `priority` alert (medium for
 * vitals); below `criticalLow` or above `criticalHigh` raises `criticalPriority` (high). An absent
 * limit is off.
 */
export interface Limits {
  low?: number;
  high?: number;
  criticalLow?: number;
  criticalHigh?: number;
  /** How far back inside a limit a value must be to end an alarm condition (in the parameter's unit). */
  hysteresis: number;
  /** How long (by the readings' own times) a value must stay beyond a limit before it raises. */
  sustainSeconds: number;
  /** How long it must stay back inside by the margin before a raised alert clears; 0 = at once. */
  clearSeconds: number;
  /**
   * A reading older than this is no longer current: the stale rule fires (vitals), and a pending
   * excursion whose readings are further apart restarts (the value in the gap is unknown).
   */
  staleSeconds: number;
  priority: AlertPriority;
  criticalPriority: AlertPriority;
}

/** The limits of every vital sign. */
export type VitalLimitSet = Record<VitalName, Limits>;

/** A partial override of one parameter's limits: `null` turns an optional limit off. */
export type LimitOverride = { [K in keyof Limits]?: Limits[K] | null };

/** Partial overrides per parameter, e.g. a case's `{ spo2: { low: 88 } }`. */
export type LimitOverrides<K extends string> = Partial<Record<K, LimitOverride>>;

/**
 * The room parameters the environment rule watches: temperature (°C), relative humidity (%) and the
 * pressure difference to the corridor (Pa; an OR is kept positive).
 */
export const ENVIRONMENT_PARAMETERS = ['temp', 'humidity', 'pressure'] as const;
export type EnvironmentParameter = (typeof ENVIRONMENT_PARAMETERS)[number];
export type EnvironmentLimitSet = Record<EnvironmentParameter, Limits>;

/** A device's connection state as the device layer reports it. */
export type DeviceState = 'online' | 'offline' | 'error';

/** One device of the registry, with its current state. Labels are equipment names, never patient data. */
export interface DeviceStatus {
  id: string;
  /** The device type, e.g. `monitor`, `anesthesia-machine`, `c-arm`. */
  type: string;
  /** A display label, e.g. `Monitor MX800 #3`; the type and id are shown without it. */
  label?: string;
  /** The room it is in (registry assignment, or RTLS when the tag is in a room). */
  roomId?: string;
  /** Where RTLS sees it when it is in no room (a store, a corridor zone). */
  location?: string;
  state: DeviceState;
  /** When it entered `state`. */
  since: string;
  /** The registry says it is due for service (biomed). */
  maintenanceDue?: boolean;
  /** The id of the case it is connected to or reserved for: while that case is active it is no backup. */
  inUseBy?: string;
  usesSinceService?: number;
  serviceIntervalUses?: number;
  /** When the next service is due: a date (`2026-11-23`) or an instant. */
  nextServiceDue?: string;
}

/** Distance from a room to a room id or RTLS location (smaller is nearer; any consistent unit). */
export type DistanceFn = (fromRoomId: string, to: string) => number;

/** An empty track, for a case the rules have not seen yet. */
export function emptyRuleTrack(): RuleTrack {
  return { lastAt: {}, excursions: {}, notes: {}, active: {} };
}
