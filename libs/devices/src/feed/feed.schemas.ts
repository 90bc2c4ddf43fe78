import type { AlertPriority } from '@circulator/contracts';
import { z } from 'zod';
import { SAFE_ID_PATTERN, type FeedKind } from './feed.topics';

/**
 * The JSON payloads of the device feeds, exactly as CONTRACT §6 writes them. Objects are strict
 * (an unknown key is refused: a misspelt `temperatureF` must not pass as "no reading") and
 * everything is bounded, so one device cannot make the ingest parse or store something huge.
 * Values are checked for shape only; whether a reading is plausible is the mapper's question, so a
 * bad value drops that reading, not the whole message.
 */

/** Largest payload accepted, in UTF-8 bytes, checked before `JSON.parse`. */
export const MAX_FEED_PAYLOAD_BYTES = 64 * 1024;
/** Most observations in one message (a monitor's full parameter set is a few dozen). */
export const MAX_FEED_OBSERVATIONS = 200;
/** Longest text value (ids, codes, units, messages, firmware). */
export const MAX_FEED_TEXT = 256;

const text = z
  .string({ error: 'expected a text' })
  .min(1, { error: 'must not be empty' })
  .max(MAX_FEED_TEXT, { error: `at most ${MAX_FEED_TEXT} characters` });

/** An ISO 8601 instant with its offset (`Z` or `±hh:mm`): a time without one is ambiguous. */
const instant = z.iso.datetime({
  offset: true,
  error: 'expected an ISO 8601 date-time with offset, e.g. 2024-07-15T10:15:00+02:00',
});

/** A code or id sent as text or as a non-negative integer (`150456`, MDC codes are numbers). */
const textOrNumber = (what: string) =>
  z.union([text, z.int().nonnegative({ error: 'must not be negative' })], {
    error: `expected ${what}: a text of 1–${MAX_FEED_TEXT} characters or a non-negative integer`,
  });

/**
 * A reading's value: a number (a vital must be one), a text (an enumerated result such as
 * `MDC_ECG_SINUS_RHY`, or a decimal written as text by a gateway), or `null` ("not available").
 * Numbers are not bounded here: `1e400` parses as Infinity and is refused by the mapper as one
 * reading, like any IEEE 11073 special value, without losing the message.
 */
const observationValue = z.custom<number | string | null>(
  (v) => typeof v === 'number' || v === null || (typeof v === 'string' && v.length <= MAX_FEED_TEXT),
  { error: `expected a number, a text of at most ${MAX_FEED_TEXT} characters, or null` },
);

const observation = z.strictObject({
  /** An MDC code (`MDC_PULS_OXIM_SAT_O2`, `150456` or `"150456"`) or a vitals name of CONTRACT §3. */
  code: textOrNumber('an MDC code or a vitals name'),
  value: observationValue,
  /** Omitted: the display unit of the vitals name. */
  unit: z
    .string({ error: 'expected a text' })
    .max(MAX_FEED_TEXT, { error: `at most ${MAX_FEED_TEXT} characters` })
    .optional(),
});

/** `circulator/v1/devices/{deviceId}/observations` — `{at?, observations: [{code, value, unit?}]}`. */
export const observationsPayloadSchema = z.strictObject({
  at: instant.optional(),
  observations: z
    .array(observation, { error: 'expected a list of {code, value, unit?}' })
    .max(MAX_FEED_OBSERVATIONS, { error: `at most ${MAX_FEED_OBSERVATIONS} observations in one message` }),
});

/** `circulator/v1/devices/{deviceId}/status` — `{state, usageCount?, errorCode?, firmware?}`. */
export const statusPayloadSchema = z.strictObject({
  state: z.enum(['online', 'offline', 'error'], { error: 'expected "online", "offline" or "error"' }),
  usageCount: z
    .int({ error: 'expected a non-negative integer' })
    .nonnegative({ error: 'must not be negative' })
    .optional(),
  errorCode: text.optional(),
  firmware: text.optional(),
});

/**
 * Alarm priorities: CONTRACT §3's words, and the IHE PCD ACM codes (TF-2 Table B.8.5-8: PH high,
 * PM medium, PL low) that gateways translating from HL7 or IEEE 11073 send as they are.
 */
const PRIORITIES: Readonly<Record<string, AlertPriority>> = {
  high: 'high',
  medium: 'medium',
  low: 'low',
  PH: 'high',
  PM: 'medium',
  PL: 'low',
};

const priority = z
  .enum(['high', 'medium', 'low', 'PH', 'PM', 'PL'], { error: 'expected "high", "medium", "low", "PH", "PM" or "PL"' })
  .transform((p): AlertPriority => PRIORITIES[p] ?? 'low');

/** `circulator/v1/devices/{deviceId}/alarms` — `{id, priority, code?, message, state}`. */
export const alarmPayloadSchema = z.strictObject({
  /** The device's id of this alarm, the same on its `active` and `cleared` messages. */
  id: textOrNumber('an alarm id').transform(String),
  priority,
  code: textOrNumber('an alarm code').transform(String).optional(),
  message: text,
  state: z.enum(['active', 'cleared'], { error: 'expected "active" or "cleared"' }),
});

const measurement = z.number({ error: 'expected a finite number' });

/** `circulator/v1/rooms/{roomId}/environment` — `{at?, temperatureC?, humidityPct?, pressurePa?}`. */
export const environmentPayloadSchema = z.strictObject({
  at: instant.optional(),
  temperatureC: measurement.optional(),
  humidityPct: measurement.optional(),
  /** The room's pressure relative to its surroundings (positive-pressure ORs), in Pa. */
  pressurePa: measurement.optional(),
});

/** `circulator/v1/rtls/{tagId}` — `{roomId, at?}`. */
export const rtlsPayloadSchema = z.strictObject({
  roomId: z
    .string({ error: 'expected a text' })
    .regex(SAFE_ID_PATTERN, { error: 'expected a room id: 1–64 letters, digits, ".", "_" or "-"' }),
  at: instant.optional(),
});

export type ObservationsPayload = z.output<typeof observationsPayloadSchema>;
export type FeedObservation = ObservationsPayload['observations'][number];
export type StatusPayload = z.output<typeof statusPayloadSchema>;
export type AlarmPayload = z.output<typeof alarmPayloadSchema>;
export type EnvironmentPayload = z.output<typeof environmentPayloadSchema>;
export type RtlsPayload = z.output<typeof rtlsPayloadSchema>;

/** The payload of each feed kind. */
export interface FeedPayloads {
  observations: ObservationsPayload;
  status: StatusPayload;
  alarms: AlarmPayload;
  environment: EnvironmentPayload;
  rtls: RtlsPayload;
}

const SCHEMAS: { readonly [K in FeedKind]: z.ZodType<FeedPayloads[K]> } = {
  observations: observationsPayloadSchema,
  status: statusPayloadSchema,
  alarms: alarmPayloadSchema,
  environment: environmentPayloadSchema,
  rtls: rtlsPayloadSchema,
};

/** A payload understood, or why not in one line for the integration console. */
export type FeedPayloadResult<K extends FeedKind> =
  { ok: true; payload: FeedPayloads[K] } | { ok: false; problem: string };

/**
 * Parses the payload of a feed: size first (so a huge message is never parsed), then JSON, then
 * the kind's schema. A problem reads like `observations[3].code: expected an MDC code …`.
 */
export function parseFeedPayload<K extends FeedKind>(kind: K, payload: string): FeedPayloadResult<K> {
  const bytes = utf8Length(payload, MAX_FEED_PAYLOAD_BYTES);
  if (bytes > MAX_FEED_PAYLOAD_BYTES) {
    return { ok: false, problem: `payload is larger than ${MAX_FEED_PAYLOAD_BYTES} bytes` };
  }
  let json: unknown;
  try {
    json = JSON.parse(payload);
  } catch (e) {
    // The parser's message names the position; cut it, as it quotes the payload (its control
    // characters too: the problem stays one line of the console and the log).
    // eslint-disable-next-line no-control-regex -- matching control characters is the point
    const message = (e instanceof Error ? e.message : String(e)).replace(/[\u0000-\u001f\u007f]/g, ' ');
    return { ok: false, problem: `payload is not JSON: ${clip(message, 120)}` };
  }
  const parsed = SCHEMAS[kind].safeParse(json);
  if (parsed.success) return { ok: true, payload: parsed.data };
  return { ok: false, problem: describeIssues(parsed.error.issues) };
}

/** At most this many problems are listed; the rest are counted. */
const MAX_ISSUES = 5;

/** `observations[3].code: expected …; at: expected …` */
export function describeIssues(issues: readonly z.core.$ZodIssue[]): string {
  const lines = issues.slice(0, MAX_ISSUES).map((issue) => `${pathText(issue.path)}: ${issueText(issue)}`);
  if (issues.length > MAX_ISSUES) lines.push(`and ${issues.length - MAX_ISSUES} more`);
  return lines.join('; ');
}

function issueText(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys') {
    const keys = issue.keys.slice(0, 5).map((k) => JSON.stringify(clip(k, 40)));
    return `unknown key${issue.keys.length === 1 ? '' : 's'} ${keys.join(', ')}${issue.keys.length > 5 ? ', …' : ''}`;
  }
  // Our schemas set their own texts; zod's remain for the shape of the payload itself
  // ("Invalid input: expected object, received array").
  return issue.message.replace(/^Invalid input: /, '');
}

/** `observations[3].code`; the payload itself is `payload`. */
function pathText(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out === '' ? 'payload' : out;
}

function clip(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max)}…`;
}

/**
 * The UTF-8 length of `s`, counting no further than just past `limit` (a 10 MB payload is not
 * walked to the end). A lone surrogate counts 3 bytes, as it is encoded as U+FFFD.
 */
export function utf8Length(s: string, limit = Number.POSITIVE_INFINITY): number {
  // Each UTF-16 unit is at least one byte: a string longer than the limit is over it.
  if (s.length > limit) return s.length;
  let bytes = 0;
  for (let i = 0; i < s.length && bytes <= limit; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}
