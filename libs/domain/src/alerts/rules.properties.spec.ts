import type { VitalName } from '@circulator/contracts';
import fc from 'fast-check';
import type { VitalReading } from '../fact';
import { DEFAULT_RULE_CONFIG } from './rules.config';
import { CASE_PHASES, type CasePhase, type RuleAlert, type RuleTrack } from './rules.model';
import { at, vital } from './testing/rules.fixture';
import { evaluateVitals } from './vital.rules';

/**
 * Properties of the vital rules over generated readings: HR and SpO2 held at values around their
 * limits, margins and critical limits, at increasing times 1–90 s apart (so sustain, hysteresis,
 * escalation and the 60 s gap rule all come into play), cut into calls at random points, each call
 * in a random phase.
 */

const SEED = 0x0a1e_47e5;
const RUNS = 400;
const START = Date.parse(at('08:00'));

/** Values at, near and across each limit, its margin and its critical limit. */
const LEVELS: Record<'hr' | 'spo2', readonly number[]> = {
  hr: [30, 38, 40, 42, 45, 50, 52, 53, 60, 80, 115, 117, 120, 125, 138, 140, 150],
  spo2: [78, 84, 85, 85.5, 86, 88, 89.5, 90, 90.5, 91, 95, 99],
};

/** One value held for `repeat` readings `gap` seconds apart (mostly short gaps, some over 60 s). */
interface Step {
  gap: number;
  repeat: number;
  name: 'hr' | 'spo2';
  level: number;
  /** The last of these readings ends a call. */
  cut: boolean;
  phase: CasePhase;
}

const STEP: fc.Arbitrary<Step> = fc.record({
  gap: fc.oneof(
    { arbitrary: fc.integer({ min: 1, max: 10 }), weight: 6 },
    { arbitrary: fc.integer({ min: 11, max: 90 }), weight: 1 },
  ),
  repeat: fc.integer({ min: 1, max: 6 }),
  name: fc.constantFrom<'hr' | 'spo2'>('hr', 'spo2'),
  level: fc.nat(),
  cut: fc.boolean(),
  phase: fc.constantFrom(...CASE_PHASES),
});

function valueOf(step: Step): number {
  const levels = LEVELS[step.name];
  return levels[step.level % levels.length]!;
}

interface Call {
  readings: VitalReading[];
  phase: CasePhase;
}

function callsOf(steps: Step[]): Call[] {
  const calls: Call[] = [];
  let t = START;
  let current: VitalReading[] = [];
  for (const step of steps) {
    for (let i = 0; i < step.repeat; i++) {
      t += step.gap * 1000;
      current.push(vital(step.name, valueOf(step), new Date(t).toISOString()));
    }
    if (step.cut) {
      calls.push({ readings: current, phase: step.phase });
      current = [];
    }
  }
  if (current.length) calls.push({ readings: current, phase: 'maintenance' });
  return calls;
}

function run(calls: Call[], state?: RuleTrack) {
  const outcomes = [];
  for (const call of calls) {
    const out = evaluateVitals(state, call.readings, { phase: call.phase });
    outcomes.push({ call, out });
    state = out.state;
  }
  return { state, outcomes };
}

const options = { seed: SEED, numRuns: RUNS };

describe('vital rules: properties', () => {
  it('cutting the readings into calls does not change the result, nor does their order within one call (one phase)', () => {
    fc.assert(
      fc.property(fc.array(STEP, { maxLength: 30 }), fc.constantFrom(...CASE_PHASES), (steps, phase) => {
        const calls = callsOf(steps).map((c) => ({ ...c, phase }));
        const all = calls.flatMap((c) => c.readings);
        const split = run(calls).state;
        const whole = evaluateVitals(undefined, all, { phase }).state;
        const reversed = evaluateVitals(undefined, [...all].reverse(), { phase }).state;
        expect(whole).toEqual(split ?? whole);
        expect(reversed).toEqual(whole);
      }),
      options,
    );
  });

  it('applying any call again, or any older reading late, changes nothing: same state object, no outputs', () => {
    fc.assert(
      fc.property(fc.array(STEP, { minLength: 1, maxLength: 30 }), fc.nat(), (steps, pick) => {
        const calls = callsOf(steps);
        const { state } = run(calls);
        const again = calls[pick % calls.length]!;
        const out = evaluateVitals(state, again.readings, { phase: again.phase });
        expect(out.state).toBe(state);
        expect([...out.raised, ...out.updated, ...out.cleared, ...out.annotations]).toEqual([]);
        const late = again.readings.map((r) => ({ ...r, value: r.name === 'hr' ? 20 : 70 }));
        expect(evaluateVitals(state, late, { phase: 'maintenance' }).state).toBe(state);
      }),
      options,
    );
  });

  it('cleared, raised and updated, applied in turn, give exactly the alerts the state holds', () => {
    const seen = { raised: 0, escalated: 0, cleared: 0, annotated: 0 };
    fc.assert(
      fc.property(fc.array(STEP, { maxLength: 30 }), (steps) => {
        const shown = new Map<string, RuleAlert>();
        const { state, outcomes } = run(callsOf(steps));
        for (const { out } of outcomes) {
          seen.raised += out.raised.length;
          seen.escalated += out.updated.filter((a) => a.priority === 'high').length;
          seen.cleared += out.cleared.length;
          seen.annotated += out.annotations.length;
          for (const id of out.cleared) expect(shown.delete(id)).toBe(true);
          for (const a of out.raised) {
            expect(shown.has(a.id)).toBe(false);
            shown.set(a.id, a);
          }
          for (const a of out.updated) {
            expect(shown.get(a.id)?.raisedAt).toBe(a.raisedAt);
            shown.set(a.id, a);
          }
        }
        expect(Object.fromEntries(shown)).toEqual(state?.active ?? {});
      }),
      options,
    );
    // The generated readings do exercise every path (else the properties would prove little).
    expect(seen.raised).toBeGreaterThan(200);
    expect(seen.escalated).toBeGreaterThan(5);
    expect(seen.cleared).toBeGreaterThan(50);
    expect(seen.annotated).toBeGreaterThan(25);
  });

  it('an alert shows only while the newest reading is beyond its limit or within the margin; never before its sustain time', () => {
    fc.assert(
      fc.property(fc.array(STEP, { maxLength: 30 }), (steps) => {
        const { outcomes } = run(callsOf(steps));
        for (const { call, out } of outcomes) {
          for (const a of out.raised) {
            const sustain = DEFAULT_RULE_CONFIG.vitals[a.parameter as VitalName].sustainSeconds;
            expect(Date.parse(a.raisedAt) - Date.parse(a.since!)).toBeGreaterThanOrEqual(sustain * 1000);
          }
          for (const alert of Object.values(out.state.active)) {
            const name = alert.parameter as VitalName;
            const newest = out.state.lastAt[`vital:${name}`];
            const reading = call.readings.find((r) => r.name === name && r.at === newest);
            if (!reading) continue; // the vital had no reading in this call
            const l = DEFAULT_RULE_CONFIG.vitals[name];
            const low = alert.id.endsWith(':low');
            const limit = alert.priority === 'high' ? (low ? l.criticalLow : l.criticalHigh) : low ? l.low : l.high;
            if (low) expect(reading.value).toBeLessThan(limit! + l.hysteresis);
            else expect(reading.value).toBeGreaterThan(limit! - l.hysteresis);
          }
        }
      }),
      options,
    );
  });

  it('annotations come only in a phase that expects the change, once per excursion, never as an alert', () => {
    fc.assert(
      fc.property(fc.array(STEP, { maxLength: 30 }), (steps) => {
        const { outcomes } = run(callsOf(steps));
        const ids = new Set<string>();
        for (const { call, out } of outcomes) {
          for (const note of out.annotations) {
            expect(note.phase).toBe(call.phase);
            expect(DEFAULT_RULE_CONFIG.expected[call.phase]).toContain(note.ruleId.slice('vital:'.length));
            expect(ids.has(note.id)).toBe(false);
            ids.add(note.id);
            expect(out.raised.some((a) => a.ruleId === note.ruleId && a.raisedAt === note.at)).toBe(false);
          }
        }
      }),
      options,
    );
  });
});
