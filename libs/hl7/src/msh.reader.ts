import { DEFAULT_ENCODING, unescapeHl7Text, type Hl7Encoding } from './hl7.escape';
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
  /** MSH-18 first repetition (character set), unescaped, e.g. `UNICODE UTF-8`; `''` when not valued. */
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

// eslint-disable-next-line no-control-regex -- matching control characters is the point
const HEADER_CONTROLS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/;
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const HEADER_CONTROLS_ALL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/g;
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
 * Control characters in the header (C0 but TAB, and DEL) are read as spaces, as the decoder reads
 * them in every value. The header is echoed in the ACK (MSH-3 to MSH-6, MSH-10 in MSA-2): a raw 0x1C
 * there, followed by the CR that ends the ACK's segment, would end its MLLP frame early, and a 0x0B
 * would start another (found by `hl7.fuzz.spec.ts`). Header fields are otherwise exactly as written.
 *
 * @param payload - one message, as framed (Buffer) or as text
 */
export function readMsh(payload: Buffer | string): MshReadResult {
  const line = firstSegment(payload);
  const segment = HEADER_CONTROLS.test(line) ? line.replace(HEADER_CONTROLS_ALL, ' ') : line;
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
  if (fieldSep === '' || notADelimiter(fieldSep) || isSurrogate(fieldSep)) {
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
      // Without encoding characters nothing can be split into components, but the fields are
      // known: what the ACK needs to be matched (MSA-2) and routed back is taken as written.
      // Values holding a default delimiter are left out: the ACK is written with those.
      {
        sendingApplication: plain(parts[2]).trim(),
        sendingFacility: plain(parts[3]).trim(),
        receivingApplication: plain(parts[4]).trim(),
        receivingFacility: plain(parts[5]).trim(),
        controlId: plain(parts[9]),
        version: plain(parts[11]).trim(),
      },
    );
  }

  const field = (n: number): string => parts[n - 1] ?? '';
  // First repetition, then its components, by index: this runs for every frame.
  const { repetition, component } = encoding;
  const type = firstPiece(field(9), repetition);
  const typeCode = firstPiece(type, component);
  const typeRest = type.length > typeCode.length ? type.slice(typeCode.length + 1) : '';
  const typeTrigger = firstPiece(typeRest, component);
  const typeStructure =
    typeRest.length > typeTrigger.length ? firstPiece(typeRest.slice(typeTrigger.length + 1), component) : '';
  const ackCondition = (value: string): AckCondition | '' => {
    if (value === '') return '';
    const v = value.trim().toUpperCase();
    return ACK_CONDITIONS.has(v) ? (v as AckCondition) : '';
  };
  const msh18 = firstPiece(field(18), repetition);

  const header: MshHeader = {
    encoding,
    sendingApplication: field(3),
    sendingFacility: field(4),
    receivingApplication: field(5),
    receivingFacility: field(6),
    dateTime: firstPiece(firstPiece(field(7), repetition), component),
    messageType: { code: typeCode.trim(), trigger: typeTrigger.trim(), structure: typeStructure.trim() },
    controlId: field(10),
    processingId: field(11),
    version: firstPiece(firstPiece(field(12), repetition), component).trim(),
    acceptAckType: ackCondition(field(15)),
    applicationAckType: ackCondition(field(16)),
    // Unescaped: a `/` in `8859/1` is written `\R\` when `/` is the repetition separator.
    charset: msh18 === '' ? '' : unescapeHl7Text(msh18, encoding).trim(),
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

/** Text up to the first `separator` (all of it when there is none). */
function firstPiece(text: string, separator: string): string {
  const end = text.indexOf(separator);
  return end === -1 ? text : text.slice(0, end);
}

/** A field read without encoding characters, or '' if it holds one of the default delimiters. */
function plain(value: string | undefined): string {
  return value === undefined || /[|^~\\&]/.test(value) ? '' : value;
}

function fail(problem: Hl7Problem, partial: Partial<MshHeader>): MshReadFailure {
  return { ok: false, problem, partial };
}

/** The first segment's text, without BOM and terminator. */
function firstSegment(payload: Buffer | string): string {
  // LF is looked for only before the first CR: a CR-only message is not scanned twice to its end.
  if (typeof payload === 'string') {
    const text = payload.charCodeAt(0) === 0xfeff ? payload.slice(1) : payload;
    const cr = text.indexOf('\r');
    const head = cr === -1 ? text : text.slice(0, cr);
    const lf = head.indexOf('\n');
    return lf === -1 ? head : head.slice(0, lf);
  }
  const start = payload.length >= 3 && payload[0] === 0xef && payload[1] === 0xbb && payload[2] === 0xbf ? 3 : 0;
  const cr = payload.indexOf(CR, start);
  const head = payload.subarray(start, cr === -1 ? payload.length : cr);
  const lf = head.indexOf(LF);
  return head.toString('utf8', 0, lf === -1 ? head.length : lf);
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
  // Loops rather than a Set and a regular expression per character: this runs for every frame.
  for (let i = 0; i < all.length; i++) {
    for (let j = i + 1; j < all.length; j++) if (all[i] === all[j]) return 'MSH-1/MSH-2 delimiters are not distinct';
  }
  if (all.some(notADelimiter)) return 'MSH-2 encoding characters must not be letters, digits or spaces';
  // Half of a character beyond U+FFFF (MSH-2 is read by UTF-16 unit): an ACK written with it would
  // carry U+FFFD in its place, which the sender could not split.
  if (all.some(isSurrogate)) return 'MSH-2 encoding characters must be characters up to U+FFFF';
  return encoding;
}

function isSurrogate(c: string): boolean {
  const code = c.charCodeAt(0);
  return code >= 0xd800 && code <= 0xdfff;
}

/** A letter, a digit or white space: not usable as a delimiter. */
function notADelimiter(c: string): boolean {
  const code = c.charCodeAt(0);
  if (code >= 0x80) return /[\s]/.test(c);
  const lower = code | 0x20;
  return (
    (code >= 0x30 && code <= 0x39) ||
    (lower >= 0x61 && lower <= 0x7a) ||
    code === 0x20 ||
    (code >= 0x09 && code <= 0x0d)
  );
}
