import type { AlertPriority } from '@circulator/contracts';
import { assertUnreachable } from '@circulator/domain';

/**
 * Feed anomalies (issue 5, security): per device, a publishing rate far above its usual one, a
 * connection from an address it never used, data for a room it is not in, and a firmware change
 * without an approved update record. Each rule is pure, `(state, input, config) → { state, alerts }`;
 * the state is plain JSON, persisted per device as it is; the input is never changed.
 *
 * Times are when the platform received the message or connection, not what the payload claims:
 * the rules judge the feed, and a compromised device can write any time it likes into its payload.
 *
 * Alert ids are made from the input (`sec:{kind}:{deviceId}:{time}`), so a message handled twice
 * (the pipeline delivers at least once) gives the same alert, and the caller dedupes on the id.
 */

export const SECURITY_ALERT_KINDS = ['feed-rate', 'new-address', 'wrong-room', 'firmware-unapproved'] as const;
export type SecurityAlertKind = (typeof SECURITY_ALERT_KINDS)[number];

/** A security alert on one device, for biomed and security and the device's history. */
export interface SecurityAlert {
  id: string;
  kind: SecurityAlertKind;
  priority: AlertPriority;
  message: string;
  /** The time of the message or connection that raised it (the minute's start for `feed-rate`). */
  at: string;
  deviceId: string;
  /** What the rule saw, for the engineer. */
  detail: Record<string, string | number>;
}

/** The rate rule's memory: the minute being counted and the baseline learnt from earlier minutes. */
export interface RateState {
  /** Start of the minute being counted (epoch ms); absent before the first message. */
  minuteMs?: number;
  /** Messages in that minute so far. */
  count: number;
  /** The usual messages per minute (EWMA); absent before the first minute closed. */
  baseline?: number;
  /** Minutes learnt into the baseline (closed minutes and short silent gaps). */
  learntMinutes: number;
  /** An alert was raised for the current run of anomalous minutes: one alert per run, not per minute. */
  alerting: boolean;
}

export interface AddressState {
  /** Client addresses the device has connected from, least recently used first (bounded). */
  known: string[];
}

export interface RoomState {
  /** The `registered>published` rooms already alerted, until the device publishes for its own room again. */
  reported?: string;
}

export interface FirmwareState {
  /** The firmware version last seen (seeded from the registry). */
  version?: string;
}

/** Everything the anomaly rules remember about one device: plain JSON. */
export interface FeedAnomalyState {
  deviceId: string;
  rate: RateState;
  addresses: AddressState;
  room: RoomState;
  firmware: FirmwareState;
}

/** What a rule returns: the new state (the input state untouched) and the alerts it raised. */
export interface AnomalyOutcome {
  state: FeedAnomalyState;
  alerts: SecurityAlert[];
}

export interface RateConfig {
  /** Minutes learnt before the rule may alert: a new device has no usual rate yet. */
  warmupMinutes: number;
  /** EWMA weight of the newest minute once warmed up. */
  alpha: number;
  /** The current minute must exceed `factor` × baseline… */
  factor: number;
  /** …and this many messages, so that a quiet device's few extra messages are not an attack. */
  floorPerMinute: number;
  /**
   * A silence up to this many minutes is learnt as minutes with no message; a longer one is the
   * device being off, and is not learnt, lest a night unplugged teach a baseline of zero.
   */
  maxGapMinutes: number;
  priority: AlertPriority;
}

/**
 * 30 minutes of warm-up (the baseline is then the plain mean of those minutes); then an EWMA with
 * α = 1/30 (half-life about 20 minutes); alert above 5 × baseline and above 120 messages a minute
 * (2/s: a monitor at 1 Hz sends 60); silences up to 10 minutes learnt as zeros.
 */
export const DEFAULT_RATE_CONFIG: Readonly<RateConfig> = Object.freeze({
  warmupMinutes: 30,
  alpha: 1 / 30,
  factor: 5,
  floorPerMinute: 120,
  maxGapMinutes: 10,
  priority: 'medium',
});

export interface AddressConfig {
  /** Addresses remembered per device; the least recently used is forgotten beyond it. */
  maxKnown: number;
  priority: AlertPriority;
}

/** 16 addresses: a device on DHCP or moved between network segments a few times stays quiet. */
export const DEFAULT_ADDRESS_CONFIG: Readonly<AddressConfig> = Object.freeze({ maxKnown: 16, priority: 'medium' });

export interface PriorityConfig {
  priority: AlertPriority;
}

export const DEFAULT_ROOM_CONFIG: Readonly<PriorityConfig> = Object.freeze({ priority: 'medium' });

/** High: firmware that nobody approved may be tampered with, and the device is in patient care. */
export const DEFAULT_FIRMWARE_CONFIG: Readonly<PriorityConfig> = Object.freeze({ priority: 'high' });

/** The state of a device the rules have not seen; `firmware` seeds the version (from the registry). */
export function emptyFeedAnomalyState(deviceId: string, firmware?: string): FeedAnomalyState {
  const state: FeedAnomalyState = {
    deviceId,
    rate: { count: 0, learntMinutes: 0, alerting: false },
    addresses: { known: [] },
    room: {},
    firmware: {},
  };
  if (firmware !== undefined) state.firmware.version = firmware;
  return state;
}

const MINUTE_MS = 60_000;

// ---------------------------------------------------------------------------------------------
// Rate

/**
 * One message of the device (any topic) received at `at`. The message is counted in its minute;
 * when a later minute begins, the closed one is learnt into the baseline, unless it was anomalous:
 * a flood learnt would become the new normal within minutes. A genuine lasting change of rate (new
 * firmware publishing more) is accepted with {@link resetRateBaseline}. A message received in an
 * earlier minute than the one being counted (out of order) is counted in the current one.
 *
 * Alerts (kind `feed-rate`) once the warm-up is over, as soon as the current minute's count exceeds
 * both `factor` × baseline and the floor; once per run of anomalous minutes.
 */
export function evaluateRate(
  state: FeedAnomalyState,
  message: { at: string },
  config: Partial<RateConfig> = {},
): AnomalyOutcome {
  const c: RateConfig = { ...DEFAULT_RATE_CONFIG, ...config };
  const ms = Date.parse(message.at);
  if (Number.isNaN(ms)) return { state, alerts: [] };
  const minute = Math.floor(ms / MINUTE_MS) * MINUTE_MS;
  let rate: RateState = { ...state.rate };
  if (rate.minuteMs === undefined) rate = { ...rate, minuteMs: minute, count: 0 };
  else if (minute > rate.minuteMs) rate = closeMinute(rate, minute, c);
  rate.count += 1;

  const alerts: SecurityAlert[] = [];
  if (!rate.alerting && exceeds(rate.count, rate, c)) {
    rate.alerting = true;
    const minuteAt = new Date(rate.minuteMs ?? minute).toISOString();
    const baseline = rate.baseline ?? 0;
    alerts.push({
      id: `sec:feed-rate:${state.deviceId}:${minuteAt}`,
      kind: 'feed-rate',
      priority: c.priority,
      message:
        `Device ${state.deviceId} is publishing far above its usual rate: ${rate.count} messages in the minute ` +
        `from ${minuteAt}, usually ${baseline.toFixed(1)} a minute`,
      at: minuteAt,
      deviceId: state.deviceId,
      detail: {
        count: rate.count,
        baselinePerMinute: round(baseline, 2),
        threshold: round(Math.max(c.factor * baseline, c.floorPerMinute), 2),
      },
    });
  }
  return { state: { ...state, rate }, alerts };
}

/** Starts learning the device's rate anew (a legitimate lasting change, confirmed by biomed). */
export function resetRateBaseline(state: FeedAnomalyState): FeedAnomalyState {
  return { ...state, rate: { count: 0, learntMinutes: 0, alerting: false } };
}

/** Whether a minute's count is anomalous: only once warmed up, above both the factor and the floor. */
function exceeds(count: number, rate: RateState, c: RateConfig): boolean {
  if (rate.baseline === undefined || rate.learntMinutes < c.warmupMinutes) return false;
  return count > c.factor * rate.baseline && count > c.floorPerMinute;
}

/** Closes the counted minute and any silent minutes before `nextMinute`, learning what they say. */
function closeMinute(rate: RateState, nextMinute: number, c: RateConfig): RateState {
  const closedMs = rate.minuteMs ?? nextMinute;
  const anomalous = exceeds(rate.count, rate, c);
  let next: RateState = { ...rate };
  if (!anomalous) next = learn(next, rate.count, c);
  const silent = Math.round((nextMinute - closedMs) / MINUTE_MS) - 1;
  if (silent <= c.maxGapMinutes) {
    for (let i = 0; i < silent; i += 1) next = learn(next, 0, c);
  }
  // The run of anomalous minutes goes on only through consecutive anomalous minutes.
  next.alerting = rate.alerting && anomalous && silent === 0;
  next.minuteMs = nextMinute;
  next.count = 0;
  return next;
}

/**
 * One minute into the baseline. The weight is 1/n for the n-th minute until that falls below α:
 * the warm-up's baseline is the plain mean of its minutes, not an EWMA dominated by the first.
 */
function learn(rate: RateState, count: number, c: RateConfig): RateState {
  const n = rate.learntMinutes + 1;
  const weight = Math.max(c.alpha, 1 / n);
  const baseline = rate.baseline === undefined ? count : rate.baseline + weight * (count - rate.baseline);
  return { ...rate, baseline, learntMinutes: n };
}

// ---------------------------------------------------------------------------------------------
// New client address

/**
 * An address as compared: trimmed, lower case, an IPv4-mapped IPv6 address as its IPv4 form
 * (`::ffff:10.1.2.3` is `10.1.2.3`; Node reports either depending on the listening socket).
 */
export function normaliseAddress(address: string): string {
  const a = address.trim().toLowerCase();
  return a.startsWith('::ffff:') && a.includes('.') ? a.slice('::ffff:'.length) : a;
}

/**
 * A connection of the device from `address` (its client address, without the port). The first
 * address ever is learnt silently: there is nothing to compare it with. Any other address not
 * known raises `new-address` once and is learnt, so one change of address is one alert. The set
 * is bounded, least recently used forgotten first.
 */
export function evaluateAddress(
  state: FeedAnomalyState,
  connection: { at: string; address: string },
  config: Partial<AddressConfig> = {},
): AnomalyOutcome {
  const c: AddressConfig = { ...DEFAULT_ADDRESS_CONFIG, ...config };
  const address = normaliseAddress(connection.address);
  if (!address) return { state, alerts: [] };
  const known = state.addresses.known.filter((a) => a !== address);
  const isNew = known.length === state.addresses.known.length;
  const alerts: SecurityAlert[] = [];
  if (isNew && known.length > 0) {
    const at = stamp(connection.at);
    alerts.push({
      id: `sec:new-address:${state.deviceId}:${at}`,
      kind: 'new-address',
      priority: c.priority,
      message: `Device ${state.deviceId} connected from a new address ${address} (known: ${known.join(', ')})`,
      at,
      deviceId: state.deviceId,
      detail: { address, known: known.join(',') },
    });
  }
  known.push(address);
  const bounded = known.slice(Math.max(0, known.length - Math.max(1, c.maxKnown)));
  return { state: { ...state, addresses: { known: bounded } }, alerts };
}

// ---------------------------------------------------------------------------------------------
// Wrong room

/**
 * Data from the device for room `roomId` (the room of an `environment` topic, or the room a
 * reading is attributed to), while the device belongs in `registeredRoomId` (the registry's room,
 * or RTLS's for a mobile device; absent: in no room). A mismatch raises `wrong-room` once per
 * pair of rooms, until the device publishes for its own room again: a sensor sending every ten
 * seconds for the wrong room is one incident, not a flood of alerts.
 */
export function evaluateRoom(
  state: FeedAnomalyState,
  message: { at: string; roomId: string; registeredRoomId?: string },
  config: Partial<PriorityConfig> = {},
): AnomalyOutcome {
  const c: PriorityConfig = { ...DEFAULT_ROOM_CONFIG, ...config };
  if (message.roomId === message.registeredRoomId) {
    return state.room.reported === undefined ? { state, alerts: [] } : { state: { ...state, room: {} }, alerts: [] };
  }
  const key = `${message.registeredRoomId ?? ''}>${message.roomId}`;
  if (state.room.reported === key) return { state, alerts: [] };
  const at = stamp(message.at);
  const where = message.registeredRoomId === undefined ? 'in no room' : `in ${message.registeredRoomId}`;
  const detail: Record<string, string | number> = { roomId: message.roomId };
  if (message.registeredRoomId !== undefined) detail.registeredRoomId = message.registeredRoomId;
  return {
    state: { ...state, room: { reported: key } },
    alerts: [
      {
        id: `sec:wrong-room:${state.deviceId}:${at}`,
        kind: 'wrong-room',
        priority: c.priority,
        message: `Device ${state.deviceId} published data for room ${message.roomId} but is registered ${where}`,
        at,
        deviceId: state.deviceId,
        detail,
      },
    ],
  };
}

// ---------------------------------------------------------------------------------------------
// Firmware

/** An approved firmware update: the device may go to `toVersion` (from `fromVersion`, or any) after `approvedAt`. */
export interface ApprovedUpdate {
  deviceId: string;
  fromVersion?: string;
  toVersion: string;
  approvedAt: string;
}

/** Why a firmware change has no matching approval. */
export type FirmwareRefusal = 'no-approval' | 'other-from-version' | 'approved-after-change';

/**
 * The approval that covers a change `from` → `to` at `at`, or why none does. An approval must be
 * for this device and this target version, from this version when it names one, and dated no later
 * than the change: an approval written afterwards documents, it does not authorise.
 */
export function matchApproval(
  deviceId: string,
  from: string,
  to: string,
  at: string,
  approved: readonly ApprovedUpdate[],
): { approval: ApprovedUpdate } | { refusal: FirmwareRefusal } {
  const atMs = Date.parse(at);
  const forTarget = approved.filter((a) => a.deviceId === deviceId && a.toVersion.trim() === to);
  const fromMatches = forTarget.filter((a) => a.fromVersion === undefined || a.fromVersion.trim() === from);
  const approval = fromMatches.find((a) => {
    const approvedMs = Date.parse(a.approvedAt);
    return !Number.isNaN(approvedMs) && !Number.isNaN(atMs) && approvedMs <= atMs;
  });
  if (approval) return { approval };
  if (fromMatches.length > 0) return { refusal: 'approved-after-change' };
  return { refusal: forTarget.length > 0 ? 'other-from-version' : 'no-approval' };
}

const REFUSAL_TEXT: Record<FirmwareRefusal, string> = {
  'no-approval': 'without an approved update record',
  'other-from-version': 'with an approval for another source version only',
  'approved-after-change': 'before its update was approved',
};

/**
 * The device reported firmware `firmware` at `at`. It is compared with `previous` when given (the
 * registry's record), else with the version last seen; the first version ever seen is learnt
 * silently. A change (a downgrade too: rolling back to a vulnerable version is an attack) without a
 * matching approval raises `firmware-unapproved`. The new version is remembered either way, so one
 * change is one alert.
 */
export function evaluateFirmware(
  state: FeedAnomalyState,
  report: { at: string; firmware: string; previous?: string },
  approved: readonly ApprovedUpdate[],
  config: Partial<PriorityConfig> = {},
): AnomalyOutcome {
  const c: PriorityConfig = { ...DEFAULT_FIRMWARE_CONFIG, ...config };
  const next = report.firmware.trim();
  if (!next) return { state, alerts: [] };
  const previous = (report.previous ?? state.firmware.version)?.trim();
  const remembered: FeedAnomalyState =
    state.firmware.version === next ? state : { ...state, firmware: { version: next } };
  if (!previous || previous === next) return { state: remembered, alerts: [] };
  const match = matchApproval(state.deviceId, previous, next, report.at, approved);
  if ('approval' in match) return { state: remembered, alerts: [] };
  const at = stamp(report.at);
  return {
    state: remembered,
    alerts: [
      {
        id: `sec:firmware-unapproved:${state.deviceId}:${at}`,
        kind: 'firmware-unapproved',
        priority: c.priority,
        message: `Device ${state.deviceId} firmware changed ${previous} → ${next} ${REFUSAL_TEXT[match.refusal]}`,
        at,
        deviceId: state.deviceId,
        detail: { fromVersion: previous, toVersion: next, reason: match.refusal },
      },
    ],
  };
}

// ---------------------------------------------------------------------------------------------
// All rules for one feed event

/** What the MQTT edge sees of a device: a connection, or a message with what it says of rooms and firmware. */
export type FeedEvent =
  | { type: 'connect'; at: string; address: string }
  | {
      type: 'message';
      at: string;
      /** The room the message is for (environment topic), if any. */
      roomId?: string;
      /** The device's room (registry or RTLS). */
      registeredRoomId?: string;
      /** The firmware a `status` message reported. */
      firmware?: string;
    };

export interface FeedAnomalyConfig {
  rate: Partial<RateConfig>;
  addresses: Partial<AddressConfig>;
  room: Partial<PriorityConfig>;
  firmware: Partial<PriorityConfig>;
}

/**
 * Every rule that applies to one event, in a fixed order (rate, room, firmware; or address),
 * threading the state through them.
 */
export function evaluateFeedEvent(
  state: FeedAnomalyState,
  event: FeedEvent,
  approved: readonly ApprovedUpdate[] = [],
  config: Partial<FeedAnomalyConfig> = {},
): AnomalyOutcome {
  switch (event.type) {
    case 'connect':
      return evaluateAddress(state, event, config.addresses);
    case 'message': {
      const alerts: SecurityAlert[] = [];
      let current = evaluateRate(state, event, config.rate);
      alerts.push(...current.alerts);
      if (event.roomId !== undefined) {
        const { roomId, registeredRoomId } = event;
        current = evaluateRoom(current.state, { at: event.at, roomId, registeredRoomId }, config.room);
        alerts.push(...current.alerts);
      }
      if (event.firmware !== undefined) {
        current = evaluateFirmware(
          current.state,
          { at: event.at, firmware: event.firmware },
          approved,
          config.firmware,
        );
        alerts.push(...current.alerts);
      }
      return { state: current.state, alerts };
    }
    default:
      return assertUnreachable(event, 'feed event');
  }
}

/** A time for an id: the instant in ISO form when it parses (so `+01:00` and `Z` forms agree), else as given. */
function stamp(at: string): string {
  const ms = Date.parse(at);
  return Number.isNaN(ms) ? at : new Date(ms).toISOString();
}

function round(n: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}
