import { VITAL_NAMES } from '@circulator/contracts';
import { DEFAULT_RULE_CONFIG, VITAL_PARAMETERS, inParameterUnit, resolveLimits } from './rules.config';
import type { LimitOverrides, Limits } from './rules.model';
import { ENVIRONMENT_PARAMETERS } from './rules.model';

describe('rule configuration', () => {
  it('resolveLimits({ spo2: { low: 88 } }) changes SpO2 low only and leaves the defaults as they were', () => {
    const before = structuredClone(DEFAULT_RULE_CONFIG.vitals);
    const limits = resolveLimits(DEFAULT_RULE_CONFIG.vitals, { spo2: { low: 88 } });
    expect(limits.spo2).toEqual({ ...DEFAULT_RULE_CONFIG.vitals.spo2, low: 88 });
    expect(limits.hr).toEqual(DEFAULT_RULE_CONFIG.vitals.hr);
    expect(DEFAULT_RULE_CONFIG.vitals).toEqual(before);
    expect(limits.hr).not.toBe(DEFAULT_RULE_CONFIG.vitals.hr);
  });

  it('null turns an optional limit off (EtCO2 high: null); for a required field it keeps the default', () => {
    const overrides = { etco2: { high: null, sustainSeconds: null } } as LimitOverrides<'etco2'>;
    const limits = resolveLimits(DEFAULT_RULE_CONFIG.vitals, overrides);
    expect(limits.etco2.high).toBeUndefined();
    expect('high' in limits.etco2).toBe(false);
    expect(limits.etco2.sustainSeconds).toBe(DEFAULT_RULE_CONFIG.vitals.etco2.sustainSeconds);
  });

  it('ignores what is not a limit: NaN, a negative sustain, an unknown priority, an unknown vital or field', () => {
    const overrides = {
      hr: { low: Number.NaN, high: Infinity, sustainSeconds: -5, priority: 'urgent', colour: 'red' },
      pulse: { low: 10 },
    } as unknown as LimitOverrides<string>;
    const limits = resolveLimits(DEFAULT_RULE_CONFIG.vitals, overrides);
    expect(limits).toEqual(DEFAULT_RULE_CONFIG.vitals);
    expect(Object.keys(limits)).toEqual(Object.keys(DEFAULT_RULE_CONFIG.vitals));
  });

  it('takes valid margins, durations and priorities (HR hysteresis 5, clear after 10 s, low priority)', () => {
    const limits = resolveLimits(DEFAULT_RULE_CONFIG.vitals, {
      hr: { hysteresis: 5, clearSeconds: 10, priority: 'low', criticalPriority: 'medium' },
    });
    expect(limits.hr).toMatchObject({ hysteresis: 5, clearSeconds: 10, priority: 'low', criticalPriority: 'medium' });
  });

  it('resolves room limits the same way (humidity high 55 %)', () => {
    const limits = resolveLimits(DEFAULT_RULE_CONFIG.environment, { humidity: { high: 55 } });
    expect(limits.humidity).toMatchObject({ low: 20, high: 55 });
  });

  it('the defaults are coherent: critical limits outside the limits, the margin smaller than half the range', () => {
    const all: [string, Limits][] = [
      ...VITAL_NAMES.map((n) => [n, DEFAULT_RULE_CONFIG.vitals[n]] as [string, Limits]),
      ...ENVIRONMENT_PARAMETERS.map((p) => [`env ${p}`, DEFAULT_RULE_CONFIG.environment[p]] as [string, Limits]),
    ];
    for (const [name, l] of all) {
      const context = `${name}: ${JSON.stringify(l)}`;
      if (l.low !== undefined && l.criticalLow !== undefined)
        expect([context, l.criticalLow < l.low]).toEqual([context, true]);
      if (l.high !== undefined && l.criticalHigh !== undefined)
        expect([context, l.criticalHigh > l.high]).toEqual([context, true]);
      if (l.low !== undefined && l.high !== undefined)
        expect([context, l.hysteresis < (l.high - l.low) / 2]).toEqual([context, true]);
      expect([context, l.staleSeconds > l.sustainSeconds]).toEqual([context, true]);
    }
  });

  it('expects only changes of known vitals, and never an SpO2 change', () => {
    for (const changes of Object.values(DEFAULT_RULE_CONFIG.expected)) {
      for (const change of changes ?? []) {
        const [name] = change.split(':');
        expect(VITAL_NAMES).toContain(name);
        expect(name).not.toBe('spo2');
      }
    }
  });

  it('the defaults are frozen: a rule set is changed by copying, never in place', () => {
    expect(Object.isFrozen(DEFAULT_RULE_CONFIG.vitals.spo2)).toBe(true);
    expect(Object.isFrozen(DEFAULT_RULE_CONFIG.expected.induction)).toBe(true);
  });

  it.each([
    ['hr', 72, '/min', 72],
    ['hr', 72, 'bpm', 72],
    ['hr', 72, '{beats}/min', 72],
    ['temp', 37, 'Cel', 37],
    ['temp', 98.6, '°F', 37],
    ['nibpSys', 16, 'kPa', 120.01],
    ['spo2', 97, ' % ', 97],
  ] as const)('inParameterUnit: %s %d %s is %d in the limits unit', (name, value, unit, expected) => {
    expect(inParameterUnit(VITAL_PARAMETERS[name], value, unit)).toBeCloseTo(expected, 2);
  });

  it('inParameterUnit refuses an unknown unit and a value that is not finite', () => {
    expect(inParameterUnit(VITAL_PARAMETERS.spo2, 0.97, '1')).toBeUndefined();
    expect(inParameterUnit(VITAL_PARAMETERS.hr, Number.NaN, '/min')).toBeUndefined();
  });
});
