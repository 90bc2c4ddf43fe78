import { expectValidFhir, fhirProblems } from '../../../../test/support/fhir-validator';

/**
 * The validator every façade test relies on must fail what is wrong, or those tests prove
 * nothing: structure and invariants (medplum), the vital-signs profiles, and the two checks the
 * helper adds (required-binding codes, ids).
 */
describe('the FHIR validator of the tests', () => {
  const heartRate = {
    resourceType: 'Observation',
    id: 'x-1',
    meta: { profile: ['http://hl7.org/fhir/StructureDefinition/heartrate'] },
    status: 'final',
    category: [
      { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' }] },
    ],
    code: { coding: [{ system: 'http://loinc.org', code: '8867-4' }] },
    subject: { identifier: { system: 'urn:circulator:mrn', value: 'M-1' } },
    effectiveDateTime: '2026-11-23T08:30:00Z',
    valueQuantity: { value: 72, unit: '/min', system: 'http://unitsofmeasure.org', code: '/min' },
  };

  it('passes a valid vital sign', () => {
    expect(fhirProblems(heartRate)).toEqual([]);
    expect(() => expectValidFhir(heartRate)).not.toThrow();
  });

  it.each([
    ['an unknown element', { ...heartRate, colour: 'red' }, /colour/],
    ['a missing required element', { ...heartRate, code: undefined }, /Missing required property/],
    ['a dateTime without seconds', { ...heartRate, effectiveDateTime: '2026-11-23T08:30Z' }, /dateTime/],
    ['a code outside its required value set', { ...heartRate, status: 'bogus' }, /"bogus" is not in/],
    ['an id that is no FHIR id', { ...heartRate, id: 'mon_7' }, /no FHIR id/],
    ['a broken vital-signs profile (no subject)', { ...heartRate, subject: undefined }, /subject/],
    [
      'the wrong LOINC code for the profile claimed',
      { ...heartRate, code: { coding: [{ system: 'http://loinc.org', code: '9279-1' }] } },
      /heartrate/,
    ],
    [
      'an invariant (Bundle bdl-1: total only on a search or history)',
      { resourceType: 'Bundle', type: 'collection', total: 1 },
      /bdl-1/,
    ],
    [
      'a problem inside a Bundle entry',
      { resourceType: 'Bundle', type: 'searchset', entry: [{ resource: { ...heartRate, status: 'nope' } }] },
      /entry\[0\]\.resource\.status/,
    ],
  ])('fails %s', (_what, resource, message) => {
    expect(() => expectValidFhir(resource)).toThrow(message);
  });
});

describe('the blood-pressure profile, which medplum cannot slice', () => {
  it('still checks a bp panel against the vital-signs profile it derives from', () => {
    const panel = {
      resourceType: 'Observation',
      meta: { profile: ['http://hl7.org/fhir/StructureDefinition/bp'] },
      status: 'final',
      code: { coding: [{ system: 'http://loinc.org', code: '85354-9' }] },
      subject: { identifier: { system: 'urn:circulator:mrn', value: 'M-1' } },
      effectiveDateTime: '2026-11-23T08:30:00Z',
      component: [],
    };
    // No vital-signs category: the base profile's VSCat slice is missing.
    expect(() => expectValidFhir(panel)).toThrow(/vitalsigns/);
  });
});
