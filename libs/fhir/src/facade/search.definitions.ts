import type { Device, FhirResource, HumanName, Identifier, Location } from 'fhir/r4';
import { CASE_STATUSES, type CaseStatus, isCaseId, type MilestoneKey } from '@circulator/contracts';
import { appointmentStatus } from '../outbound/appointment.mapper';
import { encounterStatus } from '../outbound/encounter.mapper';
import { ourIdCandidate } from '../outbound/fhir.ids';
import { CIRCULATOR_SYSTEMS, OBSERVATION_CATEGORY } from '../outbound/fhir.systems';
import {
  OBSERVATION_KIND_DEFINITIONS,
  OBSERVATION_KINDS,
  type ObservationKind,
  parseObservationId,
} from '../outbound/observation.mapper';
import { procedureStatus } from '../outbound/procedure.mapper';
import type { CaseCriteria, CaseTimeline, IdentifierMatch, StatusMatch, VitalCriteria } from './case-search.criteria';
import { FhirError } from './fhir.error';
import {
  dateConditionOf,
  keyOf,
  parseCount,
  parseOffset,
  parseReferenceId,
  parseToken,
  type QueryParam,
  splitValues,
  type TokenValue,
  tokenMatches,
} from './search.query';

/** The resource types the read façade serves (CONTRACT §5). */
export const FACADE_TYPES = [
  'Appointment',
  'Encounter',
  'Procedure',
  'Observation',
  'Location',
  'Device',
  'Patient',
  'Practitioner',
] as const;
export type FacadeType = (typeof FACADE_TYPES)[number];

export function isFacadeType(value: string): value is FacadeType {
  return (FACADE_TYPES as readonly string[]).includes(value);
}

/** Types made from cases (their searches run in SQL on the case table). */
export type CaseType = 'Appointment' | 'Encounter' | 'Procedure';

/** A search parameter as the CapabilityStatement describes it. */
export interface ParamDoc {
  name: string;
  type: 'token' | 'reference' | 'date' | 'string';
  documentation: string;
}

/** An `_include` the façade follows: `Source:param` and the type it reaches. */
export interface IncludeSpec {
  source: FacadeType;
  param: string;
  target: FacadeType;
}

/** Everything a search asks, read from its query string. */
export interface ParsedSearch {
  type: FacadeType;
  /** For types made from cases (and Observation): which cases. */
  cases: CaseCriteria;
  /** FHIR ids of Locations named by `location=` on case types, one list per occurrence (resolved to rooms by the caller). */
  locationIds: string[][];
  /** For Observation: which readings. */
  vitals: VitalCriteria;
  /** For Location and Device (served from small registries): tests on the mapped resources. */
  filters: ((resource: FhirResource) => boolean)[];
  includes: IncludeSpec[];
  count: number;
  offset: number;
  /** The search parameters understood, as sent (for Bundle.link `self`). */
  used: QueryParam[];
  /** Parameters ignored under `Prefer: handling=lenient`. */
  ignored: string[];
}

export const DEFAULT_COUNT = 50;
export const MAX_COUNT = 500;

interface Accumulator {
  cases: CaseCriteria;
  locationIds: string[][];
  vitals: VitalCriteria;
  filters: ((resource: FhirResource) => boolean)[];
}

interface SearchContext {
  /** IANA zone dates without a time are read in (FACILITY_TZ). */
  zone: string;
}

interface ParamHandler {
  doc: ParamDoc;
  /** Modifiers this parameter takes (none when absent). */
  modifiers?: readonly string[];
  apply(param: QueryParam, acc: Accumulator, ctx: SearchContext): void;
}

const push = <T>(list: T[][] | undefined, values: T[]): T[][] => [...(list ?? []), values];

// ---- parameters shared by the case types -----------------------------------------------------

function caseIdParam(): ParamHandler {
  return {
    doc: { name: '_id', type: 'token', documentation: 'The case id (every resource made from a case has it)' },
    apply(p, acc) {
      const ids = splitValues(p.value, '_id').filter(isCaseId);
      acc.cases.ids = push(acc.cases.ids, ids);
    },
  };
}

const PATIENT_HINT =
  'this Patient id is made of an MRN that is no FHIR id: search by MRN with patient:identifier=' +
  `${CIRCULATOR_SYSTEMS.mrn}|<MRN> (or patient:identifier=<MRN>)`;

/**
 * `patient` / `subject`: the patient as `Patient/<id>` (the Patient the façade serves, id made of
 * the MRN), or by MRN through the `:identifier` modifier (R4 §3.1.1.4.6.3).
 */
function patientParam(name: 'patient' | 'subject', what: string): ParamHandler {
  return {
    doc: {
      name,
      type: 'reference',
      documentation: `${what}: Patient/<id>, or by MRN: ${name}:identifier=${CIRCULATOR_SYSTEMS.mrn}|<MRN> (merged MRNs find the survivor's cases)`,
    },
    modifiers: ['identifier', 'Patient'],
    apply(p, acc) {
      if (p.modifier !== undefined && p.modifier !== 'identifier' && p.modifier !== 'Patient') {
        throw new FhirError(
          'unsupported-parameter',
          `${name}:${p.modifier}: ${name} takes :identifier or :Patient`,
          name,
        );
      }
      const mrns = splitValues(p.value, keyOf(p)).flatMap((v) => {
        if (p.modifier !== 'identifier') {
          const mrn = ourIdCandidate(parseReferenceId(v, 'Patient', name));
          if (mrn === undefined) throw new FhirError('unsupported-parameter', `${name}: ${PATIENT_HINT}`, name);
          return [mrn];
        }
        const token = parseToken(v, keyOf(p));
        return token.system === undefined || token.system === CIRCULATOR_SYSTEMS.mrn ? [token.code] : [];
      });
      acc.cases.mrns = push(acc.cases.mrns, mrns);
    },
  };
}

/** `location`: the case's room, as a Location reference. */
function locationParam(what: string): ParamHandler {
  return {
    doc: { name: 'location', type: 'reference', documentation: `${what}: Location/<id>` },
    modifiers: ['Location'],
    apply(p, acc) {
      acc.locationIds.push(splitValues(p.value, 'location').map((v) => parseReferenceId(v, 'Location', 'location')));
    },
  };
}

/** A reference to another resource made from the same case (`encounter`, `appointment`). */
function sameCaseParam(name: string, type: CaseType, what: string): ParamHandler {
  return {
    doc: { name, type: 'reference', documentation: `${what}: ${type}/<case id>` },
    modifiers: [type],
    apply(p, acc) {
      const ids = splitValues(p.value, name)
        .map((v) => parseReferenceId(v, type, name))
        .filter(isCaseId);
      acc.cases.ids = push(acc.cases.ids, ids);
    },
  };
}

function dateParam(timeline: CaseTimeline, documentation: string): ParamHandler {
  return {
    doc: { name: 'date', type: 'date', documentation },
    apply(p, acc, ctx) {
      const condition = dateConditionOf(p.value, ctx.zone, 'date');
      const time = acc.cases.time ?? { timeline, conditions: [] };
      time.conditions.push(condition);
      acc.cases.time = time;
    },
  };
}

/**
 * The case statuses (and milestone conditions) a resource status stands for, found by asking the
 * mapper itself for every case status with and without `milestone`: the search and the resource
 * cannot disagree.
 */
export function statusMatchesFor(
  code: string,
  statusOf: (status: CaseStatus, withMilestone: boolean) => string,
  milestone: MilestoneKey,
): StatusMatch[] {
  return CASE_STATUSES.flatMap((status): StatusMatch[] => {
    const withIt = statusOf(status, true) === code;
    const without = statusOf(status, false) === code;
    if (withIt && without) return [{ status }];
    if (withIt) return [{ status, milestone: { key: milestone, present: true } }];
    if (without) return [{ status, milestone: { key: milestone, present: false } }];
    return [];
  });
}

function statusParam(
  codes: readonly string[],
  statusOf: (status: CaseStatus, withMilestone: boolean) => string,
  milestone: MilestoneKey,
  documentation: string,
): ParamHandler {
  return {
    doc: { name: 'status', type: 'token', documentation },
    apply(p, acc) {
      const matches = splitValues(p.value, 'status').flatMap((v) => {
        const { code } = parseToken(v, 'status');
        if (!codes.includes(code)) {
          throw new FhirError('invalid-parameter', `status: ${code} is none of ${codes.join(', ')}`, 'status');
        }
        return statusMatchesFor(code, statusOf, milestone);
      });
      acc.cases.statuses = push(acc.cases.statuses, matches);
    },
  };
}

// ---- per type -------------------------------------------------------------------------------

/** R4 value sets of the statuses (required bindings): every code is accepted, some match nothing. */
const APPOINTMENT_STATUSES = [
  'proposed',
  'pending',
  'booked',
  'arrived',
  'fulfilled',
  'cancelled',
  'noshow',
  'entered-in-error',
  'checked-in',
  'waitlist',
];
const ENCOUNTER_STATUSES = [
  'planned',
  'arrived',
  'triaged',
  'in-progress',
  'onleave',
  'finished',
  'cancelled',
  'entered-in-error',
  'unknown',
];
const PROCEDURE_STATUSES = [
  'preparation',
  'in-progress',
  'not-done',
  'on-hold',
  'stopped',
  'completed',
  'entered-in-error',
  'unknown',
];
const DEVICE_STATUSES = ['active', 'inactive', 'entered-in-error', 'unknown'];

const IDENTIFIER_KINDS: Readonly<Record<string, string>> = {
  [CIRCULATOR_SYSTEMS.placerAppointmentId]: 'placerAppointmentId',
  [CIRCULATOR_SYSTEMS.fillerAppointmentId]: 'fillerAppointmentId',
  [CIRCULATOR_SYSTEMS.fhirAppointmentId]: 'fhirAppointmentId',
};

const appointmentIdentifierParam: ParamHandler = {
  doc: {
    name: 'identifier',
    type: 'token',
    documentation:
      'Placer or filler appointment id (HL7 SCH-1/SCH-2) or the EHR Appointment id: [system|]value, ' +
      `systems ${Object.keys(IDENTIFIER_KINDS).join(', ')}`,
  },
  apply(p, acc) {
    const matches = splitValues(p.value, 'identifier').flatMap((v): IdentifierMatch[] => {
      const token = parseToken(v, 'identifier');
      if (token.system === undefined) return [{ kinds: Object.values(IDENTIFIER_KINDS), value: token.code }];
      const kind = IDENTIFIER_KINDS[token.system];
      return kind ? [{ kinds: [kind], value: token.code }] : [];
    });
    acc.cases.identifiers = push(acc.cases.identifiers, matches);
  },
};

const procedureCodeParam: ParamHandler = {
  doc: {
    name: 'code',
    type: 'token',
    documentation: 'The scheduled procedure code as the source sent it (no coding system is kept: code or |code)',
  },
  apply(p, acc) {
    const codes = splitValues(p.value, 'code').flatMap((v) => {
      const token = parseToken(v, 'code');
      return token.system === undefined || token.system === '' ? [token.code] : [];
    });
    acc.cases.procedureCodes = push(acc.cases.procedureCodes, codes);
  },
};

/** The Observation kinds whose `code` has a coding the token names. */
function kindsForCode(token: TokenValue): ObservationKind[] {
  return OBSERVATION_KINDS.filter((kind) => {
    const def = OBSERVATION_KIND_DEFINITIONS[kind];
    const codings = [
      ...def.loinc,
      ...(def.mdc ? [def.mdc] : []),
      { system: CIRCULATOR_SYSTEMS.vital, code: kind === 'bp' ? 'nibp' : def.vitals[0]! },
    ];
    return codings.some((c) => tokenMatches(token, c.system, c.code ?? ''));
  });
}

const observationParams: Record<string, ParamHandler> = {
  _id: {
    doc: {
      name: '_id',
      type: 'token',
      documentation: 'Observation id: <case id>-<kind> (hr, spo2, bp, rr, temp, etco2, bis)',
    },
    apply(p, acc) {
      const pairs = splitValues(p.value, '_id').flatMap((v) => {
        const parsed = parseObservationId(v);
        return parsed ? [parsed] : [];
      });
      acc.vitals.ids = push(acc.vitals.ids, pairs);
    },
  },
  patient: patientParam('patient', 'The patient whose reading it is'),
  subject: patientParam('subject', 'The patient whose reading it is'),
  encounter: sameCaseParam('encounter', 'Encounter', 'The case (its Encounter)'),
  code: {
    doc: {
      name: 'code',
      type: 'token',
      documentation: `LOINC (8867-4, 2708-6, 59408-5, 85354-9, 9279-1, 8310-5, 19891-1), MDC or ${CIRCULATOR_SYSTEMS.vital} codes`,
    },
    apply(p, acc) {
      const kinds = splitValues(p.value, 'code').flatMap((v) => kindsForCode(parseToken(v, 'code')));
      acc.vitals.kinds = push(acc.vitals.kinds, [...new Set(kinds)]);
    },
  },
  category: {
    doc: {
      name: 'category',
      type: 'token',
      documentation: 'vital-signs (HR, SpO2, BP, RR, temperature) or procedure (etCO2, BIS)',
    },
    apply(p, acc) {
      const kinds = splitValues(p.value, 'category').flatMap((v) => {
        const token = parseToken(v, 'category');
        return OBSERVATION_KINDS.filter((k) =>
          tokenMatches(token, OBSERVATION_CATEGORY, OBSERVATION_KIND_DEFINITIONS[k].category),
        );
      });
      acc.vitals.kinds = push(acc.vitals.kinds, kinds);
    },
  },
  date: {
    doc: { name: 'date', type: 'date', documentation: 'When the reading was taken (effectiveDateTime)' },
    apply(p, acc, ctx) {
      acc.vitals.conditions = [...(acc.vitals.conditions ?? []), dateConditionOf(p.value, ctx.zone, 'date')];
    },
  },
};

// ---- in-memory types (Location, Device) --------------------------------------------------------

function resourceIdParam(): ParamHandler {
  return {
    doc: { name: '_id', type: 'token', documentation: 'The resource id' },
    apply(p, acc) {
      const ids = new Set(splitValues(p.value, '_id'));
      acc.filters.push((r) => r.id !== undefined && ids.has(r.id));
    },
  };
}

function identifierFilterParam(documentation: string): ParamHandler {
  return {
    doc: { name: 'identifier', type: 'token', documentation },
    apply(p, acc) {
      const tokens = splitValues(p.value, 'identifier').map((v) => parseToken(v, 'identifier'));
      acc.filters.push((r) => {
        const ids = (r as { identifier?: Identifier[] }).identifier ?? [];
        return tokens.some((t) => ids.some((i) => tokenMatches(t, i.system, i.value ?? '')));
      });
    },
  };
}

/** Lower case, without accents: R4 string search is case- and accent-insensitive (§3.1.1.4.1). */
function folded(text: string): string {
  return text.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
}

const locationNameParam: ParamHandler = {
  doc: { name: 'name', type: 'string', documentation: 'The room name: starts with (or :exact, :contains)' },
  modifiers: ['exact', 'contains'],
  apply(p, acc) {
    const values = splitValues(p.value, keyOf(p)).map((v) => v.replaceAll('\\|', '|'));
    acc.filters.push((r) => {
      const name = (r as Location).name ?? '';
      return values.some((v) => {
        if (p.modifier === 'exact') return name === v;
        if (p.modifier === 'contains') return folded(name).includes(folded(v));
        return folded(name).startsWith(folded(v));
      });
    });
  },
};

/**
 * `name` of Patient and Practitioner (R4 string search, §3.1.1.4.1): starts with, or `:exact`,
 * `:contains`, on any part of any name (text, family, given).
 */
const personNameParam: ParamHandler = {
  doc: {
    name: 'name',
    type: 'string',
    documentation: 'Any part of the name (text, family, given): starts with (or :exact, :contains)',
  },
  modifiers: ['exact', 'contains'],
  apply(p, acc) {
    const values = splitValues(p.value, keyOf(p)).map((v) => v.replaceAll('\\|', '|'));
    acc.filters.push((r) => {
      const names = ((r as { name?: HumanName[] }).name ?? []).flatMap((n) =>
        [n.text, n.family, ...(n.given ?? [])].filter((x): x is string => x !== undefined),
      );
      return values.some((v) =>
        names.some((name) => {
          if (p.modifier === 'exact') return name === v;
          if (p.modifier === 'contains') return folded(name).includes(folded(v));
          return folded(name).startsWith(folded(v));
        }),
      );
    });
  },
};

const deviceParams: Record<string, ParamHandler> = {
  _id: resourceIdParam(),
  identifier: identifierFilterParam(`The device id: ${CIRCULATOR_SYSTEMS.device}|<id>`),
  location: {
    doc: { name: 'location', type: 'reference', documentation: 'The room the device is registered in: Location/<id>' },
    modifiers: ['Location'],
    apply(p, acc) {
      const refs = new Set(
        splitValues(p.value, 'location').map((v) => `Location/${parseReferenceId(v, 'Location', 'location')}`),
      );
      acc.filters.push((r) => {
        const ref = (r as Device).location?.reference;
        return ref !== undefined && refs.has(ref);
      });
    },
  },
  type: {
    doc: {
      name: 'type',
      type: 'token',
      documentation: `The device type (${CIRCULATOR_SYSTEMS.deviceType}: monitor, …)`,
    },
    apply(p, acc) {
      const tokens = splitValues(p.value, 'type').map((v) => parseToken(v, 'type'));
      acc.filters.push((r) =>
        ((r as Device).type?.coding ?? []).some((c) => tokens.some((t) => tokenMatches(t, c.system, c.code ?? ''))),
      );
    },
  },
  status: {
    doc: { name: 'status', type: 'token', documentation: 'active (in use) or inactive (in maintenance or retired)' },
    apply(p, acc) {
      const codes = splitValues(p.value, 'status').map((v) => {
        const { code } = parseToken(v, 'status');
        if (!DEVICE_STATUSES.includes(code)) {
          throw new FhirError(
            'invalid-parameter',
            `status: ${code} is none of ${DEVICE_STATUSES.join(', ')}`,
            'status',
          );
        }
        return code;
      });
      acc.filters.push((r) => codes.includes((r as Device).status ?? ''));
    },
  },
};

/** The search parameters of each type (R4 names), and what each searches. */
export const SEARCH_PARAMS: Readonly<Record<FacadeType, Readonly<Record<string, ParamHandler>>>> = {
  Appointment: {
    _id: caseIdParam(),
    identifier: appointmentIdentifierParam,
    date: dateParam('scheduled', 'Appointment start (the scheduled start)'),
    patient: patientParam('patient', 'The patient booked'),
    location: locationParam('The room booked'),
    status: statusParam(
      APPOINTMENT_STATUSES,
      (s) => appointmentStatus(s),
      'procedureEnd',
      'booked, arrived (pre-op, in the room), fulfilled (out of the room), cancelled, noshow',
    ),
  },
  Encounter: {
    _id: caseIdParam(),
    date: dateParam('stay', 'The period from in room to PACU out (any part of it, for ge/le)'),
    patient: patientParam('patient', 'The patient'),
    subject: patientParam('subject', 'The patient'),
    location: locationParam('The operating room'),
    appointment: sameCaseParam('appointment', 'Appointment', 'The case (its Appointment)'),
    status: statusParam(
      ENCOUNTER_STATUSES,
      (s) => encounterStatus(s),
      'pacuOut',
      'planned, arrived (pre-op), in-progress (in room to PACU), finished, cancelled',
    ),
  },
  Procedure: {
    _id: caseIdParam(),
    date: dateParam('procedure', 'The performed period, incision to closure'),
    patient: patientParam('patient', 'The patient'),
    subject: patientParam('subject', 'The patient'),
    encounter: sameCaseParam('encounter', 'Encounter', 'The case (its Encounter)'),
    location: locationParam('The operating room'),
    code: procedureCodeParam,
    status: statusParam(
      PROCEDURE_STATUSES,
      (s, closed) => procedureStatus(s, closed),
      'procedureEnd',
      'preparation, in-progress (incision to closure), completed, not-done (cancelled or no-show)',
    ),
  },
  Observation: observationParams,
  Location: {
    _id: resourceIdParam(),
    name: locationNameParam,
    identifier: identifierFilterParam(
      `Our room id (${CIRCULATOR_SYSTEMS.room}) or a source location code (${CIRCULATOR_SYSTEMS.sourceLocation})`,
    ),
  },
  Device: deviceParams,
  Patient: {
    _id: resourceIdParam(),
    identifier: identifierFilterParam(`The MRN: ${CIRCULATOR_SYSTEMS.mrn}|<MRN> (or <MRN>)`),
    name: personNameParam,
  },
  Practitioner: {
    _id: resourceIdParam(),
    identifier: identifierFilterParam(`The id the schedule gave: ${CIRCULATOR_SYSTEMS.practitioner}|<id>`),
    name: personNameParam,
  },
};

/** The `_include`s each type follows (R4 §3.1.1.5.4); every one stays within what the match names. */
export const INCLUDES: Readonly<Record<FacadeType, readonly IncludeSpec[]>> = {
  Appointment: [
    { source: 'Appointment', param: 'location', target: 'Location' },
    { source: 'Appointment', param: 'patient', target: 'Patient' },
    { source: 'Appointment', param: 'practitioner', target: 'Practitioner' },
  ],
  Encounter: [
    { source: 'Encounter', param: 'location', target: 'Location' },
    { source: 'Encounter', param: 'appointment', target: 'Appointment' },
  ],
  Procedure: [
    { source: 'Procedure', param: 'encounter', target: 'Encounter' },
    { source: 'Procedure', param: 'location', target: 'Location' },
  ],
  Observation: [{ source: 'Observation', param: 'encounter', target: 'Encounter' }],
  Location: [],
  Device: [{ source: 'Device', param: 'location', target: 'Location' }],
  Patient: [],
  Practitioner: [],
};

/** Parameters every search takes (R4 §3.1.1.5) besides the type's own. */
const CONTROL = new Set(['_count', '_offset', '_include', '_format', '_pretty']);

/** Standard result parameters the façade does not implement: refused, not silently ignored. */
const UNSUPPORTED_CONTROL = new Set([
  '_sort',
  '_summary',
  '_elements',
  '_total',
  '_contained',
  '_containedType',
  '_revinclude',
  '_has',
  '_list',
  '_query',
  '_filter',
  '_text',
  '_content',
  '_tag',
  '_profile',
  '_security',
  '_source',
  '_lastUpdated',
]);

/**
 * Reads a search's query string against the type's parameters. Strict by default (R4 §3.1.1.5.8:
 * a server may refuse what it does not understand; this one does, with 400 and an
 * OperationOutcome naming the parameter); `lenient` (from `Prefer: handling=lenient`) ignores
 * unknown parameters instead and reports them in {@link ParsedSearch.ignored}.
 */
export function parseSearch(
  type: FacadeType,
  params: readonly QueryParam[],
  ctx: SearchContext & { lenient: boolean },
): ParsedSearch {
  const handlers = SEARCH_PARAMS[type];
  const acc: Accumulator = { cases: {}, locationIds: [], vitals: {}, filters: [] };
  const parsed: ParsedSearch = {
    type,
    cases: acc.cases,
    locationIds: acc.locationIds,
    vitals: acc.vitals,
    filters: acc.filters,
    includes: [],
    count: DEFAULT_COUNT,
    offset: 0,
    used: [],
    ignored: [],
  };
  for (const p of params) {
    if (CONTROL.has(p.name)) {
      readControl(type, p, parsed);
      continue;
    }
    const handler = Object.hasOwn(handlers, p.name) ? handlers[p.name] : undefined;
    if (!handler || UNSUPPORTED_CONTROL.has(p.name)) {
      if (ctx.lenient) {
        parsed.ignored.push(keyOf(p));
        continue;
      }
      const what = UNSUPPORTED_CONTROL.has(p.name) ? 'is not supported' : `is not a search parameter of ${type} here`;
      throw new FhirError(
        'unsupported-parameter',
        `${keyOf(p)} ${what} (supported: ${Object.keys(handlers).join(', ')}, ${[...CONTROL].join(', ')})`,
        keyOf(p),
      );
    }
    // patient and subject explain their one modifier themselves (there is no Patient to point at).
    const modifiers = handler.modifiers ?? [];
    if (p.modifier !== undefined && !modifiers.includes(p.modifier) && !modifiers.includes('identifier')) {
      throw new FhirError(
        'unsupported-parameter',
        `the modifier :${p.modifier} is not supported on ${p.name}`,
        keyOf(p),
      );
    }
    handler.apply(p, acc, ctx);
    parsed.used.push(p);
  }
  return parsed;
}

function readControl(type: FacadeType, p: QueryParam, parsed: ParsedSearch): void {
  if (p.name === '_include' && p.modifier !== undefined) {
    throw new FhirError('unsupported-parameter', `_include:${p.modifier} is not supported`, keyOf(p));
  }
  if (p.modifier !== undefined) {
    throw new FhirError('invalid-parameter', `${p.name} takes no modifier`, keyOf(p));
  }
  switch (p.name) {
    case '_count':
      parsed.count = parseCount(p.value, MAX_COUNT);
      return;
    case '_offset':
      parsed.offset = parseOffset(p.value);
      return;
    case '_include': {
      const [source, param, target, ...rest] = p.value.split(':');
      const spec = INCLUDES[type].find((i) => i.source === source && i.param === param);
      if (!spec || rest.length > 0 || (target !== undefined && target !== spec.target)) {
        const offered = INCLUDES[type].map((i) => `${i.source}:${i.param}`);
        throw new FhirError(
          'unsupported-parameter',
          `_include=${p.value} is not supported on ${type}${offered.length ? ` (supported: ${offered.join(', ')})` : ''}`,
          '_include',
        );
      }
      if (!parsed.includes.includes(spec)) parsed.includes.push(spec);
      return;
    }
    case '_format':
      checkFormat(p.value);
      return;
    case '_pretty':
      return;
  }
}

const JSON_FORMATS = new Set(['json', 'application/json', 'application/fhir+json']);

/** `_format` (R4 §2.21.0.6.1): JSON only; XML and RDF are not served (406). */
export function checkFormat(value: string): void {
  const mime = value.split(';')[0]!.trim().toLowerCase();
  if (!JSON_FORMATS.has(mime)) {
    throw new FhirError(
      'not-acceptable',
      `_format=${value}: this server answers application/fhir+json only`,
      '_format',
    );
  }
}
