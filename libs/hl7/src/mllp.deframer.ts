import { MLLP_CARRIAGE_RETURN, MLLP_END_BLOCK, MLLP_START_BLOCK } from './mllp.framing';

/** Default largest accepted frame payload: 1 MiB, far above any realistic single HL7 message. */
export const DEFAULT_MAX_FRAME_BYTES = 1024 * 1024;

/** How much of an oversized frame is kept: enough for its MSH and a look at what it was. */
export const OVERSIZED_HEAD_BYTES = 4096;

/** Options of {@link MllpDeframer}. */
export interface MllpDeframerOptions {
  /** Largest payload (bytes between 0x0B and 0x1C 0x0D) accepted; default 1 MiB. */
  maxFrameBytes?: number;
}

/**
 * A framing problem found while reading a stream. Neither stops the stream: the deframer resyncs
 * on the next start block.
 */
export type MllpFrameError =
  /**
   * The payload grew beyond `maxFrameBytes`; it was dropped, bytes up to the next 0x0B are skipped.
   * `head` is its first bytes (at most {@link OVERSIZED_HEAD_BYTES}: the MSH, to answer and to keep).
   */
  | { kind: 'frame-too-large'; limit: number; receivedBytes: number; head: Buffer }
  /** A new 0x0B arrived before the current frame ended: the partial frame was dropped. */
  | { kind: 'unterminated-frame'; droppedBytes: number };

/** What one {@link MllpDeframer.push} produced. */
export interface MllpPushResult {
  /** Complete payloads, in stream order, without 0x0B and 0x1C 0x0D. */
  frames: Buffer[];
  errors: MllpFrameError[];
  /** Bytes outside any frame in this chunk (before a 0x0B, or skipped after an oversized frame). */
  discardedBytes: number;
}

type State =
  /** Between frames: looking for 0x0B; other bytes are discarded. */
  | 'idle'
  /** Inside a frame: collecting payload until 0x1C 0x0D. */
  | 'frame'
  /** After an oversized frame: discarding until the next 0x0B. */
  | 'skip';

/**
 * Incremental MLLP deframer for one TCP stream (HL7 v2.5.1 Transport Specification, MLLP §1.4).
 *
 * It finds frame ends wherever TCP splits them: 0x1C at the end of one chunk and 0x0D at the start of
 * the next, frames delivered one byte at a time, several frames in one chunk (medplum's lesson:
 * never look for the end only at a chunk's tail). Each byte is scanned once: chunks are kept as
 * views and concatenated only when a frame completes, so cost stays linear in the bytes received
 * however the stream is chunked.
 *
 * Leniency, decided here: a 0x1C not followed by 0x0D is payload (MLLP forbids it in content, but
 * dropping data would be worse); a 0x0B inside a frame starts a new frame and reports the partial
 * one, because that is what a sender that restarted mid-frame looks like.
 */
export class MllpDeframer {
  private readonly maxFrameBytes: number;
  private state: State = 'idle';
  private parts: Buffer[] = [];
  private size = 0;
  /** The previous chunk ended with 0x1C inside a frame; its meaning depends on the next byte. */
  private pendingEndBlock = false;
  private discardedTotal = 0;

  constructor(options: MllpDeframerOptions = {}) {
    const max = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
    if (!Number.isInteger(max) || max <= 0) throw new RangeError(`maxFrameBytes must be a positive integer: ${max}`);
    this.maxFrameBytes = max;
  }

  /** Bytes discarded outside frames since this deframer was created. */
  get discardedBytes(): number {
    return this.discardedTotal;
  }

  /** Payload bytes of a frame that has started but not ended (lost if the stream closes now). */
  get bufferedBytes(): number {
    return this.state === 'frame' ? this.size + (this.pendingEndBlock ? 1 : 0) : 0;
  }

  /**
   * Feeds one chunk of the stream.
   * @returns the frames completed by this chunk, framing errors, and bytes discarded
   */
  push(chunk: Buffer): MllpPushResult {
    const result: MllpPushResult = { frames: [], errors: [], discardedBytes: 0 };
    const len = chunk.length;
    let pos = 0;
    // Positions of the next 0x0B / 0x1C at or after `pos`, remembered so that no byte of the chunk
    // is searched twice (-2: not searched yet; -1: none left in this chunk).
    let nextStart = -2;
    let nextEnd = -2;
    const findStart = (): number => {
      if (nextStart !== -1 && nextStart < pos) nextStart = chunk.indexOf(MLLP_START_BLOCK, pos);
      return nextStart;
    };
    const findEnd = (): number => {
      if (nextEnd !== -1 && nextEnd < pos) nextEnd = chunk.indexOf(MLLP_END_BLOCK, pos);
      return nextEnd;
    };

    while (pos < len) {
      if (this.state !== 'frame') {
        const start = findStart();
        if (start === -1) {
          result.discardedBytes += len - pos;
          break;
        }
        result.discardedBytes += start - pos;
        this.beginFrame();
        pos = start + 1;
        continue;
      }

      if (this.pendingEndBlock) {
        this.pendingEndBlock = false;
        if (chunk[pos] === MLLP_CARRIAGE_RETURN) {
          result.frames.push(this.endFrame());
          pos += 1;
          continue;
        }
        // A lone 0x1C is content (see class comment).
        if (!this.append(Buffer.of(MLLP_END_BLOCK), result)) continue;
      }

      const end = findEnd();
      const restart = findStart();
      if (restart !== -1 && (end === -1 || restart < end)) {
        if (this.append(chunk.subarray(pos, restart), result)) {
          result.errors.push({ kind: 'unterminated-frame', droppedBytes: this.size });
          this.beginFrame();
          pos = restart + 1;
        } else {
          pos = restart;
        }
        continue;
      }
      if (end === -1) {
        this.append(chunk.subarray(pos), result);
        break;
      }
      if (!this.append(chunk.subarray(pos, end), result)) {
        pos = end;
        continue;
      }
      if (end + 1 === len) {
        this.pendingEndBlock = true;
        break;
      }
      if (chunk[end + 1] === MLLP_CARRIAGE_RETURN) {
        result.frames.push(this.endFrame());
        pos = end + 2;
      } else {
        // A lone 0x1C is content: keep it and look for the next one.
        this.append(chunk.subarray(end, end + 1), result);
        pos = end + 1;
      }
    }

    this.discardedTotal += result.discardedBytes;
    return result;
  }

  /** Drops any partial frame (e.g. when the connection is reset) and returns to between-frames. */
  reset(): void {
    this.state = 'idle';
    this.parts = [];
    this.size = 0;
    this.pendingEndBlock = false;
  }

  private beginFrame(): void {
    this.state = 'frame';
    this.parts = [];
    this.size = 0;
    this.pendingEndBlock = false;
  }

  private endFrame(): Buffer {
    // Always copy: a view would pin the whole (possibly 64 KiB) socket chunk for as long as the
    // frame sits in a queue.
    const payload = Buffer.concat(this.parts, this.size);
    this.state = 'idle';
    this.parts = [];
    this.size = 0;
    return payload;
  }

  /**
   * Adds payload bytes; when the frame would exceed the limit, reports it, drops the frame and
   * switches to skipping. @returns false when the frame was dropped
   */
  private append(bytes: Buffer, result: MllpPushResult): boolean {
    if (bytes.length === 0) return true;
    const size = this.size + bytes.length;
    if (size > this.maxFrameBytes) {
      const head = Buffer.concat([...this.parts, bytes.subarray(0, OVERSIZED_HEAD_BYTES)]).subarray(
        0,
        OVERSIZED_HEAD_BYTES,
      );
      result.errors.push({
        kind: 'frame-too-large',
        limit: this.maxFrameBytes,
        receivedBytes: size,
        head: Buffer.from(head),
      });
      this.state = 'skip';
      this.parts = [];
      this.size = 0;
      this.pendingEndBlock = false;
      return false;
    }
    this.parts.push(bytes);
    this.size = size;
    return true;
  }
}
