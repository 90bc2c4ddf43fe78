/**
 * The one coded error type of the HL7 adapter (STYLE.md §7): every way a message can be refused
 * maps to an HL7 table 0357 condition code and to an ACK disposition, so the server never has to
 * invent an ACK code for an error it does not understand.
 */

/**
 * HL7 table 0357 "Message error condition codes" (HL7 v2.5.1 §2.15.5, ERR-3). Only the codes this
 * adapter emits are named; any other number from the table may still be passed to the ACK builder.
 */
export const Hl7ErrorCondition = {
  SegmentSequenceError: 100,
  RequiredFieldMissing: 101,
  DataTypeError: 102,
  TableValueNotFound: 103,
  UnsupportedMessageType: 200,
  UnsupportedEventCode: 201,
  UnsupportedProcessingId: 202,
  UnsupportedVersionId: 203,
  UnknownKeyIdentifier: 204,
  DuplicateKeyIdentifier: 205,
  ApplicationRecordLocked: 206,
  ApplicationInternalError: 207,
} as const;
/** A table 0357 code, e.g. `101`. */
export type Hl7ErrorConditionCode = (typeof Hl7ErrorCondition)[keyof typeof Hl7ErrorCondition];

const CONDITION_TEXT: Readonly<Record<number, string>> = {
  0: 'Message accepted',
  100: 'Segment sequence error',
  101: 'Required field missing',
  102: 'Data type error',
  103: 'Table value not found',
  104: 'Value too long',
  200: 'Unsupported message type',
  201: 'Unsupported event code',
  202: 'Unsupported processing id',
  203: 'Unsupported version id',
  204: 'Unknown key identifier',
  205: 'Duplicate key identifier',
  206: 'Application record locked',
  207: 'Application internal error',
};

/** The table 0357 description of a code (ERR-3.2), or `Error` for a code outside the table. */
export function errorConditionText(code: number): string {
  return CONDITION_TEXT[code] ?? 'Error';
}

/**
 * Where in the message an error sits: the ERL data type of ERR-2 (HL7 v2.5.1 §2.A.27),
 * `segment id ^ segment sequence ^ field position ^ field repetition ^ component ^ sub-component`.
 */
export interface Hl7ErrorLocation {
  /** Segment id, e.g. `MSH`, `SCH`. */
  segment: string;
  /** 1-based occurrence of the segment in the message; defaults to 1. */
  sequence?: number;
  /** 1-based field number (MSH-1 is the field separator). */
  field?: number;
  /** 1-based repetition of the field. */
  repetition?: number;
  /** 1-based component. */
  component?: number;
  /** 1-based sub-component. */
  subcomponent?: number;
}

/** What went wrong, as a stable machine-readable kind. */
export type Hl7ProblemKind =
  /** The payload is empty (or only whitespace). */
  | 'empty'
  /** The payload does not start with an MSH segment. */
  | 'not-msh'
  /** MSH-1/MSH-2 do not define usable delimiters. */
  | 'bad-encoding-characters'
  /** A field the standard or this adapter requires is empty. */
  | 'missing-required-field'
  /** A field holds a value of the wrong form (e.g. an impossible date). */
  | 'invalid-field'
  /** MSH-9.1 is a message type this adapter does not map. */
  | 'unsupported-message-type'
  /** MSH-9.2 is a trigger event this adapter does not map. */
  | 'unsupported-trigger'
  /** The message could not be decoded or read (e.g. a second MSH segment in one frame). */
  | 'unparseable';

/**
 * A refused or partly refused message: enough to write the ERR segment of the ACK and to show
 * the integration engineer why.
 */
export interface Hl7Problem {
  kind: Hl7ProblemKind;
  /** HL7 table 0357 condition code for ERR-3. */
  code: number;
  /**
   * `reject` (AR/CR): the message cannot be processed at all (framing, header, type).
   * `error` (AE/CE): the message was understood but its content is wrong.
   */
  disposition: 'reject' | 'error';
  /** A short English explanation, free of patient data; goes to ERR-8. */
  text: string;
  location?: Hl7ErrorLocation;
}

/** Builds an {@link Hl7Problem}; a small helper so call sites stay one line. */
export function hl7Problem(
  kind: Hl7ProblemKind,
  code: number,
  disposition: Hl7Problem['disposition'],
  text: string,
  location?: Hl7ErrorLocation,
): Hl7Problem {
  return location === undefined ? { kind, code, disposition, text } : { kind, code, disposition, text, location };
}
