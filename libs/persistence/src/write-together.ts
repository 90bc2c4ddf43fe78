import type { EntityManager } from 'typeorm';

/**
 * One repository's writes as part of a combined statement (see {@link writeTogether}): named
 * common table expressions whose placeholders ($1, $2, …) count from the part's own `params`.
 * Names are the part's own and unique in the statement (each repository prefixes its own).
 */
export interface WritePart {
  ctes: readonly { name: string; sql: string }[];
  params: readonly unknown[];
  /** A number the statement selects for this part (an expression over its CTEs), and its check. */
  result?: { sql: string; check: (value: number) => void };
}

const PLACEHOLDER = /\$(\d+)/g;

/**
 * The parts as one statement: `WITH` every part's expressions, then a `SELECT` of their results.
 * PostgreSQL runs every data-modifying expression of a `WITH` whether or not anything reads it, on
 * one snapshot: the parts must not read what another writes, nor write the same rows, and foreign
 * keys are checked at the end of the statement (a row may refer to one another part inserts).
 */
export function combineWrites(parts: readonly WritePart[]): { sql: string; params: unknown[] } {
  const params: unknown[] = [];
  const names = new Set<string>();
  const ctes: string[] = [];
  const results: string[] = [];
  for (const part of parts) {
    const offset = params.length;
    const shift = (sql: string): string =>
      sql.replace(PLACEHOLDER, (_, n: string) => {
        const index = Number(n);
        if (index < 1 || index > part.params.length) throw new Error(`$${n} is not one of the part's parameters`);
        return `$${index + offset}`;
      });
    for (const { name, sql } of part.ctes) {
      if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`"${name}" is not a plain name`);
      if (names.has(name)) throw new Error(`two parts name an expression "${name}"`);
      names.add(name);
      ctes.push(`${name} AS (${shift(sql)})`);
    }
    if (part.result) results.push(`${shift(part.result.sql)} AS r${results.length}`);
    params.push(...part.params);
  }
  return { sql: `WITH ${ctes.join(',\n')}\nSELECT ${results.length ? results.join(', ') : '1 AS r'}`, params };
}

/**
 * Runs writes of several repositories in one statement (one round trip: on a busy machine each
 * costs the caller more than the query itself), then each part's check on its result.
 */
export async function writeTogether(manager: EntityManager, parts: readonly (WritePart | undefined)[]): Promise<void> {
  const present = parts.filter((p): p is WritePart => p !== undefined);
  if (!present.length) return;
  const { sql, params } = combineWrites(present);
  const [row] = await manager.query<Record<string, unknown>[]>(sql, params);
  let n = 0;
  for (const part of present) {
    if (!part.result) continue;
    part.result.check(Number(row?.[`r${n}`] ?? Number.NaN));
    n += 1;
  }
}
