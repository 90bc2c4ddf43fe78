import { applyFact } from '../case.engine';
import type { CaseState } from '../case.model';
import { acknowledgement, alarm, applyAll, bookedCase, ctx, source, t } from '../testing/facts.fixture';

const ID = 'alarm:mon-1/196670/1';

describe('device alarms: alerts with tombstones', () => {
  it('a start raises a device-alarm alert (alert-raised)', () => {
    const out = applyFact(bookedCase(), alarm(), ctx);
    expect(out.state?.alerts).toEqual([
      { id: ID, kind: 'device-alarm', priority: 'high', message: 'Low SpO2 88 %', raisedAt: t('08:10') },
    ]);
    expect(out.events).toEqual([
      expect.objectContaining({
        kind: 'alert-raised',
        change: expect.objectContaining({
          alarmId: 'mon-1/196670/1',
          phase: 'start',
          alerts: { raised: [expect.objectContaining({ id: ID })] },
        }),
      }),
    ]);
  });

  it('a continue with a new text updates it (alert-updated) and keeps raisedAt and an acknowledgement', () => {
    const raised = applyFact(bookedCase(), alarm(), ctx).state!;
    const acked: CaseState = applyFact(raised, acknowledgement(), ctx).state!;
    expect(acked.alerts[0]?.acknowledgedAt).toBe(t('08:11'));
    const out = applyFact(
      acked,
      alarm({ phase: 'continue', at: t('08:12'), source: source(501), priority: 'medium', message: 'Low SpO2 85 %' }),
      ctx,
    );
    expect(out.state?.alerts).toEqual([
      {
        id: ID,
        kind: 'device-alarm',
        priority: 'medium',
        message: 'Low SpO2 85 %',
        raisedAt: t('08:10'),
        acknowledgedAt: t('08:11'),
      },
    ]);
    expect(out.events[0]?.kind).toBe('alert-updated');
  });

  it('a continue that says the same changes nothing visible', () => {
    const raised = applyFact(bookedCase(), alarm(), ctx).state!;
    const out = applyFact(raised, alarm({ phase: 'continue', at: t('08:11'), source: source(501) }), ctx);
    expect(out.events).toEqual([]);
    expect(out.state?.alerts).toEqual(raised.alerts);
  });

  it('an end clears it (alert-cleared); a late start older than the end does not resurrect it', () => {
    const ended = applyAll(bookedCase(), [alarm(), alarm({ phase: 'end', at: t('08:15'), source: source(502) })]);
    expect(ended.alerts).toEqual([]);
    const late = applyFact(ended, alarm({ phase: 'continue', at: t('08:13'), source: source(503) }), ctx);
    expect(late.state?.alerts).toEqual([]);
    expect(late.events).toEqual([]);
  });

  it('the end may arrive first: the start that arrives after it stays dead', () => {
    const ended = applyAll(bookedCase(), [alarm({ phase: 'end', at: t('08:15'), source: source(502) }), alarm()]);
    expect(ended.alerts).toEqual([]);
  });

  it('a newer start after the end raises it again, raised at the new start, without the old acknowledgement', () => {
    const raised = applyFact(bookedCase(), alarm(), ctx).state!;
    const acked: CaseState = applyFact(raised, acknowledgement(), ctx).state!;
    expect(acked.alerts[0]?.acknowledgedAt).toBe(t('08:11'));
    const again = applyAll(acked, [
      alarm({ phase: 'end', at: t('08:15'), source: source(502) }),
      alarm({ at: t('08:20'), source: source(504) }),
    ]);
    expect(again.alerts).toEqual([
      { id: ID, kind: 'device-alarm', priority: 'high', message: 'Low SpO2 88 %', raisedAt: t('08:20') },
    ]);
  });

  it('raised at the first start even when a continue arrived before it', () => {
    const state = applyAll(bookedCase(), [alarm({ phase: 'continue', at: t('08:12'), source: source(501) }), alarm()]);
    expect(state.alerts[0]?.raisedAt).toBe(t('08:10'));
  });

  it('an alarm with no case returns a no-case warning', () => {
    expect(applyFact(undefined, alarm(), ctx).warnings.map((w) => w.code)).toEqual(['no-case']);
  });
});
