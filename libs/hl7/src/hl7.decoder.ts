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
 * MSH-3 onward are read like any other field.
 */
export class Hl7Segment {
  private fields: readonly string[] | undefined;

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
    if (this.name === 'MSH' && field <= 2) {
      return component === 1 && subcomponent === 1 && repetition === 1 ? raw : '';
    }
    const rep = piece(raw, encoding.repetition, repetition);
    const comp = rep === undefined ? undefined : piece(rep, encoding.component, component);
    const leaf = comp === undefined ? undefined : piece(comp, encoding.subcomponent, subcomponent);
    if (leaf === undefined || leaf === '') return '';
    return withoutControls(unescapeHl7Text(leaf, encoding, this.syntax.charset)).trim();
  }

  /** How many repetitions the field has (0 when not valued). */
  repetitions(field: number): number {
    const raw = this.field(field);
    if (raw === '') return 0;
    if (this.name === 'MSH' && field <= 2) return 1;
    let count = 1;
    for (
      let at = raw.indexOf(this.syntax.encoding.repetition);
      at !== -1;
      at = raw.indexOf(this.syntax.encoding.repetition, at + 1)
    ) {
      count++;
    }
    return count;
  }

  /** Field n as written; `''` when not valued or not a field number. */
  private field(n: number): string {
    if (!Number.isInteger(n) || n < 1) return '';
    const separator = this.syntax.encoding.field;
    this.fields ??= this.text.split(separator);
    // fields[0] is the segment id, so fields[n] is field n; in MSH fields[1] is MSH-2 (MSH-1, the
    // field separator, is the one that was split on), so MSH-n is fields[n - 1].
    if (this.name !== 'MSH') return this.fields[n] ?? '';
    return n === 1 ? separator : (this.fields[n - 1] ?? '');
  }
}

/** The 1-based nth piece of text split on a one-character separator; `undefined` past the last. */
function piece(text: string, separator: string, nth: number): string | undefined {
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
}

/** The result of {@link decodeHl7}. */
export type DecodeResult =
  { ok: true; decoded: DecodedHl7 } | { ok: false; problem: Hl7Problem; header?: Partial<MshHeader> };

/**
 * Turns every segment terminator into CR (HL7 v2.5.1 §2.5.1: segments end with CR), removes a
 * leading BOM and empty lines. Public samples and files from disk are mostly LF or CRLF.
 */
export function normalizeSegmentTerminators(text: string): string {
  return segmentLines(text).join('\r');
}

function segmentLines(text: string): string[] {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  // Framed messages are CR-only: skip the regular expression for them.
  const lines = body.includes('\n') ? body.split(/\r\n|\n|\r/) : body.split('\r');
  return lines.filter((line) => line.trim() !== '');
}

/**
 * Decodes one HL7 v2 message after normalising its terminators. Never throws: an empty payload, a
 * bad header or a frame holding more than one message comes back as a typed problem.
 *
 * Our own decoder, not node-hl7-client: that one is right but reading a message through it costs
 * ~30 µs per segment, which halved the MLLP ingest once the edge decoded SIU content. This one splits
 * segments here and fields on demand ({@link Hl7Segment}); `hl7.decoder.oracle.spec.ts` checks it
 * against node-hl7-client on every message of the corpus.
 *
 * The bytes are read as UTF-8 unless MSH-18 declares ISO 8859-1 (`8859/1`), the only other
 * character set met in practice on these feeds.
 */
export function decodeHl7(payload: Buffer | string): DecodeResult {
  const head = readMsh(payload);
  if (!head.ok) return { ok: false, problem: head.problem, header: head.partial };
  const { header } = head;
  const charset: Hl7HexCharset = isLatin1(header.charset) ? 'latin1' : 'utf8';

  const raw = typeof payload === 'string' ? payload : payload.toString(charset);
  const lines = segmentLines(raw);
  // readMsh repaired a doubled escape character (`^~\\&`); the segments must use the repaired MSH-2.
  const msh = lines[0] ?? '';
  if (msh.slice(4, 4 + 5) === '^~\\\\&' && header.encoding.escape === '\\' && header.encoding.subcomponent === '&') {
    lines[0] = `${msh.slice(0, 4)}^~\\&${msh.slice(9)}`;
  }

  const syntax: Hl7Syntax = { encoding: header.encoding, charset };
  const segments: Hl7Segment[] = [];
  const seen = new Map<string, number>();
  for (const [position, line] of lines.entries()) {
    // node-hl7-client trims each segment and takes its first three characters as the id.
    const text = line.trim();
    const name = text.slice(0, 3);
    if (name === 'MSH' && position > 0) {
      // A second message in one frame (HL7 v2.5.1 §2.10.3: batches are framed by BHS/BTS and
      // sent as separate MLLP blocks): refused whole, as node-hl7-client's Message refused it.
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
    const sequence = (seen.get(name) ?? 0) + 1;
    seen.set(name, sequence);
    segments.push(new Hl7Segment(name, position, sequence, text, syntax));
  }
  return { ok: true, decoded: { header, text: lines.join('\r'), segments } };
}

function isLatin1(charset: string): boolean {
  const c = charset.toUpperCase();
  return c === '8859/1' || c === 'ISO IR100';
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
