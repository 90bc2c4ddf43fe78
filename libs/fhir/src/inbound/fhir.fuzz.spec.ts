import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { fuzz } from '../../../../test/support/fuzz';
import { mapFhirEnvelope } from './fhir.mapper';

/**
 * The inbound FHIR mappers under fast-check (`FUZZ_SEED` / `FUZZ_RUNS`, test/support/fuzz.ts):
 * corpus resources (../shared/corpus/fhir-r4, Bundles' entries included) with values replaced,
 * removed or retyped at random paths, arbitrary JSON under a mapped resourceType, and arbitrary
 * text, through `mapFhirEnvelope` (the worker's entry: an inbox row). It never throws; it maps, or
 * refuses with a problem — and never through its last-resort catch ("could not be read"), which
 * would mean a mapper met a shape it did not expect.
 */

const CORPUS = path.resolve(__dirname, '../../../../../shared/corpus/fhir-r4');
const TYPES = ['Appointment', 'Encounter', 'Procedure', 'Observation', 'Patient', 'Practitioner', 'Location', 'Bundle'];

function corpus(): unknown[] {
  const out: unknown[] = [];
  for (const dir of readdirSync(CORPUS).sort()) {
    for (const name of readdirSync(path.join(CORPUS, dir)).sort()) {
      if (!name.endsWith('.json')) continue;
      const json = JSON.parse(readFileSync(path.join(CORPUS, dir, name), 'utf8').replace(/^\uFEFF/, '')) as Record<
        string,
        unknown
      >;
      out.push(json);
      for (const e of Array.isArray(json['entry']) ? (json['entry'] as { resource?: unknown }[]) : []) {
        if (e && typeof e === 'object' && e.resource) out.push(e.resource);
      }
    }
  }
  return out;
}

const RESOURCES = corpus();

const HOSTILE = fc.oneof(
  fc.constantFrom(
    null,
    true,
    false,
    0,
    -1,
    1e308,
    '',
    ' ',
    '__proto__',
    'urn:uuid:',
    '#',
    '/',
    'Patient/',
    '../../etc/passwd',
  ),
  fc.constantFrom([], {}, [null], [{}], { reference: 42 }, { coding: 'x' }, { start: {} }, { value: 'NaN' }),
  fc.constantFrom('2026-02-30', '2026-11-20T25:61:00Z', '0000-00-00', '9999-12-31T23:59:59+14:00', '2026'),
  fc.string({ maxLength: 16 }),
  fc.double(),
  fc.jsonValue({ maxDepth: 2 }),
);

/** Every path of a JSON value (objects and arrays), root first. */
function paths(
  value: unknown,
  prefix: (string | number)[] = [],
  out: (string | number)[][] = [],
): (string | number)[][] {
  out.push(prefix);
  if (Array.isArray(value)) value.forEach((v, i) => paths(v, [...prefix, i], out));
  else if (value && typeof value === 'object')
    for (const [k, v] of Object.entries(value)) paths(v, [...prefix, k], out);
  return out;
}

/** A copy with the value at `at` replaced (or removed when `value` is undefined). */
function setAt(root: unknown, at: (string | number)[], value: unknown): unknown {
  if (at.length === 0) return value;
  const copy = structuredClone(root) as Record<string | number, unknown>;
  let node = copy;
  for (const key of at.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  const last = at[at.length - 1] as string | number;
  if (value === undefined) {
    if (Array.isArray(node)) node.splice(last as number, 1);
    else delete node[last];
  } else node[last] = value;
  return copy;
}

const MUTATED = fc
  .tuple(
    fc.nat(RESOURCES.length - 1),
    fc.array(fc.tuple(fc.nat(), fc.option(HOSTILE, { nil: undefined, freq: 4 })), { minLength: 1, maxLength: 5 }),
  )
  .map(([index, edits]) => {
    let r = RESOURCES[index];
    for (const [where, value] of edits) {
      const all = paths(r).filter((p) => p.length > 0 && p[0] !== 'resourceType');
      if (all.length === 0) break;
      r = setAt(r, all[where % all.length] as (string | number)[], value);
    }
    return JSON.stringify(r);
  });

const ARBITRARY = fc
  .tuple(fc.constantFrom(...TYPES), fc.dictionary(fc.string({ maxLength: 12 }), fc.jsonValue({ maxDepth: 3 })))
  .map(([resourceType, rest]) => JSON.stringify({ ...rest, resourceType, id: rest['id'] ?? 'x1' }));

const TEXT = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 100 }),
  fc.jsonValue().map((v) => JSON.stringify(v)),
);

function check(raw: string): void {
  const r = mapFhirEnvelope(raw, { receivedAt: '2026-11-20T10:00:00.000Z' });
  if (r.ok) {
    expect(Array.isArray(r.mapping.facts)).toBe(true);
    expect(typeof r.mapping.label).toBe('string');
  } else {
    expect(typeof r.problem).toBe('string');
    expect(r.problem).not.toBe('');
    expect(r.problem).not.toMatch(/could not be read/);
  }
}

describe('fuzz: FHIR inbound mapping (fast-check, FUZZ_SEED / FUZZ_RUNS)', () => {
  it('mutated corpus resources: map or refuse cleanly, never throw', () => {
    expect(RESOURCES.length).toBeGreaterThan(90);
    fuzz(fc.property(MUTATED, check), 0x41, 1_000);
  });

  it('arbitrary JSON under a mapped resourceType: map or refuse cleanly, never throw', () => {
    fuzz(fc.property(ARBITRARY, check), 0x42, 1_000);
  });

  it('arbitrary text and JSON: refused cleanly, never throw', () => {
    fuzz(fc.property(TEXT, check), 0x43, 500);
  });
});
