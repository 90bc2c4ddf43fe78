import { isOnBase, localKey, parseReference } from './fhir.reference';

describe('FHIR references', () => {
  it.each([
    ['Patient/123', { kind: 'relative', type: 'Patient', id: '123' }],
    ['Patient/123/_history/2', { kind: 'relative', type: 'Patient', id: '123', version: '2' }],
    ['#pr1', { kind: 'contained', id: 'pr1' }],
    [
      'urn:uuid:b21e4fae-ce73-45cb-8e37-1e203362b2ae',
      { kind: 'urn', url: 'urn:uuid:b21e4fae-ce73-45cb-8e37-1e203362b2ae' },
    ],
    [
      'https://example.org/fhir/r4/Encounter/551683b3-1477-41d1-b58e-32fe8b0047b0',
      {
        kind: 'absolute',
        url: 'https://example.org/fhir/r4/Encounter/551683b3-1477-41d1-b58e-32fe8b0047b0',
        base: 'https://example.org/fhir/r4',
        type: 'Encounter',
        id: '551683b3-1477-41d1-b58e-32fe8b0047b0',
      },
    ],
    [
      'Practitioner?identifier=http://hl7.org/fhir/sid/us-npi|9999907691',
      { kind: 'conditional', type: 'Practitioner', query: 'identifier=http://hl7.org/fhir/sid/us-npi|9999907691' },
    ],
    ['patient/123', { kind: 'invalid' }],
    ['Patient/../../admin', { kind: 'invalid' }],
    ['https://user:pw@example.org/fhir/Patient/1', { kind: 'invalid' }],
    ['https://example.org/fhir/Patient/1?x=1', { kind: 'invalid' }],
  ])('reads %s', (reference, expected) => {
    expect(parseReference(reference)).toEqual(expected);
  });

  describe('isOnBase (nothing is fetched that is not on FHIR_BASE_URL)', () => {
    const base = 'https://ehr.example.org/fhir/R4/';
    it.each([
      ['https://ehr.example.org/fhir/R4/Appointment/1', true],
      ['https://ehr.example.org/fhir/R4', true],
      ['https://ehr.example.org/fhir/R4?_count=10&_offset=10', true],
      ['https://ehr.example.org/fhir/R4-other/Appointment/1', false],
      ['https://ehr.example.org/fhir/Appointment/1', false],
      ['https://ehr.example.org:8443/fhir/R4/Appointment/1', false],
      ['http://ehr.example.org/fhir/R4/Appointment/1', false],
      ['https://evil.example.org/fhir/R4/Appointment/1', false],
      ['https://ehr.example.org.evil.example/fhir/R4/Appointment/1', false],
      ['https://ehr.example.org/fhir/R4/../../admin/Appointment/1', false],
      ['https://me:secret@ehr.example.org/fhir/R4/Appointment/1', false],
      ['not a url', false],
    ])('%s → %s', (url, expected) => {
      expect(isOnBase(url, base)).toBe(expected);
    });
  });

  it('keys relative references, and absolute ones only under the given base', () => {
    expect(localKey('Location/or3', undefined)).toBe('Location/or3');
    expect(localKey('https://ehr/fhir/Location/or3', 'https://ehr/fhir/')).toBe('Location/or3');
    expect(localKey('https://other/fhir/Location/or3', 'https://ehr/fhir')).toBeUndefined();
    expect(localKey('#or3', 'https://ehr/fhir')).toBeUndefined();
  });
});
