import { MllpDeframer, type MllpFrameError } from './mllp.deframer';
import { frame } from './mllp.framing';

const A = 'MSH|^~\\&|A|B|C|D|20240101||ADT^A01|1|P|2.5.1\rPID|1||123';
const B = 'MSH|^~\\&|A|B|C|D|20240101||SIU^S12|2|P|2.5.1\rSCH|1|2';
const C = 'MSH|^~\\&|A|B|C|D|20240101||SIU^S15|3|P|2.5.1\rSCH|3|4\rNTE|1||ünïcødé';

/** Feeds `stream` cut at the given offsets and collects everything the deframer says. */
function feed(stream: Buffer, cuts: number[], max?: number) {
  const d = new MllpDeframer(max === undefined ? {} : { maxFrameBytes: max });
  const frames: string[] = [];
  const errors: MllpFrameError[] = [];
  let discarded = 0;
  let from = 0;
  for (const to of [...cuts, stream.length]) {
    const r = d.push(stream.subarray(from, to));
    frames.push(...r.frames.map((f) => f.toString('utf8')));
    errors.push(...r.errors);
    discarded += r.discardedBytes;
    from = to;
  }
  return { frames, errors, discarded, deframer: d };
}

describe('frame', () => {
  it('wraps a payload in VT … FS CR', () => {
    expect([...frame('AB')]).toEqual([0x0b, 0x41, 0x42, 0x1c, 0x0d]);
    expect(frame(Buffer.from('é')).equals(Buffer.from([0x0b, 0xc3, 0xa9, 0x1c, 0x0d]))).toBe(true);
  });
});

describe('MllpDeframer', () => {
  const stream = Buffer.concat([frame(A), frame(B), frame(C)]);

  it('returns several frames from one chunk', () => {
    const { frames, errors, discarded } = feed(stream, []);
    expect(frames).toEqual([A, B, C]);
    expect(errors).toEqual([]);
    expect(discarded).toBe(0);
  });

  it('finds every frame whatever single boundary TCP splits the stream at', () => {
    for (let cut = 1; cut < stream.length; cut++) {
      const { frames, errors } = feed(stream, [cut]);
      expect({ cut, frames }).toEqual({ cut, frames: [A, B, C] });
      expect(errors).toEqual([]);
    }
  });

  it('finds frames delivered one byte at a time (FS and CR in different chunks)', () => {
    const cuts = Array.from({ length: stream.length - 1 }, (_, i) => i + 1);
    const { frames, deframer } = feed(stream, cuts);
    expect(frames).toEqual([A, B, C]);
    expect(deframer.bufferedBytes).toBe(0);
  });

  it('survives every pair of cuts (two-chunk boundaries around FS/CR)', () => {
    const small = Buffer.concat([frame('AB'), frame('CD')]);
    for (let i = 1; i < small.length; i++) {
      for (let j = i + 1; j < small.length; j++) {
        expect(feed(small, [i, j]).frames).toEqual(['AB', 'CD']);
      }
    }
  });

  it('keeps a frame open while 0x1C arrived but 0x0D has not', () => {
    const d = new MllpDeframer();
    expect(d.push(Buffer.from([0x0b, 0x41, 0x1c])).frames).toEqual([]);
    expect(d.bufferedBytes).toBe(2);
    const r = d.push(Buffer.from([0x0d]));
    expect(r.frames.map((f) => f.toString())).toEqual(['A']);
  });

  it('treats a lone 0x1C (not followed by CR) as payload', () => {
    const s = Buffer.from([0x0b, 0x41, 0x1c, 0x42, 0x1c, 0x0d]);
    for (let cut = 1; cut < s.length; cut++) {
      expect(feed(s, [cut]).frames).toEqual(['A\x1cB']);
    }
  });

  it('discards and counts bytes before a start block, and between frames', () => {
    const garbage = Buffer.concat([Buffer.from('noise\r\n'), frame(A), Buffer.from('\n'), frame(B)]);
    const { frames, discarded, deframer } = feed(garbage, [3]);
    expect(frames).toEqual([A, B]);
    expect(discarded).toBe(8);
    expect(deframer.discardedBytes).toBe(8);
  });

  it('reports an oversized frame, drops it and resyncs on the next start block', () => {
    const big = 'X'.repeat(200);
    const s = Buffer.concat([frame(big), frame('ok'), frame(big.slice(0, 100))]);
    for (const cuts of [[], [50], [150, 203], Array.from({ length: s.length - 1 }, (_, i) => i + 1)]) {
      const { frames, errors } = feed(s, cuts, 100);
      expect(frames).toEqual(['ok', big.slice(0, 100)]);
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatchObject({ kind: 'frame-too-large', limit: 100 });
    }
  });

  it('drops a partial frame when a new start block arrives inside it', () => {
    const s = Buffer.concat([Buffer.from([0x0b]), Buffer.from('partial'), frame('whole')]);
    const { frames, errors } = feed(s, [4]);
    expect(frames).toEqual(['whole']);
    expect(errors).toEqual([{ kind: 'unterminated-frame', droppedBytes: 7 }]);
  });

  it('does not rescan: a 4 MiB frame in 1 KiB chunks is linear', () => {
    const payload = Buffer.alloc(4 * 1024 * 1024, 0x41);
    const s = frame(payload);
    const d = new MllpDeframer({ maxFrameBytes: 8 * 1024 * 1024 });
    const started = process.hrtime.bigint();
    let out: Buffer[] = [];
    for (let i = 0; i < s.length; i += 1024) out = out.concat(d.push(s.subarray(i, i + 1024)).frames);
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    expect(out).toHaveLength(1);
    expect(out[0]?.length).toBe(payload.length);
    // Quadratic concatenation of 4,096 chunks would copy ~8 GiB; linear work takes milliseconds.
    expect(ms).toBeLessThan(2_000);
  });

  it('reset drops a partial frame', () => {
    const d = new MllpDeframer();
    d.push(Buffer.from([0x0b, 0x41]));
    d.reset();
    expect(d.bufferedBytes).toBe(0);
    expect(d.push(Buffer.from([0x42, 0x1c, 0x0d])).frames).toEqual([]);
  });

  it('rejects a nonsensical limit', () => {
    expect(() => new MllpDeframer({ maxFrameBytes: 0 })).toThrow(RangeError);
  });
});
