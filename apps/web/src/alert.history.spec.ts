import { describe, expect, it } from '@jest/globals';
import type { AlertView, CaseEventView } from '@circulator/contracts';
import { diffAlerts, historyFromEvents, mergeHistory } from './alert.history';

const at = (hhmm: string) => `2026-11-21T${hhmm}:00.000Z`;
const desat: AlertView = {
  id: 'alarm:mon-1:1',
  kind: 'device-alarm',
  priority: 'high',
  message: 'SpO2 low',
  raisedAt: at('08:00'),
};
const occl: AlertView = {
  id: 'alarm:pump-1:2',
  kind: 'device-alarm',
  priority: 'medium',
  message: 'Occlusion',
  raisedAt: at('08:05'),
};

function event(kind: string, when: string, change: Record<string, unknown>): CaseEventView {
  return { at: when, receivedAt: when, kind, source: { kind: 'device', id: 'mon-1' }, change };
}

describe('historyFromEvents', () => {
  it('reads raised, changed, acknowledged and cleared alerts from the event log, newest first', () => {
    const history = historyFromEvents([
      event('alert-raised', at('08:00'), { alerts: { raised: [desat] } }),
      event('observations-recorded', at('08:01'), { vitals: {} }),
      event('alert-raised', at('08:05'), { alerts: { raised: [occl] } }),
      event('alert-updated', at('08:06'), { alerts: { updated: [{ ...occl, priority: 'high' }] } }),
      event('alert-acknowledged', at('08:07'), {
        alertId: desat.id,
        actor: { id: 'u1', role: 'anesthesiologist', name: 'anest' },
      }),
      event('alert-cleared', at('08:09'), { alerts: { cleared: [desat.id] } }),
    ]);
    expect(history.map((e) => [e.at, e.what, e.message, e.priority, e.by])).toEqual([
      [at('08:09'), 'cleared', 'SpO2 low', 'high', undefined],
      [at('08:07'), 'acknowledged', 'SpO2 low', 'high', 'anest'],
      [at('08:06'), 'updated', 'Occlusion', 'high', undefined],
      [at('08:05'), 'raised', 'Occlusion', 'medium', undefined],
      [at('08:00'), 'raised', 'SpO2 low', 'high', undefined],
    ]);
  });
});

describe('diffAlerts', () => {
  it('says what changed between two versions of the alerts', () => {
    const before = [desat, occl];
    const after = [
      { ...desat, acknowledgedAt: at('08:07') },
      { ...occl, priority: 'high' as const },
    ];
    expect(diffAlerts(before, after, at('08:08')).map((e) => [e.alertId, e.what, e.at])).toEqual([
      [occl.id, 'updated', at('08:08')],
      [desat.id, 'acknowledged', at('08:07')],
    ]);
    // Entries of one instant: the later in the list first (newest first).
    expect(diffAlerts(after, [], at('08:09')).map((e) => [e.alertId, e.what, e.episode])).toEqual([
      [occl.id, 'cleared', occl.raisedAt],
      [desat.id, 'cleared', desat.raisedAt],
    ]);
    expect(diffAlerts([], [desat], at('08:00')).map((e) => e.what)).toEqual(['raised']);
    // A new episode of the same alarm (raised again) is a new raise.
    expect(diffAlerts([desat], [{ ...desat, raisedAt: at('08:20') }], at('08:20')).map((e) => e.what)).toEqual([
      'raised',
    ]);
    expect(diffAlerts([desat], [desat], at('08:30'))).toEqual([]);
  });
});

describe('mergeHistory', () => {
  it('counts an entry read from the log and seen live once (a clearance by its episode)', () => {
    const logged = historyFromEvents([
      event('alert-raised', at('08:00'), { alerts: { raised: [desat] } }),
      event('alert-cleared', at('08:09'), { alerts: { cleared: [desat.id] } }),
    ]);
    // Seen live a little after the log's time: the same clearance.
    const live = diffAlerts([desat], [], at('08:10'));
    const raisedLive = diffAlerts([], [desat], at('08:00'));
    const merged = mergeHistory(logged, [...live, ...raisedLive]);
    expect(merged.map((e) => e.what)).toEqual(['cleared', 'raised']);
    expect(mergeHistory(merged, [])).toBe(merged);
  });

  it('keeps the newest entries up to a limit', () => {
    const many = Array.from({ length: 10 }, (_, i) => ({
      at: new Date(Date.parse(at('08:00')) + i * 1000).toISOString(),
      alertId: `a${i}`,
      what: 'raised' as const,
      message: `m${i}`,
    }));
    expect(mergeHistory([], many, 3).map((e) => e.alertId)).toEqual(['a9', 'a8', 'a7']);
  });
});
