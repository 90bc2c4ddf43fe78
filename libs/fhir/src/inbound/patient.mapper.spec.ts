import { FhirContext } from './fhir.context';
import { mapFhirResource } from './fhir.mapper';
import { corpusResource } from './testing/corpus';

describe('Patient → demographics', () => {
  it('maps the corpus Patient "example" as an update of the patient\'s cases', () => {
    const patient = {
      ...corpusResource('patient/fr-patient-example.json'),
      meta: { versionId: '4', lastUpdated: '2026-11-20T08:00:00Z' },
    };
    expect(mapFhirResource(patient, new FhirContext(patient), { receivedAt: '2026-11-23T06:00:00Z' })).toEqual({
      ok: true,
      mapping: {
        facts: [
          {
            kind: 'patient',
            action: 'updated',
            at: '2026-11-20T08:00:00Z',
            patient: {
              mrn: '12345',
              assigningAuthority: 'Acme Healthcare',
              familyName: 'Chalmers',
              givenName: 'Peter James',
              birthDate: '1974-12-25',
              sex: 'M',
            },
          },
        ],
        warnings: [],
        mrn: '12345',
        label: 'Patient/example/_history/4',
      },
    });
  });

  it('names a Patient without identifiers by its FHIR id, and says so (corpus newborn)', () => {
    const patient = corpusResource('patient/fm-patient-example-newborn.json');
    const result = mapFhirResource(patient, new FhirContext(patient), { receivedAt: '2026-11-23T06:00:00Z' });
    expect(result).toMatchObject({
      ok: true,
      mapping: {
        mrn: 'newborn',
        warnings: ['Patient/newborn has no identifier: the patient is named by its FHIR id', expect.any(String)],
      },
    });
  });
});
