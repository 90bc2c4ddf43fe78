import type { PersonRef } from '@circulator/contracts';
import type { PatientFacts } from '@circulator/domain';
import type { FhirContext } from './fhir.context';
import { codingsOf, fullDate, obj, objects, str, type FhirResource, type JsonObject } from './fhir.json';

/** HL7 v2 table 0203 identifier type of a medical record number. */
const MR = 'MR';

/**
 * The patient a reference names, as the case model knows patients: the MRN and demographics.
 *
 * MRN, in order: the Patient's identifier typed `MR` (v2-0203, as HL7 PID-3 carries it), else its
 * `usual` or `official` identifier, else its first; a Patient that did not come along gives its
 * `Reference.identifier`; last, the FHIR id itself (with a warning: an EHR that also sends HL7 will
 * name the patient by MRN there, and the two will not meet).
 */
export function readPatientRef(ctx: FhirContext, reference: unknown, warnings: string[]): PatientFacts | undefined {
  const resource = ctx.resolve(reference);
  if (resource && resource.resourceType === 'Patient') return readPatient(resource, warnings);
  const info = ctx.describe(reference);
  if (info.type !== undefined && info.type !== 'Patient') return undefined;
  if (info.identifier) {
    const out: PatientFacts = { mrn: info.identifier.value };
    if (info.identifier.system !== undefined) out.assigningAuthority = info.identifier.system;
    return out;
  }
  const id = info.key?.split('/')[1];
  if (id === undefined) {
    // Warnings are kept with the message and must carry no patient data: the reference, never the display.
    if (info.reference !== undefined || info.display !== undefined) {
      warnings.push(
        `the patient (${info.reference ?? 'named only by a display'}) is not available and has no identifier`,
      );
    }
    return undefined;
  }
  warnings.push(`${info.key ?? ''} did not come with the message: the patient is named by its FHIR id`);
  return { mrn: id };
}

/** A Patient resource as the case model's patient (see {@link readPatientRef} for the MRN). */
export function readPatient(patient: FhirResource, warnings: string[]): PatientFacts | undefined {
  const identifiers = objects(patient['identifier']).filter((i) => str(i['value']) !== undefined);
  const isMr = (i: JsonObject) =>
    codingsOf(i['type']).some((c) => c.code?.toUpperCase() === MR) || str(obj(i['type'])?.['text']) === 'MRN';
  const chosen =
    identifiers.find(isMr) ??
    identifiers.find((i) => i['use'] === 'usual' || i['use'] === 'official') ??
    identifiers.find((i) => i['use'] !== 'old');
  let out: PatientFacts;
  if (chosen) {
    out = { mrn: str(chosen['value'])! };
    const authority = str(obj(chosen['assigner'])?.['display']) ?? str(chosen['system']);
    if (authority !== undefined) out.assigningAuthority = authority;
  } else if (typeof patient.id === 'string' && patient.id !== '') {
    warnings.push(`Patient/${patient.id} has no identifier: the patient is named by its FHIR id`);
    out = { mrn: patient.id };
  } else {
    return undefined;
  }
  const name = preferredName(patient['name']);
  if (name?.family !== undefined) out.familyName = name.family;
  if (name?.given !== undefined) out.givenName = name.given;
  const birthDate = fullDate(patient['birthDate']);
  if (birthDate !== undefined) out.birthDate = birthDate;
  const sex = SEX[str(patient['gender']) ?? ''];
  if (sex !== undefined) out.sex = sex;
  return out;
}

/** FHIR administrative gender → HL7 table 0001, which the case model keeps (PID-8). */
const SEX: Readonly<Record<string, string>> = { male: 'M', female: 'F', other: 'O', unknown: 'U' };

/** The `official` name, else `usual`, else the first that is not old: family and given names. */
function preferredName(names: unknown): { family?: string; given?: string; text?: string } | undefined {
  const list = objects(names);
  const name =
    list.find((n) => n['use'] === 'official') ??
    list.find((n) => n['use'] === 'usual' && str(n['family']) !== undefined) ??
    list.find((n) => n['use'] !== 'old' && n['use'] !== 'maiden') ??
    list[0];
  if (!name) return undefined;
  const out: { family?: string; given?: string; text?: string } = {};
  const family = str(name['family']);
  const given = Array.isArray(name['given'])
    ? (name['given'] as unknown[])
        .map(str)
        .filter((g): g is string => g !== undefined)
        .join(' ')
    : '';
  const text = str(name['text']);
  if (family !== undefined) out.family = family;
  if (given !== '') out.given = given;
  if (text !== undefined) out.text = text;
  return out;
}

/** A person's name as the boards show it, "Given Family" (as SIU's AIP-3 gives it), else the text. */
function displayName(resource: FhirResource): string | undefined {
  const name = preferredName(resource['name']);
  if (!name) return undefined;
  const parts = [name.given, name.family].filter((p): p is string => p !== undefined);
  return parts.length ? parts.join(' ') : name.text;
}

/** What a participant reference says about a person, and the role codes that came with it. */
export interface PersonReading {
  person: PersonRef;
  /** Codes and texts of `PractitionerRole.code` and `.specialty`, upper case. */
  roleCodes: string[];
}

/**
 * A Practitioner or PractitionerRole reference as a person: the id is the Practitioner's first
 * (official) identifier, else its FHIR id; the name its official name, else the reference's display.
 */
export function readPerson(ctx: FhirContext, reference: unknown): PersonReading | undefined {
  const info = ctx.describe(reference);
  const resource = ctx.resolve(reference);
  let practitioner: FhirResource | undefined;
  let practitionerInfo = info;
  const roleCodes: string[] = [];
  if (resource?.resourceType === 'PractitionerRole') {
    for (const concept of [...objects(resource['code']), ...objects(resource['specialty'])]) {
      for (const c of codingsOf(concept)) {
        if (c.code !== undefined) roleCodes.push(c.code.toUpperCase());
        if (c.display !== undefined) roleCodes.push(c.display.toUpperCase());
      }
    }
    practitioner = ctx.resolve(resource['practitioner'], resource);
    practitionerInfo = ctx.describe(resource['practitioner']);
    practitionerInfo.display ??= info.display;
  } else if (resource?.resourceType === 'Practitioner') {
    practitioner = resource;
  } else if (info.type !== undefined && info.type !== 'Practitioner' && info.type !== 'PractitionerRole') {
    return undefined;
  }
  const identifiers = practitioner ? objects(practitioner['identifier']) : [];
  const identifier =
    identifiers.find((i) => i['use'] === 'official' && str(i['value'])) ?? identifiers.find((i) => str(i['value']));
  const id =
    str(identifier?.['value']) ??
    practitionerInfo.identifier?.value ??
    (typeof practitioner?.id === 'string' ? practitioner.id : practitionerInfo.key?.split('/')[1]);
  const name = (practitioner && displayName(practitioner)) ?? practitionerInfo.display ?? info.display;
  if (name === undefined && id === undefined) return undefined;
  const person: PersonRef = id === undefined ? { name: name ?? '' } : { id, name: name ?? id };
  return { person, roleCodes };
}
