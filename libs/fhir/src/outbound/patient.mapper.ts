import type { HumanName, Patient, Practitioner } from 'fhir/r4';
import type { PersonRef } from '@circulator/contracts';
import { fhirIdOf } from './fhir.ids';
import { fhirInstant, mrnIdentifier } from './fhir.references';
import { CIRCULATOR_SYSTEMS } from './fhir.systems';

/** A patient as the case model knows them: the newest demographics of their cases. */
export interface PatientRecord {
  mrn: string;
  familyName?: string;
  givenName?: string;
  birthDate?: string;
  sex?: string;
  /** When the newest case row naming them was written. */
  updatedAt?: string;
}

/**
 * What of a patient a role may see (minimum necessary): everyone who may read cases sees the MRN
 * and the name (as the REST API shows them); birth date and sex only those who check identity at
 * the bedside or the desk (clinicians, scheduler), not integration engineers.
 */
export type PatientDisclosure = 'demographics' | 'name';

/** HL7 v2 table 0001 administrative sex → R4 administrative-gender (required binding). */
export function genderOf(sex: string | undefined): Patient['gender'] | undefined {
  switch ((sex ?? '').trim().toUpperCase()) {
    case 'M':
    case 'MALE':
      return 'male';
    case 'F':
    case 'FEMALE':
      return 'female';
    case 'O':
    case 'A':
    case 'N':
    case 'OTHER':
      return 'other';
    case 'U':
    case 'UNKNOWN':
      return 'unknown';
    default:
      return undefined;
  }
}

function humanName(family: string | undefined, given: string | undefined): HumanName | undefined {
  const f = family?.trim();
  const g = given?.trim();
  if (!f && !g) return undefined;
  return {
    use: 'official',
    text: [g, f].filter(Boolean).join(' '),
    ...(f ? { family: f } : {}),
    ...(g ? { given: g.split(/\s+/) } : {}),
  };
}

/**
 * A patient as an R4 Patient: id = the MRN (or `x-` and its hash when it is no FHIR id), the MRN
 * as identifier, the name; birth date and gender with `demographics`. Nothing else: no address,
 * telecom or contacts (the case model does not keep them, and the OR does not need them).
 */
export function patientFromRecord(p: PatientRecord, disclosure: PatientDisclosure): Patient {
  const name = humanName(p.familyName, p.givenName);
  const birthDate = /^\d{4}(-\d{2}(-\d{2})?)?$/.test(p.birthDate ?? '') ? p.birthDate : undefined;
  const gender = genderOf(p.sex);
  const lastUpdated = fhirInstant(p.updatedAt);
  return {
    resourceType: 'Patient',
    id: fhirIdOf(p.mrn),
    ...(lastUpdated ? { meta: { lastUpdated } } : {}),
    identifier: [mrnIdentifier(p.mrn)],
    ...(name ? { name: [name] } : {}),
    ...(disclosure === 'demographics' && gender ? { gender } : {}),
    ...(disclosure === 'demographics' && birthDate ? { birthDate } : {}),
  };
}

/**
 * A person of the schedule (surgeon, anesthesiologist) as an R4 Practitioner: id = their id as
 * the source named it (HL7 AIP-3.1, a FHIR Practitioner id), that id as identifier, the name as
 * text (the case model keeps it as one string). A person without an id is no resource.
 */
export function practitionerFromPerson(person: PersonRef & { updatedAt?: string }): Practitioner | undefined {
  if (!person.id) return undefined;
  const lastUpdated = fhirInstant(person.updatedAt);
  return {
    resourceType: 'Practitioner',
    id: fhirIdOf(person.id),
    ...(lastUpdated ? { meta: { lastUpdated } } : {}),
    identifier: [{ system: CIRCULATOR_SYSTEMS.practitioner, value: person.id }],
    ...(person.name.trim() ? { name: [{ text: person.name.trim() }] } : {}),
  };
}
