import { formatHl7DateTime } from './hl7-time';
import { DEFAULT_ENCODING, encodingCharacters, escapeHl7Text, type Hl7Encoding } from './hl7.escape';
import { errorConditionText, Hl7ErrorCondition, type Hl7ErrorLocation, type Hl7Problem } from './hl7.error';
import type { MshHeader } from './msh.reader';

/** HL7 table 0008 acknowledgment codes: original mode (A*) and enhanced-mode commit acks (C*). */
export type AckCode = 'AA' | 'AE' | 'AR' | 'CA' | 'CE' | 'CR';

/** The error reported in the ERR segment (and MSA-3 for versions before 2.5). */
export interface AckError {
  /** HL7 table 0357 condition code, e.g. 101 required field missing, 200 unsupported message type. */
  code: number;
  /** Free text for the sender's staff (ERR-8); escaped here, must not contain patient data. */
  text: string;
  /** Where the error is (ERR-2). */
  location?: Hl7ErrorLocation;
  /** ERR-4 severity (table 0516); default `E`. */
  severity?: 'E' | 'W' | 'I';
}

/**
 * What happened to the message: `accept` (stored durably), `error` (content wrong: AE/CE) or
 * `reject` (cannot be processed: AR/CR). A missing `error` on error/reject becomes 207.
 */
export type AckOutcome = { code: 'accept' } | { code: 'error' | 'reject'; error?: AckError };

/** Inputs of {@link buildAck} that must not be read from the environment (no clock reads here). */
export interface AckOptions {
  /** MSH-7 of the ACK. */
  now: Date;
  /** MSH-10 of the ACK: a fresh id, unique per ACK we send. */
  controlId: string;
  /** IANA zone MSH-7 is written in (with its offset), normally `FACILITY_TZ`. */
  facilityTz: string;
  /** MSH-3 of the ACK when the message's MSH-5 is empty; default `CIRCULATOR`. */
  application?: string;
  /** MSH-4 of the ACK when the message's MSH-6 is empty; default empty. */
  facility?: string;
  /** MSH-12 of the ACK when the message has no usable version; default `2.5.1`. */
  defaultVersion?: string;
}

/** Which acknowledgment rules apply (HL7 v2.5.1 §2.9.2 original, §2.9.3 enhanced). */
export type AckMode = 'original' | 'enhanced';

/**
 * Original mode unless MSH-15 or MSH-16 is valued (HL7 v2.5.1 §2.9.3: "if either is valued, the
 * enhanced rules apply"; CONTRACT §4).
 */
export function acknowledgmentMode(header: Partial<MshHeader>): AckMode {
  return (header.acceptAckType ?? '') !== '' || (header.applicationAckType ?? '') !== '' ? 'enhanced' : 'original';
}

/**
 * Decides the acknowledgment code for an outcome, or `null` when none is to be sent.
 *
 * - Original mode (§2.9.2): AA / AE / AR, always.
 * - Enhanced mode (§2.9.3): what we send on the connection is the accept (commit) acknowledgment —
 *   MSA-1 AA in this platform already means "durably stored", which is exactly a commit. It is sent
 *   as CA / CE / CR when MSH-15 asks for it: AL always, ER only on error/reject, SU only on success,
 *   NE never. MSH-15 empty (with MSH-16 valued) is read as AL, so a sender is never left waiting.
 * - Enhanced mode, no commit ack due, and the message failed: if MSH-16 asks for application acks
 *   on errors (AL or ER), the application ack AE / AR is sent now, because nothing downstream will
 *   ever send one for a message that was refused at the door.
 * - Otherwise `null`: e.g. MSH-15 = NE and the message was stored, the sender expects silence.
 */
export function ackCodeFor(header: Partial<MshHeader>, outcome: AckOutcome['code']): AckCode | null {
  const original: Record<AckOutcome['code'], AckCode> = { accept: 'AA', error: 'AE', reject: 'AR' };
  if (acknowledgmentMode(header) === 'original') return original[outcome];
  const commit = header.acceptAckType || 'AL';
  const ok = outcome === 'accept';
  const due = commit === 'AL' || (commit === 'ER' && !ok) || (commit === 'SU' && ok);
  if (due) return ok ? 'CA' : outcome === 'error' ? 'CE' : 'CR';
  const app = header.applicationAckType ?? '';
  if (!ok && (app === 'AL' || app === 'ER')) return original[outcome];
  return null;
}

/** Maps a problem found while reading or decoding a message to the outcome to acknowledge. */
export function outcomeFromProblem(problem: Hl7Problem): AckOutcome {
  const error: AckError = { code: problem.code, text: problem.text };
  if (problem.location !== undefined) error.location = problem.location;
  return { code: problem.disposition, error };
}

/**
 * Builds the acknowledgment for a message.
 *
 * The ACK goes back to where the message came from: MSH-3/4 and MSH-5/6 are swapped, the sender's
 * own delimiters and version (MSH-12) are used so that it can parse the answer (HL7 v2.5.1 §2.9.2),
 * MSH-9 is `ACK^<trigger>^ACK`, MSA-2 echoes MSH-10 exactly. AE/AR/CE/CR carry an ERR segment: for
 * v2.5 and later ERR-2 location, ERR-3 table 0357 code, ERR-4 severity and ERR-8 text; before v2.5
 * (where ERR-2.. did not exist) ERR-1 as ELD `segment^sequence^field^code&text&HL70357` plus MSA-3.
 * Free text is escaped (§2.7.1). Enhanced-mode ACKs carry MSH-15/16 = NE: an ACK is never acknowledged.
 *
 * Works with a partial header (from a failed {@link readMsh}) so that even an unreadable message gets
 * its AR: missing parts take default delimiters and version 2.5.1.
 *
 * @returns the ACK, segments separated by CR, unframed; or `null` when the acknowledgment rules say
 *   no ACK is to be sent (see {@link ackCodeFor})
 */
export function buildAck(header: Partial<MshHeader>, outcome: AckOutcome, options: AckOptions): string | null {
  const code = ackCodeFor(header, outcome.code);
  if (code === null) return null;
  const enc: Hl7Encoding = header.encoding ?? DEFAULT_ENCODING;
  const f = enc.field;
  const c = enc.component;
  const version = usableVersion(header.version) ?? options.defaultVersion ?? '2.5.1';
  const enhanced = acknowledgmentMode(header) === 'enhanced';
  const text = (value: string): string => escapeHl7Text(value, enc);

  const msh = [
    'MSH',
    encodingCharacters(enc),
    header.receivingApplication || text(options.application ?? 'CIRCULATOR'),
    header.receivingFacility || text(options.facility ?? ''),
    header.sendingApplication ?? '',
    header.sendingFacility ?? '',
    // Escaped: a sender may use '+' or '-' as a delimiter, and the time's offset holds one.
    text(formatHl7DateTime(options.now, options.facilityTz)),
    '',
    ['ACK', header.messageType?.trigger ?? '', 'ACK'].join(c),
    text(options.controlId),
    header.processingId || 'P',
    version,
  ];
  if (enhanced) msh.push('', '', 'NE', 'NE');
  // MSH-1 is the field separator itself, so MSH and MSH-2 are joined by it exactly once.
  const segments = [msh.join(f)];

  const failed = outcome.code !== 'accept';
  const error: AckError | undefined = failed
    ? (outcome.error ?? { code: Hl7ErrorCondition.ApplicationInternalError, text: 'Application internal error' })
    : undefined;
  const legacy = versionBefore25(version);

  const msa = ['MSA', code, header.controlId ?? ''];
  if (error !== undefined && legacy) msa.push(text(error.text));
  segments.push(msa.join(f));

  if (error !== undefined) {
    const condition = [String(error.code), text(errorConditionText(error.code)), 'HL70357'];
    if (legacy) {
      const loc = error.location;
      const eld = [
        text(loc?.segment ?? ''),
        loc === undefined ? '' : String(loc.sequence ?? 1),
        loc?.field === undefined ? '' : String(loc.field),
        condition.join(enc.subcomponent),
      ];
      segments.push(['ERR', eld.join(c)].join(f));
    } else {
      const err = [
        'ERR',
        '',
        error.location === undefined ? '' : errorLocation(error.location, enc),
        condition.join(c),
        error.severity ?? 'E',
        '',
        '',
        '',
        text(error.text),
      ];
      segments.push(err.join(f));
    }
  }
  return segments.join('\r');
}

/** ERL (HL7 v2.5.1 §2.A.27) with trailing empty components trimmed. */
function errorLocation(loc: Hl7ErrorLocation, enc: Hl7Encoding): string {
  const parts = [
    escapeHl7Text(loc.segment, enc),
    String(loc.sequence ?? 1),
    loc.field?.toString() ?? '',
    loc.repetition?.toString() ?? '',
    loc.component?.toString() ?? '',
    loc.subcomponent?.toString() ?? '',
  ];
  while (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
  return parts.join(enc.component);
}

/** A version id we can write back: digits and dots only (MSH-12 is echoed, never invented). */
function usableVersion(version: string | undefined): string | undefined {
  return version !== undefined && /^\d+(\.\d+)*$/.test(version) ? version : undefined;
}

/** ERR-2..ERR-12 and MSA-3's deprecation arrived with v2.5; older versions only know ERR-1. */
function versionBefore25(version: string): boolean {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  return major < 2 || (major === 2 && minor < 5);
}
