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
 * separators. Line breaks would end the segment, so they become spaces: ERR-8 and MSA-3 are ST,
 * which has no formatting escapes.
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
    if (ch === '\r' || ch === '\n') out += ' ';
    else out += map.get(ch) ?? ch;
  }
  return out;
}
