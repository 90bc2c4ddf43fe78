import { isUtf8 } from 'node:buffer';
import { TextDecoder } from 'node:util';
import type { Hl7HexCharset } from './hl7.escape';

/**
 * How the bytes of one message were read as text (MSH-18, HL7 v2.5.1 §2.15.9.18, table 0211).
 */
export interface Hl7TextReading {
  /** The message as text. */
  text: string;
  /** How `\X…\` escapes of this message are read: the same character set as its bytes. */
  hex: Hl7HexCharset;
  /** The character set the bytes were read in, e.g. `UTF-8`, `ISO-8859-1`, `iso-8859-2`. */
  name: string;
  /** Why the bytes were not read as MSH-18 says (unsupported set, bytes not valid in it). */
  warnings: string[];
}

/**
 * MSH-18 (table 0211) → how to read the bytes. `auto`: UTF-8 when the bytes are valid UTF-8, else
 * ISO 8859-1 (undeclared and ASCII senders that really send Latin-1). `utf8`: as declared, invalid
 * bytes become U+FFFD. Otherwise a WHATWG label for `TextDecoder` (full ICU, as Node ships it).
 *
 * Not in the table, on purpose: ISO IR14 and ISO IR159 (JIS X 0201 / 0212, no WHATWG decoder),
 * CNS 11643-1992 (none either), UNICODE UTF-16 / UTF-32 (a message that passed `readMsh` has
 * ASCII-compatible bytes, so it is not in either). They are read as `auto`, with a warning.
 */
const CHARSETS: Readonly<Record<string, string>> = {
  '': 'auto',
  ASCII: 'auto',
  'ISO IR6': 'auto',
  'UNICODE UTF-8': 'utf8',
  // `UNICODE` (ISO/IEC 10646, withdrawn after v2.5): UCS-2 would not have passed readMsh, so the bytes
  // are an ASCII-compatible form — in practice UTF-8.
  UNICODE: 'utf8',
  // Not table 0211 spellings, but what senders write.
  'UTF-8': 'utf8',
  UTF8: 'utf8',
  '8859/1': 'latin1',
  'ISO IR100': 'latin1',
  'ISO-8859-1': 'latin1',
  '8859/2': 'iso-8859-2',
  'ISO IR101': 'iso-8859-2',
  '8859/3': 'iso-8859-3',
  'ISO IR109': 'iso-8859-3',
  '8859/4': 'iso-8859-4',
  'ISO IR110': 'iso-8859-4',
  '8859/5': 'iso-8859-5',
  'ISO IR144': 'iso-8859-5',
  '8859/6': 'iso-8859-6',
  'ISO IR127': 'iso-8859-6',
  '8859/7': 'iso-8859-7',
  'ISO IR126': 'iso-8859-7',
  '8859/8': 'iso-8859-8',
  'ISO IR138': 'iso-8859-8',
  // WHATWG reads ISO 8859-9 as its superset windows-1254 (the same for every byte from 0xA0).
  '8859/9': 'windows-1254',
  'ISO IR148': 'windows-1254',
  '8859/15': 'iso-8859-15',
  'ISO IR87': 'iso-2022-jp',
  'GB 18030-2000': 'gb18030',
  'KS X 1001': 'euc-kr',
  'BIG-5': 'big5',
};

/** The labels of {@link CHARSETS}: the only ones whose decoders are kept (a bounded memo). */
const LABELS: ReadonlySet<string> = new Set(Object.values(CHARSETS));
/**
 * One decoder per supported set, made on first use and shared: `decode()` without `stream` keeps no
 * state between calls, and making one costs more than decoding a message.
 */
const decoders = new Map<string, TextDecoder | null>();

/** A decoder for a WHATWG label; `null` when this Node's ICU cannot read it (or it is no label). */
export function textDecoderFor(label: string): TextDecoder | null {
  let decoder = decoders.get(label);
  if (decoder === undefined) {
    try {
      decoder = new TextDecoder(label);
    } catch (err) {
      // A Node built with small ICU knows only UTF-8/16 and Latin-1: the caller falls back.
      if (!(err instanceof RangeError)) throw err;
      decoder = null;
    }
    if (LABELS.has(label)) decoders.set(label, decoder);
  }
  return decoder;
}

/**
 * Reads a message's bytes in the character set its MSH-18 declares.
 *
 * - Empty, `ASCII`: UTF-8 when the bytes are valid UTF-8 (ASCII is a subset), else ISO 8859-1 with a
 *   warning — the usual undeclared Latin-1 sender; reading it as UTF-8 would turn every accented
 *   letter into U+FFFD.
 * - `UNICODE UTF-8` (and `UTF-8`, `UNICODE`): UTF-8; invalid bytes become U+FFFD, with a warning.
 * - `8859/1`: ISO 8859-1 exactly (each byte one code point); `8859/2`…`8859/15`, `GB 18030-2000`,
 *   `KS X 1001`, `BIG-5`, `ISO IR87`: `TextDecoder`.
 * - Anything else: read as if undeclared (UTF-8, else ISO 8859-1), with a warning naming MSH-18.
 *   Not refused: the delimiters and the header are ASCII in every set a sender could mean, so the
 *   message can still be stored, acknowledged and shown; only some non-ASCII letters may be wrong.
 *
 * Delimiters are found after this, in the text: multi-byte sets (Shift-JIS, Big5, GBK) may carry a
 * `|` or `\` byte inside a character.
 *
 * @param bytes - the message, without a UTF-8 byte-order mark
 * @param msh18 - MSH-18's first repetition as read by `readMsh`
 */
export function readHl7Text(bytes: Buffer, msh18: string): Hl7TextReading {
  const declared = msh18.trim().toUpperCase();
  const known = CHARSETS[declared];
  const warnings: string[] = [];
  if (known === undefined) warnings.push(`MSH-18 '${printable(msh18)}' is not a supported character set`);
  const how = known ?? 'auto';
  switch (how) {
    case 'auto':
      return asUtf8OrLatin1(bytes, warnings);
    case 'utf8':
      if (!isUtf8(bytes)) warnings.push('bytes that are not valid UTF-8 were read as U+FFFD');
      return { text: bytes.toString('utf8'), hex: 'utf8', name: 'UTF-8', warnings };
    case 'latin1':
      return { text: bytes.toString('latin1'), hex: 'latin1', name: 'ISO-8859-1', warnings };
  }
  const decoder = textDecoderFor(how);
  if (decoder === null) {
    warnings.push(`this runtime cannot read ${how}`);
    return asUtf8OrLatin1(bytes, warnings);
  }
  return { text: decoder.decode(bytes), hex: how, name: how, warnings };
}

/**
 * How `\X…\` escapes are read in a message that is already text (a string payload): the character
 * set MSH-18 declares, UTF-8 when it declares none or one we cannot read.
 */
export function hexCharsetOf(msh18: string): Hl7HexCharset {
  const how = CHARSETS[msh18.trim().toUpperCase()] ?? 'auto';
  if (how === 'auto') return 'utf8';
  return how === 'utf8' || how === 'latin1' || textDecoderFor(how) !== null ? how : 'utf8';
}

function asUtf8OrLatin1(bytes: Buffer, warnings: string[]): Hl7TextReading {
  if (isUtf8(bytes)) return { text: bytes.toString('utf8'), hex: 'utf8', name: 'UTF-8', warnings };
  warnings.push('the bytes are not valid UTF-8: read as ISO 8859-1');
  return { text: bytes.toString('latin1'), hex: 'latin1', name: 'ISO-8859-1', warnings };
}

/** MSH-18 quoted in a warning: at most 40 characters, nothing but printable ASCII. */
function printable(value: string): string {
  return value.slice(0, 40).replace(/[^\x20-\x7E]/g, '?');
}
