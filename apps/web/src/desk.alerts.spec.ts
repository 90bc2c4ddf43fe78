import { describe, expect, it } from '@jest/globals';
import { alertFeed, alertKey, priorityMark, readAlertsSnapshot } from './desk.alerts';
import { aCase } from './test.fixtures';

const alert = (id: string, raisedAt: string, extra: object = {}) => ({
  id,
  kind: 'delay',
  priority: 'medium' as const,
  message: `alert ${id}`,
  raisedAt,
  ...extra,
});

describe('the alerts feed', () => {
  it('lists every alert of every case, newest first, with its case', () => {
    const feed = alertFeed([
      aCase({
        id: 'c1',
        roomName: 'OR1',
        alerts: [alert('a1', '2026-11-23T07:00:00Z'), alert('a3', '2026-11-23T09:00:00Z')],
      }),
      aCase({ id: 'c2', roomId: 'or2', roomName: 'OR2', alerts: [alert('a2', '2026-11-23T08:00:00Z')] }),
    ]);
    expect(feed.map((i) => [i.alert.id, i.caseId, i.roomName])).toEqual([
      ['a3', 'c1', 'OR1'],
      ['a2', 'c2', 'OR2'],
      ['a1', 'c1', 'OR1'],
    ]);
  });

  it('at the same time, the unacknowledged first; and it keeps to the limit', () => {
    const at = '2026-11-23T07:00:00Z';
    const feed = alertFeed([aCase({ id: 'c1', alerts: [alert('a', at, { acknowledgedAt: at }), alert('b', at)] })]);
    expect(feed.map((i) => i.alert.id)).toEqual(['b', 'a']);
    expect(alertFeed([aCase({ id: 'c1', alerts: [alert('a', at), alert('b', at)] })], 1)).toHaveLength(1);
  });

  it('reads the topic snapshot {alerts, cases} as its cases, and refuses another shape', () => {
    const c = aCase({ id: 'c1', alerts: [alert('a', '2026-11-23T07:00:00Z')] });
    expect(readAlertsSnapshot({ alerts: [], cases: [c, { id: 'half' }] })).toEqual({ cases: [c] });
    expect(readAlertsSnapshot({ alerts: [] })).toBeUndefined();
  });

  it('marks priorities as the wall display does', () => {
    expect([priorityMark('high'), priorityMark('medium'), priorityMark('low')]).toEqual(['!!!', '!!', '!']);
  });
});

describe('alertKey', () => {
  it('is the same for an `alert` event and the feed line of its case', () => {
    const a = alert('a1', '2026-11-23T07:00:00Z');
    expect(alertKey({ ...a, caseId: 'c1' })).toBe(alertKey(a, 'c1'));
    expect(alertKey(a, 'c2')).not.toBe(alertKey(a, 'c1'));
  });
});
