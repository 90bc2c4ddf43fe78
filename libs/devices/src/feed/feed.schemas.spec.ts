import fc from 'fast-check';
import {
  MAX_FEED_OBSERVATIONS,
  MAX_FEED_PAYLOAD_BYTES,
  parseFeedPayload,
  utf8Length,
  type FeedPayloadResult,
} from './feed.schemas';
import type { FeedKind } from './feed.topics';

const AT = '2024-07-15T10:15:00+02:00';

/** The problem of a refused payload (fails the test when it was accepted). */
function problemOf<K extends FeedKind>(kind: K, payload: unknown): string {
  const r: FeedPayloadResult<K> = parseFeedPayload(
    kind,
    typeof payload === 'string' ? payload : JSON.stringify(payload),
  );
  if (r.ok) throw new Error(`accepted: ${JSON.stringify(r.payload)}`);
  return r.problem;
}

function payloadOf<K extends FeedKind>(kind: K, payload: unknown) {
  const r = parseFeedPayload(kind, JSON.stringify(payload));
  if (!r.ok) throw new Error(r.problem);
  return r.payload;
}

describe('the five payloads of CONTRACT §6, accepted', () => {
  it('observations: codes as REFID, number, digits or vitals name; value number, text or null; unit optional', () => {
    const payload = {
      at: AT,
      observations: [
        { code: 'MDC_PULS_OXIM_SAT_O2', value: 97, unit: '%' },
        { code: 150456, value: 97 },
        { code: '150456', value: '97' },
        { code: 'hr', value: null, unit: '/min' },
      ],
    };
    expect(payloadOf('observations', payload)).toEqual(payload);
    expect(payloadOf('observations', { observations: [] })).toEqual({ observations: [] });
    expect(payloadOf('observations', { at: '2024-07-15T08:15:00.250Z', observations: [] })).toMatchObject({
      at: '2024-07-15T08:15:00.250Z',
    });
  });

  it('status', () => {
    expect(payloadOf('status', { state: 'error', usageCount: 0, errorCode: 'E42', firmware: '2.1.0' })).toEqual({
      state: 'error',
      usageCount: 0,
      errorCode: 'E42',
      firmware: '2.1.0',
    });
    expect(payloadOf('status', { state: 'online' })).toEqual({ state: 'online' });
  });

  it('alarms: priorities high/medium/low and the IHE PCD codes PH/PM/PL; numeric ids and codes as text', () => {
    const alarm = { id: 'a1', message: 'SpO2 low', state: 'active' };
    for (const [sent, priority] of [
      ['high', 'high'],
      ['medium', 'medium'],
      ['low', 'low'],
      ['PH', 'high'],
      ['PM', 'medium'],
      ['PL', 'low'],
    ]) {
      expect(payloadOf('alarms', { ...alarm, priority: sent })).toEqual({ ...alarm, priority });
    }
    expect(payloadOf('alarms', { id: 42, priority: 'PH', code: 196670, message: 'x', state: 'cleared' })).toEqual({
      id: '42',
      priority: 'high',
      code: '196670',
      message: 'x',
      state: 'cleared',
    });
  });

  it('environment and rtls', () => {
    const env = { at: AT, temperatureC: 21.5, humidityPct: 45, pressurePa: -3 };
    expect(payloadOf('environment', env)).toEqual(env);
    expect(payloadOf('environment', {})).toEqual({});
    expect(payloadOf('rtls', { roomId: 'or-3', at: AT })).toEqual({ roomId: 'or-3', at: AT });
    expect(payloadOf('rtls', { roomId: 'or-3' })).toEqual({ roomId: 'or-3' });
  });
});

describe('refusals name the path and the problem', () => {
  it('a payload over 64 KiB of UTF-8, before parsing it', () => {
    const json = (padding: string): string => `{"observations":[]${padding}}`;
    const exact = json(' '.repeat(MAX_FEED_PAYLOAD_BYTES - json('').length));
    expect(utf8Length(exact)).toBe(MAX_FEED_PAYLOAD_BYTES);
    expect(parseFeedPayload('observations', exact)).toEqual({ ok: true, payload: { observations: [] } });
    expect(problemOf('observations', `${exact} `)).toBe('payload is larger than 65536 bytes');
    // Fewer characters than the limit, more bytes: é is two bytes in UTF-8.
    const wide = JSON.stringify({ observations: [], x: 'é'.repeat(33_000) });
    expect(wide.length).toBeLessThan(MAX_FEED_PAYLOAD_BYTES);
    expect(problemOf('observations', wide)).toBe('payload is larger than 65536 bytes');
    // Not JSON at all, but too large: refused for its size (never parsed).
    expect(problemOf('status', 'x'.repeat(MAX_FEED_PAYLOAD_BYTES + 1))).toBe('payload is larger than 65536 bytes');
  });

  it('text that is not JSON', () => {
    expect(problemOf('status', '{"state": online}')).toMatch(/^payload is not JSON: /);
    expect(problemOf('status', '')).toMatch(/^payload is not JSON: /);
  });

  it.each([
    ['observations', []],
    ['status', '"online"'],
    ['alarms', null],
    ['environment', 21],
    ['rtls', true],
  ] as const)('%s: a JSON value that is no object', (kind, payload) => {
    expect(problemOf(kind, payload)).toMatch(/^payload: expected object, received /);
  });

  it.each([
    ['observations', { observations: [], source: 'x' }, 'payload: unknown key "source"'],
    [
      'observations',
      { observations: [{ code: 'hr', value: 72, units: '/min' }] },
      'observations[0]: unknown key "units"',
    ],
    ['status', { state: 'online', at: AT }, 'payload: unknown key "at"'],
    [
      'alarms',
      { id: 'a', priority: 'high', message: 'm', state: 'active', severity: 1 },
      'payload: unknown key "severity"',
    ],
    ['environment', { temperatureF: 70 }, 'payload: unknown key "temperatureF"'],
    ['rtls', { roomId: 'or-1', tagId: 't' }, 'payload: unknown key "tagId"'],
  ] as const)('%s: an unknown key (%j)', (kind, payload, expected) => {
    expect(problemOf(kind, payload)).toBe(expected);
  });

  it('a key named __proto__ is an unknown key like any other', () => {
    expect(problemOf('rtls', '{"roomId":"or-1","__proto__":{"x":1}}')).toBe('payload: unknown key "__proto__"');
  });

  it('more than 200 observations', () => {
    const many = (n: number) => ({ observations: Array.from({ length: n }, () => ({ code: 'hr', value: 72 })) });
    expect(payloadOf('observations', many(MAX_FEED_OBSERVATIONS)).observations).toHaveLength(200);
    expect(problemOf('observations', many(MAX_FEED_OBSERVATIONS + 1))).toBe(
      'observations: at most 200 observations in one message',
    );
  });

  it('texts longer than 256 characters, empty where a value is needed', () => {
    const long = 'x'.repeat(257);
    const ok = 'x'.repeat(256);
    expect(payloadOf('status', { state: 'online', firmware: ok })).toMatchObject({ firmware: ok });
    expect(problemOf('status', { state: 'online', firmware: long })).toBe('firmware: at most 256 characters');
    expect(problemOf('status', { state: 'error', errorCode: long })).toBe('errorCode: at most 256 characters');
    expect(problemOf('status', { state: 'online', firmware: '' })).toBe('firmware: must not be empty');
    expect(problemOf('observations', { observations: [{ code: 'hr', value: 1, unit: long }] })).toBe(
      'observations[0].unit: at most 256 characters',
    );
    expect(problemOf('observations', { observations: [{ code: long, value: 1 }] })).toBe(
      'observations[0].code: at most 256 characters',
    );
    expect(problemOf('observations', { observations: [{ code: 'x', value: long }] })).toBe(
      'observations[0].value: expected a number, a text of at most 256 characters, or null',
    );
    expect(problemOf('alarms', { id: 'a', priority: 'low', message: long, state: 'active' })).toBe(
      'message: at most 256 characters',
    );
    expect(problemOf('alarms', { id: '', priority: 'low', message: 'm', state: 'active' })).toBe(
      'id: must not be empty',
    );
  });

  it.each([
    ['no offset', '2024-07-15T10:15:00'],
    ['a date only', '2024-07-15'],
    ['an impossible date', '2024-02-30T10:15:00Z'],
    ['an offset without colon', '2024-07-15T10:15:00+0200'],
    ['epoch milliseconds', 1721031300000],
    ['text', 'yesterday'],
  ])('`at` that is not an instant with offset: %s', (_why, at) => {
    const expected = 'at: expected an ISO 8601 date-time with offset, e.g. 2024-07-15T10:15:00+02:00';
    expect(problemOf('observations', { at, observations: [] })).toBe(expected);
    expect(problemOf('environment', { at, temperatureC: 21 })).toBe(expected);
    expect(problemOf('rtls', { roomId: 'or-1', at })).toBe(expected);
  });

  it.each([
    ['a boolean', true, 'expected an MDC code or a vitals name: a text of 1–256 characters or a non-negative integer'],
    ['a fraction', 1.5, 'expected an MDC code or a vitals name: a text of 1–256 characters or a non-negative integer'],
    [
      'an object',
      { code: 1 },
      'expected an MDC code or a vitals name: a text of 1–256 characters or a non-negative integer',
    ],
    ['a negative number', -1, 'must not be negative'],
    ['an empty text', '', 'must not be empty'],
  ])('an observation code that is %s', (_why, code, expected) => {
    expect(problemOf('observations', { observations: [{ code, value: 1 }] })).toBe(`observations[0].code: ${expected}`);
  });

  it.each([
    ['a boolean', false],
    ['an object', { v: 1 }],
    ['a list', [97]],
  ])('an observation value that is %s', (_why, value) => {
    expect(problemOf('observations', { observations: [{ code: 'spo2', value }] })).toBe(
      'observations[0].value: expected a number, a text of at most 256 characters, or null',
    );
  });

  it('missing required fields', () => {
    expect(problemOf('observations', {})).toBe('observations: expected a list of {code, value, unit?}');
    expect(problemOf('observations', { observations: [{ value: 1 }] })).toBe(
      'observations[0].code: expected an MDC code or a vitals name: a text of 1–256 characters or a non-negative integer',
    );
    expect(problemOf('observations', { observations: [{ code: 'hr' }] })).toBe(
      'observations[0].value: expected a number, a text of at most 256 characters, or null',
    );
    expect(problemOf('status', {})).toBe('state: expected "online", "offline" or "error"');
    expect(problemOf('rtls', {})).toBe('roomId: expected a text');
    expect(problemOf('alarms', {})).toBe(
      'id: expected an alarm id: a text of 1–256 characters or a non-negative integer; ' +
        'priority: expected "high", "medium", "low", "PH", "PM" or "PL"; message: expected a text; ' +
        'state: expected "active" or "cleared"',
    );
  });

  it('status: an unknown state, a usage count that is negative or not whole', () => {
    expect(problemOf('status', { state: 'standby' })).toBe('state: expected "online", "offline" or "error"');
    expect(problemOf('status', { state: 'online', usageCount: -1 })).toBe('usageCount: must not be negative');
    expect(problemOf('status', { state: 'online', usageCount: 2.5 })).toBe(
      'usageCount: expected a non-negative integer',
    );
  });

  it.each(['PN', 'HIGH', 'critical', 1])('alarms: priority %j', (priority) => {
    expect(problemOf('alarms', { id: 'a', priority, message: 'm', state: 'active' })).toBe(
      'priority: expected "high", "medium", "low", "PH", "PM" or "PL"',
    );
  });

  it('alarms: a state other than active or cleared', () => {
    expect(problemOf('alarms', { id: 'a', priority: 'PH', message: 'm', state: 'acknowledged' })).toBe(
      'state: expected "active" or "cleared"',
    );
  });

  it('environment: values that are no finite number (1e400 parses as Infinity)', () => {
    expect(problemOf('environment', { temperatureC: '21' })).toBe('temperatureC: expected a finite number');
    expect(problemOf('environment', '{"humidityPct": 1e400}')).toBe('humidityPct: expected a finite number');
  });

  it('rtls: a room id that could not be a topic level', () => {
    for (const roomId of ['or 1', 'or/1', '+', '', 'x'.repeat(65), '..']) {
      expect(problemOf('rtls', { roomId })).toBe('roomId: expected a room id: 1–64 letters, digits, ".", "_" or "-"');
    }
  });

  it('lists five problems and counts the rest', () => {
    const observations = Array.from({ length: 7 }, () => ({ code: true, value: 1 }));
    const problem = problemOf('observations', { observations });
    expect(problem.split('; ')).toHaveLength(6);
    expect(problem).toMatch(/^observations\[0\]\.code: .*; observations\[4\]\.code: [^;]*; and 2 more$/);
  });
});

describe('utf8Length', () => {
  it('is the UTF-8 byte length (lone surrogates as U+FFFD)', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary', maxLength: 50 }),
        fc.string({ unit: 'grapheme', maxLength: 20 }),
        (a, b) => {
          for (const s of [a, b, a + b]) expect(utf8Length(s)).toBe(Buffer.byteLength(s, 'utf8'));
        },
      ),
      { numRuns: 500 },
    );
    expect(utf8Length('\ud800x')).toBe(Buffer.byteLength('\ud800x'));
    expect(utf8Length('😀')).toBe(4);
  });

  it('stops counting past the limit', () => {
    // Eight characters of two bytes each: counted only until just past 10 bytes.
    expect(utf8Length('é'.repeat(8), 10)).toBe(12);
    expect(utf8Length('é'.repeat(8))).toBe(16);
    // More characters than the limit allows bytes: over it without a walk.
    expect(utf8Length('x'.repeat(1000), 10)).toBeGreaterThan(10);
  });
});
