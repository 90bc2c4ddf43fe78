import type { Hl7TreeField, Hl7TreeSegment, MessageCommandView } from '@circulator/contracts';
import { decodeHl7, readMsh, type Hl7Problem } from '@circulator/hl7';

/** A message as the integration console shows it. */
export interface MessageText {
  /** The message's bytes as text, segment terminators as sent. */
  text: string;
  /** How the bytes were read: ISO 8859-1 when MSH-18 declares it, else UTF-8. */
  charset: 'ISO-8859-1' | 'UTF-8';
  /** The parsed segments; null when the message does not parse (see `problem`). */
  tree: Hl7TreeSegment[] | null;
  /** Why it does not parse (patient-data free, as in the ERR segment of its ACK). */
  problem?: Pick<Hl7Problem, 'kind' | 'code' | 'text' | 'location'>;
}

// HL7 table 0211 spells ISO 8859-1 `8859/1`; `ISO IR100` is its ISO-IR name, and some senders write
// the IANA name.
const LATIN1 = new Set(['8859/1', 'ISO IR100', 'ISO-8859-1']);

/**
 * The raw text and parse tree of a stored message. Never throws: a message that does not parse
 * (it was refused with AR, or it is not HL7 at all) still shows as text, with the reason.
 */
export function messageText(raw: Buffer): MessageText {
  const head = readMsh(raw);
  const declared = (head.ok ? head.header.charset : head.partial.charset) ?? '';
  const charset = LATIN1.has(declared.trim().toUpperCase()) ? 'ISO-8859-1' : 'UTF-8';
  const text = raw.toString(charset === 'ISO-8859-1' ? 'latin1' : 'utf8');

  const result = decodeHl7(raw);
  if (!result.ok) {
    const { kind, code, text: why, location } = result.problem;
    return {
      text,
      charset,
      tree: null,
      problem: location ? { kind, code, text: why, location } : { kind, code, text: why },
    };
  }
  const { header, segments } = result.decoded;
  const { field: fieldSeparator, component, repetition } = header.encoding;
  // The decoder's own text (terminators normalised, blank lines dropped): a segment's `position`
  // is its line there.
  const lines = result.decoded.text.split('\r');
  const tree = segments.map((segment): Hl7TreeSegment => {
    const line = (lines[segment.position] ?? '').trim();
    const parts = line.split(fieldSeparator);
    const fields: Hl7TreeField[] = [];
    if (segment.name === 'MSH') {
      // MSH-1 is the separator itself and MSH-2 the encoding characters: never split further.
      fields.push({ index: 1, value: fieldSeparator });
      if (parts[1]) fields.push({ index: 2, value: parts[1] });
      parts.slice(2).forEach((value, i) => {
        if (value !== '') fields.push(treeField(i + 3, value, component, repetition));
      });
    } else {
      parts.slice(1).forEach((value, i) => {
        if (value !== '') fields.push(treeField(i + 1, value, component, repetition));
      });
    }
    return { name: segment.name, fields };
  });
  return { text, charset, tree };
}

function treeField(index: number, value: string, component: string, repetition: string): Hl7TreeField {
  if (value.includes(repetition)) {
    return { index, value, repetitions: value.split(repetition).map((r) => withComponents(r, component)) };
  }
  const components = value.includes(component) ? value.split(component) : undefined;
  return components ? { index, value, components } : { index, value };
}

function withComponents(value: string, component: string): { value: string; components?: string[] } {
  return value.includes(component) ? { value, components: value.split(component) } : { value };
}

/** An `api` row as the integration console shows it (the wire type, @circulator/contracts). */
export type ApiCommandView = MessageCommandView;

/** A JSON row (api, fhir, mqtt) as the console shows it: its text, and its content parsed. */
export interface MessageDocument {
  text: string;
  charset: 'UTF-8';
  tree: null;
  /** The parsed content; absent when the text is not JSON (`jsonProblem` says why). */
  json?: unknown;
  jsonProblem?: string;
  /** For `api` rows: the request as a command (the fact it made, who, about which case). */
  command?: ApiCommandView;
}

/**
 * A stored JSON message (a person's API request, a FHIR resource with what it references, a batch
 * of MQTT device messages): never an HL7 tree, but its content as structure. Never throws.
 */
export function messageDocument(raw: Buffer, channel: string): MessageDocument {
  const text = raw.toString('utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    return { text, charset: 'UTF-8', tree: null, jsonProblem: `not JSON: ${(err as Error).message}` };
  }
  const out: MessageDocument = { text, charset: 'UTF-8', tree: null, json };
  if (channel === 'api') {
    const command = commandOf(json);
    if (command) out.command = command;
  }
  return out;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `{fact, label}` (the pipeline's `ApiCommand`) as a command view; undefined for anything else. */
function commandOf(json: unknown): ApiCommandView | undefined {
  if (!isObject(json) || !isObject(json.fact) || typeof json.fact.kind !== 'string') return undefined;
  const fact = json.fact;
  const view: ApiCommandView = { kind: fact.kind as string, fact };
  if (typeof json.label === 'string') view.label = json.label;
  const target = isObject(fact.target) ? fact.target : undefined;
  const caseId =
    typeof target?.caseId === 'string' ? target.caseId : typeof fact.caseId === 'string' ? fact.caseId : undefined;
  if (caseId) view.caseId = caseId;
  if (isObject(fact.actor) && typeof fact.actor.id === 'string' && typeof fact.actor.role === 'string') {
    const actor: ApiCommandView['actor'] = { id: fact.actor.id, role: fact.actor.role };
    if (typeof fact.actor.name === 'string') actor.name = fact.actor.name;
    view.actor = actor;
  }
  if (typeof fact.at === 'string') view.at = fact.at;
  return view;
}
