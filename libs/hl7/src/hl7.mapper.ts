import type { FactDraft } from '@circulator/domain';
import { outcomeFromProblem, type AckOutcome } from './ack.builder';
import {
  ADT_MERGE_TRIGGER,
  ADT_TRIGGER_ACTIONS,
  HL7_OVERRIDE_KEYS,
  mapAdt,
  readLocation,
  type Hl7FactsResult,
  type Hl7OverrideKey,
  type Hl7Overrides,
} from './adt.mapper';
import { mapAlarms } from './alarm.mapper';
import { decodeHl7, type DecodedHl7, type Hl7Segment } from './hl7.decoder';
import { Hl7ErrorCondition, hl7Problem, type Hl7Problem } from './hl7.error';
import type { MshHeader } from './msh.reader';
import { mapOrders } from './order.mapper';
import { mapResults } from './oru.mapper';
import { mapSiu, SIU_TRIGGER_ACTIONS } from './siu.mapper';

/** Options of {@link mapHl7}, {@link mapDecodedHl7} and {@link evaluateHl7}. */
export interface Hl7MapOptions {
  /** IANA zone for HL7 times without an offset (`FACILITY_TZ`). */
  facilityTz: string;
  /** When the message was received (ISO 8601): a fact's `at` when the message holds no valid time. */
  receivedAt: string;
  /** AIP-4 role codes per role for SIU (defaults: CONTRACT §4). */
  roles?: { surgeon?: readonly string[]; anesthesiologist?: readonly string[] };
  /**
   * Site variants: logical field → HL7 path (`SEG[-occurrence]-field[.component[.sub-component]]`),
   * e.g. `{"patient.mrn": "PID-2.1", "schedule.room": "AIL-3.2", "procedure.text": "ZPR-2"}`. Keys:
   * {@link HL7_OVERRIDE_KEYS} (what each replaces is listed there). A valued override is used instead
   * of the standard field; an empty one leaves the standard field in force. A path without an
   * occurrence reads the segment the standard field is in when it names that segment, else the only
   * segment of that id, else the one in the same group (a ZPR after an order's OBR reads with that
   * order). Check them at start with {@link validateHl7Overrides}; invalid entries are ignored here,
   * with a warning.
   */
  overrides?: Readonly<Record<string, string>>;
}

/** What one message maps to. */
export interface Hl7Mapping {
  header: MshHeader;
  /** The facts, without source (the pipeline attaches the inbox id) and without resolved rooms. */
  facts: FactDraft[];
  /** What was missing or odd but did not stop the mapping; free of patient data. */
  warnings: string[];
  /** The MRN of the (first) patient, for the message log. */
  mrn?: string;
  /** A short provenance label, e.g. `SIU^S12 MSG00012`. */
  label: string;
}

/** The result of {@link mapHl7} / {@link mapDecodedHl7}. */
export type Hl7MapResult =
  { ok: true; mapping: Hl7Mapping } | { ok: false; problem: Hl7Problem; header?: Partial<MshHeader> };

/** The message types mapped to facts (CONTRACT §4): message code → trigger events. */
export const SUPPORTED_HL7_TYPES: Readonly<Record<string, readonly string[]>> = {
  ADT: [...Object.keys(ADT_TRIGGER_ACTIONS), ADT_MERGE_TRIGGER].sort(),
  SIU: Object.keys(SIU_TRIGGER_ACTIONS),
  ORM: ['O01'],
  OMG: ['O19'],
  ORU: ['R01', 'R40'],
};

/** True when `code^trigger` (MSH-9.1^MSH-9.2, any case) is mapped to facts. */
export function isSupportedHl7Type(code: string, trigger: string): boolean {
  return SUPPORTED_HL7_TYPES[code.trim().toUpperCase()]?.includes(trigger.trim().toUpperCase()) ?? false;
}

/** {@link decodeHl7} then {@link mapDecodedHl7}. Never throws. */
export function mapHl7(payload: Buffer | string, options: Hl7MapOptions): Hl7MapResult {
  try {
    const result = decodeHl7(payload);
    if (!result.ok) {
      return result.header === undefined
        ? { ok: false, problem: result.problem }
        : { ok: false, problem: result.problem, header: result.header };
    }
    return mapDecodedHl7(result.decoded, options);
  } catch (err: unknown) {
    return { ok: false, problem: internalProblem(err) };
  }
}

/**
 * Maps a decoded message to fact drafts: ADT (`mapAdt`), SIU (`mapSiu`), ORM^O01/OMG^O19
 * (`mapOrders`), ORU^R01 (`mapResults`), ORU^R40 (`mapAlarms`). Refuses, before mapping, an
 * unsupported type (200 unknown message code, 201 unknown trigger of a known code: AR at MSH-9) and a
 * message whose lines do not all start with a segment id (100, AR: a segment broken across lines —
 * copied from a web page or a PDF — would be read as truncated fields). Never throws: an unexpected
 * failure is a 207 content problem.
 */
export function mapDecodedHl7(decoded: DecodedHl7, options: Hl7MapOptions): Hl7MapResult {
  const { header } = decoded;
  try {
    if (!isSupportedHl7Type(header.messageType.code, header.messageType.trigger)) {
      return { ok: false, problem: unsupportedProblem(header), header };
    }
    const lineEnds: number[] = [];
    const broken = brokenSegment(decoded, lineEnds);
    if (broken !== undefined) return { ok: false, problem: broken, header };

    const warnings: string[] = [...decoded.warnings];
    if (header.version === '') warnings.push('MSH-12 version id is empty');
    const overrides = resolveOverrides(decoded, options.overrides, warnings);
    const mapped = dispatch(decoded, options, overrides, lineEnds);
    if (!mapped.ok) return { ok: false, problem: mapped.problem, header };
    const mapping: Hl7Mapping = {
      header,
      facts: mapped.facts,
      warnings: [...warnings, ...mapped.warnings],
      label: `${header.messageType.code}^${header.messageType.trigger} ${header.controlId.trim()}`,
    };
    const mrn = firstMrn(mapped.facts);
    if (mrn !== undefined) mapping.mrn = mrn;
    return { ok: true, mapping };
  } catch (err: unknown) {
    return { ok: false, problem: internalProblem(err), header };
  }
}

/**
 * The edge decision for one MLLP frame, before it is stored (CONTRACT §4): what to acknowledge and,
 * for a message that maps, the mapping. Unreadable → AR with the decoder's problem; unsupported type
 * → AR 200/201 at MSH-9; content problem → AE with its ERR; else accept (AA once stored). Never
 * throws, whatever the bytes: an unexpected failure is AR 207.
 */
export function evaluateHl7(
  payload: Buffer,
  options: Hl7MapOptions,
): { header: Partial<MshHeader>; outcome: AckOutcome; mapping?: Hl7Mapping; supported: boolean } {
  try {
    const decoded = decodeHl7(payload);
    if (!decoded.ok) {
      const header = decoded.header ?? {};
      const type = header.messageType;
      return {
        header,
        outcome: outcomeFromProblem(decoded.problem),
        supported: type !== undefined && isSupportedHl7Type(type.code, type.trigger),
      };
    }
    const { header } = decoded.decoded;
    const supported = isSupportedHl7Type(header.messageType.code, header.messageType.trigger);
    const result = mapDecodedHl7(decoded.decoded, options);
    if (!result.ok) return { header, outcome: outcomeFromProblem(result.problem), supported };
    return { header, outcome: { code: 'accept' }, mapping: result.mapping, supported };
  } catch (err: unknown) {
    const problem = internalProblem(err);
    return {
      header: {},
      outcome: { code: 'reject', error: { code: problem.code, text: problem.text } },
      supported: false,
    };
  }
}

function dispatch(
  decoded: DecodedHl7,
  options: Hl7MapOptions,
  overrides: Hl7Overrides | undefined,
  lineEnds: readonly number[],
): Hl7FactsResult<FactDraft> {
  const { header } = decoded;
  const base =
    overrides === undefined
      ? { facilityTz: options.facilityTz, receivedAt: options.receivedAt }
      : {
          facilityTz: options.facilityTz,
          receivedAt: options.receivedAt,
          overrides,
        };
  switch (header.messageType.code.trim().toUpperCase()) {
    case 'ADT':
      return mapAdt(decoded, base);
    case 'SIU': {
      const siu = mapSiu(decoded, options.roles === undefined ? base : { ...base, roles: options.roles });
      if (!siu.ok) return siu;
      const { fact, location, warnings } = siu.mapping;
      return { ok: true, facts: [location === undefined ? fact : { ...fact, location }], warnings };
    }
    case 'ORM':
    case 'OMG':
      return mapOrders(decoded, base);
    default:
      return header.messageType.trigger.trim().toUpperCase() === 'R40'
        ? mapAlarms(decoded, base)
        : mapResults(decoded, base, lineEnds);
  }
}

function firstMrn(facts: readonly FactDraft[]): string | undefined {
  const fact = facts[0];
  if (fact === undefined) return undefined;
  switch (fact.kind) {
    case 'patient':
      return fact.patient.mrn;
    case 'merge':
      return fact.survivor.mrn;
    case 'schedule':
    case 'order':
      return fact.patient?.mrn;
    case 'observations':
    case 'alarm':
      return fact.subject.patient?.mrn;
    case 'milestone':
    case 'checklist':
    case 'acknowledgement':
      return 'subject' in fact.target ? fact.target.subject.patient?.mrn : undefined;
    case 'prediction':
    case 'device-conditions':
    case 'conditions':
    case 'limits':
      return undefined;
  }
}

function unsupportedProblem(header: MshHeader): Hl7Problem {
  const code = header.messageType.code.trim().toUpperCase();
  const triggers = SUPPORTED_HL7_TYPES[code];
  const type = `${header.messageType.code}^${header.messageType.trigger}`;
  return triggers === undefined
    ? hl7Problem(
        'unsupported-message-type',
        Hl7ErrorCondition.UnsupportedMessageType,
        'reject',
        `Message type ${type} is not supported`,
        { segment: 'MSH', sequence: 1, field: 9, component: 1 },
      )
    : hl7Problem(
        'unsupported-trigger',
        Hl7ErrorCondition.UnsupportedEventCode,
        'reject',
        `Message type ${type} is not supported (${code} triggers supported: ${triggers.join(', ')})`,
        { segment: 'MSH', sequence: 1, field: 9, component: 2 },
      );
}

function internalProblem(err: unknown): Hl7Problem {
  const reason = err instanceof Error ? err.message : String(err);
  return hl7Problem(
    'unparseable',
    Hl7ErrorCondition.ApplicationInternalError,
    'error',
    `The message could not be read: ${reason}`,
  );
}

/**
 * The first line that does not start with a segment id (HL7 v2.5.1 §2.5.2: three upper-case letters
 * or digits, the first a letter, then the field separator or the end of the segment). Checked on the
 * normalised text, character by character; the end of each line goes to `ends` (the result mapper
 * reads OBX lines in place).
 */
function brokenSegment(decoded: DecodedHl7, ends: number[]): Hl7Problem | undefined {
  const { text, segments } = decoded;
  const separator = decoded.header.encoding.field.charCodeAt(0);
  let start = 0;
  let index = 0;
  while (start < text.length) {
    let end = text.indexOf('\r', start);
    if (end === -1) end = text.length;
    ends.push(end);
    let i = start;
    while (i < end && (text.charCodeAt(i) === 32 || text.charCodeAt(i) === 9)) i++;
    if (index > 0 && !segmentIdAt(text, i, end, separator)) {
      const previous = segments[index - 1];
      return hl7Problem(
        'unparseable',
        Hl7ErrorCondition.SegmentSequenceError,
        'reject',
        `Segment ${index + 1} does not start with a segment id: a segment seems broken across lines`,
        previous === undefined ? undefined : { segment: previous.name, sequence: previous.sequence },
      );
    }
    index++;
    start = end + 1;
  }
  return undefined;
}

function segmentIdAt(text: string, i: number, end: number, separator: number): boolean {
  if (end - i < 3) return false;
  const a = text.charCodeAt(i);
  if (a < 65 || a > 90) return false;
  for (let k = i + 1; k < i + 3; k++) {
    const c = text.charCodeAt(k);
    if (!((c >= 65 && c <= 90) || (c >= 48 && c <= 57))) return false;
  }
  if (i + 3 === end) return true;
  const next = text.charCodeAt(i + 3);
  // Trailing blanks after a bare segment id are tolerated (trimmed by the decoder).
  return next === separator || next === 32 || next === 9;
}

// ─── Paths and site variants ────────────────────────────────────────────────────────────────────

/** A parsed HL7 path, `SEG[-occurrence]-field[.component[.sub-component]]`, all 1-based. */
export interface Hl7Path {
  segment: string;
  /** The n-th segment of that id in the message; absent: the first (or the one in scope). */
  occurrence?: number;
  field: number;
  component?: number;
  subcomponent?: number;
}

/**
 * Parses `PID-3.1`, `AIL-3.2`, `ZSC-1.1`, `OBX-2-5.1` (the second OBX, field 5, component 1), `ZPR-2`.
 * `undefined` when it is not such a path.
 */
export function parseHl7Path(path: string): Hl7Path | undefined {
  const parts = path.trim().split('-');
  if (parts.length < 2 || parts.length > 3) return undefined;
  const segment = (parts[0] ?? '').toUpperCase();
  if (segment.length !== 3 || !segmentIdAt(segment, 0, 3, 0)) return undefined;
  let occurrence: number | undefined;
  if (parts.length === 3) {
    occurrence = positive(parts[1] ?? '');
    if (occurrence === undefined) return undefined;
  }
  const position = (parts[parts.length - 1] ?? '').split('.');
  if (position.length > 3) return undefined;
  const numbers = position.map(positive);
  const [field, component, subcomponent] = numbers;
  if (field === undefined || numbers.some((n) => n === undefined)) return undefined;
  const parsed: Hl7Path = { segment, field };
  if (occurrence !== undefined) parsed.occurrence = occurrence;
  if (component !== undefined) parsed.component = component;
  if (subcomponent !== undefined) parsed.subcomponent = subcomponent;
  return parsed;
}

function positive(text: string): number | undefined {
  if (text === '' || text.length > 4) return undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) return undefined;
  }
  const n = Number(text);
  return n >= 1 ? n : undefined;
}

/**
 * Reads one value by path (see {@link parseHl7Path}), unescaped and trimmed like `Hl7Segment.value`;
 * a path without component reads component 1. `''` when the path is invalid, the segment absent or
 * the value empty.
 * @param repetition - 1-based field repetition (default 1)
 */
export function readHl7Path(decoded: DecodedHl7, path: string, repetition = 1): string {
  const parsed = parseHl7Path(path);
  if (parsed === undefined) return '';
  const segment = findSegment(decoded.segments, parsed, undefined);
  return segment === undefined ? '' : valueAt(segment, parsed, repetition);
}

/** Configuration errors of a site's overrides (unknown key, bad path); empty when all are usable. */
export function validateHl7Overrides(overrides: Readonly<Record<string, string>>): string[] {
  const errors: string[] = [];
  for (const [key, path] of Object.entries(overrides)) {
    if (!(HL7_OVERRIDE_KEYS as readonly string[]).includes(key)) {
      errors.push(`Override '${key}': unknown key (known: ${HL7_OVERRIDE_KEYS.join(', ')})`);
    } else if (parseHl7Path(path) === undefined) {
      errors.push(`Override '${key}': '${path}' is not an HL7 path such as PID-3.1 or ZSC-1-2.1`);
    }
  }
  return errors;
}

function valueAt(segment: Hl7Segment, path: Hl7Path, repetition: number): string {
  return segment.value(path.field, path.component ?? 1, path.subcomponent ?? 1, repetition);
}

/** Segments that open a group (patient, order, observation request, resource group, schedule). */
const GROUP_STARTS: ReadonlySet<string> = new Set(['MSH', 'PID', 'ORC', 'OBR', 'RGS', 'SCH']);

/**
 * The segment a path reads: its explicit occurrence; else the scope itself when it is of that id;
 * else the only one of that id in the message; else the one in the scope's group — after the scope
 * up to the next segment of the scope's id or a group start (PID, ORC, OBR, RGS, SCH), then before
 * it back to such a segment. Without scope, the first of that id.
 */
function findSegment(
  segments: readonly Hl7Segment[],
  path: Hl7Path,
  scope: Hl7Segment | undefined,
): Hl7Segment | undefined {
  if (path.occurrence !== undefined) {
    return segments.find((s) => s.name === path.segment && s.sequence === path.occurrence);
  }
  if (scope === undefined) return segments.find((s) => s.name === path.segment);
  if (scope.name === path.segment) return scope;
  const all = segments.filter((s) => s.name === path.segment);
  if (all.length <= 1) return all[0];
  const boundary = (s: Hl7Segment | undefined): boolean =>
    s === undefined || s.name === scope.name || GROUP_STARTS.has(s.name);
  for (let i = scope.position + 1; i < segments.length; i++) {
    const s = segments[i];
    if (boundary(s)) break;
    if (s?.name === path.segment) return s;
  }
  for (let i = scope.position - 1; i >= 0; i--) {
    const s = segments[i];
    if (boundary(s)) break;
    if (s?.name === path.segment) return s;
  }
  return undefined;
}

function resolveOverrides(
  decoded: DecodedHl7,
  configured: Readonly<Record<string, string>> | undefined,
  warnings: string[],
): Hl7Overrides | undefined {
  if (configured === undefined) return undefined;
  const paths = new Map<Hl7OverrideKey, Hl7Path>();
  for (const [key, path] of Object.entries(configured)) {
    const parsed = parseHl7Path(path);
    if (!(HL7_OVERRIDE_KEYS as readonly string[]).includes(key) || parsed === undefined) {
      warnings.push(`Override '${key}' ignored: ${validateHl7Overrides({ [key]: path }).join('; ')}`);
      continue;
    }
    paths.set(key as Hl7OverrideKey, parsed);
  }
  if (paths.size === 0) return undefined;
  const { segments } = decoded;
  return {
    text(key, scope) {
      const path = paths.get(key);
      if (path === undefined) return undefined;
      const segment = findSegment(segments, path, scope);
      const value = segment === undefined ? '' : valueAt(segment, path, 1);
      return value === '' ? undefined : value;
    },
    location(key, scope) {
      const path = paths.get(key);
      if (path === undefined) return undefined;
      const segment = findSegment(segments, path, scope);
      if (segment === undefined) return undefined;
      if (path.component === undefined) return readLocation(segment, path.field);
      const value = valueAt(segment, path, 1);
      return value === '' ? undefined : { code: value, name: value };
    },
  };
}
