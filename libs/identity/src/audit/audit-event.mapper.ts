import { type ChainedRow, canonicalJson } from './audit.chain';

/** A FHIR R4 Coding. */
export interface Coding {
  system: string;
  code: string;
  display?: string;
}

/** The part of a FHIR R4 Reference the export writes. */
export interface Reference {
  type?: string;
  identifier?: { system: string; value: string };
  display?: string;
}

/** A FHIR R4 AuditEvent (http://hl7.org/fhir/R4/auditevent.html), as far as the export fills it. */
export interface AuditEvent {
  resourceType: 'AuditEvent';
  id: string;
  extension?: { url: string; extension: { url: string; valueString: string }[] }[];
  type: Coding;
  subtype?: Coding[];
  action?: 'C' | 'R' | 'U' | 'D' | 'E';
  recorded: string;
  outcome?: '0' | '4' | '8' | '12';
  agent: {
    type?: { coding: Coding[] };
    role?: { coding: Coding[]; text?: string }[];
    who?: Reference;
    requestor: boolean;
    network?: { address: string; type: '1' | '2' | '3' | '4' | '5' };
  }[];
  source: { site?: string; observer: Reference; type?: Coding[] };
  entity?: {
    what?: Reference;
    type?: Coding;
    role?: Coding;
    description?: string;
    detail?: { type: string; valueString: string }[];
  }[];
}

/** A FHIR R4 searchset Bundle of AuditEvents. */
export interface AuditEventBundle {
  resourceType: 'Bundle';
  type: 'searchset';
  timestamp: string;
  link: { relation: 'self' | 'next'; url: string }[];
  entry: { resource: AuditEvent; search: { mode: 'match' } }[];
}

// Code systems (FHIR R4 terminology and DICOM PS3.16 for audit event ids).
const DCM = 'http://dicom.nema.org/resources/ontology/DCM';
const EVENT_TYPE = 'http://terminology.hl7.org/CodeSystem/audit-event-type';
const RESTFUL = 'http://hl7.org/fhir/restful-interaction';
const SOURCE_TYPE = 'http://terminology.hl7.org/CodeSystem/security-source-type';
const ROLE_TYPE = 'http://terminology.hl7.org/CodeSystem/extra-security-role-type';
const ENTITY_TYPE = 'http://terminology.hl7.org/CodeSystem/audit-entity-type';
const RESOURCE_TYPES = 'http://hl7.org/fhir/resource-types';
const OBJECT_ROLE = 'http://terminology.hl7.org/CodeSystem/object-role';

/** Our own codes: the action as the audit trail names it, roles, and the chain extension. */
export const AUDIT_ACTION_SYSTEM = 'urn:circulator:audit-action';
export const ROLE_SYSTEM = 'urn:circulator:role';
export const AUDIT_CHAIN_EXTENSION = 'urn:circulator:fhir:StructureDefinition/audit-chain';

/** The system that records every event (AuditEvent.source.observer). */
const OBSERVER: Reference = { display: 'Circulator' };

type ActionCode = NonNullable<AuditEvent['action']>;

/**
 * AuditEvent.action (R4 value set audit-event-action) from the last word of our action: C create,
 * R read, U update, D delete, E execute (sign-in, and searches: R4 files a query under E).
 */
const VERBS: Record<string, ActionCode> = {
  create: 'C',
  register: 'C',
  upload: 'C',
  read: 'R',
  events: 'R',
  subscribe: 'R',
  passwd: 'R',
  acl: 'R',
  list: 'E',
  search: 'E',
  token: 'E',
  update: 'U',
  reschedule: 'U',
  milestone: 'U',
  correct: 'U',
  checklist: 'U',
  ack: 'U',
  rotate: 'U',
  reprocess: 'U',
  'ensure-admin': 'U',
  delete: 'D',
  revoke: 'D',
};

const RESTFUL_OF: Record<ActionCode, string> = {
  C: 'create',
  R: 'read',
  U: 'update',
  D: 'delete',
  E: 'search-type',
};

/** AuditEvent.action of one of our actions; E for an action it does not know. */
export function actionCodeOf(action: string): ActionCode {
  return VERBS[action.slice(action.lastIndexOf('.') + 1)] ?? 'E';
}

/**
 * One audit row as a FHIR R4 AuditEvent. Event type: DICOM "User Authentication" for sign-ins,
 * "Audit Log Used" for reads of this trail, "Query" for searches and topic subscriptions,
 * "Application Activity" for what the platform did by itself, and FHIR's "RESTful Operation"
 * (subtype: the restful interaction) for the rest. The subtype also always carries our action.
 */
export function toAuditEvent(row: ChainedRow): AuditEvent {
  const action = actionCodeOf(row.action);
  const subtype: Coding[] = [{ system: AUDIT_ACTION_SYSTEM, code: row.action }];
  let type: Coding;
  if (row.action.startsWith('auth.')) {
    type = { system: DCM, code: '110114', display: 'User Authentication' };
    subtype.unshift({ system: DCM, code: '110122', display: 'Login' });
  } else if (row.action.startsWith('audit.')) {
    type = { system: DCM, code: '110101', display: 'Audit Log Used' };
  } else if (row.actor === 'system') {
    type = { system: DCM, code: '110100', display: 'Application Activity' };
  } else if (action === 'E' || row.action === 'live.subscribe') {
    type = { system: DCM, code: '110112', display: 'Query' };
  } else {
    type = { system: EVENT_TYPE, code: 'rest', display: 'RESTful Operation' };
    subtype.unshift({ system: RESTFUL, code: RESTFUL_OF[action] });
  }
  const event: AuditEvent = {
    resourceType: 'AuditEvent',
    id: row.id,
    type,
    subtype,
    action,
    recorded: row.at,
    // R4 audit-event-outcome: 0 success, 4 minor failure (e.g. a refused sign-in).
    outcome: row.detail['outcome'] === 'failure' ? '4' : '0',
    agent: [agentOf(row)],
    source: {
      site: 'Circulator',
      observer: OBSERVER,
      type: [{ system: SOURCE_TYPE, code: '4', display: 'Application Server' }],
    },
    entity: [entityOf(row, action)],
  };
  if (row.prevHash !== null && row.hash !== null) {
    event.extension = [
      {
        url: AUDIT_CHAIN_EXTENSION,
        extension: [
          { url: 'prevHash', valueString: row.prevHash },
          { url: 'hash', valueString: row.hash },
        ],
      },
    ];
  }
  return event;
}

/** A page of rows as a searchset Bundle; `next` is the link to the following page, if any. */
export function toAuditBundle(
  rows: readonly ChainedRow[],
  links: { self: string; next?: string | undefined; timestamp: string },
): AuditEventBundle {
  return {
    resourceType: 'Bundle',
    type: 'searchset',
    timestamp: links.timestamp,
    link: [
      { relation: 'self', url: links.self },
      ...(links.next === undefined ? [] : [{ relation: 'next' as const, url: links.next }]),
    ],
    entry: rows.map((row) => ({ resource: toAuditEvent(row), search: { mode: 'match' } })),
  };
}

function agentOf(row: ChainedRow): AuditEvent['agent'][number] {
  const agent: AuditEvent['agent'][number] = { requestor: true, who: whoOf(row.actor) };
  if (row.actor === 'system') agent.type = { coding: [{ system: ROLE_TYPE, code: 'dataprocessor' }] };
  else if (!row.actor.startsWith('display:')) agent.type = { coding: [{ system: ROLE_TYPE, code: 'humanuser' }] };
  if (row.roles.length > 0)
    agent.role = row.roles.map((r) => ({ coding: [{ system: ROLE_SYSTEM, code: r }], text: r }));
  // R4 network-type 2: an IP address.
  if (row.source !== null) agent.network = { address: row.source, type: '2' };
  return agent;
}

/** `user:<id>` and `display:<id>` become identifiers; `system` and `anonymous` a name. */
function whoOf(actor: string): Reference {
  const colon = actor.indexOf(':');
  if (colon < 0) return { display: actor === 'system' ? 'Circulator' : actor };
  return { identifier: { system: `urn:circulator:${actor.slice(0, colon)}`, value: actor.slice(colon + 1) } };
}

function entityOf(row: ChainedRow, action: ActionCode): NonNullable<AuditEvent['entity']>[number] {
  const isCase = row.targetType === 'case';
  const entity: NonNullable<AuditEvent['entity']>[number] = {
    // A case is what a FHIR Appointment describes (CONTRACT §5 builds Appointments from cases).
    type: isCase
      ? { system: RESOURCE_TYPES, code: 'Appointment', display: 'Appointment' }
      : { system: ENTITY_TYPE, code: '2', display: 'System Object' },
    description: row.targetType,
  };
  if (row.targetId !== null) {
    entity.what = {
      ...(isCase ? { type: 'Appointment' } : {}),
      identifier: { system: `urn:circulator:${row.targetType}`, value: row.targetId },
    };
  }
  if (action === 'E' && !row.action.startsWith('auth.'))
    entity.role = { system: OBJECT_ROLE, code: '24', display: 'Query' };
  else if (isCase) entity.role = { system: OBJECT_ROLE, code: '4', display: 'Domain Resource' };
  else if (row.targetType === 'user' || row.targetType === 'display') {
    entity.role = { system: OBJECT_ROLE, code: '11', display: 'Security User Entity' };
  }
  if (Object.keys(row.detail).length > 0) entity.detail = [{ type: 'detail', valueString: canonicalJson(row.detail) }];
  return entity;
}
