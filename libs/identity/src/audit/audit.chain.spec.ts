import fc from 'fast-check';
import {
  type AuditContent,
  type ChainedRow,
  GENESIS_HASH,
  canonicalContent,
  canonicalJson,
  chainHash,
  toStorableJson,
  toStorableText,
  verifyChain,
} from './audit.chain';

const SEED = 0x0a0d_17c4;

const content = (over: Partial<AuditContent> = {}): AuditContent => ({
  at: '2026-11-23T07:31:00.000Z',
  actor: 'user:7d1f',
  roles: ['nurse'],
  action: 'cases.read',
  targetType: 'case',
  targetId: 'c-1',
  detail: {},
  source: '10.0.0.7',
  ...over,
});

/** Rows 1..n chained from the genesis value, as the repository writes them. */
function chain(contents: readonly AuditContent[], start = GENESIS_HASH): ChainedRow[] {
  let prev = start;
  return contents.map((c, i) => {
    const hash = chainHash(prev, c);
    const row = { ...c, id: String(i + 1), prevHash: prev, hash };
    prev = hash;
    return row;
  });
}

describe('canonicalJson (RFC 8785 for JSON values)', () => {
  it('sorts members by key at every depth and writes no whitespace', () => {
    expect(canonicalJson({ b: 1, a: [{ z: true, y: null }, 'x'], c: { e: 'é', d: -0.5 } })).toBe(
      '{"a":[{"y":null,"z":true},"x"],"b":1,"c":{"d":-0.5,"e":"é"}}',
    );
  });

  it('sorts keys by UTF-16 code units: the example of RFC 8785 §3.2.3', () => {
    const input = {
      '\u20ac': 'Euro',
      '\r': 'CR',
      '\ufb33': 'Hebrew',
      '1': 'One',
      '\ud83d\ude00': 'Emoji',
      '\u0080': 'Control',
      '\u00f6': 'o',
    };
    expect(Object.values(JSON.parse(canonicalJson(input)) as Record<string, string>)).toEqual(
      // JSON.parse puts the integer-like key first; the text order is what the RFC lists.
      ['One', 'CR', 'Control', 'o', 'Euro', 'Emoji', 'Hebrew'],
    );
    expect(canonicalJson(input)).toBe(
      '{"\\r":"CR","1":"One","\u0080":"Control","\u00f6":"o","\u20ac":"Euro","\ud83d\ude00":"Emoji","\ufb33":"Hebrew"}',
    );
  });

  it('leaves out undefined members and refuses what JSON cannot hold', () => {
    expect(canonicalJson({ a: undefined, b: 2 })).toBe('{"b":2}');
    expect(() => canonicalJson(Number.NaN)).toThrow(TypeError);
    expect(() => canonicalJson(10n)).toThrow(TypeError);
  });

  it('is the same for the same value whatever the order members were added in', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), (dict) => {
        const reversed = Object.fromEntries(Object.entries(dict).reverse());
        expect(canonicalJson(reversed)).toBe(canonicalJson(dict));
        // And it is JSON that parses back to the same value.
        expect(canonicalJson(JSON.parse(canonicalJson(dict)))).toBe(canonicalJson(dict));
      }),
      { seed: SEED, numRuns: 300 },
    );
  });
});

describe('storable forms (what PostgreSQL gives back)', () => {
  it('replaces NUL and lone surrogates, keeps valid pairs', () => {
    expect(toStorableText('a\u0000b\ud800c\udc00d\ud83d\ude00')).toBe('a\ufffdb\ufffdc\ufffdd\ud83d\ude00');
  });

  it('turns a detail into plain JSON: dates as strings, no undefined, storable keys', () => {
    const at = new Date('2026-11-23T07:31:00.000Z');
    expect(toStorableJson({ at, gone: undefined, list: [undefined, 1], ['k\u0000']: Number.NaN })).toEqual({
      at: '2026-11-23T07:31:00.000Z',
      list: [null, 1],
      ['k\ufffd']: null,
    });
  });

  it('is idempotent', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const once = toStorableJson(value);
        expect(canonicalJson(toStorableJson(once))).toBe(canonicalJson(once));
      }),
      { seed: SEED, numRuns: 300 },
    );
  });
});

describe('chainHash', () => {
  it('is SHA-256 hex over the previous hash, a newline and the canonical content', () => {
    const c = content();
    expect(canonicalContent(c)).toBe(
      '{"action":"cases.read","actor":"user:7d1f","at":"2026-11-23T07:31:00.000Z","detail":{},' +
        '"roles":["nurse"],"source":"10.0.0.7","targetId":"c-1","targetType":"case"}',
    );
    expect(chainHash(GENESIS_HASH, c)).toMatch(/^[0-9a-f]{64}$/);
    expect(chainHash(GENESIS_HASH, c)).toBe(chainHash(GENESIS_HASH, content()));
    expect(chainHash('1'.repeat(64), c)).not.toBe(chainHash(GENESIS_HASH, c));
  });

  it('tells a missing value from an empty one', () => {
    expect(chainHash(GENESIS_HASH, content({ targetId: null }))).not.toBe(
      chainHash(GENESIS_HASH, content({ targetId: '' })),
    );
    expect(chainHash(GENESIS_HASH, content({ source: null }))).not.toBe(
      chainHash(GENESIS_HASH, content({ source: 'null' })),
    );
  });
});

describe('verifyChain', () => {
  const rows = chain([content(), content({ action: 'cases.list', targetId: null }), content({ actor: 'system' })]);

  it('accepts an intact chain and answers its head', () => {
    expect(verifyChain(rows, GENESIS_HASH)).toEqual({ checked: 3, lastHash: rows[2]!.hash });
  });

  it('continues from where a previous page ended', () => {
    const first = verifyChain(rows.slice(0, 2), GENESIS_HASH);
    expect(verifyChain(rows.slice(2), first.lastHash)).toEqual({ checked: 1, lastHash: rows[2]!.hash });
  });

  it('names the edited row', () => {
    const edited = rows.map((r) => (r.id === '2' ? { ...r, detail: { caseIds: ['c-9'] } } : r));
    expect(verifyChain(edited, GENESIS_HASH)).toEqual({
      checked: 1,
      lastHash: rows[0]!.hash,
      broken: { id: '2', reason: 'hash' },
    });
  });

  it('names the row after one that was removed, or after one whose hash was recomputed', () => {
    expect(verifyChain([rows[0]!, rows[2]!], GENESIS_HASH).broken).toEqual({ id: '3', reason: 'prev' });
    const forged = { ...rows[1]!, detail: { forged: true } };
    forged.hash = chainHash(forged.prevHash!, forged);
    expect(verifyChain([rows[0]!, forged, rows[2]!], GENESIS_HASH).broken).toEqual({ id: '3', reason: 'prev' });
  });

  it('names a row that was never chained', () => {
    const unsealed = { ...rows[0]!, prevHash: null, hash: null };
    expect(verifyChain([unsealed], GENESIS_HASH).broken).toEqual({ id: '1', reason: 'prev' });
  });

  // The property of issue 7: any single-field change anywhere in the chain is detected, at that row.
  it('detects any change of any one field of any row, at that row', () => {
    const text = fc.string({ unit: 'binary', maxLength: 12 }).map(toStorableText);
    const arbContent: fc.Arbitrary<AuditContent> = fc.record({
      at: fc
        .date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true })
        .map((d) => d.toISOString()),
      actor: text,
      roles: fc.array(text, { maxLength: 3 }),
      action: text,
      targetType: text,
      targetId: fc.option(text, { nil: null }),
      detail: fc
        .dictionary(text, fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 })
        .map((d) => toStorableJson(d) as Record<string, unknown>),
      source: fc.option(text, { nil: null }),
    });
    const field = fc.constantFrom<keyof ChainedRow>(
      'at',
      'actor',
      'roles',
      'action',
      'targetType',
      'targetId',
      'detail',
      'source',
      'prevHash',
      'hash',
    );
    const replacement = fc.oneof(
      text,
      fc.constant(null),
      fc.array(text, { maxLength: 3 }),
      fc.dictionary(text, fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }).map(toStorableJson),
      fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
      fc.stringMatching(/^[0-9a-f]{64}$/),
    );
    fc.assert(
      fc.property(
        fc.array(arbContent, { minLength: 1, maxLength: 8 }),
        fc.nat(),
        field,
        replacement,
        (contents, pick, name, value) => {
          const rows = chain(contents);
          const index = pick % rows.length;
          const target = rows[index]!;
          fc.pre(canonicalJson(target[name]) !== canonicalJson(value));
          const tampered = rows.map((r, i) => (i === index ? { ...r, [name]: value } : r));
          const result = verifyChain(tampered, GENESIS_HASH);
          expect(result.broken?.id).toBe(target.id);
          expect(result.checked).toBe(index);
        },
      ),
      { seed: SEED, numRuns: 500 },
    );
  });
});
