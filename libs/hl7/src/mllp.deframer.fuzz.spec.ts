import fc from 'fast-check';
import { fuzz } from '../../../test/support/fuzz';
import { MllpDeframer, type MllpFrameError } from './mllp.deframer';
import { frame } from './mllp.framing';

/**
 * The MLLP deframer against a byte-at-a-time reference model, on arbitrary streams: any bytes, with
 * 0x0B, 0x1C and 0x0D over-represented around and inside well-formed frames, cut into arbitrary
 * chunks (empty ones included). Whatever the chunking, the deframer yields exactly the model's
 * frames — none lost, none invented — and the same framing errors, never throws, and never buffers
 * more than its limit (plus a pending 0x1C). `FUZZ_SEED` / `FUZZ_RUNS`: test/support/fuzz.ts.
 * (hl7.fuzz.spec.ts checks the same on streams of frames with garbage between them only.)
 */

/** The documented semantics, one byte at a time (mllp.deframer.ts's class comment). */
function model(stream: Buffer, max: number): { frames: string[]; errors: string[]; discarded: number } {
  const frames: string[] = [];
  const errors: string[] = [];
  let discarded = 0;
  let state: 'idle' | 'frame' | 'skip' = 'idle';
  let body: number[] = [];
  const add = (byte: number): void => {
    if (body.length + 1 > max) {
      errors.push('frame-too-large');
      state = 'skip';
      body = [];
    } else body.push(byte);
  };
  for (let i = 0; i < stream.length; i++) {
    const b = stream[i] as number;
    if (state !== 'frame') {
      if (b === 0x0b) {
        state = 'frame';
        body = [];
      } else discarded++;
      continue;
    }
    if (b === 0x0b) {
      errors.push(`unterminated-frame:${body.length}`);
      body = [];
    } else if (b === 0x1c && stream[i + 1] === 0x0d) {
      frames.push(Buffer.from(body).toString('hex'));
      state = 'idle';
      body = [];
      i++;
    } else if (b === 0x1c && i === stream.length - 1) {
      // Pending: its meaning depends on a byte that has not come.
    } else add(b);
  }
  return { frames, errors, discarded };
}

const FRAMING = [0x0b, 0x1c, 0x0d];
/** A byte: framing bytes one time in three. */
const BYTE = fc.oneof({ weight: 1, arbitrary: fc.constantFrom(...FRAMING) }, { weight: 2, arbitrary: fc.nat(255) });
/** A piece of the stream: raw bytes, or a well-formed frame of (possibly hostile) bytes. */
const PIECE = fc.oneof(
  fc.array(BYTE, { maxLength: 12 }).map((b) => Buffer.from(b)),
  fc.array(BYTE, { maxLength: 80 }).map((b) => frame(Buffer.from(b))),
  fc.array(fc.nat(255), { maxLength: 80 }).map((b) => frame(Buffer.from(b.filter((x) => x !== 0x0b && x !== 0x1c)))),
);
const STREAM = fc.array(PIECE, { maxLength: 16 }).map((pieces) => Buffer.concat(pieces));
/** Chunk sizes, cycled: 0 pushes an empty chunk. */
const CHUNKS = fc.array(fc.nat(9), { minLength: 1, maxLength: 30 });

function feed(
  stream: Buffer,
  sizes: readonly number[],
  max: number,
): { frames: string[]; errors: MllpFrameError[]; discarded: number } {
  const deframer = new MllpDeframer({ maxFrameBytes: max });
  const frames: string[] = [];
  const errors: MllpFrameError[] = [];
  let discarded = 0;
  let at = 0;
  for (let n = 0; at < stream.length; n++) {
    const size = sizes[n % sizes.length] as number;
    // A cycle of zeros would never end: every full cycle moves on by at least one byte.
    const take = size === 0 && n % sizes.length === sizes.length - 1 ? 1 : size;
    const result = deframer.push(stream.subarray(at, at + take));
    frames.push(...result.frames.map((f) => f.toString('hex')));
    errors.push(...result.errors);
    discarded += result.discardedBytes;
    at += take;
    if (deframer.bufferedBytes > max + 1) throw new Error(`${deframer.bufferedBytes} bytes buffered, limit ${max}`);
  }
  if (deframer.discardedBytes !== discarded) throw new Error('discardedBytes total ≠ the sum of the pushes');
  return { frames, errors, discarded };
}

const describeErrors = (errors: readonly MllpFrameError[]): string[] =>
  errors.map((e) => (e.kind === 'unterminated-frame' ? `${e.kind}:${e.droppedBytes}` : e.kind));

describe('fuzz: MllpDeframer on arbitrary bytes and chunking (reference model)', () => {
  it('yields exactly the frames and errors of the byte-at-a-time model, within its buffer bound', () => {
    fuzz(
      fc.property(STREAM, CHUNKS, fc.constantFrom(1, 8, 40, 1024), (stream, sizes, max) => {
        const expected = model(stream, max);
        const got = feed(stream, sizes, max);
        expect(got.frames).toEqual(expected.frames);
        expect(describeErrors(got.errors)).toEqual(expected.errors);
        // Discarded bytes match the model when nothing was oversized (an oversized frame's dropped
        // bytes are not counted as discarded, by design).
        if (!expected.errors.includes('frame-too-large')) expect(got.discarded).toBe(expected.discarded);
      }),
      0x11,
      1_000,
    );
  });

  it('an oversized frame reports its head (≤ 4 KiB, the start of its payload) and never more than its bytes', () => {
    fuzz(
      fc.property(fc.uint8Array({ minLength: 8, maxLength: 200 }), CHUNKS, (bytes, sizes) => {
        const payload = Buffer.from(bytes.map((b) => (b === 0x0b || b === 0x1c ? 0x41 : b)));
        const max = payload.length - 1;
        const got = feed(Buffer.concat([frame(payload), frame(Buffer.from('MSH|ok'))]), sizes, max);
        const [error] = got.errors;
        expect(got.errors).toHaveLength(1);
        expect(error?.kind).toBe('frame-too-large');
        if (error?.kind === 'frame-too-large') {
          expect(error.receivedBytes).toBeGreaterThan(max);
          expect(error.receivedBytes).toBeLessThanOrEqual(payload.length + 1);
          expect(payload.subarray(0, error.head.length).equals(error.head)).toBe(true);
        }
        expect(got.frames).toEqual([Buffer.from('MSH|ok').toString('hex')]);
      }),
      0x12,
      500,
    );
  });
});
