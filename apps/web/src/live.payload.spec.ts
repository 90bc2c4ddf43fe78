import { describe, expect, it } from '@jest/globals';
import { isCaseView, parseBoardAck, parseUpdate } from './live.payload';
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
  it('needs what the board shows', () => {
    expect(isCaseView(aCase({ id: 'c1' }))).toBe(true);
    expect(isCaseView({ ...aCase({ id: 'c1' }), patient: {} })).toBe(false);
  });
});
