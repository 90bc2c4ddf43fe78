import { createHash } from 'node:crypto';

/**
 * The hash chain of the audit trail: pure functions, no I/O.
 *
 * Each row stores `prev_hash` (the `hash` of the row before it, or {@link GENESIS_HASH} for the
 * first) and `hash = SHA-256(prev_hash "\n" canonical(content))`. Changing, removing or reordering
 * any row then breaks the chain at that row or the one after it. Removing rows from the end is not
 * detectable from the table alone: anchor the head (`GET /api/audit/verify` answers it) elsewhere.
 */

/** `prev_hash` of the first row: 64 zeros, the hex form of a SHA-256 that nothing hashes to. */
export const GENESIS_HASH = '0'.repeat(64);

/** What of an audit row the chain covers: everything but the id and the chain columns. */
export interface AuditContent {
  /** ISO 8601 in UTC with milliseconds, as `Date.prototype.toISOString` writes it. */
  at: string;
  actor: string;
  roles: readonly string[];
  action: string;
  targetType: string;
  targetId: string | null;
  /** JSON only (see {@link toStorableJson}). */
  detail: Record<string, unknown>;
  /** Client IP or socket address, when a request was known. */
  source: string | null;
}

/** A stored row as the chain check reads it. */
export interface ChainedRow extends AuditContent {
  id: string;
  /** Null only on rows written before the chain existed and not sealed yet. */
  prevHash: string | null;
  hash: string | null;
}

/** Where a chain stops holding. */
export interface ChainBreak {
  id: string;
  /** `prev`: the row does not point at the row before it; `hash`: its content does not match its hash. */
  reason: 'prev' | 'hash';
}

/** The outcome of checking consecutive rows. */
export interface ChainCheck {
  /** Rows that held, before the break if there is one. */
  checked: number;
  /** The hash to continue from (the last row that held, or the start). */
  lastHash: string;
  broken?: ChainBreak;
}

/**
 * JSON with object members sorted by key (UTF-16 code units) and no whitespace: the JSON
 * Canonicalization Scheme of RFC 8785 for the values audit rows hold (numbers are written as
 * ECMAScript writes them, RFC 8785 §3.2.2.3). Two equal JSON values give the same text.
 */
export function canonicalJson(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`not JSON: ${String(value)}`);
      return JSON.stringify(value);
    case 'string':
      return JSON.stringify(value);
    case 'object': {
      if (Array.isArray(value)) return `[${value.map((v: unknown) => canonicalJson(v)).join(',')}]`;
      const record = value as Record<string, unknown>;
      const members = Object.keys(record)
        .filter((k) => record[k] !== undefined)
        .sort()
        .map((k) => `${JSON.stringify(k)}:${canonicalJson(record[k])}`);
      return `{${members.join(',')}}`;
    }
    case 'bigint':
    case 'function':
    case 'symbol':
    case 'undefined':
      break;
  }
  throw new TypeError(`not JSON: ${typeof value}`);
}

/** The canonical text of a row's content, the part of the hash input after the previous hash. */
export function canonicalContent(content: AuditContent): string {
  return canonicalJson({
    action: content.action,
    actor: content.actor,
    at: content.at,
    detail: content.detail,
    roles: content.roles,
    source: content.source,
    targetId: content.targetId,
    targetType: content.targetType,
  });
}

/** `hash` of a row: SHA-256 (hex) over the previous row's hash, a newline and the canonical content. */
export function chainHash(prev: string, content: AuditContent): string {
  return createHash('sha256').update(prev).update('\n').update(canonicalContent(content)).digest('hex');
}

/**
 * Checks consecutive rows (in id order) against the chain, starting from `startPrev` (the hash of
 * the row before the first, or {@link GENESIS_HASH}). Stops at the first row that does not hold.
 */
export function verifyChain(rows: Iterable<ChainedRow>, startPrev: string): ChainCheck {
  let prev = startPrev;
  let checked = 0;
  for (const row of rows) {
    if (row.prevHash !== prev) return { checked, lastHash: prev, broken: { id: row.id, reason: 'prev' } };
    if (row.hash !== chainHash(prev, row)) return { checked, lastHash: prev, broken: { id: row.id, reason: 'hash' } };
    prev = row.hash;
    checked += 1;
  }
  return { checked, lastHash: prev };
}

// Lone UTF-16 surrogates: not Unicode, so pg sends each as U+FFFD.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * A string exactly as PostgreSQL will store and give it back: lone surrogates and NUL (which
 * `text` and `jsonb` refuse) become U+FFFD. Hashing the stored form is what lets the chain check
 * agree with what was written.
 */
export function toStorableText(text: string): string {
  return text.replace(LONE_SURROGATE, '\uFFFD').replaceAll('\u0000', '\uFFFD');
}

/**
 * A value exactly as a `jsonb` column will give it back: a JSON round trip (dates become strings,
 * `undefined` members disappear, non-finite numbers become null) with storable strings and keys.
 */
export function toStorableJson(value: unknown): unknown {
  const json = JSON.stringify(value);
  return json === undefined ? null : storable(JSON.parse(json));
}

function storable(value: unknown): unknown {
  if (typeof value === 'string') return toStorableText(value);
  if (Array.isArray(value)) return value.map(storable);
  if (value !== null && typeof value === 'object') {
    // Object.fromEntries defines own members, so a `__proto__` key stays data.
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [toStorableText(k), storable(v)]));
  }
  return value;
}
