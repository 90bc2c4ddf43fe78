import { describe, expect, it } from '@jest/globals';
import {
  isCaseView,
  parseAck,
  parseAlertEvent,
  parseBoardAck,
  parseUpdate,
  parseVitals,
  readCaseSnapshot,
  readRoomSnapshot,
} from './live.payload';
import { aCase } from './test.fixtures';

describe('parseBoardAck', () => {
  it('reads a board snapshot and drops malformed cases', () => {
    const ack = parseBoardAck({
      ok: true,
      topic: 'board:2026-11-21',
      version: 3,
      snapshot: { cases: [aCase({ id: 'c1' }), { id: 'broken' }] },
    });
    expect(ack?.ok && ack.snapshot.cases.map((c) => c.id)).toEqual(['c1']);
  });

  it('reads a refusal', () => {
    expect(parseBoardAck({ ok: false, error: 'forbidden' })).toEqual({ ok: false, error: 'forbidden' });
    expect(parseBoardAck({ ok: false })).toEqual({ ok: false, error: 'subscribe refused' });
  });

  it.each([
    null,
    'x',
    { ok: true, topic: 't', version: -1, snapshot: { cases: [] } },
    { ok: true, topic: 't', version: 1 },
  ])('rejects %j', (raw) => {
    expect(parseBoardAck(raw)).toBeUndefined();
  });
});

describe('parseUpdate', () => {
  it('reads cases and removed ids', () => {
    expect(parseUpdate({ topic: 't', version: 2, cases: [aCase({ id: 'c1' })], removed: ['c2', 5] })).toEqual({
      topic: 't',
      version: 2,
      cases: [aCase({ id: 'c1' })],
      removed: ['c2'],
    });
  });

  it.each([{}, { topic: 't' }, { topic: 't', version: 1.5 }, { topic: 't', version: 1, cases: 'x' }])(
    'rejects %j',
    (raw) => {
      expect(parseUpdate(raw)).toBeUndefined();
    },
  );
});

describe('isCaseView', () => {
  it('needs what the screens show', () => {
    expect(isCaseView(aCase({ id: 'c1' }))).toBe(true);
    expect(isCaseView({ ...aCase({ id: 'c1' }), patient: {} })).toBe(false);
    expect(isCaseView({ ...aCase({ id: 'c1' }), alerts: [{ id: 'a' }] })).toBe(false);
    expect(isCaseView({ ...aCase({ id: 'c1' }), vitals: undefined })).toBe(false);
  });
});

describe('room and case snapshots', () => {
  it('reads a room snapshot: its cases, the room, environment and devices', () => {
    const ack = parseAck(
      {
        ok: true,
        topic: 'room:or1',
        version: 4,
        snapshot: {
          room: { id: 'or1', name: 'OR 1', locations: ['OR1', 7] },
          cases: [aCase({ id: 'c1' }), { id: 'broken' }],
          environment: { at: '2026-11-21T08:00:00Z', temperatureC: 19.5, humidityPct: 'wet' },
          devices: [{ id: 'mon-1', type: 'monitor', connectivity: 'online', lifecycle: 'active' }, { id: 'x' }],
        },
      },
      readRoomSnapshot,
    );
    expect(ack).toEqual({
      ok: true,
      topic: 'room:or1',
      version: 4,
      snapshot: {
        cases: [aCase({ id: 'c1' })],
        extra: {
          room: { id: 'or1', name: 'OR 1', locations: ['OR1'] },
          environment: { at: '2026-11-21T08:00:00Z', temperatureC: 19.5 },
          devices: [{ id: 'mon-1', type: 'monitor', connectivity: 'online', lifecycle: 'active' }],
        },
      },
    });
    expect(
      parseAck({ ok: true, topic: 'room:or1', version: 1, snapshot: { cases: [] } }, readRoomSnapshot),
    ).toBeUndefined();
  });

  it('reads a case snapshot as a topic of one case', () => {
    const ack = parseAck(
      { ok: true, topic: 'case:c1', version: 2, snapshot: { case: aCase({ id: 'c1' }) } },
      readCaseSnapshot,
    );
    expect(ack?.ok && ack.snapshot.cases.map((c) => c.id)).toEqual(['c1']);
    expect(
      parseAck({ ok: true, topic: 'case:c1', version: 2, snapshot: { case: {} } }, readCaseSnapshot),
    ).toBeUndefined();
  });
});

describe('parseVitals', () => {
  it('keeps finite readings, each with its time (the event time when it has none)', () => {
    expect(
      parseVitals({
        topic: 'room:or1',
        roomId: 'or1',
        caseId: 'c1',
        at: '2026-11-21T08:00:02Z',
        values: {
          hr: { value: 72, unit: '/min', at: '2026-11-21T08:00:01Z' },
          spo2: { value: 98, unit: '%' },
          etco2: { value: Number.POSITIVE_INFINITY, unit: 'mmHg' },
          bis: 'x',
        },
      }),
    ).toEqual({
      topic: 'room:or1',
      roomId: 'or1',
      caseId: 'c1',
      at: '2026-11-21T08:00:02Z',
      values: {
        hr: { value: 72, unit: '/min', at: '2026-11-21T08:00:01Z' },
        spo2: { value: 98, unit: '%', at: '2026-11-21T08:00:02Z' },
      },
    });
  });

  it.each([{}, { topic: 'room:or1', roomId: 'or1', at: 'x' }, { topic: 'room:or1', at: 'x', values: {} }])(
    'rejects %j',
    (raw) => {
      expect(parseVitals(raw)).toBeUndefined();
    },
  );
});

describe('parseAlertEvent', () => {
  it('reads an alert and refuses an unknown priority', () => {
    const alert = {
      id: 'a1',
      kind: 'device-alarm',
      priority: 'high',
      message: 'SpO2 low',
      raisedAt: '2026-11-21T08:00:00Z',
    };
    expect(parseAlertEvent({ topic: 'alerts', alert })).toEqual({ topic: 'alerts', alert });
    expect(parseAlertEvent({ topic: 'alerts', alert: { ...alert, priority: 'critical' } })).toBeUndefined();
  });
});
