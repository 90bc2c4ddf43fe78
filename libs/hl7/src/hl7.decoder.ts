import { Message, type HL7Node } from 'node-hl7-client';
import { Hl7ErrorCondition, hl7Problem, type Hl7Problem } from './hl7.error';
import { readMsh, type MshHeader } from './msh.reader';

/**
 * One segment of a decoded message, read through node-hl7-client (the correctness reference:
 * it unescapes `\F\ \S\ \T\ \R\ \E\` and splits repetitions and sub-components right).
 *
 * Positions are 1-based like the standard (`value(3, 2)` is XXX-3.2); node-hl7-client's numeric
 * `get()` is 0-based below the field level, which this class hides.
 */
export class Hl7Segment {
  /**
   * @param name - segment id, e.g. `AIS`
   * @param position - 0-based position of the segment in the message
   * @param sequence - 1-based occurrence of this segment id in the message (ERR-2.2)
   * @param node - the node-hl7-client segment
   */
  constructor(
    readonly name: string,
    readonly position: number,
    readonly sequence: number,
    private readonly node: HL7Node,
  ) {}

  /**
   * The unescaped text at field.component.subcomponent of one repetition; `''` when not valued.
   * @param field - 1-based field number
   * @param component - 1-based component (default 1)
   * @param subcomponent - 1-based sub-component (default 1)
   * @param repetition - 1-based repetition (default 1)
   */
  value(field: number, component = 1, subcomponent = 1, repetition = 1): string {
    // A segment node's child 0 is its name, so child n is field n (for MSH, child 1 is MSH-2).
    const index = this.name === 'MSH' ? field - 1 : field;
    return this.node
      .get(index)
      .get(repetition - 1)
      .get(component - 1)
      .get(subcomponent - 1)
      .toString()
      .trim();
  }

  /** How many repetitions the field has (0 when not valued). */
  repetitions(field: number): number {
    // A field node's children are its repetitions; a missing field is node-hl7-client's empty node.
    return this.node.get(this.name === 'MSH' ? field - 1 : field).length;
  }
}

/** A message decoded by node-hl7-client, with its fast-read header. */
export interface DecodedHl7 {
  /** The MSH header (from {@link readMsh}). */
  header: MshHeader;
  /** The text that was parsed: BOM removed, segments separated by CR. */
  text: string;
  /** The node-hl7-client message, for reads this wrapper does not offer. */
  message: Message;
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
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  return body
    .split(/\r\n|\n|\r/)
    .filter((line) => line.trim() !== '')
    .join('\r');
}

/**
 * Decodes one HL7 v2 message with node-hl7-client after normalising its terminators. Never throws:
 * an empty payload, a bad header or a message the parser refuses comes back as a typed problem.
 *
 * The bytes are read as UTF-8 unless MSH-18 declares ISO 8859-1 (`8859/1`), the only other
 * character set met in practice on these feeds.
 */
export function decodeHl7(payload: Buffer | string): DecodeResult {
  const head = readMsh(payload);
  if (!head.ok) return { ok: false, problem: head.problem, header: head.partial };
  const { header } = head;

  const raw = typeof payload === 'string' ? payload : payload.toString(isLatin1(header.charset) ? 'latin1' : 'utf8');
  let text = normalizeSegmentTerminators(raw);
  // readMsh repaired a doubled escape character (`^~\\&`); give the parser the repaired MSH-2 too.
  const declared = text.slice(4, 4 + 5);
  if (declared === '^~\\\\&' && header.encoding.escape === '\\' && header.encoding.subcomponent === '&') {
    text = `${text.slice(0, 4)}^~\\&${text.slice(9)}`;
  }

  let message: Message;
  const segments: Hl7Segment[] = [];
  try {
    message = new Message({ text });
    const seen = new Map<string, number>();
    message.forEach((node, position) => {
      const name = node.name;
      const sequence = (seen.get(name) ?? 0) + 1;
      seen.set(name, sequence);
      segments.push(new Hl7Segment(name, position, sequence, node));
    });
  } catch (err: unknown) {
    const reason = err instanceof Error ? err.message : String(err);
    return {
      ok: false,
      header,
      problem: hl7Problem(
        'unparseable',
        Hl7ErrorCondition.SegmentSequenceError,
        'reject',
        `The message could not be parsed: ${reason}`,
      ),
    };
  }
  return { ok: true, decoded: { header, text, message, segments } };
}

function isLatin1(charset: string): boolean {
  const c = charset.toUpperCase();
  return c === '8859/1' || c === 'ISO IR100';
}
