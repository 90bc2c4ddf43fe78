import { FhirContext } from './fhir.context';
import type { FhirResource } from './fhir.json';
import { mapFhirResource, type FhirMapping } from './fhir.mapper';
import { corpusResource } from './testing/corpus';

const RECEIVED = '2026-11-23T06:00:00Z';

function map(resource: FhirResource, context: FhirResource[] = []): FhirMapping {
  const result = mapFhirResource(
    resource,
    new FhirContext(
      resource,
      context.map((r) => ({ resource: r })),
    ),
    {
      receivedAt: RECEIVED,
    },
  );
  if (!result.ok) throw new Error(result.problem);
  return result.mapping;
}

const values = (m: FhirMapping) =>
  m.facts.map((f) => (f.kind === 'milestone' ? [f.milestone, f.value, f.via] : [f.kind]));

describe('Procedure performed period → milestones', () => {
  it("reads procedure start and end from the corpus lobectomy (f002), on the patient's case at the time", () => {
    const m = map(corpusResource('procedure/fm-procedure-example-f002-lung.json'), [
      corpusResource('patient/fm-patient-example-f001-pieter.json'),
    ]);
    expect(values(m)).toEqual([
      ['procedureStart', '2013-03-08T09:00:10+01:00', 'fhir'],
      ['procedureEnd', '2013-03-08T09:30:10+01:00', 'fhir'],
    ]);
    expect(m.facts[0]).toMatchObject({ target: { subject: { patient: { mrn: '738472983' } } } });
    expect(m.warnings).toContain("the Procedure's Encounter did not come along: the case is found by patient and time");
  });

  it('reads an epidural as anesthesia start and end (corpus Synthea epidural)', () => {
    expect(values(map(corpusResource('procedure/sbf-synthea-procedure-epidural.json')))).toEqual([
      ['anesthesiaStart', '2023-03-22T14:45:24-04:00', 'fhir'],
      ['anesthesiaEnd', '2023-03-22T15:00:24-04:00', 'fhir'],
    ]);
  });

  it('reads post-anesthesia care as PACU in and out (corpus Synthea PACU)', () => {
    expect(values(map(corpusResource('procedure/sbf-synthea-procedure-pacu.json')))).toEqual([
      ['pacuIn', '1992-10-29T15:07:34-05:00', 'fhir'],
      ['pacuOut', '1992-10-29T17:24:34-05:00', 'fhir'],
    ]);
  });

  it('reads no moment from a date alone (corpus appendectomy, performedDateTime 2013-04-05)', () => {
    const m = map(corpusResource('procedure/fr-procedure-example.json'));
    expect(m.facts).toEqual([]);
    expect(m.warnings).toContain('Procedure gives no procedure time to the minute with a zone');
  });

  const procedure = (extra: Partial<FhirResource>): FhirResource => ({
    resourceType: 'Procedure',
    id: 'proc-1',
    meta: { versionId: '2', lastUpdated: '2026-11-23T10:00:00Z' },
    status: 'in-progress',
    code: { coding: [{ system: 'http://snomed.info/sct', code: '45595009', display: 'Laparoscopic cholecystectomy' }] },
    subject: { reference: 'Patient/p1' },
    encounter: { reference: 'Encounter/enc-1' },
    performedPeriod: { start: '2026-11-23T08:40:00+01:00' },
    ...extra,
  });
  const encounter: FhirResource = {
    resourceType: 'Encounter',
    id: 'enc-1',
    status: 'in-progress',
    appointment: [{ reference: 'Appointment/apt-1' }],
  };

  it("finds the case through its Encounter's Appointment", () => {
    const m = map(procedure({}), [encounter]);
    expect(m.facts).toEqual([
      {
        kind: 'milestone',
        at: '2026-11-23T10:00:00Z',
        target: { identifiers: { fhirAppointmentId: 'apt-1' } },
        milestone: 'procedureStart',
        value: '2026-11-23T08:40:00+01:00',
        via: 'fhir',
        confidence: 'reported',
      },
    ]);
    expect(m.label).toBe('Procedure/proc-1/_history/2');
  });

  it("withdraws FHIR's claims when entered in error, and says nothing while in preparation", () => {
    expect(values(map(procedure({ status: 'entered-in-error' }), [encounter]))).toEqual([
      ['procedureStart', null, 'fhir'],
      ['procedureEnd', null, 'fhir'],
    ]);
    const preparing = map(procedure({ status: 'preparation' }), [encounter]);
    expect(preparing.facts).toEqual([]);
    expect(preparing.warnings).toEqual(['Procedure is preparation: no procedure times']);
  });
});
