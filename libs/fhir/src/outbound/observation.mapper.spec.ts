import type { CaseView } from '@circulator/contracts';
import { expectValidFhir } from '../../../../test/support/fhir-validator';
import { caseView } from '../testing/case-view.fixture';
import {
  OBSERVATION_KINDS,
  observationFromCase,
  observationId,
  observationKindOf,
  observationsFromCase,
  parseObservationId,
  vitalQuantity,
} from './observation.mapper';

const AT = '2026-11-23T09:10:00.000Z';
const ALL_VITALS: CaseView['vitals'] = {
  hr: { value: 72, unit: '/min', at: AT },
  spo2: { value: 97, unit: '%', at: AT },
  nibpSys: { value: 121, unit: 'mmHg', at: AT },
  nibpDia: { value: 78, unit: 'mmHg', at: '2026-11-23T09:10:05.000Z' },
  rr: { value: 14, unit: '/min', at: AT },
  temp: { value: 36.4, unit: '°C', at: AT },
  etco2: { value: 38, unit: 'mmHg', at: AT },
  bis: { value: 45, unit: '', at: AT },
};
const live = caseView({ status: 'in-procedure', vitals: ALL_VITALS });
const CASE = live.id;

const codes = (o: ReturnType<typeof observationFromCase>) => o?.code.coding?.map((c) => `${c.system}|${c.code}`);

describe('observationsFromCase', () => {
  const all = observationsFromCase(live, { updatedAt: '2026-11-23T09:10:06Z' });

  it('makes one Observation per kind, the two pressures one panel, every one valid (profiles included)', () => {
    expect(all.map((o) => o.id)).toEqual(OBSERVATION_KINDS.map((k) => `${CASE}-${k}`));
    for (const o of all) expectValidFhir(o);
  });

  it.each([
    [
      'hr',
      ['http://loinc.org|8867-4', 'urn:circulator:vital|hr'],
      'heartrate',
      { value: 72, unit: '/min', code: '/min' },
    ],
    [
      'spo2',
      [
        'http://loinc.org|2708-6',
        'http://loinc.org|59408-5',
        'urn:iso:std:iso:11073:10101|150456',
        'urn:circulator:vital|spo2',
      ],
      'oxygensat',
      { value: 97, unit: '%', code: '%' },
    ],
    [
      'rr',
      ['http://loinc.org|9279-1', 'urn:circulator:vital|rr'],
      'resprate',
      { value: 14, unit: '/min', code: '/min' },
    ],
    [
      'temp',
      ['http://loinc.org|8310-5', 'urn:circulator:vital|temp'],
      'bodytemp',
      { value: 36.4, unit: '°C', code: 'Cel' },
    ],
  ] as const)(
    '%s: LOINC of the vital-signs profile, UCUM units, the profile claimed',
    (kind, coding, profile, value) => {
      const o = observationFromCase(live, kind);
      expect(codes(o)).toEqual(coding);
      expect(o?.meta?.profile).toEqual([`http://hl7.org/fhir/StructureDefinition/${profile}`]);
      expect(o?.category?.[0]?.coding?.[0]?.code).toBe('vital-signs');
      expect(o?.valueQuantity).toEqual({ ...value, system: 'http://unitsofmeasure.org' });
      expect(o?.effectiveDateTime).toBe('2026-11-23T09:10:00Z');
      expect(o?.status).toBe('preliminary');
      expect(o?.subject).toEqual(expect.objectContaining({ type: 'Patient', display: 'EVERYMAN, Adam' }));
      expect(o?.encounter).toEqual({ reference: `Encounter/${CASE}` });
    },
  );

  it('blood pressure: panel 85354-9 with systolic 8480-6 and diastolic 8462-4 in mm[Hg], as new as its newest part', () => {
    const bp = observationFromCase(live, 'bp')!;
    expect(codes(bp)).toEqual(['http://loinc.org|85354-9', 'urn:circulator:vital|nibp']);
    expect(bp.meta?.profile).toEqual(['http://hl7.org/fhir/StructureDefinition/bp']);
    expect(bp).not.toHaveProperty('valueQuantity');
    expect(bp.effectiveDateTime).toBe('2026-11-23T09:10:05Z');
    // What the profile's SystolicBP and DiastolicBP slices require (medplum cannot check them).
    expect(bp.component?.map((c) => [codes({ ...bp, code: c.code }), c.valueQuantity])).toEqual([
      [['http://loinc.org|8480-6'], { value: 121, unit: 'mmHg', system: 'http://unitsofmeasure.org', code: 'mm[Hg]' }],
      [['http://loinc.org|8462-4'], { value: 78, unit: 'mmHg', system: 'http://unitsofmeasure.org', code: 'mm[Hg]' }],
    ]);
  });

  it('a panel with one pressure missing keeps both components, the missing one with a data-absent reason', () => {
    const bp = observationFromCase(caseView({ vitals: { nibpSys: ALL_VITALS.nibpSys } }), 'bp')!;
    expectValidFhir(bp);
    expect(bp.component?.[1]).toEqual({
      code: expect.objectContaining({ text: 'Diastolic blood pressure' }),
      dataAbsentReason: { coding: [expect.objectContaining({ code: 'unknown' })] },
    });
  });

  it('etCO2 and BIS are no vital signs of the profile: category procedure, no profile; BIS has our code only', () => {
    const etco2 = observationFromCase(live, 'etco2')!;
    const bis = observationFromCase(live, 'bis')!;
    expect(codes(etco2)).toEqual(['http://loinc.org|19891-1', 'urn:circulator:vital|etco2']);
    expect(codes(bis)).toEqual(['urn:circulator:vital|bis']);
    for (const o of [etco2, bis]) {
      expect(o.category?.[0]?.coding?.[0]?.code).toBe('procedure');
      expect(o.meta).not.toHaveProperty('profile');
    }
    expect(etco2.valueQuantity).toEqual({
      value: 38,
      unit: 'mmHg',
      system: 'http://unitsofmeasure.org',
      code: 'mm[Hg]',
    });
    expect(bis.valueQuantity).toEqual({ value: 45, unit: '1', system: 'http://unitsofmeasure.org', code: '1' });
  });

  it('a unit it cannot write in UCUM is kept as given, and the profile is not claimed', () => {
    const o = observationFromCase(caseView({ vitals: { hr: { value: 72, unit: 'beats', at: AT } } }), 'hr')!;
    expectValidFhir(o);
    expect(o.valueQuantity).toEqual({ value: 72, unit: 'beats' });
    expect(o.meta).not.toHaveProperty('profile');
  });

  it('a case without readings has none; a completed case’s last readings are final', () => {
    expect(observationsFromCase(caseView())).toEqual([]);
    expect(observationFromCase(caseView(), 'hr')).toBeUndefined();
    const done = observationsFromCase(caseView({ status: 'completed', vitals: ALL_VITALS }));
    expect(done.map((o) => o.status)).toEqual(OBSERVATION_KINDS.map(() => 'final'));
  });
});

describe('observation ids and units', () => {
  it('ids are <case id>-<kind> and read back; anything else names nothing', () => {
    expect(observationId(CASE, 'bp')).toBe(`${CASE}-bp`);
    expect(parseObservationId(`${CASE}-spo2`)).toEqual({ caseId: CASE, kind: 'spo2' });
    expect(parseObservationId(`${CASE.toUpperCase()}-hr`)).toEqual({ caseId: CASE, kind: 'hr' });
    expect(parseObservationId(`${CASE}-nibpSys`)).toBeUndefined();
    expect(parseObservationId(`${'-'.repeat(36)}-hr`)).toBeUndefined();
    expect(parseObservationId(CASE)).toBeUndefined();
  });

  it('vitals names belong to their kind', () => {
    expect(observationKindOf('nibpSys')).toBe('bp');
    expect(observationKindOf('nibpDia')).toBe('bp');
    expect(observationKindOf('etco2')).toBe('etco2');
  });

  it.each([
    ['bpm', '/min'],
    ['°F', '[degF]'],
    ['kPa', 'kPa'],
    ['{index}', '1'],
  ])('%s is UCUM %s', (unit, code) => {
    expect(vitalQuantity(1, unit)).toEqual(expect.objectContaining({ system: 'http://unitsofmeasure.org', code }));
  });
});
