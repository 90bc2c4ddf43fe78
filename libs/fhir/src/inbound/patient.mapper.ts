import type { FactDraft } from '@circulator/domain';
import { factTime, type ResourceMapOptions, type ResourceMapping } from './appointment.mapper';
import type { FhirResource } from './fhir.json';
import { readPatient } from './fhir.people';

/**
 * Patient → demographics of the patient's cases (the FHIR twin of ADT^A08: name, birth date and
 * sex, each last-writer-wins by `meta.lastUpdated`). The MRN is read as everywhere else
 * (`readPatient`), so the same patient meets the same cases.
 */
export function mapPatient(p: FhirResource, options: ResourceMapOptions): ResourceMapping {
  const warnings: string[] = [];
  const patient = readPatient(p, warnings);
  if (!patient) return { facts: [], warnings: [...warnings, 'Patient has neither identifier nor id'] };
  const fact: FactDraft = { kind: 'patient', action: 'updated', at: factTime(p, options, warnings), patient };
  return { facts: [fact], warnings, mrn: patient.mrn };
}
