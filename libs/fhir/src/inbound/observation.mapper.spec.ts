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

/** A corpus Observation with its date-only effective time made a moment (the corpus writes days). */
function atMoment(file: string): FhirResource {
  return { ...corpusResource(file), effectiveDateTime: '2026-11-23T09:00:00+01:00' };
}

const PATIENT = corpusResource('patient/fr-patient-example.json');

describe('Observation → readings', () => {
  it('reads a heart rate in /min as hr, on the patient at the time', () => {
    const m = map(atMoment('observation/fm-observation-example-heart-rate.json'), [PATIENT]);
    expect(m.facts).toEqual([
      {
        kind: 'observations',
        at: '2026-11-23T09:00:00+01:00',
        subject: { patient: { mrn: '12345', assigningAuthority: 'Acme Healthcare' } },
        vitals: [
          { name: 'hr', value: 44, unit: '/min', at: '2026-11-23T09:00:00+01:00', code: 'http://loinc.org|8867-4' },
        ],
        results: [],
      },
    ]);
    expect(m.mrn).toBe('12345');
  });

  it("reads the blood pressure panel's components as nibpSys and nibpDia", () => {
    const [fact] = map(atMoment('observation/fm-observation-example-bloodpressure.json'), [PATIENT]).facts;
    expect(fact?.kind === 'observations' && fact.vitals.map((v) => [v.name, v.value, v.unit])).toEqual([
      ['nibpSys', 107, 'mmHg'],
      ['nibpDia', 60, 'mmHg'],
    ]);
  });

  it('reads SpO2 (LOINC and MDC codings) and a body temperature in Cel', () => {
    const [sat] = map(atMoment('observation/fm-observation-example-satO2.json')).facts;
    expect(sat?.kind === 'observations' && sat.vitals.map((v) => [v.name, v.value, v.unit])).toEqual([
      ['spo2', 95, '%'],
    ]);
    const [temp] = map(atMoment('observation/fm-observation-example-body-temperature.json')).facts;
    expect(temp?.kind === 'observations' && temp.vitals.map((v) => [v.name, v.value, v.unit])).toEqual([
      ['temp', 36.5, '°C'],
    ]);
  });

  it('converts °F and keeps an implausible value as a result, with a warning', () => {
    const base = atMoment('observation/fm-observation-example-body-temperature.json');
    const [f] = map({
      ...base,
      valueQuantity: { value: 98.6, unit: 'F', system: 'http://unitsofmeasure.org', code: '[degF]' },
    }).facts;
    expect(f?.kind === 'observations' && f.vitals.map((v) => [v.value, v.unit])).toEqual([[37, '°C']]);
    const m = map({ ...base, valueQuantity: { value: 365, system: 'http://unitsofmeasure.org', code: 'Cel' } }, [
      PATIENT,
    ]);
    const [bad] = m.facts;
    expect(bad?.kind === 'observations' && [bad.vitals, bad.results.map((r) => [r.code, r.value, r.unit])]).toEqual([
      [],
      [['http://loinc.org|8310-5', '365', '°C']],
    ]);
    expect(m.warnings).toEqual([expect.stringMatching(/^temp not used: temp 365/)]);
  });

  it('keeps a lab value as a result with its flag (corpus glucose f001)', () => {
    const [fact] = map(corpusResource('observation/fr-observation-f001-glucose.json')).facts;
    expect(fact).toMatchObject({
      at: '2013-04-02T09:30:10+01:00',
      vitals: [],
      results: [
        {
          code: 'http://loinc.org|15074-8',
          text: 'Glucose [Moles/volume] in Blood',
          value: '6.3',
          unit: 'mmol/L',
          flag: 'H',
          status: 'final',
        },
      ],
    });
  });

  it('places nothing from a day without a time, or from a cancelled Observation', () => {
    expect(map(corpusResource('observation/fm-observation-example-heart-rate.json'))).toMatchObject({
      facts: [],
      warnings: ['Observation has no effective time to the minute with a zone: no reading'],
    });
    expect(map(corpusResource('observation/fm-observation-example-bloodpressure-cancel.json'))).toMatchObject({
      facts: [],
      warnings: ['Observation is cancelled: no reading'],
    });
  });
});
