import { DEFAULT_ENCODING, type Hl7Encoding } from './hl7.escape';
import { Hl7ErrorCondition, hl7Problem, type Hl7Problem } from './hl7.error';

/**
 * HL7 table 0155 "Accept/application acknowledgment conditions" (HL7 v2.5.1 §2.15.9.15–16):
 * AL always, NE never, ER on error/reject only, SU on successful completion only.
 */
export type AckCondition = 'AL' | 'NE' | 'ER' | 'SU';

/** MSH-9: message code ^ trigger event ^ message structure. */
export interface Hl7MessageType {
  /** MSH-9.1, e.g. `SIU`. */
  code: string;
  /** MSH-9.2, e.g. `S12`; empty for messages without one (e.g. `ACK` in older versions). */
  trigger: string;
  /** MSH-9.3, e.g. `SIU_S12`; empty before v2.3.1 or when the sender omits it. */
  structure: string;
}

/**
 * The MSH fields the ingest path needs before storing a message. Identifying fields (MSH-3 to
 * MSH-6, MSH-10, MSH-11) are kept exactly as on the wire (components and escapes included), so that
 * the ACK can echo them byte for byte and duplicates can be recognised on exact values. A field that
 * is not valued is `''`.
 */
export interface MshHeader {
  /** Delimiters from MSH-1 and MSH-2. */
  encoding: Hl7Encoding;
  /** MSH-3 (HD), raw. */
  sendingApplication: string;
  /** MSH-4 (HD), raw. */
  sendingFacility: string;
  /** MSH-5 (HD), raw. */
  receivingApplication: string;
  /** MSH-6 (HD), raw. */
  receivingFacility: string;
  /** MSH-7 (DTM / TS first component), raw: read it with `parseHl7DateTime`. */
  dateTime: string;
  /** MSH-9. */
  messageType: Hl7MessageType;
  /** MSH-10, raw. */
  controlId: string;
  /** MSH-11 (PT), raw, e.g. `P` or `T^T`. */
  processingId: string;
  /** MSH-12.1 version id, e.g. `2.5.1`; `''` when the sender left it out. */
  version: string;
  /** MSH-15, when it is a table 0155 value; anything else counts as not valued. */
  acceptAckType: AckCondition | '';
  /** MSH-16, when it is a table 0155 value; anything else counts as not valued. */
  applicationAckType: AckCondition | '';
  /** MSH-18 first repetition (character set), e.g. `UNICODE UTF-8`; `''` when not valued. */
  charset: string;
}

/** A header that could not be read: the problem, and whatever was read before it (for the AR). */
export interface MshReadFailure {
  ok: false;
  problem: Hl7Problem;
  /** The fields read before the problem; enough to address an AR to the sender. */
  partial: Partial<MshHeader>;
}

/** The result of {@link readMsh}. */
export type MshReadResult = { ok: true; header: MshHeader } | MshReadFailure;

const ACK_CONDITIONS: ReadonlySet<string> = new Set<AckCondition>(['AL', 'NE', 'ER', 'SU']);
const CR = 0x0d;
const LF = 0x0a;

/**
 * Reads the MSH segment of a message without a full parse: this runs on the ingest hot path, before
 * the message is stored and acknowledged, where node-hl7-client would cost ~30 µs per segment.
 *
 * Accepts CR, LF or CRLF segment terminators (public samples are mostly LF) and a leading UTF-8
 * BOM. Refuses (with a table 0357 code and an ERR-2 location) a payload that does not start with
 * MSH (100), has no usable delimiters (101/102), or lacks MSH-9.1 or MSH-10 (101) — without them no
 * message can be routed or acknowledged.
 *
 * One quirk is repaired rather than refused: MSH-2 `^~\\&`, a doubled escape character that some
 * exporters write when they escape the backslash of `^~\&` for a string literal.
 *
 * @param payload - one message, as framed (Buffer) or as text
 */
export function readMsh(payload: Buffer | string): MshReadResult {
  const segment = firstSegment(payload);
  if (segment.trim() === '') {
    return fail(hl7Problem('empty', Hl7ErrorCondition.SegmentSequenceError, 'reject', 'The message is empty'), {});
  }
  if (!segment.startsWith('MSH')) {
    const found = segment.slice(0, 3).replace(/[^A-Za-z0-9]/g, '?');
    return fail(
      hl7Problem(
        'not-msh',
        Hl7ErrorCondition.SegmentSequenceError,
        'reject',
        `The message must start with an MSH segment (found '${found}')`,
        { segment: 'MSH', sequence: 1 },
      ),
      {},
    );
  }

  const fieldSep = segment.charAt(3);
  if (fieldSep === '' || /[A-Za-z0-9\s]/.test(fieldSep)) {
    return fail(
      hl7Problem(
        'bad-encoding-characters',
        Hl7ErrorCondition.DataTypeError,
        'reject',
        'MSH-1 is not a field separator',
        {
          segment: 'MSH',
          sequence: 1,
          field: 1,
        },
      ),
      {},
    );
  }
  // parts[0] = 'MSH', parts[1] = MSH-2, so MSH-n = parts[n - 1] for n >= 2.
  const parts = segment.split(fieldSep);
  const encoding = readEncoding(fieldSep, parts[1] ?? '');
  if (typeof encoding === 'string') {
    const missing = (parts[1] ?? '') === '';
    return fail(
      hl7Problem(
        missing ? 'missing-required-field' : 'bad-encoding-characters',
        missing ? Hl7ErrorCondition.RequiredFieldMissing : Hl7ErrorCondition.DataTypeError,
        'reject',
        encoding,
        { segment: 'MSH', sequence: 1, field: 2 },
      ),
      {},
    );
  }

  const field = (n: number): string => parts[n - 1] ?? '';
  const components = (value: string): string[] => value.split(encoding.repetition)[0]?.split(encoding.component) ?? [];
  const type = components(field(9));
  const ackCondition = (value: string): AckCondition | '' => {
    const v = value.trim().toUpperCase();
    return ACK_CONDITIONS.has(v) ? (v as AckCondition) : '';
  };

  const header: MshHeader = {
    encoding,
    sendingApplication: field(3),
    sendingFacility: field(4),
    receivingApplication: field(5),
    receivingFacility: field(6),
    dateTime: components(field(7))[0] ?? '',
    messageType: { code: (type[0] ?? '').trim(), trigger: (type[1] ?? '').trim(), structure: (type[2] ?? '').trim() },
    controlId: field(10),
    processingId: field(11),
    version: (components(field(12))[0] ?? '').trim(),
    acceptAckType: ackCondition(field(15)),
    applicationAckType: ackCondition(field(16)),
    charset: (field(18).split(encoding.repetition)[0] ?? '').trim(),
  };

  if (header.messageType.code === '') {
    return fail(
      hl7Problem(
        'missing-required-field',
        Hl7ErrorCondition.RequiredFieldMissing,
        'reject',
        'MSH-9 message type is empty',
        {
          segment: 'MSH',
          sequence: 1,
          field: 9,
        },
      ),
      header,
    );
  }
  if (header.controlId.trim() === '') {
    return fail(
      hl7Problem(
        'missing-required-field',
        Hl7ErrorCondition.RequiredFieldMissing,
        'reject',
        'MSH-10 message control id is empty',
        { segment: 'MSH', sequence: 1, field: 10 },
      ),
      header,
    );
  }
  return { ok: true, header };
}

function fail(problem: Hl7Problem, partial: Partial<MshHeader>): MshReadFailure {
  return { ok: false, problem, partial };
}

/** The first segment's text, without BOM and terminator. */
function firstSegment(payload: Buffer | string): string {
  if (typeof payload === 'string') {
    const text = payload.charCodeAt(0) === 0xfeff ? payload.slice(1) : payload;
    return text.slice(0, lineEnd(text.indexOf('\r'), text.indexOf('\n'), text.length));
  }
  const start = payload.length >= 3 && payload[0] === 0xef && payload[1] === 0xbb && payload[2] === 0xbf ? 3 : 0;
  const end = lineEnd(payload.indexOf(CR, start), payload.indexOf(LF, start), payload.length);
  return payload.toString('utf8', start, end);
}

function lineEnd(cr: number, lf: number, length: number): number {
  if (cr === -1) return lf === -1 ? length : lf;
  return lf === -1 ? cr : Math.min(cr, lf);
}

/** MSH-2 → delimiters, or an explanation of why they are unusable. */
function readEncoding(field: string, chars: string): Hl7Encoding | string {
  if (chars === '') return 'MSH-2 encoding characters are empty';
  const repaired = chars === '^~\\\\&' ? '^~\\&' : chars;
  if (repaired.length > 5) return `MSH-2 has ${repaired.length} encoding characters; at most 5 are defined`;
  // Missing trailing characters take their defaults, as every mainstream parser does.
  const encoding: Hl7Encoding = {
    field,
    component: repaired.charAt(0) || DEFAULT_ENCODING.component,
    repetition: repaired.charAt(1) || DEFAULT_ENCODING.repetition,
    escape: repaired.charAt(2) || DEFAULT_ENCODING.escape,
    subcomponent: repaired.charAt(3) || DEFAULT_ENCODING.subcomponent,
  };
  if (repaired.length === 5) encoding.truncation = repaired.charAt(4);
  const all = [field, encoding.component, encoding.repetition, encoding.escape, encoding.subcomponent];
  if (encoding.truncation !== undefined) all.push(encoding.truncation);
  if (new Set(all).size !== all.length) return 'MSH-1/MSH-2 delimiters are not distinct';
  if (all.some((c) => /[A-Za-z0-9\s]/.test(c)))
    return 'MSH-2 encoding characters must not be letters, digits or spaces';
  return encoding;
}
