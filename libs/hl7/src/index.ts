/**
 * `@circulator/hl7`: HL7 v2 over MLLP for Circulator — framing, the listener and a client, the fast
 * MSH reader and ACK builder used before a message is stored, and our own lazy decoder (checked
 * against node-hl7-client in tests) with mappers to domain facts. Framework-free: the server composes it.
 */
export { DEFAULT_MAX_FRAME_BYTES, MllpDeframer } from './mllp.deframer';
export type { MllpDeframerOptions, MllpFrameError, MllpPushResult } from './mllp.deframer';
export { frame, MLLP_CARRIAGE_RETURN, MLLP_END_BLOCK, MLLP_START_BLOCK } from './mllp.framing';
export { MllpListener } from './mllp.listener';
export type {
  MllpFrameHandler,
  MllpListenerOptions,
  MllpLogger,
  MllpOversizedHandler,
  MllpPeer,
  MllpTlsOptions,
} from './mllp.listener';
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
export {
  evaluateHl7,
  isSupportedHl7Type,
  mapDecodedHl7,
  mapHl7,
  parseHl7Path,
  readHl7Path,
  SUPPORTED_HL7_TYPES,
  validateHl7Overrides,
} from './hl7.mapper';
export type { Hl7MapOptions, Hl7Mapping, Hl7MapResult, Hl7Path } from './hl7.mapper';
export { ADT_MERGE_TRIGGER, ADT_TRIGGER_ACTIONS, HL7_OVERRIDE_KEYS, mapAdt } from './adt.mapper';
export type { AdtMapperOptions, Hl7OverrideKey, MergeFactDraft, PatientFactDraft } from './adt.mapper';
export { mapOrders, ORDER_CONTROL_ACTIONS, ORDER_MESSAGE_TYPES } from './order.mapper';
export type { OrderFactDraft } from './order.mapper';
export { isPcdReport, mapResults } from './oru.mapper';
export type { ObservationFactDraft } from './oru.mapper';
export { ACM_EVENT_PHASES, ACM_PRIORITIES, mapAlarms } from './alarm.mapper';
export type { AlarmFactDraft } from './alarm.mapper';
export { buildBatchAck, isHl7Batch, splitHl7Batch } from './hl7.batch';
export type { BatchAckOptions, Hl7BatchHeader, Hl7BatchSplit } from './hl7.batch';
export { readHl7Text } from './hl7.charset';
export type { Hl7TextReading } from './hl7.charset';
