import { applyFact } from '../case.engine';
import { acknowledgement, alarm, applyAll, bookedCase, ctx, source, t } from '../testing/facts.fixture';

describe('acknowledgements', () => {
  it('acknowledging an active alarm sets acknowledgedAt (alert-acknowledged, with who)', () => {
    const raised = applyAll(bookedCase(), [alarm()]);
    const out = applyFact(raised, acknowledgement(), ctx);
    expect(out.state?.alerts[0]?.acknowledgedAt).toBe(t('08:11'));
    expect(out.events).toEqual([
      expect.objectContaining({
        kind: 'alert-acknowledged',
        change: expect.objectContaining({
          alertId: 'alarm:mon-1/196670/1',
          actor: expect.objectContaining({ role: 'nurse' }),
        }),
      }),
    ]);
  });

  it('a new episode of the same alarm must be acknowledged again', () => {
    const state = applyAll(bookedCase(), [
      alarm(),
      acknowledgement(),
      alarm({ phase: 'end', at: t('08:12'), source: source(501) }),
      alarm({ at: t('08:20'), source: source(502) }),
    ]);
    expect(state.alerts).toEqual([expect.objectContaining({ raisedAt: t('08:20') })]);
    expect(state.alerts[0]?.acknowledgedAt).toBeUndefined();
  });

  it('an acknowledgement of an alert the case does not show is kept with a warning, and covers it if it was raised before', () => {
    const out = applyFact(bookedCase(), acknowledgement(), ctx);
    expect(out.events).toEqual([]);
    expect(out.warnings[0]?.message).toContain('shows no alert');
    const later = applyAll(out.state!, [alarm()]);
    expect(later.alerts[0]?.acknowledgedAt).toBe(t('08:11'));
  });
});
