import { hexCharsetOf, readHl7Text } from './hl7.charset';
import { unescapeHl7Text, type Hl7Encoding, type Hl7HexCharset } from './hl7.escape';
import { Hl7ErrorCondition, hl7Problem, type Hl7Problem } from './hl7.error';
import { readMsh, type MshHeader } from './msh.reader';

/** What every segment of one message shares: its delimiters and how `\X…\` bytes are read. */
interface Hl7Syntax {
  encoding: Hl7Encoding;
  charset: Hl7HexCharset;
}

/**
 * One segment of a decoded message. Lazy: the segment is split into fields on its first read (and
 * that split is kept); a read then walks to its repetition, component and sub-component with
 * `indexOf` on that one field, so nothing is allocated but the value itself. Values are unescaped
 * ({@link unescapeHl7Text}) and trimmed when read.
 *
 * Positions are 1-based like the standard: `value(3, 2)` is XXX-3.2. MSH-1 is the field separator
 * and MSH-2 the encoding characters, both returned as written (they are not split or unescaped);
 * MSH-3 onward are read like any other field. Segments of any id are kept, Z-segments included.
 *
 * Reads stay linear in the field's size whatever the caller does: a field's repetitions are split
 * once when a repetition other than the first is read, so walking all n repetitions of a field
 * (`for r ≤ repetitions(f)`) costs O(n), not O(n²) — a hostile `PID-3` of 500,000 `~` must not stall.
 */
export class Hl7Segment {
  /** Offsets of the field separators in `text`, found on the first read. */
  private stops: number[] | undefined;
  /** The segment holds a control character a value could carry (CR and LF end segments). */
  private controls = false;
  /** The field read last, kept because readers take several components of one field in a row. */
  private lastField = 0;
  private lastRaw = '';
  /** Field number → its repetitions, for fields read beyond their first repetition. */
  private repetitionCache: Map<number, readonly string[]> | undefined;

  /**
   * Built by {@link decodeHl7}.
   * @param name - segment id, e.g. `AIS` (the first three characters, as node-hl7-client reads it)
   * @param position - 0-based position of the segment in the message
   * @param sequence - 1-based occurrence of this segment id in the message (ERR-2.2)
   * @param text - the segment, trimmed, without its terminator
   * @param syntax - the message's delimiters and character set
   */
  constructor(
    readonly name: string,
    readonly position: number,
    readonly sequence: number,
    private readonly text: string,
    private readonly syntax: Hl7Syntax,
  ) {}

  /**
   * The unescaped text at field.component.subcomponent of one repetition; `''` when not valued.
   * @param field - 1-based field number
   * @param component - 1-based component (default 1)
   * @param subcomponent - 1-based sub-component (default 1)
   * @param repetition - 1-based repetition (default 1)
   */
  value(field: number, component = 1, subcomponent = 1, repetition = 1): string {
    const raw = this.field(field);
    if (raw === '') return '';
    const { encoding } = this.syntax;
    if (field <= 2 && this.name === 'MSH') {
      return component === 1 && subcomponent === 1 && repetition === 1 ? raw : '';
    }
    const rep = repetition === 1 ? piece(raw, encoding.repetition, 1) : this.repetition(field, raw, repetition);
    const comp = rep === undefined ? undefined : piece(rep, encoding.component, component);
    const leaf = comp === undefined ? undefined : piece(comp, encoding.subcomponent, subcomponent);
    if (leaf === undefined || leaf === '') return '';
    if (leaf.includes(encoding.escape)) {
      return withoutControls(unescapeHl7Text(leaf, encoding, this.syntax.charset)).trim();
    }
    return (this.controls ? withoutControls(leaf) : leaf).trim();
  }

  /** How many repetitions the field has (0 when not valued). */
  repetitions(field: number): number {
    const raw = this.field(field);
    if (raw === '') return 0;
    if (field <= 2 && this.name === 'MSH') return 1;
    if (!raw.includes(this.syntax.encoding.repetition)) return 1;
    return this.repetitionsOf(field, raw).length;
  }

  /** Field n as written; `''` when not valued or not a field number. */
  private field(n: number): string {
    if (n === this.lastField) return this.lastRaw;
    if (!Number.isInteger(n) || n < 1) return '';
    const separator = this.syntax.encoding.field;
    const text = this.text;
    let stops = this.stops;
    if (stops === undefined) {
      // Offsets rather than `split`: only the fields read are ever sliced out (~15 % faster on a
      // 21-OBX ORU than splitting every segment on its first read).
      stops = [];
      for (let at = text.indexOf(separator); at !== -1; at = text.indexOf(separator, at + 1)) stops.push(at);
      this.stops = stops;
      this.controls = VALUE_CONTROLS.test(text);
    }
    // stops[k - 1] opens field k; in MSH the first separator is MSH-1 itself and opens MSH-2.
    let k = n;
    if (this.name === 'MSH') {
      if (n === 1) return separator;
      k = n - 1;
    }
    const start = stops[k - 1];
    if (start === undefined) return '';
    const end = stops[k];
    const raw = end === undefined ? text.slice(start + 1) : text.slice(start + 1, end);
    this.lastField = n;
    this.lastRaw = raw;
    return raw;
  }

  private repetition(field: number, raw: string, nth: number): string | undefined {
    if (!Number.isInteger(nth) || nth < 1) return undefined;
    if (!raw.includes(this.syntax.encoding.repetition)) return undefined;
    return this.repetitionsOf(field, raw)[nth - 1];
  }

  private repetitionsOf(field: number, raw: string): readonly string[] {
    this.repetitionCache ??= new Map();
    let reps = this.repetitionCache.get(field);
    if (reps === undefined) {
      reps = raw.split(this.syntax.encoding.repetition);
      this.repetitionCache.set(field, reps);
    }
    return reps;
  }
}

/** The 1-based nth piece of text split on a one-character separator; `undefined` past the last. */
function piece(text: string, separator: string, nth: number): string | undefined {
  if (nth === 1) {
    const end = text.indexOf(separator);
    return end === -1 ? text : text.slice(0, end);
  }
  if (!Number.isInteger(nth) || nth < 1) return undefined;
  let start = 0;
  for (let i = 1; i < nth; i++) {
    const next = text.indexOf(separator, start);
    if (next === -1) return undefined;
    start = next + 1;
  }
  const end = text.indexOf(separator, start);
  return end === -1 ? text.slice(start) : text.slice(start, end);
}

/** A decoded message, with its fast-read header. */
export interface DecodedHl7 {
  /** The MSH header (from {@link readMsh}). */
  header: MshHeader;
  /** The text that was parsed: BOM removed, segments separated by CR. */
  text: string;
  /** Every segment, in message order. */
  segments: readonly Hl7Segment[];
  /**
   * The character set the bytes were read in (`UTF-8`, `ISO-8859-1`, `iso-8859-2`, …; see
   * `readHl7Text`); `text` for a payload that was already a string.
   */
  charset: string;
  /**
   * What the decoder could not honour but read anyway, e.g. an MSH-18 it does not support (read as
   * UTF-8) or bytes that are not valid in the declared set. Free of patient data.
   */
  warnings: readonly string[];
}

/** The result of {@link decodeHl7}. */
export type DecodeResult =
  { ok: true; decoded: DecodedHl7 } | { ok: false; problem: Hl7Problem; header?: Partial<MshHeader> };

/**
 * Turns every segment terminator into CR (HL7 v2.5.1 §2.5.1: segments end with CR), removes a
 * leading BOM and empty lines. Public samples and files from disk are mostly LF or CRLF.
 */
export function normalizeSegmentTerminators(text: string): string {
  return segmentLines(text).text;
}

/**
 * The non-blank lines of a message (CR, LF or CRLF separated, without a leading BOM) and the text
 * they make joined by CR. A framed message — CR-separated, blank only at its end — is the common
 * case: its text is then a slice of the input, not a copy.
 */
function segmentLines(input: string): { lines: string[]; text: string } {
  const body = input.charCodeAt(0) === 0xfeff ? input.slice(1) : input;
  if (body.includes('\n')) {
    const lines = body.split(/\r\n|\n|\r/).filter((line) => !isBlank(line));
    return { lines, text: lines.join('\r') };
  }
  const lines = body.split('\r');
  let end = body.length;
  while (lines.length > 0 && isBlank(lines[lines.length - 1] ?? '')) {
    end -= (lines.pop() ?? '').length + (lines.length > 0 ? 1 : 0);
  }
  for (const line of lines) {
    if (isBlank(line)) {
      const kept = lines.filter((l) => !isBlank(l));
      return { lines: kept, text: kept.join('\r') };
    }
  }
  return { lines, text: end === body.length ? body : body.slice(0, end) };
}

/**
 * Counts segments per id (ERR-2.2 sequence). A message has a handful of distinct ids, which a short
 * array finds faster than a `Map` hashes fresh strings (~15 % of a decode); past 16 distinct ids —
 * hostile input — a `Map` takes over, so the count stays linear in the segments.
 */
class SegmentCounter {
  private readonly names: string[] = [];
  private readonly counts: number[] = [];
  private map: Map<string, number> | undefined;

  /** The 1-based occurrence of `name`, counting this one. */
  next(name: string): number {
    if (this.map === undefined) {
      const k = this.names.indexOf(name);
      if (k !== -1) {
        const sequence = (this.counts[k] ?? 0) + 1;
        this.counts[k] = sequence;
        return sequence;
      }
      if (this.names.length < 16) {
        this.names.push(name);
        this.counts.push(1);
        return 1;
      }
      this.map = new Map(this.names.map((n, i) => [n, this.counts[i] ?? 0]));
    }
    const sequence = (this.map.get(name) ?? 0) + 1;
    this.map.set(name, sequence);
    return sequence;
  }
}

function isBlank(line: string): boolean {
  // A printable ASCII first character (every segment id) settles it without a trim.
  const first = line.charCodeAt(0);
  if (first > 0x20 && first < 0x7f) return false;
  return line === '' || line.trim() === '';
}

/**
 * Decodes one HL7 v2 message after normalising its terminators. Never throws: an empty payload, a
 * bad header or a frame holding more than one message comes back as a typed problem (a batch is
 * split first, with `splitHl7Batch`).
 *
 * Our own decoder, not node-hl7-client: that one is right but reading a message through it costs
 * ~30 µs per segment, which halved the MLLP ingest once the edge decoded SIU content. This one splits
 * segments here and fields on demand ({@link Hl7Segment}); `hl7.decoder.oracle.spec.ts` and
 * `hl7.decoder.differential.spec.ts` check it against node-hl7-client on every message of the
 * corpus and on generated ones.
 *
 * Bytes are read in the character set MSH-18 declares (`readHl7Text`: UTF-8, ISO 8859-n, GB 18030,
 * KS X 1001, Big5, ISO IR87); an undeclared or unsupported one is read as UTF-8, or as ISO 8859-1
 * when the bytes are not UTF-8, with a warning in `decoded.warnings`. Segments may end with CR, LF
 * or CRLF; blank lines are skipped.
 */
export function decodeHl7(payload: Buffer | string): DecodeResult {
  const head = readMsh(payload);
  if (!head.ok) return { ok: false, problem: head.problem, header: head.partial };
  const { header } = head;

  let raw: string;
  let charset: Hl7HexCharset;
  let charsetName: string;
  let warnings: readonly string[];
  if (typeof payload === 'string') {
    raw = payload;
    charset = hexCharsetOf(header.charset);
    charsetName = 'text';
    warnings = [];
  } else {
    const bom = payload.length >= 3 && payload[0] === 0xef && payload[1] === 0xbb && payload[2] === 0xbf;
    const reading = readHl7Text(bom ? payload.subarray(3) : payload, header.charset);
    ({ text: raw, hex: charset, name: charsetName, warnings } = reading);
  }

  const normalized = segmentLines(raw);
  const { lines } = normalized;
  let { text } = normalized;
  // readMsh repaired a doubled escape character (`^~\\&`); the segments must use the repaired MSH-2.
  const msh = lines[0] ?? '';
  if (msh.slice(4, 4 + 5) === '^~\\\\&' && header.encoding.escape === '\\' && header.encoding.subcomponent === '&') {
    lines[0] = `${msh.slice(0, 4)}^~\\&${msh.slice(9)}`;
    text = lines.join('\r');
  }

  const syntax: Hl7Syntax = { encoding: header.encoding, charset };
  const segments: Hl7Segment[] = [];
  const seen = new SegmentCounter();
  for (let position = 0; position < lines.length; position++) {
    // node-hl7-client trims each segment and takes its first three characters as the id.
    const text = (lines[position] ?? '').trim();
    const name = text.slice(0, 3);
    if (name === 'MSH' && position > 0) {
      // A second message in one frame (HL7 v2.5.1 §2.10.3: batches are framed by BHS/BTS and
      // split by splitHl7Batch before decoding): refused whole, as node-hl7-client's Message refuses it.
      return {
        ok: false,
        header,
        problem: hl7Problem(
          'unparseable',
          Hl7ErrorCondition.SegmentSequenceError,
          'reject',
          `The message could not be parsed: a second MSH segment at segment ${position + 1}; send one message per frame`,
          { segment: 'MSH', sequence: 2 },
        ),
      };
    }
    const sequence = seen.next(name);
    segments.push(new Hl7Segment(name, position, sequence, text, syntax));
  }
  return { ok: true, decoded: { header, text, segments, charset: charsetName, warnings } };
}

/**
 * Control characters (C0 but TAB, and DEL) become spaces. They arrive raw or through `\Xhh\`
 * (`\X00\`, `\X0D\`), mean nothing in a field, and some are refused by PostgreSQL (NUL in
 * text and jsonb) — which would turn a content problem into a failure that looks transient.
 */
export function withoutControls(text: string): string {
  return CONTROLS.test(text) ? text.replace(CONTROLS_ALL, ' ') : text;
}

// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROLS = /[\u0000-\u0008\u000A-\u001F\u007F]/;
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROLS_ALL = /[\u0000-\u0008\u000A-\u001F\u007F]/g;
/** The controls a raw value can hold: CR and LF end segments, so they never reach one. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const VALUE_CONTROLS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/;
