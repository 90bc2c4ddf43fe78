import { TextDecoder } from 'node:util';
import fc from 'fast-check';
import { Message } from 'node-hl7-client';
import { decodeHl7, withoutControls, type DecodedHl7 } from './hl7.decoder';
import { MllpDeframer } from './mllp.deframer';
import { frame } from './mllp.framing';
import { compareWithOracle } from './testing/oracle.compare';

/**
 * Differential property test: generated messages go through our decoder (as bytes, in the declared
 * character set, with CR, LF or CRLF terminators and blank lines) and through node-hl7-client (as
 * the CR-separated text they stand for), and every value must read the same through both — and the
 * same as the generator's own model of what each value means, so a mistake both decoders shared
 * would still fail.
 *
 * Generated: delimiters drawn from MSH-1/MSH-2 (4 or 5 encoding characters, the 5th the v2.7
 * truncation character, which is data for both), segment ids including Z-segments, repetitions,
 * components, sub-components, empty positions, every escape sequence both decoders read alike
 * (`\F\ \S\ \T\ \R\ \E\ \H\ \N\ \X…\ \C…\ \M…\ \Z…\`, the FT formatting commands `\.br\ \.sp\ …`,
 * unknown sequences, a trailing lone escape character), control characters, non-ASCII text, and the
 * character sets UTF-8 (declared or not), ISO 8859-1 (declared, or undeclared and not UTF-8),
 * 8859-2/5/7/15, GB 18030, Big5 and KS X 1001 — whose two-byte characters may end in `|` or `\`.
 *
 * Left out, because the two decoders knowingly differ (see `unescapeHl7Text` and
 * `hl7.decoder.oracle.spec.ts`, which checks each difference): escapes read by their first letter
 * only (`\Fxyz\`), `\X…\` bytes that are UTF-8 or in a non-Latin-1 set, malformed `\X`, `\P\` when
 * MSH-2 declares a truncation character, MSH-2 with fewer than 4 characters.
 */

const SEED = 0x5eed_2611;

/** Delimiter candidates: printable ASCII that is not a letter, digit or space, nor used by FT commands. */
const DELIMITER_POOL = [...'!"#$%&\'()*,/:;<=>?@[\\]^_`{|}~'];

interface Encoding {
  field: string;
  component: string;
  repetition: string;
  escape: string;
  subcomponent: string;
  truncation?: string;
}

/** A character set: MSH-18, the non-ASCII characters it can carry, and how text becomes bytes. */
interface Charset {
  label: string;
  msh18: string;
  /** What `decoded.charset` must say. */
  readAs: string;
  nonAscii: readonly string[];
  encode: (text: string) => Buffer;
  /** `\X…\` may end with one byte ≥ 0xC0: read as ISO 8859-1 by both decoders in this set. */
  hexHighByte: boolean;
  /** The decoder must warn (undeclared bytes that are not UTF-8). */
  warns: boolean;
}

const LATIN1_LETTERS = Array.from({ length: 0x40 }, (_, i) => String.fromCharCode(0xc0 + i));

/** A one-byte set: its characters from 0xA0 up, as `TextDecoder` reads them. */
function singleByte(label: string, msh18: string, whatwg: string): Charset {
  const decoder = new TextDecoder(whatwg);
  const table = new Map<string, number>();
  for (let b = 0xa0; b <= 0xff; b++) {
    const ch = decoder.decode(Buffer.of(b));
    if (ch !== '\uFFFD' && !table.has(ch)) table.set(ch, b);
  }
  return {
    label,
    msh18,
    readAs: whatwg,
    nonAscii: [...table.keys()],
    encode: (text) =>
      Buffer.from([...text].map((ch) => (ch.charCodeAt(0) < 0x80 ? ch.charCodeAt(0) : (table.get(ch) ?? 0x3f)))),
    hexHighByte: false,
    warns: false,
  };
}

/** A two-byte CJK set: characters from a fixed grid of lead and trail bytes (trails include `\` and `|`). */
function doubleByte(label: string, msh18: string, whatwg: string): Charset {
  const decoder = new TextDecoder(whatwg);
  const table = new Map<string, Buffer>();
  for (const lead of [0x81, 0x88, 0x9f, 0xa1, 0xb0, 0xc4, 0xd7, 0xe0, 0xf7]) {
    for (const trail of [0x40, 0x5c, 0x7c, 0x7e, 0x80, 0xa1, 0xb5, 0xfe]) {
      const bytes = Buffer.of(lead, trail);
      const ch = decoder.decode(bytes);
      if ([...ch].length === 1 && ch !== '\uFFFD' && !table.has(ch)) table.set(ch, bytes);
    }
  }
  return {
    label,
    msh18,
    readAs: whatwg,
    nonAscii: [...table.keys()],
    encode: (text) =>
      Buffer.concat([...text].map((ch) => table.get(ch) ?? Buffer.from(ch.charCodeAt(0) < 0x80 ? ch : '?', 'latin1'))),
    hexHighByte: false,
    warns: false,
  };
}

const UTF8_TEXT = ['é', 'ß', 'ø', '€', 'Ω', 'ж', '漢', '字', '😀', '\u00A0', '\u2028', 'ﬁ'];
const CHARSETS: readonly Charset[] = [
  {
    label: 'UTF-8, undeclared',
    msh18: '',
    readAs: 'UTF-8',
    nonAscii: UTF8_TEXT,
    encode: (t) => Buffer.from(t, 'utf8'),
    hexHighByte: true,
    warns: false,
  },
  {
    label: 'UNICODE UTF-8',
    msh18: 'UNICODE UTF-8',
    readAs: 'UTF-8',
    nonAscii: UTF8_TEXT,
    encode: (t) => Buffer.from(t, 'utf8'),
    hexHighByte: true,
    warns: false,
  },
  {
    label: '8859/1',
    msh18: '8859/1',
    readAs: 'ISO-8859-1',
    nonAscii: Array.from({ length: 0x60 }, (_, i) => String.fromCharCode(0xa0 + i)),
    encode: (t) => Buffer.from(t, 'latin1'),
    hexHighByte: true,
    warns: false,
  },
  {
    // Letters from 0xC0 only: never followed by a continuation byte, so the bytes are never UTF-8.
    label: 'ISO 8859-1, undeclared',
    msh18: '',
    readAs: 'ISO-8859-1',
    nonAscii: LATIN1_LETTERS,
    encode: (t) => Buffer.from(t, 'latin1'),
    hexHighByte: true,
    warns: true,
  },
  singleByte('8859/2', '8859/2', 'iso-8859-2'),
  singleByte('8859/5', '8859/5', 'iso-8859-5'),
  singleByte('8859/7', '8859/7', 'iso-8859-7'),
  singleByte('8859/15', '8859/15', 'iso-8859-15'),
  doubleByte('GB 18030-2000', 'GB 18030-2000', 'gb18030'),
  doubleByte('BIG-5', 'BIG-5', 'big5'),
  doubleByte('KS X 1001', 'KS X 1001', 'euc-kr'),
];

/** One piece of a leaf value: as written in the message, and what it means. */
interface Token {
  raw: string;
  value: string;
}

const ASCII_TEXT = [...'abcXYZ019 .-+:/'];
const CONTROLS = ['\t', '\u0001', '\u001f', '\u007f'];

function hexDigits(bytes: readonly number[], upper: readonly boolean[]): string {
  return bytes
    .map((b, i) => {
      const hex = b.toString(16).padStart(2, '0');
      return upper[i] === false ? hex : hex.toUpperCase();
    })
    .join('');
}

/** Tokens for one message's syntax and character set. */
function tokenArb(enc: Encoding, charset: Charset): fc.Arbitrary<Token> {
  const e = enc.escape;
  const delimiters = new Set([enc.field, enc.component, enc.repetition, enc.escape, enc.subcomponent]);
  const plainChars = [
    ...ASCII_TEXT,
    ...DELIMITER_POOL,
    ...(enc.truncation === undefined ? [] : [enc.truncation]),
  ].filter((c) => !delimiters.has(c));
  const plain = fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...plainChars) },
    { weight: 3, arbitrary: fc.constantFrom(...charset.nonAscii) },
    { weight: 1, arbitrary: fc.constantFrom(...CONTROLS) },
  );
  const seq = (body: string, value: string): Token => ({ raw: `${e}${body}${e}`, value });
  const hex = fc
    .tuple(
      fc.array(fc.integer({ min: 0, max: 0x7f }), { maxLength: 4 }),
      charset.hexHighByte ? fc.option(fc.integer({ min: 0xc0, max: 0xff })) : fc.constant(null),
      fc.array(fc.boolean(), { minLength: 5, maxLength: 5 }),
    )
    .map(([ascii, high, upper]) => {
      const bytes = high === null ? ascii : [...ascii, high];
      return seq(`X${hexDigits(bytes, upper)}`, Buffer.from(bytes).toString('latin1'));
    });
  const hexBody = fc.array(fc.constantFrom(...'0123456789ABCDEFabcdef'), { minLength: 4, maxLength: 6 });
  const kept = ['.br', '.sp', '.sp3', '.fi', '.nf', '.in+4', '.ti-2', '.sk2', '.ce', 'Q', 'Kab', 'Y1'];
  if (enc.truncation === undefined) kept.push('P');
  return fc.oneof(
    { weight: 12, arbitrary: plain.map((c) => ({ raw: c, value: c })) },
    {
      weight: 4,
      arbitrary: fc.constantFrom(
        seq('F', enc.field),
        seq('S', enc.component),
        seq('T', enc.subcomponent),
        seq('R', enc.repetition),
        seq('E', enc.escape),
        seq('H', ''),
        seq('N', ''),
      ),
    },
    { weight: 2, arbitrary: hex },
    { weight: 1, arbitrary: fc.constantFrom(...kept).map((body) => seq(body, `${e}${body}${e}`)) },
    {
      weight: 1,
      arbitrary: fc.oneof(
        hexBody.map((d) => seq(`C${d.slice(0, 4).join('')}`, '')),
        fc
          .array(fc.constantFrom(...'0123456789ABCDEF'), { minLength: 6, maxLength: 6 })
          .map((d) => seq(`M${d.join('')}`, '')),
        fc.constantFrom('Z', 'Zlocal', 'Z99').map((body) => seq(body, '')),
      ),
    },
  );
}

/** A leaf: tokens, and perhaps a lone escape character at its end (unterminated: kept as written). */
function leafArb(enc: Encoding, charset: Charset): fc.Arbitrary<Token> {
  return fc
    .tuple(fc.array(tokenArb(enc, charset), { maxLength: 5 }), fc.constantFrom(false, false, false, true))
    .map(([tokens, lone]) => {
      const all = lone ? [...tokens, { raw: enc.escape, value: enc.escape }] : tokens;
      return { raw: all.map((t) => t.raw).join(''), value: all.map((t) => t.value).join('') };
    });
}

/** A field as nested leaves: repetitions → components → sub-components. */
type Field = Token[][][];

function fieldArb(enc: Encoding, charset: Charset): fc.Arbitrary<Field> {
  const leaf = leafArb(enc, charset);
  return fc.array(fc.array(fc.array(leaf, { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 4 }), {
    minLength: 1,
    maxLength: 3,
  });
}

function escapeDelimiters(text: string, enc: Encoding): string {
  const names = new Map([
    [enc.escape, 'E'],
    [enc.field, 'F'],
    [enc.component, 'S'],
    [enc.subcomponent, 'T'],
    [enc.repetition, 'R'],
  ]);
  return [...text].map((ch) => (names.has(ch) ? `${enc.escape}${names.get(ch)}${enc.escape}` : ch)).join('');
}

function fieldRaw(field: Field, enc: Encoding): string {
  return field
    .map((rep) => rep.map((comp) => comp.map((leaf) => leaf.raw).join(enc.subcomponent)).join(enc.component))
    .join(enc.repetition);
}

const SEGMENT_ID = fc
  .tuple(
    fc.constantFrom(...'ABCDEGIJKLNOPQRSTUVWXYZZZZ'),
    fc.constantFrom(...'ABCXYZ0123'),
    fc.constantFrom(...'ABCXYZ0123'),
  )
  .map(([a, b, c]) => `${a}${b}${c}`)
  .filter((id) => id !== 'MSH' && id !== 'BHS' && id !== 'FHS');

const ENCODING = fc.shuffledSubarray(DELIMITER_POOL, { minLength: 6, maxLength: 6 }).chain((chars) =>
  fc.boolean().map((truncated): Encoding => {
    const [field = '|', component = '^', repetition = '~', escape = '\\', subcomponent = '&', truncation = '#'] = chars;
    const enc: Encoding = { field, component, repetition, escape, subcomponent };
    if (truncated) enc.truncation = truncation;
    return enc;
  }),
);

interface Generated {
  charset: Charset;
  enc: Encoding;
  /** The message as node-hl7-client reads it: segments joined by CR. */
  text: string;
  /** The bytes our decoder reads: the same text in the character set, with other terminators. */
  payload: Buffer;
  /** Segment id and fields (field 1 first) of every segment after MSH. */
  segments: { id: string; fields: Field[] }[];
}

const MESSAGE: fc.Arbitrary<Generated> = fc.tuple(ENCODING, fc.constantFrom(...CHARSETS)).chain(([enc, charset]) =>
  fc
    .tuple(
      fc.array(fc.tuple(SEGMENT_ID, fc.array(fieldArb(enc, charset), { maxLength: 8 })), {
        minLength: 1,
        maxLength: 6,
      }),
      fc.array(fc.constantFrom('\r', '\n', '\r\n', '\r\r', '\n \t\n', '\r\n\r\n'), { minLength: 8, maxLength: 8 }),
      fc.boolean(),
      fc.boolean(),
    )
    .map(([segs, terminators, trailing, bom]): Generated => {
      const f = enc.field;
      const mshChars = `${enc.component}${enc.repetition}${enc.escape}${enc.subcomponent}${enc.truncation ?? ''}`;
      const msh = [
        `MSH${f}${mshChars}`,
        'SENDER',
        'FAC',
        'CIRCULATOR',
        'OR',
        '20261120101500',
        '',
        `ZZZ${enc.component}Z01`,
        'CTRL1',
        'P',
        '2.5.1',
        '',
        '',
        '',
        '',
        '',
        // A sender must escape a delimiter in MSH-18 too (`8859/2` when `/` is the repetition separator).
        escapeDelimiters(charset.msh18, enc),
      ].join(f);
      const segments = segs.map(([id, fields]) => ({ id, fields }));
      const lines = [msh, ...segments.map((s) => [s.id, ...s.fields.map((x) => fieldRaw(x, enc))].join(f))];
      let wire = '';
      lines.forEach((line, i) => {
        wire += line;
        if (i < lines.length - 1 || trailing) wire += terminators[i % terminators.length] ?? '\r';
      });
      const body = charset.encode(wire);
      const withBom = bom && charset.readAs === 'UTF-8' ? Buffer.concat([Buffer.of(0xef, 0xbb, 0xbf), body]) : body;
      return { charset, enc, text: lines.join('\r'), payload: withBom, segments };
    }),
);

/** Every difference between our reading and node-hl7-client's walk of the same message. */
function oracleDifferences(decoded: DecodedHl7, text: string): string[] {
  return compareWithOracle(decoded, text).diffs;
}

/** Every difference between our reading and what the generator meant. */
function modelDifferences(decoded: DecodedHl7, generated: Generated): string[] {
  const diffs: string[] = [];
  generated.segments.forEach((segment, i) => {
    const mine = decoded.segments[i + 1];
    if (mine?.name !== segment.id) {
      diffs.push(`segment ${i + 1}: ${mine?.name} ≠ ${segment.id}`);
      return;
    }
    segment.fields.forEach((field, f) =>
      field.forEach((rep, r) =>
        rep.forEach((comp, c) =>
          comp.forEach((leaf, s) => {
            const expected = withoutControls(leaf.value).trim();
            const actual = mine.value(f + 1, c + 1, s + 1, r + 1);
            if (actual !== expected) {
              diffs.push(
                `${segment.id}-${f + 1}.${c + 1}.${s + 1}~${r + 1}: ${JSON.stringify(actual)} ≠ ${JSON.stringify(expected)}`,
              );
            }
          }),
        ),
      ),
    );
  });
  return diffs;
}

describe('decodeHl7 against node-hl7-client on generated messages (differential, seeded)', () => {
  it('reads every value of every generated message like the oracle and like the model', () => {
    let values = 0;
    const charsets = new Set<string>();
    fc.assert(
      fc.property(MESSAGE, (generated) => {
        const r = decodeHl7(generated.payload);
        if (!r.ok) throw new Error(`refused: ${r.problem.text}`);
        expect(r.decoded.text).toBe(generated.text);
        expect(r.decoded.charset).toBe(generated.charset.readAs);
        const nonAscii = [...generated.text].some((ch) => ch.charCodeAt(0) >= 0x80);
        expect(r.decoded.warnings.length > 0).toBe(generated.charset.warns && nonAscii);
        expect(oracleDifferences(r.decoded, generated.text)).toEqual([]);
        expect(modelDifferences(r.decoded, generated)).toEqual([]);
        values += generated.segments.reduce((n, s) => n + s.fields.flat(2).length, 0);
        charsets.add(generated.charset.label);
      }),
      { seed: SEED, numRuns: 400 },
    );
    // The run must have covered what it claims to: every character set, and thousands of values.
    expect([...charsets].sort()).toEqual(CHARSETS.map((c) => c.label).sort());
    expect(values).toBeGreaterThan(4_000);
  });

  it('reads a two-byte character ending in | or \\ as one character, not as a delimiter (GB 18030)', () => {
    const gb = new TextDecoder('gb18030');
    const pipe = gb.decode(Buffer.of(0x81, 0x7c));
    const backslash = gb.decode(Buffer.of(0x81, 0x5c));
    const payload = Buffer.concat([
      Buffer.from('MSH|^~\\&|A|B|C|D|20261120||ZZZ^Z01|1|P|2.5.1||||||GB 18030-2000\rZAB|x', 'latin1'),
      Buffer.of(0x81, 0x7c),
      Buffer.from('y|', 'latin1'),
      Buffer.of(0x81, 0x5c),
      Buffer.from('F\\|z', 'latin1'),
    ]);
    const r = decodeHl7(payload);
    if (!r.ok) throw new Error(r.problem.text);
    const zab = r.decoded.segments[1];
    expect(zab?.value(1)).toBe(`x${pipe}y`);
    expect(zab?.value(2)).toBe(`${backslash}F\\`);
    expect(zab?.value(3)).toBe('z');
    expect(oracleDifferences(r.decoded, r.decoded.text)).toEqual([]);
  });

  it('decodes a ~1 MiB OBX-5 (escapes, repetitions, non-ASCII) exactly, like the oracle', () => {
    const chunk = 'Lorem ipsum \\F\\ dolor \\S\\ sit \\T\\ amet \\E\\ éß漢 \\.br\\';
    const meaning = 'Lorem ipsum | dolor ^ sit & amet \\ éß漢 \\.br\\';
    const count = Math.floor((1024 * 1024 - 400) / Buffer.byteLength(chunk));
    const big = chunk.repeat(count);
    const text = [
      'MSH|^~\\&|A|B|C|D|20261120||ORU^R01^ORU_R01|BIG1|P|2.5.1|||||UNICODE UTF-8',
      'PID|1||123^^^H^MR',
      `OBX|1|FT|REPORT^Report||${big}~second||||||F`,
      'ZXY|kept|1',
    ].join('\r');
    const payload = Buffer.from(text, 'utf8');
    expect(payload.length).toBeGreaterThan(1000 * 1024);
    expect(payload.length).toBeLessThanOrEqual(1024 * 1024);
    // It fits the MLLP listener's default frame limit (1 MiB) and comes out of it whole.
    const [framed] = new MllpDeframer().push(frame(payload)).frames;
    expect(framed?.equals(payload)).toBe(true);
    const r = decodeHl7(framed ?? payload);
    if (!r.ok) throw new Error(r.problem.text);
    const obx = r.decoded.segments[2];
    expect(obx?.value(5)).toBe(meaning.repeat(count).trim());
    expect(obx?.value(5, 1, 1, 2)).toBe('second');
    expect(obx?.repetitions(5)).toBe(2);
    expect(obx?.value(11)).toBe('F');
    expect(r.decoded.segments[3]?.value(1)).toBe('kept');
    const oracle = new Message({ text });
    expect(obx?.value(5)).toBe(oracle.get('OBX.5').toString().trim());
  });
});
