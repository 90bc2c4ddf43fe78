import type { CapabilityStatement, CapabilityStatementRestResource } from 'fhir/r4';
import { OBSERVATION_KIND_DEFINITIONS, OBSERVATION_KINDS } from '../outbound/observation.mapper';
import { FACADE_TYPES, INCLUDES, SEARCH_PARAMS } from './search.definitions';

const PROFILE_BASE = 'http://hl7.org/fhir/StructureDefinition/';

/** What each type is made of, for the CapabilityStatement's readers. */
const DOCUMENTATION: Readonly<Record<(typeof FACADE_TYPES)[number], string>> = {
  Appointment: 'A surgical case as the booking of an operating room (id = case id).',
  Encounter: 'A surgical case as the patient’s perioperative course: operating room, then PACU (id = case id).',
  Procedure: 'A surgical case’s procedure, incision to closure (id = case id).',
  Observation:
    'The newest reading of each vital sign of a case (<case id>-<kind>); the case model keeps no time series.',
  Location: 'An operating room (id = room id).',
  Device: 'A registered device (id = device id).',
  Patient:
    'A patient of the cases (id = MRN): MRN and name; birth date and gender for clinicians and the scheduling desk only.',
  Practitioner: 'A surgeon or anesthesiologist the schedule named with an id (id = that id): the name only.',
};

/**
 * The façade's R4 CapabilityStatement (http://hl7.org/fhir/R4/capabilitystatement.html): an
 * `instance` statement (cpb-14: with `implementation`) for FHIR 4.0.1 in JSON, read and
 * search-type on each type with the search parameters and `_include`s {@link SEARCH_PARAMS} and
 * {@link INCLUDES} define, so that what it says and what the façade does cannot drift apart.
 */
export function capabilityStatement(base: string, date: string): CapabilityStatement {
  const resource: CapabilityStatementRestResource[] = FACADE_TYPES.map((type) => {
    const entry: CapabilityStatementRestResource = {
      type,
      profile: PROFILE_BASE + type,
      documentation: DOCUMENTATION[type],
      interaction: [{ code: 'read' }, { code: 'search-type' }],
      searchParam: Object.values(SEARCH_PARAMS[type]).map(({ doc }) => ({
        name: doc.name,
        type: doc.type,
        documentation: doc.documentation,
      })),
    };
    const includes = INCLUDES[type].map((i) => `${i.source}:${i.param}`);
    if (includes.length) entry.searchInclude = includes;
    if (type === 'Observation') {
      entry.supportedProfile = [
        ...new Set(
          OBSERVATION_KINDS.flatMap((k) => {
            const profile = OBSERVATION_KIND_DEFINITIONS[k].profile;
            return profile ? [PROFILE_BASE + profile] : [];
          }),
        ),
      ];
    }
    return entry;
  });
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date,
    publisher: 'Circulator',
    kind: 'instance',
    software: { name: 'Circulator FHIR read façade' },
    implementation: {
      description: 'Read-only FHIR R4 view of the live perioperative case model',
      url: base,
    },
    fhirVersion: '4.0.1',
    format: ['application/fhir+json', 'json'],
    rest: [
      {
        mode: 'server',
        documentation:
          'Searches are strict: an unknown parameter is a 400 unless the request says Prefer: handling=lenient. ' +
          'Pages: _count (default 50, at most 500) and _offset, followed through Bundle.link.',
        security: {
          description:
            'Bearer tokens from POST /api/auth/token (Authorization: Bearer …), with the roles of CONTRACT §2; ' +
            'every read of patient data is audited.',
        },
        resource,
      },
    ],
  };
}
