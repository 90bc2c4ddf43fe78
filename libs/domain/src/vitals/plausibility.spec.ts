import { IEEE11073_FLOAT_SPECIAL, IEEE11073_SFLOAT_SPECIAL, VITAL_NAMES, type VitalName } from '@circulator/contracts';
import { checkPressurePair, checkVital, VITAL_RANGES, vitalDisplayUnit } from './plausibility';

describe('checkVital: physiologic ranges, inclusive at both ends', () => {
  // [name, min, max, a value just below min, a value just above max] in the display unit.
  const edges: [VitalName, number, number, number, number][] = [
    ['hr', 15, 300, 14.9, 300.1],
    ['spo2', 30, 100, 29.9, 100.1],
    ['nibpSys', 30, 300, 29.9, 300.1],
    ['nibpDia', 10, 200, 9.9, 200.1],
    ['etco2', 0, 150, -0.1, 150.1],
    ['temp', 25, 45, 24.9, 45.1],
    ['rr', 0, 120, -1, 121],
    ['bis', 0, 100, -1, 101],
  ];

  it('covers every vitals name of CONTRACT §3', () => {
    expect(edges.map(([name]) => name).sort()).toEqual([...VITAL_NAMES].sort());
    expect(Object.keys(VITAL_RANGES).sort()).toEqual([...VITAL_NAMES].sort());
  });

  it.each(edges)('%s accepts %d and %d, refuses %d and %d as implausible', (name, min, max, below, above) => {
    const unit = vitalDisplayUnit(name);
    expect(checkVital(name, min, unit)).toEqual({ ok: true, value: min, unit });
    expect(checkVital(name, max, unit)).toEqual({ ok: true, value: max, unit });
    expect(checkVital(name, below, unit)).toMatchObject({ ok: false, reason: 'implausible' });
    expect(checkVital(name, above, unit)).toMatchObject({ ok: false, reason: 'implausible' });
  });

  it('names the value and the range in the detail', () => {
    expect(checkVital('spo2', 140, '%')).toEqual({
      ok: false,
      reason: 'implausible',
      detail: 'spo2 140 % (range 30–100)',
    });
    expect(checkVital('bis', 120, '')).toEqual({ ok: false, reason: 'implausible', detail: 'bis 120 (range 0–100)' });
  });

  it('judges a converted value in the display unit, and shows both', () => {
    expect(checkVital('nibpSys', 45, 'kPa')).toEqual({
      ok: false,
      reason: 'implausible',
      detail: 'nibpSys 45 kPa = 337.5 mmHg (range 30–300)',
    });
    // 98.6 sent as °C is a °F reading with the wrong unit: refused rather than shown as a fever.
    expect(checkVital('temp', 98.6, '°C')).toMatchObject({ ok: false, reason: 'implausible' });
  });

  it('gives the display units of CONTRACT §3', () => {
    expect(VITAL_NAMES.map((n) => [n, vitalDisplayUnit(n)])).toEqual([
      ['hr', '/min'],
      ['spo2', '%'],
      ['nibpSys', 'mmHg'],
      ['nibpDia', 'mmHg'],
      ['etco2', 'mmHg'],
      ['temp', '°C'],
      ['rr', '/min'],
      ['bis', ''],
    ]);
  });
});

describe('checkVital: units', () => {
  it.each([
    ['nibpSys', 16, 'kPa', 120, 'mmHg'],
    ['nibpDia', 10.6, 'kPa', 79.5, 'mmHg'],
    ['etco2', 5.1, 'kPa', 38.3, 'mmHg'],
    ['etco2', 5, '%', 38, 'mmHg'],
    ['etco2', 0, '%', 0, 'mmHg'],
    ['temp', 98.6, '°F', 37, '°C'],
    ['temp', 93.2, '[degF]', 34, '°C'],
    ['temp', 100.5, '°F', 38.1, '°C'],
  ] as const)('converts %s %d %s to %d %s (one decimal)', (name, value, unit, expected, display) => {
    expect(checkVital(name, value, unit)).toEqual({ ok: true, value: expected, unit: display });
  });

  it.each([
    ['hr', '{beat}/min'],
    ['hr', '{beats}/min'],
    ['hr', '1/min'],
    ['hr', 'bpm'],
    ['rr', '{breath}/min'],
    ['rr', '{breaths}/min'],
    ['rr', '{resp}/min'],
    ['rr', 'rpm'],
    ['nibpSys', 'mm[Hg]'],
    ['nibpDia', 'mm[Hg]'],
    ['etco2', 'mm[Hg]'],
    ['temp', 'Cel'],
    ['bis', '1'],
    ['bis', '{index}'],
    ['spo2', ' % '],
  ] as const)('accepts %s in %j as its display unit, value unchanged', (name, unit) => {
    const value = name === 'temp' ? 36.6 : 42;
    expect(checkVital(name, value, unit)).toEqual({ ok: true, value, unit: vitalDisplayUnit(name) });
  });

  it.each([
    ['spo2', 98, 'mmHg', 'spo2 98 mmHg: unit not accepted (expected %)'],
    ['hr', 72, '', 'hr 72: unit not accepted (expected /min, bpm)'],
    ['bis', 45, '%', 'bis 45 %: unit not accepted (expected no unit, 1, {index}, index)'],
    ['temp', 310, 'K', 'temp 310 K: unit not accepted (expected °C, °F)'],
    ['nibpSys', 120, 'mm Hg', 'nibpSys 120 mm Hg: unit not accepted (expected mmHg, kPa)'],
    ['etco2', 38, 'MDC_DIM_MMHG', 'etco2 38 MDC_DIM_MMHG: unit not accepted (expected mmHg, kPa, %)'],
    ['hr', 72, 'constructor', 'hr 72 constructor: unit not accepted (expected /min, bpm)'],
    ['nibpSys', 120, '%', 'nibpSys 120 %: unit not accepted (expected mmHg, kPa)'],
  ] as const)('refuses %s %d %j: unknown units are never guessed', (name, value, unit, detail) => {
    expect(checkVital(name, value, unit)).toEqual({ ok: false, reason: 'unit', detail });
  });
});

describe('checkVital: "no reading" values are sentinels', () => {
  const floats = Object.values(IEEE11073_FLOAT_SPECIAL);
  const sfloats = Object.values(IEEE11073_SFLOAT_SPECIAL);

  it.each(VITAL_NAMES)('%s: every IEEE 11073 FLOAT and SFLOAT special value', (name) => {
    for (const value of [...floats, ...sfloats]) {
      expect([value, checkVital(name, value, vitalDisplayUnit(name))]).toEqual([
        value,
        { ok: false, reason: 'sentinel', detail: `${name} ${value}: IEEE 11073 special value (no reading)` },
      ]);
    }
  });

  it('non-finite numbers', () => {
    for (const value of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
      expect(checkVital('spo2', value, '%')).toEqual({
        ok: false,
        reason: 'sentinel',
        detail: `spo2 ${value}: not a finite number`,
      });
    }
  });

  it('is checked before the unit: a sentinel is no reading in any unit', () => {
    expect(checkVital('hr', 8388607, 'furlongs')).toMatchObject({ ok: false, reason: 'sentinel' });
  });

  it('only the special values themselves: their neighbours are numbers (and implausible as vitals)', () => {
    expect(checkVital('hr', 2045, '/min')).toMatchObject({ ok: false, reason: 'implausible' });
    expect(checkVital('hr', 2051, '/min')).toMatchObject({ ok: false, reason: 'implausible' });
    expect(checkVital('hr', 2047.5, '/min')).toMatchObject({ ok: false, reason: 'implausible' });
    expect(checkVital('nibpSys', 8388605, 'mmHg')).toMatchObject({ ok: false, reason: 'implausible' });
  });
});

describe('checkPressurePair', () => {
  it('accepts a diastolic below the systolic', () => {
    expect(checkPressurePair(120, 80)).toEqual({ ok: true });
    expect(checkPressurePair(80, 79.9)).toEqual({ ok: true });
  });

  it('refuses a diastolic equal to or above the systolic', () => {
    expect(checkPressurePair(80, 80)).toEqual({
      ok: false,
      reason: 'implausible',
      detail: 'nibpDia 80 ≥ nibpSys 80 mmHg (diastolic must be below systolic)',
    });
    expect(checkPressurePair(80, 95)).toMatchObject({ ok: false, reason: 'implausible' });
  });
});
