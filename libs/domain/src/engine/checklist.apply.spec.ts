import { applyFact } from '../case.engine';
import {
  applyAll,
  bookedCase,
  booking,
  checklist,
  ctx,
  manualSource,
  milestone,
  source,
  t,
} from '../testing/facts.fixture';

const incision = milestone({ milestone: 'procedureStart', value: t('07:50') });

describe('WHO Surgical Safety Checklist', () => {
  it('recording the Time Out shows it on the case (checklist-recorded) with who did it', () => {
    const out = applyFact(bookedCase(), checklist(), ctx);
    expect(out.state?.checklist).toEqual({ timeOut: { at: t('07:48'), by: 'Nina Nurse' } });
    expect(out.events).toEqual([
      expect.objectContaining({
        kind: 'checklist-recorded',
        change: expect.objectContaining({ phase: 'timeOut', checklist: { from: null, to: out.state?.checklist } }),
      }),
    ]);
  });

  it('rule "Time Out before incision": incision at 07:50 without a Time Out raises a high alert', () => {
    const state = applyAll(bookedCase(), [incision]);
    expect(state.alerts).toEqual([
      {
        id: 'checklist:timeOut',
        kind: 'checklist',
        priority: 'high',
        message: 'Time Out not recorded before incision',
        raisedAt: t('07:50'),
      },
    ]);
  });

  it('a Time Out at 07:48 before the incision at 07:50: no alert, in either arrival order', () => {
    expect(applyAll(bookedCase(), [checklist(), incision]).alerts).toEqual([]);
    expect(applyAll(bookedCase(), [incision, checklist()]).alerts).toEqual([]);
  });

  it('a Time Out recorded late clears the alert; the log keeps the raise and the clear', () => {
    const raised = applyFact(bookedCase(), incision, ctx);
    expect(raised.events[0]?.change.alerts).toEqual({ raised: [expect.objectContaining({ id: 'checklist:timeOut' })] });
    const late = applyFact(raised.state, checklist({ at: t('07:55') }), ctx);
    expect(late.state?.alerts).toEqual([]);
    expect(late.events[0]?.change.alerts).toEqual({ cleared: ['checklist:timeOut'] });
  });

  it('rule "Sign In before induction" (medium); a missing Sign Out raises nothing (the patient has left)', () => {
    const state = applyAll(bookedCase(), [
      checklist(),
      milestone({ milestone: 'induction', value: t('07:40'), source: manualSource(630) }),
      milestone({ milestone: 'outOfRoom', value: t('09:05'), source: manualSource(631) }),
    ]);
    expect(state.alerts.map((a) => [a.id, a.priority, a.raisedAt])).toEqual([
      ['checklist:signIn', 'medium', t('07:40')],
    ]);
  });

  it('a record withdrawn (completed: false, made in error) removes it, and the alert comes back', () => {
    const state = applyAll(bookedCase(), [
      checklist(),
      incision,
      checklist({ completed: false, at: t('07:52'), source: manualSource(701) }),
    ]);
    expect(state.checklist).toBeUndefined();
    expect(state.alerts.map((a) => a.id)).toEqual(['checklist:timeOut']);
  });

  it('a cancelled case raises no checklist alerts', () => {
    const cancelled = booking({ action: 'cancelled', at: t('07:00'), source: source(20, 'SIU^S15') });
    const state = applyAll(bookedCase(), [cancelled, incision]);
    expect(state.status).toBe('cancelled');
    expect(state.alerts).toEqual([]);
  });
});
