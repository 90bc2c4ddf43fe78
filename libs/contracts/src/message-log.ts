/**
 * The message log's wire types (`GET /api/messages`, `/api/messages/{id}`, `/errors`, `/stats`):
 * what libs/persistence reads from the inbox, apps/server answers and the integration console
 * shows. One declaration for both sides, so the console cannot drift from the API.
 */

/** Every inbox status, in the order the console shows them. */
export const MESSAGE_STATUSES = ['received', 'applied', 'rejected', 'failed'] as const;
export type MessageStatus = (typeof MESSAGE_STATUSES)[number];

/** One message of the log, without its bytes. */
export interface MessageSummary {
  id: string;
  channel: string;
  sender: string;
  controlId: string | null;
  messageType: string | null;
  interfaceName: string | null;
  status: MessageStatus;
  ackCode: string | null;
  mrn: string | null;
  error: string | null;
  duplicates: number;
  attempts: number;
  /** Size of the raw message in bytes. */
  bytes: number;
  peer: string | null;
  receivedAt: string;
  processedAt: string | null;
}

export interface MessagePage {
  items: MessageSummary[];
  /** The cursor of the next (older) page; null on the last page. */
  next: string | null;
}

/** One processing attempt (first run, retry, reprocess), as the worker recorded it. */
export interface MessageAttempt {
  attempt: number;
  trigger: 'queue' | 'reprocess';
  startedAt: string;
  finishedAt: string;
  outcome: 'applied' | 'failed' | 'error';
  error: string | null;
  /** The facts the message was mapped to. */
  facts: unknown[];
  /** The cases the attempt changed. */
  caseIds: string[];
  warnings: unknown[];
  /** Who asked for it (reprocessing), else null. */
  actor: string | null;
}

/** A case change a message caused (a `case_event` whose source is the message). */
export interface MessageCaseEvent {
  caseId: string;
  version: number;
  kind: string;
  at: string;
  receivedAt: string;
  change: Record<string, unknown>;
}

export type MessageErrorKind = 'rejected' | 'failed' | 'stuck';

/** Messages that went wrong the same way: same kind, same error text. */
export interface MessageErrorGroup {
  kind: MessageErrorKind;
  error: string | null;
  count: number;
  firstAt: string;
  lastAt: string;
  /** The newest message of the group (to open it). */
  lastId: string;
}

/** `GET /api/messages/errors`: refused, failed (dead letters) and stuck messages. */
export interface MessageErrors extends MessagePage {
  /** Every matching message counted per kind and error text, most frequent first (at most 100). */
  groups: MessageErrorGroup[];
}

/** Traffic of one interface, one sender or all of them. */
export interface TrafficStats {
  /** Messages received in the last minute and in the whole window. */
  messages: { lastMinute: number; window: number };
  /** Messages per second over the last minute. */
  ratePerSecond: number;
  /** Share of the window's messages that were refused or failed; null when there were none. */
  errorRate: number | null;
  /** The window's messages by their current status. */
  byStatus: Record<MessageStatus, number>;
  /** Newest message: for interfaces at any time before `now`, for senders within the window. */
  lastMessageAt: string | null;
}

export interface InterfaceStats extends TrafficStats {
  /** null: messages that came in on no named interface (older rows, other channels). */
  interfaceName: string | null;
}

export interface SenderStats extends TrafficStats {
  interfaceName: string | null;
  sender: string;
}

/** Traffic from the database (the message log). */
export interface MessageStats {
  at: string;
  windowSeconds: number;
  total: TrafficStats;
  interfaces: InterfaceStats[];
  senders: SenderStats[];
}

/** `GET /api/messages/stats`: the traffic, and the inbound queue from Redis. */
export interface MessageStatsView extends MessageStats {
  /** Jobs in the inbound queue (all interfaces); null when Redis did not answer. */
  queue: { waiting: number; active: number; delayed: number; failed: number } | null;
}

/** One field of a segment as written (escapes kept), with its parts when it has any. */
export interface Hl7TreeField {
  /** 1-based field number (MSH-1 is the field separator, MSH-2 the encoding characters). */
  index: number;
  /** The field exactly as written, escape sequences included. */
  value: string;
  /** The components of a field that has several (and one repetition), as written. */
  components?: string[];
  /** The repetitions of a repeated field, each with its components when it has several. */
  repetitions?: { value: string; components?: string[] }[];
}

/** One segment: its id and its valued fields (empty ones are left out; `index` says where each is). */
export interface Hl7TreeSegment {
  name: string;
  fields: Hl7TreeField[];
}

/** Why a message does not parse, patient-data free (as in the ERR segment of its ACK). */
export interface MessageProblemView {
  kind: string;
  /** HL7 table 0357 condition code. */
  code: number;
  text: string;
  location?: unknown;
}

/** An `api` row as the integration console shows it: the person's request, as the fact it made. */
export interface MessageCommandView {
  /** The fact's kind: `milestone`, `checklist`, `acknowledgement`, `schedule`, `limits`… */
  kind: string;
  /** What the request was, e.g. `record inRoom (nurse)`. */
  label?: string;
  /** The case the request named. */
  caseId?: string;
  /** Who asked, in which role. */
  actor?: { id: string; role: string; name?: string };
  /** When they asked (the fact's time). */
  at?: string;
  /** The fact as stored: the rest of what was asked (milestone and value, limits and reason…). */
  fact: Record<string, unknown>;
}

/** `GET /api/messages/{id}`: one message in full. */
export interface MessageView {
  /** The summary with the bytes as text: ISO 8859-1 when MSH-18 declares it, else UTF-8. */
  message: MessageSummary & { text: string; charset: 'ISO-8859-1' | 'UTF-8' };
  /** The parsed segments; null when the message does not parse (see `problem`) or is JSON. */
  tree: Hl7TreeSegment[] | null;
  problem?: MessageProblemView;
  /** JSON rows (api, fhir, mqtt): the content parsed, or why it is not JSON. */
  json?: unknown;
  jsonProblem?: string;
  /** `api` rows: the person's request as a command (kind, case, who, when, the fact). */
  command?: MessageCommandView;
  attempts: MessageAttempt[];
  events: MessageCaseEvent[];
}
