import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { ackCodeFor, buildAck } from './ack.builder';
import { splitHl7Batch } from './hl7.batch';
import { decodeHl7, Hl7Segment } from './hl7.decoder';
import { evaluateHl7 } from './hl7.mapper';
import { MllpDeframer, type MllpFrameError } from './mllp.deframer';
import { frame } from './mllp.framing';

/**
 * Fuzzing the edge decision: 10,000 mutated messages per run — deterministic (a seeded generator) —
 * go through `evaluateHl7` then `buildAck`, as the MLLP ingest does with every frame. For each one:
 * no throw; no "internal error" (an exception `evaluateHl7` had to catch); an ACK that decodes, is
 * MSH then MSA, answers MSH-10 byte for byte in MSA-2 whenever a header was read, and travels in
 * exactly one MLLP frame; or no ACK only where the acknowledgment rules say none is due. Work per
 * message is bounded by counting segment reads, not by a clock.
 *
 * Then the MLLP deframer: streams of frames with garbage between them, cut into 1–7 byte chunks
 * (and sometimes whole), must yield exactly the frames, refuse oversized ones with one error each,
 * and never hold more than its limit.
 */

const CORPUS = path.resolve(__dirname, '../../../../shared/corpus/hl7v2');
const CASES = 10_000;
const SEED = 0x1f_2026;

/** mulberry32: a small seeded generator, so every run mutates the same way. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Every message of the corpus folders the edge maps (multi-message files split on MSH lines). */
function seedMessages(): Buffer[] {
  const out: Buffer[] = [];
  for (const dir of ['adt', 'siu', 'oru', 'orm', 'alarms']) {
    for (const name of readdirSync(path.join(CORPUS, dir)).sort()) {
      const lines = readFileSync(path.join(CORPUS, dir, name))
        .toString('latin1')
        .split(/\r\n|\n|\r/);
      let current: string[] = [];
      for (const line of lines) {
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

const TOKENS: readonly Buffer[] = [
  '|',
  '^',
  '~',
  '\\',
  '&',
  '#',
  '\r',
  '\n',
  '\r\n',
  '\r\r\r',
  '\\F\\',
  '\\X',
  '\\XZZ\\',
  '\\X0D0A\\',
  '\\X1C0D\\',
  '\\.br\\',
  'MSH|^~\\&|',
  '\rMSH|^~\\&|A|B|C|D|20261120||ADT^A01|DUP|P|2.5\r',
  '\rBHS|^~\\&|\r',
  '\rBTS|1\r',
  '\rZZZ|1|2\r',
  '~~~~',
  '^^^^',
  '&&&&',
  'é',
].map((t) => Buffer.from(t, 'utf8'));
const BYTES: readonly Buffer[] = [[0x0b], [0x1c], [0x1c, 0x0d], [0x00], [0xff], [0xc3], [0xef, 0xbb, 0xbf], [0x7f]].map(
  (b) => Buffer.from(b),
);
const HUGE_PATTERNS = ['A', '~', '^', '&', '|', '\\F\\', '\\', 'é', '\r', '~^&', '\\X41\\'];

/** Applies 1–4 random mutations: byte flips, truncation, deletion, insertions, duplicated segments, huge fields. */
function mutate(seed: Buffer, rand: () => number): Buffer {
  const int = (n: number): number => Math.floor(rand() * n);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)] as T;
  let b = Buffer.from(seed);
  const count = 1 + int(4);
  for (let m = 0; m < count; m++) {
    const at = int(b.length + 1);
    const kind = int(100);
    if (kind < 20) {
      const i = Math.min(at, b.length - 1);
      if (b.length > 0) b[i] = (b[i] ?? 0) ^ (1 << int(8));
    } else if (kind < 27) {
      if (b.length > 0) b[Math.min(at, b.length - 1)] = int(256);
    } else if (kind < 33) {
      b = b.subarray(0, at);
    } else if (kind < 40) {
      b = Buffer.concat([b.subarray(0, at), b.subarray(Math.min(b.length, at + 1 + int(40)))]);
    } else if (kind < 65) {
      b = Buffer.concat([b.subarray(0, at), pick(TOKENS), b.subarray(at)]);
    } else if (kind < 75) {
      b = Buffer.concat([b.subarray(0, at), pick(BYTES), b.subarray(at)]);
    } else if (kind < 85) {
      // Duplicate one segment 1–50 times.
      const starts = [0];
      for (let i = b.indexOf(0x0d); i !== -1; i = b.indexOf(0x0d, i + 1)) starts.push(i + 1);
      const s = pick(starts);
      const e = b.indexOf(0x0d, s) === -1 ? b.length : b.indexOf(0x0d, s) + 1;
      const segment = b.subarray(s, e);
      const copies = Array.from({ length: 1 + int(50) }, () => segment);
      b = Buffer.concat([b.subarray(0, e), ...(e === b.length ? [Buffer.from('\r')] : []), ...copies, b.subarray(e)]);
    } else if (kind < 92) {
      // Replace MSH-2 (or whatever stands there) with other characters.
      const chars = Buffer.from(
        Array.from({ length: int(7) }, () => pick([...'^~\\&#|!$%*+-/:;?@'.split('')]).charCodeAt(0)),
      );
      b = Buffer.concat([b.subarray(0, 4), chars, b.subarray(Math.min(b.length, 4 + int(6)))]);
    } else if (kind < 99) {
      // A random run of bytes.
      b = Buffer.concat([
        b.subarray(0, at),
        Buffer.from(Array.from({ length: 1 + int(16) }, () => int(256))),
        b.subarray(at),
      ]);
    } else {
      // A huge field: 64 KiB to 1 MiB of one pattern (delimiters, escapes, CRs, text).
      const pattern = Buffer.from(pick(HUGE_PATTERNS), 'utf8');
      const size = 64 * 1024 + int(960 * 1024);
      const run = Buffer.alloc(size - (size % pattern.length), pattern);
      b = Buffer.concat([b.subarray(0, at), run, b.subarray(at)]);
    }
  }
  return b;
}

function occurrences(bytes: Buffer, byte: number): number {
  let n = 0;
  for (let i = bytes.indexOf(byte); i !== -1; i = bytes.indexOf(byte, i + 1)) n++;
  return n;
}

/** Counts the segment reads the mapper makes: the work bound is on reads, not on time. */
function countReads(): { reads: () => number; restore: () => void } {
  const proto = Hl7Segment.prototype as unknown as Record<'value' | 'repetitions', (...args: unknown[]) => unknown>;
  const original = { value: proto.value, repetitions: proto.repetitions };
  let reads = 0;
  proto.value = function (this: unknown, ...args: unknown[]) {
    reads++;
    return original.value.apply(this, args);
  };
  proto.repetitions = function (this: unknown, ...args: unknown[]) {
    reads++;
    return original.repetitions.apply(this, args);
  };
  return {
    reads: () => reads,
    restore: () => {
      proto.value = original.value;
      proto.repetitions = original.repetitions;
    },
  };
}

const OPTIONS = { facilityTz: 'Europe/Paris', receivedAt: '2026-11-20T10:00:00.000Z' };
const ACK_OPTIONS = { now: new Date('2026-11-20T10:00:01Z'), controlId: 'ACK-FUZZ', facilityTz: 'Europe/Paris' };
const ACK_CODES = new Set(['AA', 'AE', 'AR', 'CA', 'CE', 'CR']);

describe('fuzz: evaluateHl7 → buildAck on 10,000 mutated messages (seeded)', () => {
  it('always answers with an ACK that decodes, echoes MSH-10 and fits one frame; never throws; bounded work', () => {
    const seeds = seedMessages();
    expect(seeds.length).toBeGreaterThan(60);
    const rand = prng(SEED);
    const counter = countReads();
    const failures: string[] = [];
    const outcomes: Record<string, number> = { accept: 0, error: 0, reject: 0, silent: 0 };
    let huge = 0;
    let maxReadsPerLine = 0;
    try {
      for (let i = 0; i < CASES; i++) {
        const payload = mutate(seeds[i % seeds.length] as Buffer, rand);
        if (payload.length > 512 * 1024) huge++;
        const fail = (why: string): void => {
          if (failures.length < 10)
            failures.push(`case ${i}: ${why} — ${JSON.stringify(payload.subarray(0, 160).toString('latin1'))}`);
        };
        const before = counter.reads();
        let evaluated: ReturnType<typeof evaluateHl7>;
        try {
          evaluated = evaluateHl7(payload, OPTIONS);
        } catch (err) {
          fail(`evaluateHl7 threw ${String(err)}`);
          continue;
        }
        // Work bound, by counting: segment reads grow linearly with the message — a fixed number per
        // line, plus at most one per 4 bytes for a mapper walking the repetitions of a field — and
        // each read costs the length of what it reads (the decoder splits a field's repetitions once).
        const lines = 1 + occurrences(payload, 0x0d) + occurrences(payload, 0x0a);
        const reads = counter.reads() - before;
        maxReadsPerLine = Math.max(maxReadsPerLine, reads / lines);
        if (reads > 2_000 + 64 * lines + payload.length / 4) fail(`${reads} segment reads for ${lines} lines`);
        const { header, outcome } = evaluated;
        if (outcome.code !== 'accept' && outcome.error?.text.startsWith('The message could not be read:') === true) {
          fail(`internal error: ${outcome.error.text}`);
        }
        const ack = buildAck(header, outcome, ACK_OPTIONS);
        if (ack === null) {
          outcomes.silent = (outcomes.silent ?? 0) + 1;
          if (ackCodeFor(header, outcome.code) !== null) fail('no ACK although one is due');
          continue;
        }
        outcomes[outcome.code] = (outcomes[outcome.code] ?? 0) + 1;
        const decoded = decodeHl7(ack);
        if (!decoded.ok) {
          fail(`the ACK does not decode: ${decoded.problem.text}`);
          continue;
        }
        const [msh, msa] = decoded.decoded.segments;
        if (msh?.name !== 'MSH' || msa?.name !== 'MSA')
          fail(`ACK segments ${decoded.decoded.segments.map((s) => s.name).join(',')}`);
        if (!ACK_CODES.has(msa?.value(1) ?? '')) fail(`MSA-1 ${msa?.value(1)}`);
        const rawMsa2 = ack.split('\r')[1]?.split(decoded.decoded.header.encoding.field)[2] ?? '';
        if (rawMsa2 !== (header.controlId ?? ''))
          fail(`MSA-2 ${JSON.stringify(rawMsa2)} ≠ MSH-10 ${JSON.stringify(header.controlId)}`);
        const frames = new MllpDeframer().push(frame(ack));
        if (frames.frames.length !== 1 || frames.frames[0]?.toString('utf8') !== ack || frames.errors.length > 0) {
          fail('the ACK does not travel in exactly one MLLP frame');
        }
        // The batch splitter takes any payload too, and only ever returns slices of it.
        const split = splitHl7Batch(payload);
        if (split.messages.reduce((n, m) => n + m.length, 0) > payload.length) fail('batch split grew the payload');
      }
    } finally {
      counter.restore();
    }
    expect(failures).toEqual([]);
    // The mutations must reach every outcome, huge fields included: a generator that only produced
    // garbage (all AR) or only valid messages would prove little.
    expect(outcomes.accept).toBeGreaterThan(CASES / 20);
    expect(outcomes.error).toBeGreaterThan(CASES / 100);
    expect(outcomes.reject).toBeGreaterThan(CASES / 20);
    expect(huge).toBeGreaterThan(10);
    expect(maxReadsPerLine).toBeGreaterThan(0);
  });
});

/** A frame payload: any bytes but 0x0B, with 0x1C only where it is not followed by CR (content). */
const PAYLOAD = fc
  .uint8Array({ minLength: 0, maxLength: 300 })
  .map((bytes) => Buffer.from(bytes.map((b) => (b === 0x0b ? 0x41 : b))))
  .map((b) => {
    for (let i = 0; i < b.length; i++) if (b[i] === 0x1c && (i === b.length - 1 || b[i + 1] === 0x0d)) b[i] = 0x42;
    return b;
  });
/** Bytes between frames: anything but a start block (0x1C 0x0D included: outside a frame it is noise). */
const GARBAGE = fc.uint8Array({ maxLength: 12 }).map((bytes) => Buffer.from(bytes.filter((b) => b !== 0x0b)));

describe('fuzz: MllpDeframer on chunked streams (property, seeded)', () => {
  it('yields exactly the frames, whatever the chunking, garbage between frames and oversized frames', () => {
    const max = 200;
    fc.assert(
      fc.property(
        fc.array(fc.tuple(GARBAGE, PAYLOAD), { minLength: 1, maxLength: 12 }),
        fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 40 }),
        fc.boolean(),
        (items, sizes, whole) => {
          const stream = Buffer.concat(items.flatMap(([garbage, payload]) => [garbage, frame(payload)]));
          const deframer = new MllpDeframer({ maxFrameBytes: max });
          const frames: Buffer[] = [];
          const errors: MllpFrameError[] = [];
          let at = 0;
          let chunk = 0;
          while (at < stream.length) {
            // Whole: the stream in one chunk (several frames per chunk); else 1–7 byte chunks.
            const size = whole ? stream.length : (sizes[chunk++ % sizes.length] ?? 1);
            const result = deframer.push(stream.subarray(at, at + size));
            frames.push(...result.frames);
            errors.push(...result.errors);
            at += size;
            // The bound: never more buffered than the limit (plus a pending 0x1C).
            expect(deframer.bufferedBytes).toBeLessThanOrEqual(max + 1);
          }
          const expected = items.map(([, payload]) => payload).filter((p) => p.length <= max);
          expect(frames.map((f) => f.toString('hex'))).toEqual(expected.map((p) => p.toString('hex')));
          const oversized = items.filter(([, payload]) => payload.length > max).length;
          expect(errors.filter((e) => e.kind === 'frame-too-large')).toHaveLength(oversized);
          expect(errors.filter((e) => e.kind !== 'frame-too-large')).toEqual([]);
          expect(deframer.bufferedBytes).toBe(0);
        },
      ),
      { seed: SEED, numRuns: 1_000 },
    );
  });

  it('drops a frame cut short by a new start block, and keeps reading after it', () => {
    fc.assert(
      fc.property(PAYLOAD, PAYLOAD, fc.integer({ min: 1, max: 7 }), (cut, next, size) => {
        const stream = Buffer.concat([Buffer.of(0x0b), cut, frame(next)]);
        const deframer = new MllpDeframer();
        const frames: Buffer[] = [];
        const errors: MllpFrameError[] = [];
        for (let at = 0; at < stream.length; at += size) {
          const r = deframer.push(stream.subarray(at, at + size));
          frames.push(...r.frames);
          errors.push(...r.errors);
        }
        expect(frames.map((f) => f.toString('hex'))).toEqual([next.toString('hex')]);
        expect(errors).toEqual([{ kind: 'unterminated-frame', droppedBytes: cut.length }]);
      }),
      { seed: SEED + 1, numRuns: 500 },
    );
  });
});
