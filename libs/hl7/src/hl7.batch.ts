import { formatHl7DateTime } from './hl7-time';
import { DEFAULT_ENCODING, encodingCharacters, escapeHl7Text, type Hl7Encoding } from './hl7.escape';

/** The envelope of a batch: its FHS and BHS segments as written (without terminator). */
export interface Hl7BatchHeader {
  /** The file header segment (FHS), when the payload had one. */
  fhs?: string;
  /** The first batch header segment (BHS), when the payload had one. */
  bhs?: string;
}

/** What {@link splitHl7Batch} found. */
export interface Hl7BatchSplit {
  /**
   * Every message, in order, each its own bytes (copied out of the payload): from the `M` of its MSH
   * to the end of its last segment, that segment's terminator included. Ready to store, acknowledge
   * and decode one by one; a message whose header is unusable is still here, for its AR.
   */
  messages: Buffer[];
  /** The FHS/BHS envelope; absent for a header-less concatenation of messages. */
  header?: Hl7BatchHeader;
  /**
   * What did not add up, in English, free of patient data: a BTS-1/FTS-1 count that differs from
   * what was found, a missing trailer, segments outside any message, lines skipped as not HL7.
   */
  problems: string[];
}

/** Line kinds the splitter tells apart; `segment` is any other `XXX|…` line. */
type LineKind = 'FHS' | 'BHS' | 'MSH' | 'BTS' | 'FTS' | 'segment' | 'blank' | 'other';

const CR = 0x0d;
const LF = 0x0a;
/** Problems listed by {@link splitHl7Batch} before the rest are only counted. */
const MAX_PROBLEMS = 50;
/** Bytes ignored at the start of a line: space, TAB, and MLLP/page bytes left in captured files. */
const LEADING = new Set([0x20, 0x09, 0x0b, 0x0c, 0x1c]);

/**
 * True when the payload is a batch to split: it starts with FHS or BHS (HL7 v2.5.1 §2.10.3), or it
 * holds more than one MSH segment (a header-less concatenation of messages). Cheap enough for every
 * frame: a look at the first bytes and, at most, a scan for a second line starting with `MSH`.
 */
export function isHl7Batch(payload: Buffer | string): boolean {
  const bytes = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
  let at = bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  while (at < bytes.length && (LEADING.has(bytes[at] ?? 0) || bytes[at] === CR || bytes[at] === LF)) at++;
  const lineEndOf = lineEnds(bytes);
  const first = kindAt(bytes, at, lineEndOf(at));
  if (first === 'FHS' || first === 'BHS') return true;
  // A second MSH at the start of any later line (after CR or LF).
  let mshCount = first === 'MSH' ? 1 : 0;
  for (const needle of ['\rMSH', '\nMSH']) {
    const ends = lineEnds(bytes);
    for (let i = bytes.indexOf(needle, at); i !== -1; i = bytes.indexOf(needle, i + 1)) {
      if (kindAt(bytes, i + 1, ends(i + 1)) === 'MSH' && ++mshCount > 1) return true;
    }
  }
  return false;
}

/**
 * Splits a batch into its messages (HL7 v2.5.1 §2.10.3 "HL7 batch protocol":
 * `[FHS] {[BHS] {MSH …} [BTS]} [FTS]`), whether it came as one MLLP frame or as an uploaded file, and
 * header-less concatenations of messages too. Never throws; linear in the payload.
 *
 * Tolerated, as public samples show (corpus/hl7v2/batch): CR, LF or CRLF terminators, also mixed;
 * runs of empty segments between messages; comment or text lines between messages (`//`, `/* … *\/`:
 * any line that is not `XXX` + field separator), skipped and reported; missing BTS/FTS, reported;
 * leading spaces, VT/FS/FF bytes left from MLLP captures, and a UTF-8 BOM. A line inside a message
 * that is not a segment stays in that message (the decoder reads it as it reads it in a single
 * message); only lines after a message's last segment are dropped.
 *
 * Checked, into `problems` (nothing is refused: each message is stored and acknowledged on its own):
 * BTS-1 (batch message count) against the messages of its batch; FTS-1 (file batch count) against
 * the batches, or the messages when the file has no BHS; a trailer without its header, a header
 * without its trailer; a second FHS; segments outside any message. Nested batches are split like
 * the rest; `header.bhs` is the first BHS.
 *
 * @param payload - the batch as received (a string is read as UTF-8)
 */
export function splitHl7Batch(payload: Buffer | string): Hl7BatchSplit {
  const bytes = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
  const messages: Buffer[] = [];
  const header: Hl7BatchHeader = {};
  // Bounded whatever the payload: the first problems are listed, the rest counted; skipped lines
  // are counted, the first ten listed.
  const problems: string[] = [];
  let unlisted = 0;
  const report = (problem: string): void => {
    if (problems.length < MAX_PROBLEMS) problems.push(problem);
    else unlisted++;
  };
  const skipped: number[] = [];
  let skippedCount = 0;
  const skip = (line: number): void => {
    skippedCount++;
    if (skipped.length < 10) skipped.push(line);
  };

  /**
   * The open message: where it starts, where its last segment (terminator included) ends, and the
   * non-segment lines seen since — kept if another segment of the message follows, else dropped.
   */
  let message: { start: number; end: number; pending: number[] } | undefined;
  let pendingCount = 0;
  let batchOpen = false;
  let batches = 0;
  let inBatch = 0;
  let fileMessages = 0;
  let fileOpen = false;
  let fileClosed = false;
  let lineNumber = 0;
  const closeMessage = (): void => {
    if (message === undefined) return;
    messages.push(Buffer.from(bytes.subarray(message.start, message.end)));
    for (const line of message.pending) skip(line);
    skippedCount += pendingCount - message.pending.length;
    message = undefined;
    inBatch++;
    fileMessages++;
  };

  let at = bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  const lineEndOf = lineEnds(bytes);
  while (at < bytes.length) {
    lineNumber++;
    // Empty lines (runs of CR between messages) skipped without a search.
    if (bytes[at] === CR || bytes[at] === LF) {
      at += bytes[at] === CR && bytes[at + 1] === LF ? 2 : 1;
      continue;
    }
    const end = lineEndOf(at);
    const next = bytes[end] === CR && bytes[end + 1] === LF ? end + 2 : Math.min(end + 1, bytes.length);
    let start = at;
    while (start < end && LEADING.has(bytes[start] ?? 0)) start++;
    const kind = kindAt(bytes, start, end);
    switch (kind) {
      case 'blank':
        break;
      case 'other':
        if (message === undefined) skip(lineNumber);
        else if (pendingCount++ < 10) message.pending.push(lineNumber);
        break;
      case 'MSH':
        closeMessage();
        if (fileClosed) report(`line ${lineNumber}: a message after the FTS`);
        message = { start, end: blockEnd(bytes, end) < end ? blockEnd(bytes, end) : next, pending: [] };
        pendingCount = 0;
        break;
      case 'segment':
        if (message === undefined) {
          report(`line ${lineNumber}: a ${segmentId(bytes, start)} segment outside any message was skipped`);
        } else {
          message.pending = [];
          pendingCount = 0;
          message.end = blockEnd(bytes, end) < end ? blockEnd(bytes, end) : next;
        }
        break;
      case 'FHS':
        closeMessage();
        if (header.fhs === undefined && messages.length === 0 && batches === 0) {
          header.fhs = segmentText(bytes, start, end);
          fileOpen = true;
        } else {
          report(`line ${lineNumber}: a second FHS, or an FHS after messages, was ignored`);
        }
        break;
      case 'BHS':
        closeMessage();
        if (batchOpen) report(`batch ${batches} has no BTS`);
        batchOpen = true;
        batches++;
        inBatch = 0;
        header.bhs ??= segmentText(bytes, start, end);
        break;
      case 'BTS':
        closeMessage();
        if (!batchOpen) report(`line ${lineNumber}: a BTS without a BHS`);
        checkCount(
          report,
          `BTS-1 of batch ${Math.max(batches, 1)}`,
          firstField(bytes, start, end),
          inBatch,
          'messages',
        );
        batchOpen = false;
        inBatch = 0;
        break;
      case 'FTS': {
        closeMessage();
        if (batchOpen) report(`batch ${batches} has no BTS`);
        batchOpen = false;
        if (!fileOpen) report(`line ${lineNumber}: an FTS without an FHS`);
        const count = firstField(bytes, start, end);
        // FTS-1 counts batches; in a file of bare messages (no BHS) it can only mean its messages.
        if (batches > 0) checkCount(report, 'FTS-1', count, batches, 'batches');
        else checkCount(report, 'FTS-1', count, fileMessages, 'messages');
        fileOpen = false;
        fileClosed = true;
        break;
      }
      default:
        assertNever(kind);
    }
    at = next;
  }
  closeMessage();
  if (batchOpen) report(`batch ${batches} has no BTS`);
  if (fileOpen) report('the file has no FTS');
  if (unlisted > 0) problems.push(`${unlisted} more problem(s) not listed`);
  if (skippedCount > 0) {
    const shown = skipped.join(', ') + (skippedCount > skipped.length ? ', …' : '');
    problems.push(`${skippedCount} line(s) that are not HL7 segments were skipped (line ${shown})`);
  }
  const split: Hl7BatchSplit = { messages, problems };
  if (header.fhs !== undefined || header.bhs !== undefined) split.header = header;
  return split;
}

/**
 * Where a line ends once MLLP block bytes left at its end (`…|F<FS>` in a captured stream) are cut
 * off: a message then ends there, without them and without its terminator.
 */
function blockEnd(bytes: Buffer, end: number): number {
  let last = end;
  while (last > 0 && (bytes[last - 1] === 0x1c || bytes[last - 1] === 0x0b || bytes[last - 1] === 0x0c)) last--;
  return last;
}

/**
 * A function giving the index of the CR or LF that ends the line starting at `from` (the payload
 * length if none), for calls with growing `from`. It remembers the next CR and the next LF, so each
 * byte is searched at most once for each (natively): linear in the payload whatever its terminators.
 */
function lineEnds(bytes: Buffer): (from: number) => number {
  let cr = -2;
  let lf = -2;
  return (from) => {
    if (cr !== -1 && cr < from) cr = bytes.indexOf(CR, from);
    if (lf !== -1 && lf < from) lf = bytes.indexOf(LF, from);
    return Math.min(cr === -1 ? bytes.length : cr, lf === -1 ? bytes.length : lf);
  };
}

function isUpperAlnum(b: number | undefined): boolean {
  return b !== undefined && ((b >= 0x41 && b <= 0x5a) || (b >= 0x30 && b <= 0x39));
}

function isAlnumOrSpace(b: number): boolean {
  return (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) || (b >= 0x30 && b <= 0x39) || b <= 0x20;
}

/**
 * What the line `bytes[start, end)` is: a segment is an upper-case letter, two upper-case letters or
 * digits, then a field separator (any byte that is not a letter, digit, space or control) or the end
 * of the line (`DSC`, `BTS` without fields).
 */
function kindAt(bytes: Buffer, start: number, end: number): LineKind {
  let last = end;
  while (last > start && (bytes[last - 1] ?? 0) <= 0x20) last--;
  if (last === start) return 'blank';
  const a = bytes[start] ?? 0;
  if (
    last - start < 3 ||
    !(a >= 0x41 && a <= 0x5a) ||
    !isUpperAlnum(bytes[start + 1]) ||
    !isUpperAlnum(bytes[start + 2])
  ) {
    return 'other';
  }
  const separator = start + 3 < last ? (bytes[start + 3] ?? 0) : undefined;
  if (separator !== undefined && isAlnumOrSpace(separator)) return 'other';
  const id = bytes.toString('latin1', start, start + 3);
  switch (id) {
    case 'FHS':
    case 'BHS':
    case 'MSH':
      // Headers carry their delimiters: one without a field separator is not a header.
      return separator === undefined ? 'segment' : id;
    case 'BTS':
    case 'FTS':
      return id;
  }
  return 'segment';
}

function segmentId(bytes: Buffer, start: number): string {
  return bytes.toString('latin1', start, start + 3);
}

function segmentText(bytes: Buffer, start: number, end: number): string {
  let last = end;
  while (last > start && (bytes[last - 1] === 0x20 || bytes[last - 1] === 0x09 || bytes[last - 1] === 0x1c)) last--;
  return bytes.toString('utf8', start, last);
}

/** Field 1 of a trailer (`BTS|2|…` → `2`), trimmed; `''` when not valued. */
function firstField(bytes: Buffer, start: number, end: number): string {
  const text = segmentText(bytes, start, end);
  const separator = text.charAt(3);
  if (separator === '') return '';
  const field = text.slice(4).split(separator)[0] ?? '';
  return field.trim();
}

function checkCount(
  report: (problem: string) => void,
  what: string,
  written: string,
  found: number,
  unit: string,
): void {
  if (written === '') return;
  if (!/^\d{1,9}$/.test(written)) {
    report(`${what} '${written.slice(0, 20).replace(/[^\x20-\x7E]/g, '?')}' is not a count`);
  } else if (Number(written) !== found) {
    report(`${what} counts ${Number(written)} ${unit}, ${found} found`);
  }
}

function assertNever(value: never): never {
  throw new Error(`unexpected line kind ${String(value)}`);
}

/** Inputs of {@link buildBatchAck}; the same as the message ACKs' (no clock or environment reads). */
export interface BatchAckOptions {
  /** BHS-7 / FHS-7. */
  now: Date;
  /** BHS-11 (and FHS-11): a fresh id for this acknowledgment batch. */
  controlId: string;
  /** IANA zone BHS-7 is written in, normally `FACILITY_TZ`. */
  facilityTz: string;
  /** BHS-3 when the batch's BHS-5 is empty; default `CIRCULATOR`. */
  application?: string;
}

/**
 * The acknowledgment of a batch: a batch of ACK messages (HL7 v2.5.1 §2.10.3, batch protocol — a
 * batch is acknowledged by a batch; BHS-12 "reference batch control ID" names the batch acknowledged
 * by its BHS-11, FHS-12 the file by its FHS-11; BTS-1 counts the ACKs).
 *
 * The standard lets the receiver acknowledge every message or, by agreement, only those in error
 * (an empty acknowledgment batch then means "all accepted"). We acknowledge every message: CONTRACT
 * §4 wants one ACK per message and AA only once it is stored, and a sender can only resend what it
 * knows failed. Each ACK is {@link buildAck}'s for that message; pass only the ones that are due
 * (`buildAck` returns `null` for enhanced-mode NE). When the batch came in an FHS, the answer is
 * wrapped in FHS/FTS too; a header-less concatenation gets a BHS/BTS batch all the same, the one shape
 * the standard defines for several ACKs in one answer.
 *
 * @param header - the batch's envelope from {@link splitHl7Batch} (its delimiters are reused)
 * @param acks - the ACK of each message, in message order, CR-separated and unframed
 * @returns the acknowledgment batch, segments separated by CR, unframed (one MLLP frame)
 */
export function buildBatchAck(
  header: Hl7BatchHeader | undefined,
  acks: readonly string[],
  options: BatchAckOptions,
): string {
  const incoming = header?.bhs ?? header?.fhs;
  const enc = incoming === undefined ? DEFAULT_ENCODING : (envelopeEncoding(incoming) ?? DEFAULT_ENCODING);
  // Escaped: the offset's `+`/`-` may be one of the sender's delimiters.
  const when = escapeHl7Text(formatHl7DateTime(options.now, options.facilityTz), enc);
  const envelope = (id: 'FHS' | 'BHS', segment: string | undefined): string => {
    const field = (n: number): string => (segment === undefined ? '' : headerField(segment, n));
    return [
      id,
      encodingCharacters(enc),
      field(5) || escapeHl7Text(options.application ?? 'CIRCULATOR', enc),
      field(6),
      field(3),
      field(4),
      when,
      '',
      '',
      '',
      escapeHl7Text(options.controlId, enc),
      field(11),
    ].join(enc.field);
  };
  const lines: string[] = [];
  if (header?.fhs !== undefined) lines.push(envelope('FHS', header.fhs));
  lines.push(envelope('BHS', header?.bhs ?? header?.fhs));
  for (const ack of acks) lines.push(ack);
  lines.push(['BTS', String(acks.length)].join(enc.field));
  if (header?.fhs !== undefined) lines.push(['FTS', '1'].join(enc.field));
  return lines.join('\r');
}

/** The delimiters of an FHS/BHS segment (its fields 1 and 2, as in MSH); `undefined` if unusable. */
function envelopeEncoding(segment: string): Hl7Encoding | undefined {
  const field = segment.charAt(3);
  const chars = segment.slice(4).split(field)[0] ?? '';
  if (field === '' || chars.length < 4) return undefined;
  const enc: Hl7Encoding = {
    field,
    component: chars.charAt(0),
    repetition: chars.charAt(1),
    escape: chars.charAt(2),
    subcomponent: chars.charAt(3),
  };
  const all = [enc.field, enc.component, enc.repetition, enc.escape, enc.subcomponent];
  if (new Set(all).size !== all.length || all.some((c) => /[A-Za-z0-9\s]/.test(c))) return undefined;
  return enc;
}

/**
 * Field n of an FHS/BHS segment as written (n ≥ 3; fields 1 and 2 are the delimiters), control
 * characters as spaces: echoed raw, a 0x1C or 0x0B would break the answer's MLLP frame.
 */
function headerField(segment: string, n: number): string {
  const field = segment.charAt(3);
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  return (segment.split(field)[n - 1] ?? '').replace(/[\u0000-\u0008\u000A-\u001F\u007F]/g, ' ');
}
