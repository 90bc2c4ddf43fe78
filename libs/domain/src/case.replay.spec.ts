import { applyFact } from './case.engine';
import type { CaseEvent } from './case.model';
import { caseRecordOf, replayEvents } from './case.replay';
import { OR1, adt, alarm, booking, ctx, merge, observations, order, source, t } from './testing/facts.fixture';

describe('replayEvents', () => {
  it('rebuilds a case from its log: booking, order, ADT in and out, readings, an alarm, a merge', () => {
    const facts = [
      booking(),
      order({ identifiers: { orderNumber: 'ORD1' } }),
      adt('transferred', { at: t('07:32'), source: source(110), room: OR1 }),
      observations({ vitals: [{ name: 'hr', value: 72, unit: '/min', at: t('08:00') }] }),
      alarm(),
      alarm({ phase: 'end', at: t('08:20'), source: source(501) }),
      merge(),
      adt('transferred', { at: t('09:05'), source: source(120), priorRoom: OR1 }),
    ];
    let state = undefined as Parameters<typeof applyFact>[0];
    const log: CaseEvent[] = [];
    for (const fact of facts) {
      const result = applyFact(state, fact, ctx);
      state = result.state;
      log.push(...result.events);
    }
    expect(log.map((e) => e.kind)).toEqual([
      'case-created',
      'order-recorded',
      'milestone-recorded',
      'observations-recorded',
      'alert-raised',
      'alert-cleared',
      'patient-merged',
      'milestone-recorded',
    ]);
    expect(replayEvents(log)).toEqual(caseRecordOf(state!));
  });

  it("needs the log to start with the case's creation", () => {
    expect(replayEvents([])).toBeUndefined();
  });
});
