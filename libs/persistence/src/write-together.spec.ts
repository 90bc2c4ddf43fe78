import { combineWrites, type WritePart } from './write-together';

const part = (prefix: string, params: unknown[], result?: string): WritePart => ({
  ctes: [
    { name: `${prefix}_input`, sql: `SELECT * FROM unnest($1::text[]) AS t(v) WHERE $2::int > 0` },
    { name: `${prefix}_written`, sql: `INSERT INTO x_${prefix} (v) SELECT v FROM ${prefix}_input WHERE $2 > 1` },
  ],
  params,
  ...(result ? { result: { sql: result, check: () => undefined } } : {}),
});

describe('combineWrites', () => {
  it("numbers each part's placeholders after the parameters of the parts before it", () => {
    const { sql, params } = combineWrites([
      part('a', [['x'], 1], '(SELECT count(*)::int FROM a_input)'),
      part('b', [['y', 'z'], 2]),
      {
        ctes: [{ name: 'c_only', sql: 'DELETE FROM x_c WHERE id = $1' }],
        params: ['id-1'],
        result: { sql: '$1::int', check: () => undefined },
      },
    ]);
    expect(params).toEqual([['x'], 1, ['y', 'z'], 2, 'id-1']);
    expect(sql).toBe(
      [
        'WITH a_input AS (SELECT * FROM unnest($1::text[]) AS t(v) WHERE $2::int > 0),',
        'a_written AS (INSERT INTO x_a (v) SELECT v FROM a_input WHERE $2 > 1),',
        'b_input AS (SELECT * FROM unnest($3::text[]) AS t(v) WHERE $4::int > 0),',
        'b_written AS (INSERT INTO x_b (v) SELECT v FROM b_input WHERE $4 > 1),',
        'c_only AS (DELETE FROM x_c WHERE id = $5)',
        'SELECT (SELECT count(*)::int FROM a_input) AS r0, $5::int AS r1',
      ].join('\n'),
    );
  });

  it('selects a constant when no part has a result', () => {
    expect(combineWrites([part('a', [[], 0])]).sql.endsWith('\nSELECT 1 AS r')).toBe(true);
  });

  it('refuses two parts naming the same expression', () => {
    expect(() => combineWrites([part('a', [[], 0]), part('a', [[], 0])])).toThrow(
      'two parts name an expression "a_input"',
    );
  });

  it('refuses a placeholder the part has no parameter for', () => {
    expect(() => combineWrites([part('a', [['x']])])).toThrow("$2 is not one of the part's parameters");
    expect(() => combineWrites([{ ctes: [{ name: 'z', sql: 'SELECT $0' }], params: [1] }])).toThrow('$0');
  });

  it('refuses a name that is not a plain identifier', () => {
    expect(() => combineWrites([{ ctes: [{ name: 'x; DROP TABLE y', sql: 'SELECT 1' }], params: [] }])).toThrow(
      'is not a plain name',
    );
  });
});
