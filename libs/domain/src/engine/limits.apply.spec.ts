import { applyFact } from '../case.engine';
import { caseRecordOf, replayEvents } from '../case.replay';
import type { CaseEvent, CaseState } from '../case.model';
import type { Fact, LimitsFact } from '../fact';
import { vitalLimitsOf } from './limits.apply';
import { ctx, bookedCase, manualSource, milestone, observations, source, t } from '../testing/facts.fixture';

const ANESTHESIOLOGIST = { id: 'u-anes', role: 'anesthesiologist', name: 'Ann Esthesia' };

function limits(overrides: Partial<LimitsFact> = {}): LimitsFact {
  return {
    kind: 'limits',
    at: t('07:40'),
    source: manualSource(700, 'PUT limits'),
    target: { caseId: 'case-1' },
    limits: { spo2: { low: 88, criticalLow: 82 } },
    reason: 'COPD: baseline SpO2 90 %',
    actor: ANESTHESIOLOGIST,
    ...overrides,
  };
}

function spo2(value: number, hhmm: string, seconds: number, sequence: number): Fact {
  const at = t(hhmm, seconds);
  return observations({ at, source: source(sequence, 'ORU^R01'), vitals: [{ name: 'spo2', value, unit: '%', at }] });
}

/** Applies facts in order and keeps the log. */
function play(start: CaseState, facts: readonly Fact[], log: CaseEvent[]): CaseState {
  let state = start;
  for (const fact of facts) {
    const out = applyFact(state, fact, ctx);
    state = out.state!;
    log.push(...out.events);
  }
  return state;
}

describe('per-case vital limits (limits fact)', () => {
  const inRoom = milestone({ milestone: 'inRoom', value: t('07:35'), source: manualSource(640) });

  it('sets the case limits with one limits-changed event carrying the reason and the actor', () => {
    const out = applyFact(bookedCase(), limits(), ctx);
    expect(out.state?.limits).toEqual({ spo2: { low: 88, criticalLow: 82 } });
    expect(out.state?.version).toBe(2);
    expect(out.events).toEqual([
      expect.objectContaining({
        kind: 'limits-changed',
        at: t('07:40'),
        change: {
          limits: { from: null, to: { spo2: { low: 88, criticalLow: 82 } } },
          reason: 'COPD: baseline SpO2 90 %',
          actor: ANESTHESIOLOGIST,
        },
      }),
    ]);
  });

  it('worked example: SpO2 89 % sustained 20 s raises nothing under low 88, where the default 90 would', () => {
    const readings = [spo2(89, '08:00', 0, 900), spo2(89, '08:00', 20, 901)];
    const withDefaults = play(bookedCase(), [inRoom, ...readings], []);
    expect(withDefaults.alerts.map((a) => a.id)).toEqual(['rule:vital:spo2:low']);
    const withOwn = play(bookedCase(), [inRoom, limits(), ...readings], []);
    expect(withOwn.alerts).toEqual([]);
    // 87 % for 15 s is below the case's 88: medium, with the case's limit in the message.
    const low = play(withOwn, [spo2(87, '08:01', 0, 902), spo2(87, '08:01', 15, 903)], []);
    expect(low.alerts).toEqual([
      expect.objectContaining({ id: 'rule:vital:spo2:low', priority: 'medium', message: 'SpO2 low: 87 % < 88 %' }),
    ]);
  });

  it('the newest by source time wins; an older one arriving late changes nothing; {} goes back to the defaults', () => {
    const newer = limits({ at: t('07:50'), source: manualSource(701), limits: { hr: { high: 130 } } });
    const state = play(bookedCase(), [newer, limits()], []);
    expect(state.limits).toEqual({ hr: { high: 130 } });
    const reset = applyFact(state, limits({ at: t('08:00'), source: manualSource(702), limits: {} }), ctx);
    expect(reset.state?.limits).toBeUndefined();
    expect(reset.events[0]?.change.limits).toEqual({ from: { hr: { high: 130 } }, to: null });
  });

  it('applied twice changes nothing; rebuilding from the events equals the stored case', () => {
    const log: CaseEvent[] = [];
    const created = applyFact(undefined, { ...bookedCaseFact() }, ctx);
    log.push(...created.events);
    const state = play(created.state!, [limits(), limits()], log);
    expect(log.map((e) => e.kind)).toEqual(['case-created', 'limits-changed']);
    expect(replayEvents(log)).toEqual(caseRecordOf(state));
  });

  it('vitalLimitsOf: the site limits with the case override field by field (resolved once per override)', () => {
    const state = bookedCase();
    expect(vitalLimitsOf(state, undefined).spo2.low).toBe(90);
    const own = { ...state, limits: { spo2: { low: 88, criticalLow: null } } };
    const resolved = vitalLimitsOf(own, undefined);
    expect(resolved.spo2).toEqual(expect.objectContaining({ low: 88, sustainSeconds: 15 }));
    expect(resolved.spo2.criticalLow).toBeUndefined();
    expect(vitalLimitsOf(own, undefined)).toBe(resolved);
  });
});

function bookedCaseFact() {
  // The booking of the fixture, as a fact (bookedCase applies it).
  return {
    kind: 'schedule' as const,
    action: 'booked' as const,
    at: '2026-11-20T11:00:00.000Z',
    source: source(1, 'SIU^S12 A1'),
    identifiers: { placerAppointmentId: 'P1' },
    patient: { mrn: 'M1', familyName: 'Everyman', givenName: 'Adam' },
    procedure: { text: 'Laparoscopic cholecystectomy' },
    room: { id: 'or-1', name: 'OR 1' },
    scheduledStart: t('07:30'),
    scheduledEnd: t('09:00'),
  };
}
