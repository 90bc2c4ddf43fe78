import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Message } from 'node-hl7-client';
import { decodeHl7, type DecodedHl7 } from './hl7.decoder';
import { compareWithOracle as compare } from './testing/oracle.compare';

/**
 * Our decoder against node-hl7-client, the correctness reference, on every message of the public
 * corpus: every segment, field, repetition, component and sub-component node-hl7-client exposes
 * must read the same through `Hl7Segment.value` (after the trim the old node-hl7-client wrapper
 * applied), with the same repetition counts, and nothing may be valued beyond them.
 *
 * Multi-message files are split on lines starting with `MSH`, as `mllp_send --loose` does
 * (DEPENDENCY-NOTES "MLLP"); lines before the first MSH (FHS/BHS batch headers) are dropped.
 *
 * Not compared, because our decoder refuses them before parsing (readMsh, as the old decoder did):
 * - malformed/ti-empty.hl7 — no MSH at all;
 * - malformed/ti-msh_missing_msh-2.hl7, ti-msh_missing_msh-9.hl7, ti-msh_missing_msh-10.hl7,
 *   ti-msh_present_but_missing_all_fields.hl7 — MSH-2, MSH-9 or MSH-10 empty;
 * - malformed/ihe-pcd03-rgv-hardwrapped-as-published.hl7, ihe-pcd04-mindray-hardwrapped-as-published.hl7
 *   — the MSH line is wrapped before MSH-10;
 * - batch/hapi-example_oml_o21-13-messages.hl7 — 2 of its 13 messages lack MSH-10.
 * The test checks that exactly these are refused. node-hl7-client parses every other message.
 */
const CORPUS = path.resolve(__dirname, '../../../../shared/corpus/hl7v2');

const REFUSED_BY_HEADER: Readonly<Record<string, number>> = {
  'batch/hapi-example_oml_o21-13-messages.hl7': 2,
  'malformed/ihe-pcd03-rgv-hardwrapped-as-published.hl7': 1,
  'malformed/ihe-pcd04-mindray-hardwrapped-as-published.hl7': 1,
  'malformed/ti-msh_missing_msh-10.hl7': 1,
  'malformed/ti-msh_missing_msh-2.hl7': 1,
  'malformed/ti-msh_missing_msh-9.hl7': 1,
  'malformed/ti-msh_present_but_missing_all_fields.hl7': 1,
};

function hl7Files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) =>
      e.isDirectory() ? hl7Files(path.join(dir, e.name)) : e.name.endsWith('.hl7') ? [path.join(dir, e.name)] : [],
    )
    .sort();
}

/** The messages of one file, as bytes (latin1 round-trips every byte, so MSH-18 still decides). */
function messagesOf(file: string): Buffer[] {
  const messages: string[][] = [];
  for (const line of readFileSync(file)
    .toString('latin1')
    .split(/\r\n|\n|\r/)) {
    if (line.replace(/^\xEF\xBB\xBF/, '').startsWith('MSH')) messages.push([line]);
    else messages[messages.length - 1]?.push(line);
  }
  return messages.map((lines) => Buffer.from(lines.join('\r'), 'latin1'));
}

/**
 * The text node-hl7-client is given: the message's own lines (split here, not by our decoder, so a
 * mistake in our terminator handling cannot hide), blank ones left out (it cannot parse them), read
 * in the character set the file declares, with readMsh's one repair applied.
 */
function oracleTextOf(message: Buffer): string {
  const latin1 = /^MSH.*\|8859\/1(\||$)/m.test(message.toString('latin1'));
  return (
    message
      .toString(latin1 ? 'latin1' : 'utf8')
      .replace(/^\uFEFF/, '')
      .split('\r')
      .filter((line) => line.trim() !== '')
      .join('\r')
      // The one repair readMsh makes (documented there): MSH-2 `^~\\&` (a doubled escape character).
      .replace(/^MSH\|\^~\\\\&\|/, 'MSH|^~\\&|')
  );
}

function differences(decoded: DecodedHl7): string[] {
  return compare(decoded).diffs;
}

function mustDecode(payload: Buffer | string): DecodedHl7 {
  const r = decodeHl7(payload);
  if (!r.ok) throw new Error(`${r.problem.kind}: ${r.problem.text}`);
  return r.decoded;
}

describe('decodeHl7 against node-hl7-client (oracle)', () => {
  const files = hl7Files(CORPUS);
  let compared = 0;

  afterAll(() => {
    // Every leaf value of the corpus (47,642 today): a walk that silently skips most of it fails here.
    expect(compared).toBeGreaterThan(40_000);
  });

  it('finds the corpus', () => {
    expect(files.length).toBeGreaterThan(100);
  });

  it.each(files.map((f) => [path.relative(CORPUS, f), f]))('%s reads the same', (name, file) => {
    let refused = 0;
    for (const message of messagesOf(file)) {
      const r = decodeHl7(message);
      if (!r.ok) {
        // Only header refusals (readMsh), never the parser, and only where listed above.
        expect(r.problem.kind).toMatch(/^(missing-required-field|bad-encoding-characters|not-msh|empty)$/);
        refused++;
        continue;
      }
      const { diffs, leaves } = compare(r.decoded, oracleTextOf(message));
      expect(diffs).toEqual([]);
      // Guards the walk itself: a change in the oracle's API must not make it compare nothing.
      expect(leaves).toBeGreaterThan(0);
      compared += leaves;
    }
    expect(refused).toBe(REFUSED_BY_HEADER[name] ?? 0);
  });

  it('reads escape sequences like the oracle, except where documented', () => {
    const text = [
      'MSH|^~\\&|A|B|C|D|20240101||ORU^R01|1|P|2.5.1',
      // Delimiters, hex data, highlighting, character-set switches, local escapes, FT formatting,
      // an unknown sequence, an unterminated escape, and escapes split across sub-components.
      'OBX|1|FT|x||a\\F\\b\\S\\c\\T\\d\\R\\e\\E\\f~\\H\\bold\\N\\ \\X0D0A\\x\\X41\\^1\\C2842\\2\\M248041\\3\\Zlocal\\4&p\\.br\\q\\.sp2\\r\\Q\\s\\t~C:\\dir',
      'NTE|1||\\X20\\padded\\X20\\|\\E\\\\E\\',
    ].join('\r');
    const decoded = mustDecode(text);
    expect(differences(decoded)).toEqual([]);
    const obx = decoded.segments[1];
    expect(obx?.value(5)).toBe('a|b^c&d~e\\f');
    // \X0D0A\ decodes to CR LF, which, as every control character, becomes spaces.
    expect(obx?.value(5, 1, 1, 2)).toBe('bold   xA');
    expect(obx?.value(5, 2, 1, 2)).toBe('1234');
    expect(obx?.value(5, 2, 2, 2)).toBe('p\\.br\\q\\.sp2\\r\\Q\\s\\t');
    expect(obx?.value(5, 1, 1, 3)).toBe('C:\\dir');
    expect(decoded.segments[2]?.value(3)).toBe('padded');
    expect(decoded.segments[2]?.value(4)).toBe('\\\\');
  });

  it('differs from the oracle only where the oracle is wrong (documented in unescapeHl7Text)', () => {
    const text = 'MSH|^~\\&#|A|B|C|D|20240101||ORU^R01|1|P|2.7\rNTE|1||\\XC3A9\\|\\XE9\\|\\Fx\\|\\P\\|\\XZZ\\';
    const nte = mustDecode(text).segments[1];
    const oracle = new Message({ text }).get('NTE');
    // UTF-8 bytes: é (the oracle reads each byte as a code point: 'Ã©').
    expect(nte?.value(3)).toBe('é');
    expect(oracle.get('NTE.3').toString()).toBe('Ã©');
    // Not UTF-8: read as ISO 8859-1 — here both agree.
    expect(nte?.value(4)).toBe('é');
    expect(oracle.get('NTE.4').toString()).toBe('é');
    // Only the exact sequence is a delimiter (the oracle reads the first letter: '|').
    expect(nte?.value(5)).toBe('\\Fx\\');
    expect(oracle.get('NTE.5').toString()).toBe('|');
    // v2.7 truncation character declared in MSH-2 (the oracle keeps `\P\`).
    expect(nte?.value(6)).toBe('#');
    expect(oracle.get('NTE.6').toString()).toBe('\\P\\');
    // Malformed hex is kept (the oracle throws a RangeError).
    expect(nte?.value(7)).toBe('\\XZZ\\');
    expect(() => oracle.get('NTE.7').toString()).toThrow(RangeError);
  });

  it('reads ISO 8859-1 hex data in a message that declares it', () => {
    const latin1 = Buffer.from(
      'MSH|^~\\&|A|B|C|D|20240101||ORU^R01|1|P|2.5.1||||||8859/1\rNTE|1||\\XC3A9\\ é',
      'latin1',
    );
    expect(mustDecode(latin1).segments[1]?.value(3)).toBe('Ã© é');
  });
});
