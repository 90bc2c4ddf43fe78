import fc from 'fast-check';
import { buildAck } from './ack.builder';
import { decodeHl7, withoutControls } from './hl7.decoder';
import { DEFAULT_ENCODING, encodingCharacters, escapeHl7Text, type Hl7Encoding } from './hl7.escape';
import { MllpDeframer } from './mllp.deframer';
import { frame } from './mllp.framing';

/**
 * Round trip of `escapeHl7Text` through `decodeHl7`, as a property: any value — every delimiter, the
 * escape character, CR, LF, CRLF, MLLP block bytes, other controls, non-ASCII text, text that looks
 * like a segment (`\rMSH|…`) or an escape sequence — escaped and put in a field decodes back to the
 * value, and never opens a segment, field, repetition or component of its own (HL7 segment
 * injection), with the default delimiters and with unusual ones.
 *
 * "Back to the value" is exact for values without control characters or surrounding whitespace. For
 * the others it is the value as every decoded value is read (`withoutControls`, then trimmed):
 * control characters — CR and LF included — become spaces on both sides, which is what keeps them
 * from ending the segment or the MLLP frame.
 */

const SEED = 0x0e5c_a9e5;
const RUNS = 1_500;

/** Delimiter candidates: printable ASCII that is neither a letter, a digit nor a space. */
const DELIMITER_POOL = [...'!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~'];

const UNUSUAL: fc.Arbitrary<Hl7Encoding> = fc
  .tuple(fc.shuffledSubarray(DELIMITER_POOL, { minLength: 6, maxLength: 6 }), fc.boolean())
  .map(([chars, truncated]) => {
    const [field = '|', component = '^', repetition = '~', escape = '\\', subcomponent = '&', truncation = '#'] = chars;
    const enc: Hl7Encoding = { field, component, repetition, escape, subcomponent };
    if (truncated) enc.truncation = truncation;
    return enc;
  });

const ENCODINGS: fc.Arbitrary<Hl7Encoding> = fc.oneof(
  fc.constant<Hl7Encoding>({ ...DEFAULT_ENCODING }),
  fc.constant<Hl7Encoding>({ ...DEFAULT_ENCODING, truncation: '#' }),
  UNUSUAL,
);

/** A value for one encoding: its delimiters, look-alikes of escapes and segments, controls, any text. */
function valueArb(enc: Hl7Encoding): fc.Arbitrary<string> {
  const e = enc.escape;
  const pieces = [
    enc.field,
    enc.component,
    enc.repetition,
    enc.escape,
    enc.subcomponent,
    enc.truncation ?? '#',
    '\r',
    '\n',
    '\r\n',
    '\u000b',
    '\u001c',
    '\u001c\r',
    '\u0000',
    '\t',
    '\u007f',
    ' ',
    `\rMSH${enc.field}${encodingCharacters(enc)}${enc.field}EVIL${enc.field}`,
    `\nPID${enc.field}1${enc.field}${enc.field}666`,
    `${e}F${e}`,
    `${e}.br${e}`,
    `${e}X0D0A${e}`,
    `${e}H${e}`,
    `${e}P${e}`,
    `${e}${e}`,
    'é',
    '漢字',
    '😀',
    '\u00a0',
    '\u2028',
  ];
  return fc
    .array(
      fc.oneof(
        { weight: 3, arbitrary: fc.constantFrom(...pieces) },
        { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 4 }) },
        { weight: 1, arbitrary: fc.string({ unit: 'binary-ascii', maxLength: 4 }) },
      ),
      { maxLength: 12 },
    )
    .map((parts) => parts.join(''));
}

const CASES = ENCODINGS.chain((enc) => fc.tuple(fc.constant(enc), valueArb(enc)));

/** How every decoded value reads a value: control characters as spaces, trimmed. */
function canonical(value: string): string {
  return withoutControls(value).trim();
}

function message(enc: Hl7Encoding, field: string): string {
  const f = enc.field;
  const c = enc.component;
  // Header values escaped too: `.` or `-` may be delimiters here (`2.5.1`, `UNICODE UTF-8`).
  const h = (text: string): string => escapeHl7Text(text, enc);
  return [
    `MSH${f}${encodingCharacters(enc)}${f}SENDER${f}FAC${f}CIRCULATOR${f}OR${f}20261120101500${f}${f}ORU${c}R01${f}CTRL1${f}P${f}${h('2.5.1')}${f}${f}${f}${f}${f}${f}${h('UNICODE UTF-8')}`,
    `ZAB${f}before${f}${field}${f}after`,
    `ZCD${f}x${c}${field}${c}y${f}tail`,
  ].join('\r');
}

describe('escapeHl7Text → decodeHl7 round trip (property, seeded)', () => {
  it('decodes every escaped value back to the value, in a field and in a component, never adding structure', () => {
    let exact = 0;
    fc.assert(
      fc.property(CASES, ([enc, value]) => {
        const escaped = escapeHl7Text(value, enc);
        // Nothing that ends a segment or an MLLP frame survives escaping.
        expect(['\r', '\n', '\u000b', '\u001c'].filter((c) => escaped.includes(c))).toEqual([]);
        const text = message(enc, escaped);
        for (const payload of [text, Buffer.from(text, 'utf8')]) {
          const r = decodeHl7(payload);
          if (!r.ok) throw new Error(r.problem.text);
          const { segments } = r.decoded;
          expect(segments.map((s) => s.name)).toEqual(['MSH', 'ZAB', 'ZCD']);
          const [, zab, zcd] = segments;
          // In a field: the neighbours are intact and nothing was split off.
          expect(zab?.value(1)).toBe('before');
          expect(zab?.value(2)).toBe(canonical(value));
          expect(zab?.value(3)).toBe('after');
          expect(zab?.value(4)).toBe('');
          expect(zab?.repetitions(2)).toBeLessThanOrEqual(1);
          expect(zab?.value(2, 2)).toBe('');
          expect(zab?.value(2, 1, 2)).toBe('');
          // In a component: the same, one level down.
          expect(zcd?.value(1, 1)).toBe('x');
          expect(zcd?.value(1, 2)).toBe(canonical(value));
          expect(zcd?.value(1, 3)).toBe('y');
          expect(zcd?.value(1, 4)).toBe('');
          expect(zcd?.value(1, 2, 2)).toBe('');
          expect(zcd?.repetitions(1)).toBe(1);
          expect(zcd?.value(2)).toBe('tail');
        }
        if (value === canonical(value)) exact++;
        // Text without controls or surrounding whitespace comes back exactly.
        if (value === canonical(value)) {
          const r = decodeHl7(message(enc, escaped));
          expect(r.ok && r.decoded.segments[1]?.value(2)).toBe(value);
        }
      }),
      { seed: SEED, numRuns: RUNS },
    );
    // Guard: a good share of the cases must have tested the exact round trip.
    expect(exact).toBeGreaterThan(RUNS / 4);
  });

  /** The ACK of a message with hostile error text, decoded; the one frame it travels in. */
  function hostileAck(enc: Hl7Encoding, value: string): void {
    const header = decodeHl7(message(enc, 'x'));
    if (!header.ok) throw new Error(header.problem.text);
    const ack = buildAck(
      header.decoded.header,
      { code: 'error', error: { code: 207, text: value, location: { segment: 'ZAB', field: 2 } } },
      { now: new Date('2026-11-20T10:00:00Z'), controlId: 'ACK-1', facilityTz: 'America/Chicago' },
    );
    if (ack === null) throw new Error('an error in original mode is always acknowledged');
    const r = decodeHl7(ack);
    if (!r.ok) throw new Error(r.problem.text);
    expect(r.decoded.segments.map((s) => s.name)).toEqual(['MSH', 'MSA', 'ERR']);
    expect(r.decoded.segments[1]?.value(2)).toBe('CTRL1');
    expect(r.decoded.segments[2]?.value(8)).toBe(canonical(value));
    const frames = new MllpDeframer().push(frame(ack)).frames;
    expect(frames.map((b) => b.toString('utf8'))).toEqual([ack]);
  }

  it('keeps an ACK whose error text is hostile to one MSH, one MSA, one ERR — and one MLLP frame', () => {
    // `+` and `-` left out of the delimiters here: see the known failure below.
    const safe = CASES.filter(
      ([enc]) => ![enc.field, enc.component, enc.repetition, enc.subcomponent].some((d) => d === '+' || d === '-'),
    );
    fc.assert(
      fc.property(safe, ([enc, value]) => hostileAck(enc, value)),
      { seed: SEED + 1, numRuns: 500 },
    );
  });

  // Was a defect of ack.builder.ts: MSH-7 of the ACK was written unescaped, so a sender whose
  // separator is `+` or `-` got an ACK whose time offset (`-0600`) split MSH-7 (MSH-9 read empty).
  it('keeps the ACK readable when + or - is a delimiter (MSH-7 escaped)', () => {
    hostileAck({ field: '-', component: '^', repetition: '~', escape: '\\', subcomponent: '&' }, 'x');
  });
});
