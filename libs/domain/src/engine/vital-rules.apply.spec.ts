import { applyFact } from '../case.engine';
import { applyAll, bookedCase, ctx, milestone, manualSource, observations, source, t } from '../testing/facts.fixture';

/** SpO2 readings from the room's monitor at hh:mm:ss. */
function spo2(value: number, hhmm: string, seconds: number, sequence: number) {
  const at = t(hhmm, seconds);
  return observations({
    at,
    source: source(sequence, 'ORU^R01'),
    vitals: [{ name: 'spo2', value, unit: '%', at }],
    results: [],
  });
}

describe('vital-sign rules on the case (wiring of docs/alert-rules.md)', () => {
  const inRoom = milestone({ milestone: 'inRoom', value: t('07:35'), source: manualSource(640) });

  it('SpO2 88 % sustained 15 s raises a medium vital-limit alert (alert-raised); back to 95 % clears it', () => {
    let state = applyAll(bookedCase(), [inRoom, spo2(88, '08:00', 0, 900)]);
    expect(state.alerts).toEqual([]);
    const raised = applyFact(state, spo2(88, '08:00', 20, 901), ctx);
    expect(raised.state?.alerts).toEqual([
      expect.objectContaining({ id: 'rule:vital:spo2:low', kind: 'vital-limit', priority: 'medium' }),
    ]);
    expect(raised.events[0]?.kind).toBe('alert-raised');
    state = applyAll(raised.state!, [spo2(95, '08:01', 0, 902)]);
    expect(state.alerts).toEqual([]);
  });

  it('the alert message names the parameter and value, never the patient', () => {
    const state = applyAll(bookedCase(), [inRoom, spo2(84, '08:00', 0, 910), spo2(84, '08:00', 20, 911)]);
    const alert = state.alerts.find((a) => a.id === 'rule:vital:spo2:low');
    expect(alert?.priority).toBe('high');
    expect(alert?.message).not.toMatch(/Everyman|Adam/);
  });

  it('leaving the room clears the vital-sign alerts', () => {
    const state = applyAll(bookedCase(), [
      inRoom,
      spo2(88, '08:00', 0, 920),
      spo2(88, '08:00', 20, 921),
      milestone({ milestone: 'outOfRoom', value: t('08:30'), source: manualSource(641) }),
    ]);
    expect(state.status).toBe('recovery');
    expect(state.alerts.filter((a) => a.kind === 'vital-limit')).toEqual([]);
  });
});
