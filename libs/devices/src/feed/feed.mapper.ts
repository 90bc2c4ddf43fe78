import {
  isIeee11073Special,
  mdcUnitDisplay,
  mdcVitalSource,
  ucumDisplay,
  VITAL_NAMES,
  type VitalName,
} from '@circulator/contracts';
import {
  checkPressurePair,
  checkVital,
  vitalDisplayUnit,
  type AlarmFact,
  type FactDraft,
  type MilestoneFact,
  type ObservationFact,
  type ObservationSubject,
  type ResultReading,
  type VitalReading,
} from '@circulator/domain';
import type { DeviceInfo, TagBinding } from '../device.model';
import {
  parseFeedPayload,
  type AlarmPayload,
  type EnvironmentPayload,
  type FeedObservation,
  type ObservationsPayload,
  type RtlsPayload,
  type StatusPayload,
} from './feed.schemas';
import { parseFeedTopic, publisherMayUse, type FeedKind } from './feed.topics';

/**
 * The MQTT device feeds (CONTRACT §6) to domain facts and device updates. Pure: the topic, the
 * payload text, the registered publisher and the time are passed in; nothing is read or written.
 * The edge stores the message first and calls this from the worker, like the HL7 mappers.
 */

/** One MQTT message as the edge received it. */
export interface FeedMessage {
  topic: string;
  /** The payload as UTF-8 text (the edge decodes the bytes). */
  payload: string;
  /** When the platform received it (ISO 8601 with offset): the time of what carries none. */
  receivedAt: string;
}

/** What the mapper needs to know of the present. */
export interface FeedContext {
  /** The current time (ISO 8601), from the caller's clock. */
  now: string;
  /** How far after `now` a reading may be dated before it is refused as a clock error (5 min by default). */
  maxFutureSkewMs?: number;
  /**
   * Whether an RTLS room id is a PACU (post-anaesthesia care unit) location: a patient's tag
   * entering it is the case's `pacuIn`, leaving it `pacuOut` (`PACU_ROOMS`; none when absent).
   */
  isPacu?: (roomId: string) => boolean;
}

/**
 * `isPacu` for a configured list of PACU room ids (`PACU_ROOMS`), compared without case: RTLS
 * systems spell zone ids as they like.
 */
export function pacuMatcher(roomIds: readonly string[]): (roomId: string) => boolean {
  const rooms = new Set(roomIds.map((r) => r.trim().toLowerCase()).filter(Boolean));
  return (roomId) => rooms.has(roomId.trim().toLowerCase());
}

/** Readings dated more than this after now are refused: the device's clock is wrong. */
export const DEFAULT_MAX_FUTURE_SKEW_MS = 5 * 60_000;

/** Why a reading was not taken. `clock`: dated too far in the future. */
export type FeedRejectionReason = 'sentinel' | 'implausible' | 'unit' | 'clock';

/** A reading the mapper refused, for the integration console. */
export interface RejectedReading {
  /** The observation's `code` as sent, or the environment field's name (`temperatureC`), or `roomId`. */
  code: string;
  value: unknown;
  reason: FeedRejectionReason;
  detail: string;
}

/** A device's `status` message. */
export interface FeedStatus {
  deviceId: string;
  at: string;
  state: 'online' | 'offline' | 'error';
  usageCount?: number;
  errorCode?: string;
  firmware?: string;
}

/** A room's environment readings, the implausible ones dropped. */
export interface FeedEnvironment {
  roomId: string;
  at: string;
  temperatureC?: number;
  humidityPct?: number;
  pressurePa?: number;
}

/** Where an RTLS tag was seen. */
export interface FeedLocation {
  tagId: string;
  roomId: string;
  at: string;
  /** What the tag is attached to (from the registry), when it is bound. */
  binding?: TagBinding;
}

/** What one feed message means. */
export interface FeedMapping {
  /** The feed, from the topic; absent only when the topic is none of CONTRACT §6. */
  kind?: FeedKind;
  facts: FactDraft[];
  rejected: RejectedReading[];
  warnings: string[];
  status?: FeedStatus;
  environment?: FeedEnvironment;
  location?: FeedLocation;
  /** Topic unknown, publisher unregistered or not allowed, or payload invalid: nothing else is set. */
  problem?: string;
}

/**
 * Maps one feed message published by `device` (the registered device the connection belongs to;
 * `undefined` when none is).
 *
 * - `observations` → one observations fact: vitals (checked by `checkVital`, in display units) and
 *   results (MDC codes that are no vitals name). See {@link mapObservations}.
 * - `alarms` → an alarm fact (`active` starts it, `cleared` ends it), identified by device and alarm id.
 * - `status` → `status` only; `environment` → `environment` only (implausible fields dropped).
 * - `rtls` → `location`, and for a tag bound to a patient the room's `inRoom` / `outOfRoom` milestones.
 * - An unknown topic, an unregistered publisher, a topic it may not use or an invalid payload →
 *   `problem` only.
 */
export function mapFeedMessage(msg: FeedMessage, device: DeviceInfo | undefined, ctx: FeedContext): FeedMapping {
  const topic = parseFeedTopic(msg.topic);
  if (topic === undefined) {
    return {
      facts: [],
      rejected: [],
      warnings: [],
      problem:
        `unknown topic ${quote(msg.topic)}: expected circulator/v1/devices/{deviceId}/observations|status|alarms, ` +
        'circulator/v1/rooms/{roomId}/environment or circulator/v1/rtls/{tagId}',
    };
  }
  const { kind } = topic;
  if (device === undefined) return problem(kind, 'the publisher is not a registered device');
  if (!publisherMayUse(topic, device)) {
    return problem(kind, `device ${quote(device.id)} (${device.type}) may not publish to ${quote(msg.topic)}`);
  }
  const skewMs = ctx.maxFutureSkewMs ?? DEFAULT_MAX_FUTURE_SKEW_MS;
  switch (topic.kind) {
    case 'observations': {
      const parsed = parseFeedPayload('observations', msg.payload);
      if (!parsed.ok) return invalid(kind, parsed.problem);
      return mapObservations(parsed.payload, device, msg.receivedAt, ctx.now, skewMs);
    }
    case 'alarms': {
      const parsed = parseFeedPayload('alarms', msg.payload);
      if (!parsed.ok) return invalid(kind, parsed.problem);
      return mapAlarm(parsed.payload, device, msg.receivedAt);
    }
    case 'status': {
      const parsed = parseFeedPayload('status', msg.payload);
      if (!parsed.ok) return invalid(kind, parsed.problem);
      return {
        kind,
        facts: [],
        rejected: [],
        warnings: [],
        status: statusOf(parsed.payload, device.id, msg.receivedAt),
      };
    }
    case 'environment': {
      const parsed = parseFeedPayload('environment', msg.payload);
      if (!parsed.ok) return invalid(kind, parsed.problem);
      return mapEnvironment(parsed.payload, topic.roomId, msg.receivedAt, ctx.now, skewMs);
    }
    case 'rtls': {
      const parsed = parseFeedPayload('rtls', msg.payload);
      if (!parsed.ok) return invalid(kind, parsed.problem);
      return mapRtls(parsed.payload, device, msg.receivedAt, ctx.now, skewMs, ctx.isPacu);
    }
  }
}

function problem(kind: FeedKind, text: string): FeedMapping {
  return { kind, facts: [], rejected: [], warnings: [], problem: text };
}

function invalid(kind: FeedKind, text: string): FeedMapping {
  return problem(kind, `invalid ${kind} payload: ${text}`);
}

/** What the readings and alarms of a device are about: the device, and its room when registered in one. */
function subjectOf(device: DeviceInfo): ObservationSubject {
  const subject: ObservationSubject = { device: { id: device.id } };
  if (device.roomId !== undefined) subject.room = { id: device.roomId, name: device.roomName ?? device.roomId };
  return subject;
}

/** `clock` detail when `at` is more than `skewMs` after `now`; else `undefined`. */
function futureDetail(at: string, now: string, skewMs: number): string | undefined {
  const ahead = Date.parse(at) - Date.parse(now);
  if (!(ahead > skewMs)) return undefined;
  return `dated ${at}, ${Math.round(ahead / 1000)} s after now (at most ${Math.round(skewMs / 1000)} s allowed): device clock wrong?`;
}

/** A vitals source: an MDC one (`@circulator/contracts`), or a vitals name the device wrote itself. */
interface VitalSource {
  name: VitalName;
  /** 1 = best (mdc.ts); a vitals name sent as such ranks 0, since the device chose it. */
  rank: number;
}

const VITAL_NAME_SET: ReadonlySet<string> = new Set(VITAL_NAMES);

function isVitalName(code: string): code is VitalName {
  return VITAL_NAME_SET.has(code);
}

/** The vitals source of an observation code: a vitals name, an MDC number, its digits or its REFID. */
export function feedVitalSource(code: string | number): VitalSource | undefined {
  if (typeof code === 'string' && isVitalName(code)) return { name: code, rank: 0 };
  return mdcVitalSource(code);
}

/** A decimal written as text (`"98"`, `"-1.5"`): gateways that stringify every value. */
const DECIMAL_TEXT = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$/;

/** A vital accepted by `checkVital`, before the ranking. */
interface Candidate {
  reading: VitalReading;
  rank: number;
  /** The observation as sent, should the pair check refuse it. */
  sent: FeedObservation;
}

/**
 * An observations message → one observations fact (no `source`: the pipeline attaches it).
 *
 * - `at`: the payload's, else the receive time; more than the allowed skew after now, every reading
 *   is refused `clock`.
 * - A code that is a vitals name (`hr`), or an MDC vitals source (number, digits or REFID), is a
 *   vital: its value must be a number (or decimal text), its unit (omitted: the display unit; MDC
 *   unit REFIDs and codes are read through mdc.ts) and value must pass `checkVital`. Of several
 *   sources of one name, the best-ranked are the vitals and the others results — the rule of the
 *   HL7 ORU mapper. An NIBP whose diastolic is not below its systolic is refused as a pair.
 * - Any other code is a result: code and text as sent, value as text; `null`, non-finite and
 *   IEEE 11073 FLOAT special values are refused `sentinel`.
 * - A message whose readings are all refused gives no fact.
 */
export function mapObservations(
  payload: ObservationsPayload,
  device: DeviceInfo,
  receivedAt: string,
  now: string,
  skewMs: number,
): FeedMapping {
  const at = payload.at === undefined ? receivedAt : canonicalInstant(payload.at);
  const out: FeedMapping = { kind: 'observations', facts: [], rejected: [], warnings: [] };
  const { observations } = payload;
  if (observations.length === 0) {
    out.warnings.push('the message carries no observation');
    return out;
  }
  const late = futureDetail(at, now, skewMs);
  if (late !== undefined) {
    for (const o of observations)
      out.rejected.push({ code: String(o.code), value: o.value, reason: 'clock', detail: late });
    out.warnings.push(`all ${observations.length} reading(s) refused: ${late}`);
    return out;
  }

  const candidates: Candidate[] = [];
  const results: ResultReading[] = [];
  for (const o of observations) {
    const code = String(o.code);
    const source = feedVitalSource(o.code);
    if (source === undefined) {
      const result = resultOf(o, code, at);
      if ('reason' in result) out.rejected.push(result);
      else results.push(result);
      continue;
    }
    const checked = vitalOf(o, code, source.name);
    if ('reason' in checked) {
      out.rejected.push(checked);
      continue;
    }
    candidates.push({
      reading: { name: source.name, value: checked.value, unit: checked.unit, at, code },
      rank: source.rank,
      sent: o,
    });
  }

  const paired = refuseImplausiblePairs(candidates, out.rejected);
  const { vitals, demoted } = bestVitals(paired);
  results.push(...demoted);
  if (vitals.length > 0 || results.length > 0) {
    const fact: Omit<ObservationFact, 'source'> = {
      kind: 'observations',
      at,
      subject: subjectOf(device),
      vitals,
      results,
    };
    out.facts.push(fact);
  }
  if (out.rejected.length > 0) {
    out.warnings.push(
      out.facts.length === 0
        ? `all ${observations.length} reading(s) refused; no observation recorded`
        : `${out.rejected.length} of ${observations.length} reading(s) refused`,
    );
  }
  return out;
}

/** A vital's number and unit through `checkVital`, or why not. */
function vitalOf(o: FeedObservation, code: string, name: VitalName): { value: number; unit: string } | RejectedReading {
  const raw = o.value;
  let value: number;
  if (typeof raw === 'number') value = raw;
  else if (typeof raw === 'string' && DECIMAL_TEXT.test(raw.trim())) value = Number(raw.trim());
  else {
    const detail = raw === null ? `${name}: no value (null)` : `${name} ${quote(raw)}: not a number`;
    return { code, value: raw, reason: 'sentinel', detail };
  }
  // No unit (or an empty one) means the display unit; MDC units (`MDC_DIM_PERCENT`, `262688`) are
  // read through mdc.ts, UCUM ones by checkVital.
  const unit = o.unit === undefined || o.unit === '' ? vitalDisplayUnit(name) : (mdcUnitDisplay(o.unit) ?? o.unit);
  const checked = checkVital(name, value, unit);
  if (!checked.ok) return { code, value: raw, reason: checked.reason, detail: checked.detail };
  return checked;
}

/** A non-vital observation as a result, or why it is no reading. */
function resultOf(o: FeedObservation, code: string, at: string): ResultReading | RejectedReading {
  const raw = o.value;
  if (raw === null) return { code, value: raw, reason: 'sentinel', detail: `${code}: no value (null)` };
  if (typeof raw === 'number' && (!Number.isFinite(raw) || isIeee11073Special(raw))) {
    // FLOAT special values only: 2048 mL is a volume (mdc.ts, isIeee11073Special).
    return {
      code,
      value: raw,
      reason: 'sentinel',
      detail: `${code} ${raw}: IEEE 11073 special value or not finite (no reading)`,
    };
  }
  const result: ResultReading = { code, text: code, value: String(raw), at };
  if (o.unit !== undefined && o.unit !== '') result.unit = mdcUnitDisplay(o.unit) ?? ucumDisplay(o.unit);
  return result;
}

/**
 * Refuses both values of each NIBP whose diastolic is not below its systolic (one message has one
 * time, so its n-th systolic and n-th diastolic are one cuff cycle).
 */
function refuseImplausiblePairs(candidates: Candidate[], rejected: RejectedReading[]): Candidate[] {
  const sys = candidates.filter((c) => c.reading.name === 'nibpSys');
  const dia = candidates.filter((c) => c.reading.name === 'nibpDia');
  if (sys.length === 0 || dia.length === 0) return candidates;
  const refused = new Set<Candidate>();
  for (let i = 0; i < Math.min(sys.length, dia.length); i++) {
    const s = sys[i];
    const d = dia[i];
    if (s === undefined || d === undefined) continue;
    const pair = checkPressurePair(s.reading.value, d.reading.value);
    if (pair.ok) continue;
    refused.add(s).add(d);
    for (const c of [s, d])
      rejected.push({
        code: c.reading.code ?? c.reading.name,
        value: c.sent.value,
        reason: pair.reason,
        detail: pair.detail,
      });
  }
  return refused.size === 0 ? candidates : candidates.filter((c) => !refused.has(c));
}

/** Per vitals name, the readings of the best rank; the others as results (nothing is lost). */
function bestVitals(candidates: readonly Candidate[]): { vitals: VitalReading[]; demoted: ResultReading[] } {
  const best = new Map<VitalName, number>();
  for (const c of candidates) {
    const rank = best.get(c.reading.name);
    if (rank === undefined || c.rank < rank) best.set(c.reading.name, c.rank);
  }
  const vitals: VitalReading[] = [];
  const demoted: ResultReading[] = [];
  for (const { reading, rank } of candidates) {
    if (rank === best.get(reading.name)) {
      vitals.push(reading);
      continue;
    }
    const code = reading.code ?? reading.name;
    const result: ResultReading = { code, text: code, value: String(reading.value), at: reading.at };
    if (reading.unit !== '') result.unit = reading.unit;
    demoted.push(result);
  }
  return { vitals, demoted };
}

/**
 * An alarm message → an alarm fact. Its id is the device's id and the alarm's (`mon-1:42`), so the
 * `cleared` message ends the alarm the `active` one started; the payload has no time, so `at` is
 * the receive time.
 */
function mapAlarm(payload: AlarmPayload, device: DeviceInfo, receivedAt: string): FeedMapping {
  const fact: Omit<AlarmFact, 'source'> = {
    kind: 'alarm',
    at: receivedAt,
    alarmId: `${device.id}:${payload.id}`,
    phase: payload.state === 'active' ? 'start' : 'end',
    priority: payload.priority,
    message: payload.message,
    subject: subjectOf(device),
  };
  if (payload.code !== undefined) fact.code = payload.code;
  return { kind: 'alarms', facts: [fact], rejected: [], warnings: [] };
}

function statusOf(payload: StatusPayload, deviceId: string, receivedAt: string): FeedStatus {
  const status: FeedStatus = { deviceId, at: receivedAt, state: payload.state };
  if (payload.usageCount !== undefined) status.usageCount = payload.usageCount;
  if (payload.errorCode !== undefined) status.errorCode = payload.errorCode;
  if (payload.firmware !== undefined) status.firmware = payload.firmware;
  return status;
}

type EnvironmentField = 'temperatureC' | 'humidityPct' | 'pressurePa';

/**
 * What a room sensor can honestly report; outside, the sensor is broken or mis-scaled:
 * - temperature 0–50 °C: the operating range of room sensors; an OR is kept at about 20–24 °C
 *   (ANSI/ASHRAE/ASHE Standard 170), so anything outside 0–50 is no room reading;
 * - relative humidity 0–100 %: its definition;
 * - pressure −500…+500 Pa relative to the corridor: ORs are kept at a few Pa positive (Standard 170
 *   asks at least +2.5 Pa) and no HVAC room differential comes near 500 Pa — an absolute barometric
 *   value (≈ 101 325 Pa) sent by mistake is refused.
 */
export const ENVIRONMENT_RANGES: Readonly<Record<EnvironmentField, { min: number; max: number; unit: string }>> = {
  temperatureC: { min: 0, max: 50, unit: '°C' },
  humidityPct: { min: 0, max: 100, unit: '%' },
  pressurePa: { min: -500, max: 500, unit: 'Pa' },
};

const ENVIRONMENT_FIELDS: readonly EnvironmentField[] = ['temperatureC', 'humidityPct', 'pressurePa'];

/** An environment message → `environment`, each implausible field dropped and listed in `rejected`. */
function mapEnvironment(
  payload: EnvironmentPayload,
  roomId: string,
  receivedAt: string,
  now: string,
  skewMs: number,
): FeedMapping {
  const at = payload.at === undefined ? receivedAt : canonicalInstant(payload.at);
  const out: FeedMapping = { kind: 'environment', facts: [], rejected: [], warnings: [] };
  const late = futureDetail(at, now, skewMs);
  const environment: FeedEnvironment = { roomId, at };
  let kept = 0;
  for (const field of ENVIRONMENT_FIELDS) {
    const value = payload[field];
    if (value === undefined) continue;
    const { min, max, unit } = ENVIRONMENT_RANGES[field];
    if (late !== undefined) {
      out.rejected.push({ code: field, value, reason: 'clock', detail: late });
    } else if (value < min || value > max) {
      out.rejected.push({
        code: field,
        value,
        reason: 'implausible',
        detail: `${field} ${value} (range ${min}–${max} ${unit})`,
      });
    } else {
      environment[field] = value;
      kept++;
    }
  }
  if (kept > 0) out.environment = environment;
  else
    out.warnings.push(
      out.rejected.length === 0 ? 'the message carries no reading' : 'every reading refused; nothing recorded',
    );
  return out;
}

/**
 * An RTLS message → the tag's `location`; for a tag bound to a patient, the move is a milestone
 * (via `rtls`, `inferred`): leaving the room it was last seen in is that room's `outOfRoom`, entering
 * another is the new room's `inRoom`. A PACU location (`isPacu`) gives `pacuOut` and `pacuIn`
 * instead: the AACD milestones of recovery. The engine finds the case from the patient; being seen
 * again in the same room is no milestone.
 */
function mapRtls(
  payload: RtlsPayload,
  device: DeviceInfo,
  receivedAt: string,
  now: string,
  skewMs: number,
  isPacu: (roomId: string) => boolean = () => false,
): FeedMapping {
  const at = payload.at === undefined ? receivedAt : canonicalInstant(payload.at);
  const out: FeedMapping = { kind: 'rtls', facts: [], rejected: [], warnings: [] };
  const late = futureDetail(at, now, skewMs);
  if (late !== undefined) {
    out.rejected.push({ code: 'roomId', value: payload.roomId, reason: 'clock', detail: late });
    out.warnings.push(`position refused: ${late}`);
    return out;
  }
  const { roomId } = payload;
  out.location = { tagId: device.id, roomId, at };
  if (device.binding !== undefined) out.location.binding = device.binding;
  const binding = device.binding;
  if (binding?.kind !== 'patient' || device.tagRoomId === roomId) return out;
  const patient =
    binding.assigningAuthority === undefined
      ? { mrn: binding.mrn }
      : { mrn: binding.mrn, assigningAuthority: binding.assigningAuthority };
  const milestone = (
    room: string,
    key: 'inRoom' | 'outOfRoom' | 'pacuIn' | 'pacuOut',
  ): Omit<MilestoneFact, 'source'> => ({
    kind: 'milestone',
    at,
    target: { subject: { patient, room: { id: room, name: room } } },
    milestone: key,
    value: at,
    via: 'rtls',
    confidence: 'inferred',
  });
  // Leaving comes before entering.
  const left = device.tagRoomId;
  if (left !== undefined) out.facts.push(milestone(left, isPacu(left) ? 'pacuOut' : 'outOfRoom'));
  out.facts.push(milestone(roomId, isPacu(roomId) ? 'pacuIn' : 'inRoom'));
  return out;
}

/** A value for a message: quoted, control characters escaped, cut at 100 characters. */
function quote(value: string): string {
  return JSON.stringify(value.length <= 100 ? value : `${value.slice(0, 100)}…`);
}

/**
 * An instant as the engine keeps every instant: UTC with milliseconds, one spelling per instant
 * (`2026-11-23T08:45:00+01:00` and `…07:45:00Z` are the same reading).
 */
function canonicalInstant(iso: string): string {
  return new Date(iso).toISOString();
}
