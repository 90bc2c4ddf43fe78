import { DateTime, type DateTimeUnit } from 'luxon';
import type { TimeCondition } from './case-search.criteria';
import { FhirError } from './fhir.error';

/** One `name[:modifier]=value` of a query string, in the order sent. */
export interface QueryParam {
  name: string;
  modifier?: string;
  value: string;
}

/** The parameters of a query string (`?` optional), decoded, in order; repeats kept. */
export function readQuery(search: string): QueryParam[] {
  const out: QueryParam[] = [];
  for (const [key, value] of new URLSearchParams(search.startsWith('?') ? search.slice(1) : search)) {
    const colon = key.indexOf(':');
    out.push(colon < 0 ? { name: key, value } : { name: key.slice(0, colon), modifier: key.slice(colon + 1), value });
  }
  return out;
}

/** A query parameter as it was sent, for links and messages. */
export function keyOf(param: QueryParam): string {
  return param.modifier === undefined ? param.name : `${param.name}:${param.modifier}`;
}

/**
 * The values of a parameter: split on commas (an OR, R4 §3.1.1.5.1), with `\,`, `\|`, `\$` and
 * `\\` read as the characters themselves (R4 §3.1.1.5.7). `|` stays escaped-aware for tokens.
 */
export function splitValues(value: string, expression: string): string[] {
  const out: string[] = [];
  let current = '';
  for (let i = 0; i < value.length; i++) {
    const ch = value[i]!;
    if (ch === '\\') {
      const next = value[i + 1];
      if (next === undefined) throw new FhirError('invalid-parameter', `a trailing \\ escapes nothing`, expression);
      // Keep the escape for `|` so that a token's system split still sees it as text.
      current += next === '|' ? '\\|' : next;
      i++;
    } else if (ch === ',') {
      out.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  out.push(current);
  if (out.some((v) => v === '')) throw new FhirError('invalid-parameter', `an empty value`, expression);
  return out;
}

/** A token `[system]|[code]` (R4 §3.1.1.4.2): `system` undefined when there is no `|` (any system), `''` for `|code` (no system). */
export interface TokenValue {
  system?: string;
  code: string;
}

export function parseToken(value: string, expression: string): TokenValue {
  // The first `|` not escaped separates system and code.
  let split = -1;
  for (let i = 0; i < value.length; i++) {
    if (value[i] === '\\') i++;
    else if (value[i] === '|') {
      split = i;
      break;
    }
  }
  const unescape = (s: string): string => s.replaceAll('\\|', '|');
  if (split < 0) return { code: unescape(value) };
  const code = unescape(value.slice(split + 1));
  if (code === '') {
    throw new FhirError('unsupported-parameter', `a token without a code (system| alone) is not supported`, expression);
  }
  return { system: unescape(value.slice(0, split)), code };
}

/** Whether a token names a code of `system` (a token without a system names any system). */
export function tokenMatches(token: TokenValue, system: string | undefined, code: string): boolean {
  if (token.code !== code) return false;
  if (token.system === undefined) return true;
  return token.system === (system ?? '');
}

export const DATE_PREFIXES = ['eq', 'ne', 'gt', 'lt', 'ge', 'le', 'sa', 'eb', 'ap'] as const;
export type DatePrefix = (typeof DATE_PREFIXES)[number];

/** A date search value: its prefix and the range [start, end) its precision gives it. */
export interface DateValue {
  prefix: DatePrefix;
  start: string;
  end: string;
}

const DATE = /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})$/;

/**
 * A date parameter value (R4 §3.1.1.4.3): an optional prefix, then a date or a date-time. A date
 * (`2026`, `2026-11`, `2026-11-23`) is the whole year, month or day in the facility's zone, like
 * `GET /api/cases?date=`; a date-time needs its offset (R4: "if hours and minutes are specified, a
 * time zone SHALL be populated") and stands for its minute, second or millisecond. `ap` is refused:
 * "approximately" is the server's to define and this one does not guess.
 */
export function parseDateValue(raw: string, zone: string, expression: string): DateValue {
  const prefixed = /^[a-z]{2}/.exec(raw)?.[0];
  const prefix = (prefixed ?? 'eq') as DatePrefix;
  if (prefixed !== undefined && !(DATE_PREFIXES as readonly string[]).includes(prefixed)) {
    throw new FhirError('invalid-parameter', `${raw}: ${prefixed} is not a date prefix`, expression);
  }
  if (prefix === 'ap') {
    throw new FhirError('unsupported-parameter', `the prefix ap (approximately) is not supported`, expression);
  }
  const text = prefixed === undefined ? raw : raw.slice(2);
  const date = DATE.exec(text);
  let start: DateTime;
  let unit: DateTimeUnit;
  if (date) {
    unit = date[3] !== undefined ? 'day' : date[2] !== undefined ? 'month' : 'year';
    start = DateTime.fromObject(
      { year: Number(date[1]), month: Number(date[2] ?? 1), day: Number(date[3] ?? 1) },
      { zone },
    );
  } else if (DATE_TIME.test(text)) {
    start = DateTime.fromISO(text, { setZone: true });
    const seconds = /T\d{2}:\d{2}:\d{2}/.test(text);
    unit = /\.\d/.test(text) ? 'millisecond' : seconds ? 'second' : 'minute';
  } else if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(text)) {
    throw new FhirError(
      'invalid-parameter',
      `${raw}: a date-time needs its time zone offset (Z or ±hh:mm), R4 §3.1.1.4.3`,
      expression,
    );
  } else {
    throw new FhirError(
      'invalid-parameter',
      `${raw}: not a date (YYYY, YYYY-MM, YYYY-MM-DD or a date-time)`,
      expression,
    );
  }
  if (!start.isValid) throw new FhirError('invalid-parameter', `${raw}: not a real date`, expression);
  const end = start.plus({ [unit]: 1 });
  return { prefix, start: start.toUTC().toISO()!, end: end.toUTC().toISO()! };
}

/**
 * A date value as tests on a target range [ts, te] (a point: ts = te; still going on: te = ∞)
 * against the value's range [s, e): eq — the target lies within it; ne — it does not; gt / lt —
 * the target reaches beyond its end / starts before its start; ge / le — the target reaches its
 * start or later / starts before its end (any part on or after, on or before); sa — starts after
 * it; eb — ends before it. For a point these are the plain comparisons.
 */
export function dateCondition(v: DateValue): TimeCondition {
  const { start: s, end: e } = v;
  switch (v.prefix) {
    case 'eq':
      return [
        [
          { side: 'start', op: '>=', at: s },
          { side: 'end', op: '<', at: e },
        ],
      ];
    case 'ne':
      return [[{ side: 'start', op: '<', at: s }], [{ side: 'end', op: '>=', at: e }]];
    case 'gt':
      return [[{ side: 'end', op: '>=', at: e }]];
    case 'lt':
      return [[{ side: 'start', op: '<', at: s }]];
    case 'ge':
      return [[{ side: 'end', op: '>=', at: s }]];
    case 'le':
      return [[{ side: 'start', op: '<', at: e }]];
    case 'sa':
      return [[{ side: 'start', op: '>=', at: e }]];
    case 'eb':
      return [[{ side: 'end', op: '<', at: s }]];
    case 'ap':
      throw new FhirError('unsupported-parameter', 'the prefix ap (approximately) is not supported');
  }
}

/** Several date values of one parameter (comma-separated): any of them. */
export function dateConditionOf(raw: string, zone: string, expression: string): TimeCondition {
  return splitValues(raw, expression).flatMap((v) => dateCondition(parseDateValue(v, zone, expression)));
}

/** Whether a target range [start, end] (end undefined: still going on) meets a condition (the SQL's rule, in memory). */
export function timeMatches(condition: TimeCondition, start: string | undefined, end: string | undefined): boolean {
  if (start === undefined) return false;
  const ts = Date.parse(start);
  const te = end === undefined ? Infinity : Date.parse(end);
  return condition.some((group) =>
    group.every((t) => {
      const value = t.side === 'start' ? ts : te;
      const at = Date.parse(t.at);
      return t.op === '>=' ? value >= at : value < at;
    }),
  );
}

/**
 * The id a reference parameter names (R4 §3.1.1.4.6): `id`, `Type/id`, or an absolute URL ending
 * in `Type/id`; a type that is not `type` is refused (this parameter can only point at `type`).
 */
export function parseReferenceId(value: string, type: string, expression: string): string {
  const parts = value.split('/');
  if (parts.length === 1) return value;
  const id = parts[parts.length - 1]!;
  const named = parts[parts.length - 2]!;
  if (named !== type || id === '') {
    throw new FhirError('invalid-parameter', `${value}: must reference a ${type} (${type}/id)`, expression);
  }
  return id;
}

/** `_count` (R4 §3.1.1.5.6): how many matches per page; 0 asks for the total only. */
export function parseCount(value: string, max: number): number {
  if (!/^\d{1,6}$/.test(value)) {
    throw new FhirError('invalid-parameter', `_count must be a whole number from 0 to ${max}`, '_count');
  }
  const count = Number(value);
  if (count > max) throw new FhirError('invalid-parameter', `_count must be at most ${max}`, '_count');
  return count;
}

/** `_offset`: how many matches the page skips (the links this façade writes carry it). */
export function parseOffset(value: string): number {
  if (!/^\d{1,9}$/.test(value)) throw new FhirError('invalid-parameter', `_offset must be a whole number`, '_offset');
  return Number(value);
}
