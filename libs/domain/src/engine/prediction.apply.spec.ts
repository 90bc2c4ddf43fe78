import { applyFact } from '../case.engine';
import type { PredictionFact } from '../fact';
import { applyAll, bookedCase, ctx, t } from '../testing/facts.fixture';

function prediction(overrides: Partial<PredictionFact> = {}): PredictionFact {
  return {
    kind: 'prediction',
    at: t('07:00'),
    source: { kind: 'engine', id: 'prediction:or-1:2026-11-23', label: 'prediction' },
    target: { caseId: 'case-1' },
    predictedStart: t('07:30'),
    predictedEnd: t('09:05'),
    basis: {
      method: 'surgeon-procedure-median',
      explanation: 'median of 5 cases: 95 min',
      medianMinutes: 95,
      count: 5,
    },
    ...overrides,
  };
}

describe('predictions on the case', () => {
  it('sets predicted start and end with the basis (prediction-updated, the basis in the event)', () => {
    const out = applyFact(bookedCase(), prediction(), ctx);
    expect(out.state).toMatchObject({
      predictedStart: t('07:30'),
      predictedEnd: t('09:05'),
      prediction: { method: 'surgeon-procedure-median', medianMinutes: 95, count: 5 },
    });
    expect(out.events[0]).toMatchObject({
      kind: 'prediction-updated',
      source: { kind: 'engine' },
      change: { predictedEnd: { from: null, to: t('09:05') }, basis: expect.objectContaining({ count: 5 }) },
    });
  });

  it('an older prediction arriving late does not replace a newer one', () => {
    const state = applyAll(bookedCase(), [
      prediction({ at: t('08:00'), predictedEnd: t('09:30') }),
      prediction({ at: t('07:00'), predictedEnd: t('09:05') }),
    ]);
    expect(state.predictedEnd).toBe(t('09:30'));
  });

  it("an overrun on the room's last case raises a delay alert for the desk; a later prediction without it clears it", () => {
    const raised = applyAll(bookedCase(), [
      prediction({ overrun: { minutes: 45, closesAt: t('16:00'), priority: 'medium' } }),
    ]);
    expect(raised.alerts).toEqual([
      {
        id: 'delay:room',
        kind: 'delay',
        priority: 'medium',
        message: 'Room predicted to run 45 min past its hours',
        raisedAt: t('07:00'),
      },
    ]);
    const cleared = applyAll(raised, [prediction({ at: t('08:00') })]);
    expect(cleared.alerts).toEqual([]);
  });
});
