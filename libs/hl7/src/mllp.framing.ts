/**
 * MLLP block characters (HL7 v2.5.1 Transport Specification: MLLP Release 1, §1.4 "Block format"):
 * `<SB> payload <EB><CR>` with SB = 0x0B (VT) and EB = 0x1C (FS), CR = 0x0D.
 */
export const MLLP_START_BLOCK = 0x0b;
/** End-block byte, always followed by {@link MLLP_CARRIAGE_RETURN}. */
export const MLLP_END_BLOCK = 0x1c;
/** The carriage return that closes a block. */
export const MLLP_CARRIAGE_RETURN = 0x0d;

/**
 * Wraps one HL7 message in an MLLP block. Strings are encoded as UTF-8 (the pipeline's working
 * encoding; MSH-18 other than UNICODE UTF-8 is not produced by this platform).
 *
 * @param payload - the message, segments separated by CR; it must not contain 0x0B or 0x1C
 * @returns `0x0B + payload + 0x1C 0x0D` in a fresh buffer
 */
export function frame(payload: Buffer | string): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
  // One allocation and one copy: this runs once per ACK on the hot path.
  const out = Buffer.allocUnsafe(body.length + 3);
  out[0] = MLLP_START_BLOCK;
  body.copy(out, 1);
  out[body.length + 1] = MLLP_END_BLOCK;
  out[body.length + 2] = MLLP_CARRIAGE_RETURN;
  return out;
}
