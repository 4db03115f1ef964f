import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bindParams, countPlaceholders, expandQueryText, loadQuery, metricNames, settingParams } from '../../lambdas/adapters/query-files';

describe('query files: loading, expansion and parameter binding', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'queries-'));
    mkdirSync(join(dir, 'lib'));
    mkdirSync(join(dir, 'metrics'));
    writeFileSync(join(dir, 'lib', 'math.sql'), '-- macro: twice(x)\n-- doubles x\n2 * x\n-- end macro\n-- macro: ratio(a, b)\nCAST(a AS DOUBLE) / NULLIF(b, 0)\n-- end macro\n');
    writeFileSync(join(dir, 'lib', 'base.sql'), '-- shared CTE\nbase AS (SELECT twice(p.n) AS doubled FROM params p),\n');
    writeFileSync(join(dir, 'lib', 'loop-a.sql'), '-- include: lib/loop-b.sql\n');
    writeFileSync(join(dir, 'lib', 'loop-b.sql'), '-- include: lib/loop-a.sql\n');
    writeFileSync(
      join(dir, 'metrics', 'sample.sql'),
      [
        '-- @param as_of DATE: cutoff',
        '-- @param clinic_id VARCHAR optional: one clinic',
        '-- @param inactivity_days INTEGER: threshold',
        'WITH params AS (SELECT CAST(? AS DATE) AS as_of, CAST(? AS VARCHAR) AS clinic_id, CAST(? AS INTEGER) AS n),',
        '-- include: lib/base.sql',
        'done AS (SELECT ratio(doubled, twice(n)) AS r, \'twice(1) stays\' AS s FROM base CROSS JOIN params) -- twice(9) in a comment stays',
        'SELECT * FROM done',
      ].join('\n'),
    );
    writeFileSync(join(dir, 'metrics', 'mismatch.sql'), '-- @param as_of DATE: cutoff\nSELECT ?, ?');
    writeFileSync(join(dir, 'metrics', 'cycle.sql'), 'WITH\n-- include: lib/loop-a.sql\nx AS (SELECT 1) SELECT 1');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('should expand includes and nested macro calls, leaving strings and comments alone', () => {
    // Act
    const query = loadQuery('sample', dir);

    // Assess
    expect(query.sql).toContain('base AS (SELECT (2 * (p.n)) AS doubled FROM params p),');
    expect(query.sql).toContain('(CAST((doubled) AS DOUBLE) / NULLIF(((2 * (n))), 0)) AS r');
    expect(query.sql).toContain("'twice(1) stays'");
    expect(query.sql).toContain('-- twice(9) in a comment stays');
    expect(query.params.map((param) => [param.name, param.type, param.optional])).toEqual([
      ['as_of', 'DATE', false],
      ['clinic_id', 'VARCHAR', true],
      ['inactivity_days', 'INTEGER', false],
    ]);
  });

  it('should bind by name: optional to NULL, settings to their defaults, given values checked', () => {
    const query = loadQuery('sample', dir);
    expect(bindParams(query, { as_of: '2024-02-29' })).toEqual(['2024-02-29', null, settingParams().inactivity_days]);
    expect(bindParams(query, { as_of: '2024-02-29', clinic_id: 'c1', inactivity_days: 14 })).toEqual(['2024-02-29', 'c1', 14]);
  });

  it('should reject unknown, missing and mistyped parameters with the fix in the message', () => {
    const query = loadQuery('sample', dir);
    expect(() => bindParams(query, { as_of: '2026-06-30', clinic: 'c1' })).toThrow(/no parameter "clinic"; its parameters are as_of, clinic_id, inactivity_days/);
    expect(() => bindParams(query, {})).toThrow(/needs parameter "as_of" \(DATE\)/);
    expect(() => bindParams(query, { as_of: '2025-02-29' })).toThrow(/2025-02-29 is not a calendar date/);
    expect(() => bindParams(query, { as_of: '30/06/2026' })).toThrow(/must be a date written YYYY-MM-DD/);
    expect(() => bindParams(query, { as_of: '2026-06-30', inactivity_days: 2.5 })).toThrow(/must be a whole number/);
  });

  it('should refuse a file whose placeholders do not match its @param lines, and include cycles', () => {
    expect(() => loadQuery('mismatch', dir)).toThrow(/declares 1 @param line\(s\) but its SQL has 2 "\?" placeholder\(s\)/);
    expect(() => loadQuery('cycle', dir)).toThrow(/include cycle/);
    expect(() => loadQuery('nope', dir)).toThrow(/no query file "nope"; metric files are: cycle, mismatch, sample/);
  });

  it('should count placeholders outside strings and comments only', () => {
    expect(countPlaceholders("SELECT '?', ? -- ?\nFROM t WHERE a = ?")).toBe(2);
  });

  it('should expose the real metric files and expand the real Wilson macro', () => {
    expect(metricNames()).toEqual(expect.arrayContaining(['retention', 'retention-summary', 'completion', 'early-dropout', 'engagement']));
    expect(expandQueryText('SELECT wilson_lower(81, 263)')).toMatch(/^SELECT \(CASE WHEN CAST\(\(263\) AS DOUBLE\) > 0E0 THEN[\s\S]*2E0 \* CAST\(\(81\) AS DOUBLE\)/);
  });
});
