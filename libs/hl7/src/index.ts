/**
 * `@circulator/hl7`: HL7 v2 over MLLP for Circulator — framing, the listener and a client, the fast
 * MSH reader and ACK builder used before a message is stored, and our own lazy decoder (checked
 * against node-hl7-client in tests) with mappers to domain facts. Framework-free: the server composes it.
 */
export { DEFAULT_MAX_FRAME_BYTES, MllpDeframer } from './mllp.deframer';
export type { MllpDeframerOptions, MllpFrameError, MllpPushResult } from './mllp.deframer';
export { frame, MLLP_CARRIAGE_RETURN, MLLP_END_BLOCK, MLLP_START_BLOCK } from './mllp.framing';
export { MllpListener } from './mllp.listener';
export type { MllpFrameHandler, MllpListenerOptions, MllpLogger, MllpPeer, MllpTlsOptions } from './mllp.listener';
export { MllpClient } from './mllp.client';
export type { MllpClientOptions } from './mllp.client';
export { readMsh } from './msh.reader';
export type { AckCondition, Hl7MessageType, MshHeader, MshReadFailure, MshReadResult } from './msh.reader';
export { DEFAULT_ENCODING, encodingCharacters, escapeHl7Text, unescapeHl7Text } from './hl7.escape';
export type { Hl7Encoding, Hl7HexCharset } from './hl7.escape';
export { errorConditionText, Hl7ErrorCondition, hl7Problem } from './hl7.error';
export type { Hl7ErrorConditionCode, Hl7ErrorLocation, Hl7Problem, Hl7ProblemKind } from './hl7.error';
export { ackCodeFor, acknowledgmentMode, buildAck, outcomeFromProblem } from './ack.builder';
export type { AckCode, AckError, AckMode, AckOptions, AckOutcome } from './ack.builder';
export { formatHl7DateTime, hl7DatePart, isValidTimeZone, parseHl7DateTime, toDateTime } from './hl7-time';
export { decodeHl7, Hl7Segment, normalizeSegmentTerminators } from './hl7.decoder';
export type { DecodedHl7, DecodeResult } from './hl7.decoder';
export {
  decodeSiu,
  DEFAULT_ANESTHESIOLOGIST_ROLES,
  DEFAULT_SURGEON_ROLES,
  mapSiu,
  SIU_TRIGGER_ACTIONS,
  toScheduleFact,
} from './siu.mapper';
export type { SiuLocation, SiuMapperOptions, SiuMapping, SiuMapResult, SiuScheduleFact } from './siu.mapper';
