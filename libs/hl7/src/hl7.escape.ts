import { isUtf8 } from 'node:buffer';
import { textDecoderFor } from './hl7.charset';

/**
 * The delimiters of one message, from MSH-1 and MSH-2 (HL7 v2.5.1 §2.5.4 "Message delimiters").
 * ACKs reuse the sender's own delimiters, so a sender with non-default ones can read our answer.
 */
export interface Hl7Encoding {
  field: string;
  component: string;
  repetition: string;
  escape: string;
  subcomponent: string;
  /** The v2.7+ truncation character (5th character of MSH-2), when present. */
  truncation?: string;
}

/** `|^~\&`: the delimiters almost every sender uses. */
export const DEFAULT_ENCODING: Readonly<Hl7Encoding> = Object.freeze({
  field: '|',
  component: '^',
  repetition: '~',
  escape: '\\',
  subcomponent: '&',
});

/** The MSH-2 value for an encoding: component, repetition, escape, sub-component [, truncation]. */
export function encodingCharacters(encoding: Hl7Encoding): string {
  return `${encoding.component}${encoding.repetition}${encoding.escape}${encoding.subcomponent}${encoding.truncation ?? ''}`;
}

/**
 * Escapes free text for a field (HL7 v2.5.1 §2.7.1): the escape character first (`\E\`), then the
 * field `\F\`, component `\S\`, sub-component `\T\`, repetition `\R\` and (v2.7+) truncation `\P\`
 * separators — with the message's own characters, so a value can never open a field, component or
 * repetition of its own.
 *
 * Control characters become spaces, as {@link unescapeHl7Text}'s readers see them (`withoutControls`):
 * CR and LF would end the segment (segment injection), 0x0B and 0x1C would break the MLLP frame the
 * text travels in, and ERR-8 and MSA-3 are ST, which has no formatting escapes for line breaks.
 */
export function escapeHl7Text(text: string, encoding: Hl7Encoding = DEFAULT_ENCODING): string {
  const e = encoding.escape;
  const map = new Map<string, string>([
    [e, `${e}E${e}`],
    [encoding.field, `${e}F${e}`],
    [encoding.component, `${e}S${e}`],
    [encoding.subcomponent, `${e}T${e}`],
    [encoding.repetition, `${e}R${e}`],
  ]);
  if (encoding.truncation !== undefined) map.set(encoding.truncation, `${e}P${e}`);
  let out = '';
  // One pass, character by character: replacing delimiter by delimiter would re-escape the escapes.
  for (const ch of text) {
    const code = ch.charCodeAt(0);
    if ((code < 0x20 && code !== 0x09) || code === 0x7f) out += ' ';
    else out += map.get(ch) ?? ch;
  }
  return out;
}

/**
 * How the bytes of a `\Xhh…\` escape are read: the message's own character set (MSH-18) — `utf8`
 * (bytes that are not valid UTF-8 are read as ISO 8859-1), `latin1` (ISO 8859-1), or the WHATWG label
 * of another set `TextDecoder` reads (`iso-8859-2`, `gb18030`, …; see `readHl7Text`).
 */
export type Hl7HexCharset = 'utf8' | 'latin1' | (string & Record<never, never>);

/**
 * Unescapes one leaf value (a field, component or sub-component already split on its delimiters),
 * HL7 v2.5.1 §2.7 "Use of escape sequences in text fields", with the message's own escape character:
 *
 * - `\F\ \S\ \T\ \R\ \E\` → field, component, sub-component, repetition separator and escape
 *   character; `\P\` → the v2.7+ truncation character when MSH-2 declares one (v2.7 §2.7.1), else kept.
 * - `\Xhh…\` (hexadecimal data, §2.7.4) → those bytes read in `charset`; for UTF-8 messages bytes that
 *   are not valid UTF-8 are read as ISO 8859-1, so `\XE9\` stays `é` as most senders mean it. `\X\`
 *   (no digits) is empty. Malformed hex (odd length, non-hex digits) is kept as written.
 * - `\H\ \N\` (highlight on/off, §2.7.3), `\Cxxyy\ \Mxxyyzz\` (character set switches, §2.7.5–6) and
 *   `\Z…\` (locally defined) are removed: they are markup, not text.
 * - Anything else — the FT formatting commands `\.br\ \.sp\ \.in\ …` (§2.7.6), whose meaning depends on
 *   the field's data type, and unknown sequences — is kept as written, escape characters included.
 *   An escape character without a closing one is kept as a plain character.
 *
 * node-hl7-client, our correctness reference, agrees on every sequence above (checked on the corpus and
 * on generated messages, `hl7.decoder.differential.spec.ts`) except: it reads only the first letter
 * (`\Fxyz\` → `|`, `\Hello\` → ``, `\Cxyz\` → ``) where we require the exact sequence; it maps each
 * `\X` byte to one code point (Latin-1) whatever the message's character set; it throws on malformed
 * `\X`; and it keeps `\P\`.
 */
export function unescapeHl7Text(
  text: string,
  encoding: Hl7Encoding = DEFAULT_ENCODING,
  charset: Hl7HexCharset = 'utf8',
): string {
  const e = encoding.escape;
  let open = text.indexOf(e);
  if (open === -1) return text;
  let out = '';
  let copied = 0;
  while (open !== -1) {
    const close = text.indexOf(e, open + 1);
    if (close === -1) break;
    const replacement = escapeSequence(text.slice(open + 1, close), encoding, charset);
    if (replacement !== undefined) {
      out += text.slice(copied, open) + replacement;
      copied = close + 1;
    }
    // A sequence kept as written still consumes its closing escape character.
    open = text.indexOf(e, close + 1);
  }
  return out + text.slice(copied);
}

// `\X\` (no digits) is empty hex data: nothing, as node-hl7-client reads it.
const HEX_DATA = /^X((?:[0-9A-Fa-f]{2})*)$/;
const CHARSET_SWITCH = /^(?:C[0-9A-Fa-f]{4}|M[0-9A-Fa-f]{6})$/;

/** The text one escape sequence (without its escape characters) stands for; `undefined`: keep it. */
function escapeSequence(body: string, encoding: Hl7Encoding, charset: Hl7HexCharset): string | undefined {
  switch (body) {
    case 'F':
      return encoding.field;
    case 'S':
      return encoding.component;
    case 'T':
      return encoding.subcomponent;
    case 'R':
      return encoding.repetition;
    case 'E':
      return encoding.escape;
    case 'P':
      return encoding.truncation;
    case 'H':
    case 'N':
      return '';
  }
  const hex = HEX_DATA.exec(body)?.[1];
  if (hex !== undefined) return hexText(Buffer.from(hex, 'hex'), charset);
  if (CHARSET_SWITCH.test(body) || body.startsWith('Z')) return '';
  return undefined;
}

function hexText(bytes: Buffer, charset: Hl7HexCharset): string {
  switch (charset) {
    case 'utf8':
      // Bytes that are not UTF-8 in a UTF-8 message: a sender without MSH-18 that means ISO 8859-1
      // (e.g. `\XE9\` for é).
      return isUtf8(bytes) ? bytes.toString('utf8') : bytes.toString('latin1');
    case 'latin1':
      return bytes.toString('latin1');
  }
  return textDecoderFor(charset)?.decode(bytes) ?? bytes.toString('latin1');
}
