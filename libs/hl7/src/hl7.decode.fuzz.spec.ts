import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { fuzz } from '../../../test/support/fuzz';
import { ackCodeFor, buildAck } from './ack.builder';
import { decodeHl7 } from './hl7.decoder';
import { evaluateHl7, mapHl7 } from './hl7.mapper';
import { MllpDeframer } from './mllp.deframer';
import { frame } from './mllp.framing';
import { readMsh } from './msh.reader';

/**
 * HL7 decoding, mapping and acknowledgment under fast-check, seeded from `FUZZ_SEED` and run
 * `FUZZ_RUNS` times (test/support/fuzz.ts). hl7.fuzz.spec.ts already runs 10,000 mutations of a
 * fixed generator through `evaluateHl7` → `buildAck`; this adds what it leaves out:
 *
 * - arbitrary bytes, and arbitrary MSH lines (any delimiters, any fields), not only corpus mutations;
 * - `mapHl7` (the worker's path) beside `evaluateHl7` (the edge's): neither throws, neither meets an
 *   internal error, and they agree on whether the message maps;
 * - MSA-2 checked against MSH-10 as `readMsh` reads it on its own, whenever it can.
 */

const CORPUS = path.resolve(__dirname, '../../../../shared/corpus/hl7v2');

/** Every message of the corpus folders the edge maps (multi-message files split on MSH lines). */
function corpusMessages(): Buffer[] {
  const out: Buffer[] = [];
  for (const dir of ['adt', 'siu', 'oru', 'orm', 'alarms']) {
    for (const name of readdirSync(path.join(CORPUS, dir)).sort()) {
      let current: string[] = [];
      for (const line of readFileSync(path.join(CORPUS, dir, name))
        .toString('latin1')
        .split(/\r\n|\n|\r/)) {
        if (line.startsWith('MSH') && current.length > 0) {
          out.push(Buffer.from(current.join('\r'), 'latin1'));
          current = [];
        }
        if (line.trim() !== '') current.push(line);
      }
      if (current.length > 0) out.push(Buffer.from(current.join('\r'), 'latin1'));
    }
  }
  return out;
}

const MESSAGES = corpusMessages();
const OPTIONS = { facilityTz: 'Europe/Paris', receivedAt: '2026-11-20T10:00:00.000Z' };
const ACK_OPTIONS = { now: new Date('2026-11-20T10:00:01Z'), controlId: 'ACK-FUZZ', facilityTz: 'Europe/Paris' };
const ACK_CODES = new Set(['AA', 'AE', 'AR', 'CA', 'CE', 'CR']);

const TOKENS = [
  '|',
  '^',
  '~',
  '\\',
  '&',
  '\r',
  '\n',
  '\\X0D\\',
  '\\F\\',
  '\rMSH|^~\\&|',
  '\rPID|1||',
  '\u000b',
  '\u001c\r',
];
const BYTES = fc.oneof(
  fc.uint8Array({ maxLength: 24 }).map((b) => Buffer.from(b)),
  fc.constantFrom(...TOKENS).map((t) => Buffer.from(t, 'latin1')),
  fc.string({ unit: 'grapheme', maxLength: 8 }).map((s) => Buffer.from(s, 'utf8')),
);

/** A corpus message with 1–6 edits: insert, delete, overwrite a byte. */
const MUTATED = fc
  .tuple(
    fc.nat(MESSAGES.length - 1),
    fc.array(fc.tuple(fc.nat(), fc.constantFrom('insert', 'delete', 'flip'), BYTES, fc.nat(40)), {
      minLength: 1,
      maxLength: 6,
    }),
  )
  .map(([index, edits]) => {
    let b = MESSAGES[index] as Buffer;
    for (const [where, kind, bytes, n] of edits) {
      const at = where % (b.length + 1);
      if (kind === 'insert') b = Buffer.concat([b.subarray(0, at), bytes, b.subarray(at)]);
      else if (kind === 'delete') b = Buffer.concat([b.subarray(0, at), b.subarray(at + 1 + n)]);
      else if (b.length > 0) {
        b = Buffer.from(b);
        b[at % b.length] = n * 7;
      }
    }
    return b;
  });

/** An MSH line with arbitrary delimiters and fields, then arbitrary segments. */
const HEADERISH = fc
  .tuple(
    fc.string({ minLength: 0, maxLength: 6, unit: 'binary-ascii' }),
    fc.array(fc.string({ maxLength: 12, unit: 'binary' }), { maxLength: 14 }),
    fc.array(fc.string({ maxLength: 40 }), { maxLength: 4 }),
  )
  .map(([delims, fields, rest]) => {
    const sep = delims[0] ?? '|';
    return Buffer.from(['MSH' + delims + sep + fields.join(sep), ...rest].join('\r'), 'utf8');
  });

const ANY_BYTES = fc.uint8Array({ maxLength: 400 }).map((b) => Buffer.from(b));

function check(payload: Buffer): void {
  const evaluated = evaluateHl7(payload, OPTIONS);
  const { header, outcome } = evaluated;
  if (outcome.code !== 'accept') {
    expect(outcome.error?.text ?? '').not.toMatch(/^The message could not be read:/);
  }
  const mapped = mapHl7(payload, OPTIONS);
  if (!mapped.ok) expect(mapped.problem.text).not.toMatch(/^The message could not be read:/);
  expect(mapped.ok).toBe(outcome.code === 'accept');

  const ack = buildAck(header, outcome, ACK_OPTIONS);
  if (ack === null) {
    expect(ackCodeFor(header, outcome.code)).toBeNull();
    return;
  }
  const decoded = decodeHl7(ack);
  if (!decoded.ok) throw new Error(`the ACK does not decode: ${decoded.problem.text}`);
  const [msh, msa] = decoded.decoded.segments;
  expect([msh?.name, msa?.name]).toEqual(['MSH', 'MSA']);
  expect(ACK_CODES.has(msa?.value(1) ?? '')).toBe(true);
  const rawMsa2 = ack.split('\r')[1]?.split(decoded.decoded.header.encoding.field)[2] ?? '';
  expect(rawMsa2).toBe(header.controlId ?? '');
  // Read on its own: whenever the header can be read, the ACK answers its MSH-10.
  const msh10 = readMsh(payload);
  if (msh10.ok) expect(rawMsa2).toBe(msh10.header.controlId);
  const framed = new MllpDeframer().push(frame(ack));
  expect(framed.frames.map((f) => f.toString('utf8'))).toEqual([ack]);
}

describe('fuzz: HL7 decode → map → ACK (fast-check, FUZZ_SEED / FUZZ_RUNS)', () => {
  it('arbitrary bytes: never throw, refused cleanly, any ACK well-formed', () => {
    fuzz(fc.property(ANY_BYTES, check), 0x21, 1_000);
  });

  it('arbitrary MSH lines (any delimiters and fields): never throw, ACK echoes MSH-10', () => {
    fuzz(fc.property(HEADERISH, check), 0x22, 1_000);
  });

  it('mutated corpus messages: never throw, edge and worker agree, ACK echoes MSH-10', () => {
    expect(MESSAGES.length).toBeGreaterThan(60);
    fuzz(fc.property(MUTATED, check), 0x23, 1_000);
  });
});

describe('found by the fuzzer', () => {
  it('a character beyond U+FFFF in MSH-1 or MSH-2 is refused, and the ACK travels with the default delimiters', () => {
    // 𐀀 (U+10000) is two UTF-16 units: read as two delimiters, the ACK carried U+FFFD in their place.
    for (const text of ['MSH|\u{10000}', 'MSH|^\u{10000}\\&|A|B|C|D|20261120||ADT^A08|C1|P|2.5', 'MSH\u{10000}^~\\&']) {
      const payload = Buffer.from(text, 'utf8');
      const msh = readMsh(payload);
      expect(msh.ok).toBe(false);
      const { header, outcome } = evaluateHl7(payload, OPTIONS);
      expect(outcome.code).toBe('reject');
      const ack = buildAck(header, outcome, ACK_OPTIONS) ?? '';
      expect(ack).toMatch(/^MSH\|\^~\\&\|/);
      expect(ack).not.toMatch(/[\ud800-\udfff\ufffd]/);
      check(payload);
    }
  });
});

describe('found by the fuzzer (2)', () => {
  it("an ACK to a sender whose delimiter is '+' or '-' escapes it in MSH-7's offset, so its MSH-9 still reads", () => {
    for (const text of [
      'MSH+]+',
      'MSH-^~\\&-A-B-C-D-20261120--ADT^A08-C1-P-2.5',
      'MSH|+~\\&|A|B|C|D|20261120||ADT+A08|C1|P|2.5',
    ]) {
      const payload = Buffer.from(text, 'latin1');
      const { header, outcome } = evaluateHl7(payload, OPTIONS);
      const ack = buildAck(header, outcome, ACK_OPTIONS) ?? '';
      const decoded = decodeHl7(ack);
      if (!decoded.ok) throw new Error(decoded.problem.text);
      expect(decoded.decoded.header.messageType.code).toBe('ACK');
      // Europe/Paris in November: +0100, read back through the escape.
      expect(decoded.decoded.segments[0]?.value(7)).toBe('20261120110001+0100');
      check(payload);
    }
  });
});
