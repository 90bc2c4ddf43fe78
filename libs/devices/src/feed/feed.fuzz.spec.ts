import fc from 'fast-check';
import { fuzz } from '../../../../test/support/fuzz';
import type { DeviceInfo } from '../device.model';
import { mapFeedMessage } from './feed.mapper';
import { parseFeedPayload } from './feed.schemas';
import type { FeedKind } from './feed.topics';

/**
 * MQTT payloads under fast-check (`FUZZ_SEED` / `FUZZ_RUNS`, test/support/fuzz.ts): arbitrary
 * JSON, arbitrary text and bytes (as the edge decodes them, UTF-8), and near-valid payloads with
 * hostile values, through `parseFeedPayload` and `mapFeedMessage` on every topic. Neither throws;
 * a refusal is a value (`ok: false` with a one-line problem, or `problem` with nothing else set),
 * and an accepted message yields only facts, rejections and warnings.
 */

const KINDS: FeedKind[] = ['observations', 'status', 'alarms', 'environment', 'rtls'];
const NOW = '2026-11-20T10:00:00.000Z';

const DEVICES: (DeviceInfo | undefined)[] = [
  undefined,
  { id: 'mon-1', type: 'monitor', roomId: 'or-1' },
  { id: 'mon-1', type: 'monitor' },
  { id: 'env-1', type: 'environment-sensor', roomId: 'or-1' },
  { id: 'tag-1', type: 'rtls-tag', binding: { kind: 'patient', mrn: 'M1' }, tagRoomId: 'or-2' },
  { id: 'tag-1', type: 'rtls-tag', binding: { kind: 'device', deviceId: 'mon-1' } },
];
const TOPICS = [
  'circulator/v1/devices/mon-1/observations',
  'circulator/v1/devices/mon-1/status',
  'circulator/v1/devices/mon-1/alarms',
  'circulator/v1/rooms/or-1/environment',
  'circulator/v1/rtls/tag-1',
  'circulator/v1/devices/#/observations',
  'circulator/v1/devices/mon-1/observations/extra',
  'circulator/v1//',
  '',
];

/** Values that break naive code: huge, tiny, non-finite after parsing, odd strings, prototypes. */
const HOSTILE = fc.oneof(
  fc.constantFrom(
    null,
    true,
    0,
    -0,
    1e308,
    -1e308,
    5e-324,
    Number.MAX_SAFE_INTEGER + 2,
    '',
    ' ',
    'NaN',
    'Infinity',
    '1e400',
    '__proto__',
    'constructor',
    '2026-02-30T00:00:00Z',
    '9999-12-31T23:59:59Z',
    '0000-01-01T00:00:00Z',
    '\u0000',
    '😀'.repeat(100),
    'x'.repeat(300),
  ),
  fc.double(),
  fc.integer(),
  fc.string({ maxLength: 20 }),
  fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
);

const NEAR_VALID = fc.oneof(
  fc.record(
    {
      at: fc.oneof(HOSTILE, fc.constant(NOW)),
      observations: fc.array(
        fc.record(
          {
            code: fc.oneof(
              HOSTILE,
              fc.constantFrom('hr', 'spo2', 'MDC_PULS_OXIM_SAT_O2', 150456, '150456', 'temp', 'nibp_sys'),
            ),
            value: HOSTILE,
            unit: HOSTILE,
          },
          { requiredKeys: [] },
        ),
        { maxLength: 6 },
      ),
    },
    { requiredKeys: [] },
  ),
  fc.record(
    {
      at: fc.oneof(HOSTILE, fc.constant(NOW)),
      state: fc.oneof(HOSTILE, fc.constantFrom('online', 'offline', 'active', 'cleared')),
      id: HOSTILE,
      code: HOSTILE,
      priority: fc.oneof(HOSTILE, fc.constantFrom('high', 'PH', 'low')),
      text: HOSTILE,
      roomId: HOSTILE,
      temperature: HOSTILE,
      humidity: HOSTILE,
      usageCount: HOSTILE,
    },
    { requiredKeys: [] },
  ),
);

const PAYLOAD = fc.oneof(
  fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
  NEAR_VALID.map((v) => JSON.stringify(v)),
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b).toString('utf8')),
  // Deep nesting, as text: never a stack overflow.
  fc.integer({ min: 1, max: 20_000 }).map((n) => '['.repeat(n) + ']'.repeat(n)),
);

describe('fuzz: MQTT feed payloads (fast-check, FUZZ_SEED / FUZZ_RUNS)', () => {
  it('parseFeedPayload: any text, every kind → ok with a payload, or a one-line problem; never throws', () => {
    fuzz(
      fc.property(fc.constantFrom(...KINDS), PAYLOAD, (kind, payload) => {
        const r = parseFeedPayload(kind, payload);
        if (r.ok) expect(r.payload).toBeDefined();
        else {
          expect(typeof r.problem).toBe('string');
          expect(r.problem.length).toBeGreaterThan(0);
          expect(r.problem).not.toMatch(/[\r\n]/);
          expect(r.problem.length).toBeLessThan(2_000);
        }
      }),
      0x31,
      1_000,
    );
  });

  it('mapFeedMessage: any topic, publisher and payload → a mapping or a problem; never throws', () => {
    fuzz(
      fc.property(
        fc.oneof(fc.constantFrom(...TOPICS), fc.string({ maxLength: 60 })),
        fc.constantFrom(...DEVICES),
        PAYLOAD,
        fc.oneof(
          fc.constant(NOW),
          fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
        ),
        (topic, device, payload, receivedAt) => {
          const m = mapFeedMessage({ topic, payload, receivedAt }, device, { now: NOW });
          expect(Array.isArray(m.facts)).toBe(true);
          expect(Array.isArray(m.rejected)).toBe(true);
          expect(Array.isArray(m.warnings)).toBe(true);
          if (m.problem !== undefined) {
            expect(m.problem).not.toBe('');
            expect(m.facts).toEqual([]);
            expect(m.status ?? m.environment ?? m.location).toBeUndefined();
          }
          // Whatever the payload, facts carry valid times.
          for (const f of m.facts) {
            const at = (f as { at?: unknown }).at;
            if (at !== undefined) expect(typeof at === 'string' && !Number.isNaN(Date.parse(at))).toBe(true);
          }
        },
      ),
      0x32,
      1_000,
    );
  });
});

describe('found by the fuzzer', () => {
  it('a payload that is not JSON is refused in one line, even when the parser quotes its control characters', () => {
    const r = parseFeedPayload('observations', '\n\u0000{"at":\r\n');
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.problem).toMatch(/^payload is not JSON: /);
      // eslint-disable-next-line no-control-regex -- matching control characters is the point
      expect(r.problem).not.toMatch(/[\u0000-\u001f\u007f]/);
    }
  });
});
