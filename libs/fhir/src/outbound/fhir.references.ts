import { DateTime } from 'luxon';
import type { Identifier, Meta, Period, Reference } from 'fhir/r4';
import type { CaseView, PersonRef } from '@circulator/contracts';
import { fhirIdOf } from './fhir.ids';
import { CIRCULATOR_SYSTEMS, V2_IDENTIFIER_TYPE } from './fhir.systems';

/** What the database knows of a case beyond its CaseView: when its row was last written. */
export interface CaseRecordMeta {
  /** `surgical_case.updated_at`, ISO 8601. */
  updatedAt?: string;
}

/**
 * An ISO 8601 time as a FHIR `instant`/`dateTime` (seconds required, offset kept as the source
 * gave it, milliseconds only when there are some); `undefined` when it is no time at all, so that
 * a bad value leaves an element out rather than making the resource invalid.
 */
export function fhirInstant(iso: string | undefined): string | undefined {
  if (iso === undefined || iso === '') return undefined;
  const at = DateTime.fromISO(iso, { setZone: true });
  return at.isValid ? (at.toISO({ suppressMilliseconds: true }) ?? undefined) : undefined;
}

/**
 * A FHIR Period from two times, either of which may be missing. An end before its start (two
 * sources disagreeing) is left out: FHIR per-1 requires start ≤ end, and the start is the better
 * attested of the two in every period we build (it is what moved the case along).
 */
export function fhirPeriod(start: string | undefined, end: string | undefined): Period | undefined {
  const s = fhirInstant(start);
  const e = fhirInstant(end);
  if (s === undefined && e === undefined) return undefined;
  if (s !== undefined && e !== undefined && Date.parse(e) < Date.parse(s)) return { start: s };
  return { ...(s !== undefined ? { start: s } : {}), ...(e !== undefined ? { end: e } : {}) };
}

/** `meta` of a resource made from a case: the case version and when its row was written. */
export function caseMeta(view: CaseView, record: CaseRecordMeta, profile?: string[]): Meta {
  const lastUpdated = fhirInstant(record.updatedAt);
  return {
    versionId: String(view.version),
    ...(lastUpdated !== undefined ? { lastUpdated } : {}),
    ...(profile?.length ? { profile } : {}),
  };
}

/**
 * The case's patient: a literal reference to the Patient the façade serves (id made of the MRN),
 * with the MRN as identifier so that a client without access to Patient still knows whom it is.
 * The name is the one the caller's role may see (CaseView already reduced it); a view without an
 * MRN (initials-only roles) gives a reference with the display only.
 */
export function patientReference(view: CaseView): Reference {
  const ref: Reference = { type: 'Patient' };
  if (view.patient.mrn !== '') {
    ref.reference = `Patient/${fhirIdOf(view.patient.mrn)}`;
    ref.identifier = mrnIdentifier(view.patient.mrn);
  }
  if (view.patient.name !== '') ref.display = view.patient.name;
  return ref;
}

/** The MRN as an Identifier: type MR (HL7 table 0203), our MRN system. */
export function mrnIdentifier(mrn: string): Identifier {
  return {
    type: { coding: [{ system: V2_IDENTIFIER_TYPE, code: 'MR', display: 'Medical record number' }] },
    system: CIRCULATOR_SYSTEMS.mrn,
    value: mrn,
  };
}

/**
 * A person of the schedule (surgeon, anesthesiologist): a literal reference to the Practitioner
 * the façade serves when the source named their id, else a display only.
 */
export function practitionerReference(person: PersonRef): Reference {
  return {
    ...(person.id ? { reference: `Practitioner/${fhirIdOf(person.id)}` } : {}),
    type: 'Practitioner',
    ...(person.id ? { identifier: { system: CIRCULATOR_SYSTEMS.practitioner, value: person.id } } : {}),
    display: person.name,
  };
}

/** The case's room: a literal reference to the Location the façade serves. */
export function roomReference(roomId: string, roomName?: string): Reference {
  return { reference: `Location/${fhirIdOf(roomId)}`, ...(roomName ? { display: roomName } : {}) };
}

/** The Encounter the façade makes of a case (same id as the case). */
export function encounterReference(caseId: string): Reference {
  return { reference: `Encounter/${caseId}` };
}

/** Surgical orders linked to the case, as logical ServiceRequest references. */
export function orderReferences(view: CaseView): Reference[] {
  const numbers = new Set<string>();
  if (view.identifiers.orderNumber) numbers.add(view.identifiers.orderNumber);
  for (const order of view.orders ?? []) numbers.add(order.number);
  return [...numbers].map((value) => ({
    type: 'ServiceRequest',
    identifier: { system: CIRCULATOR_SYSTEMS.orderNumber, value },
  }));
}
