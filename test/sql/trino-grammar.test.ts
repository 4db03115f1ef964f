import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { TrinoSQL } from 'dt-sql-parser';
import { QUERIES_DIR, loadQuery } from '../../lambdas/adapters/query-files';

/**
 * Every query file must parse with Trino's grammar, so syntax Athena rejects is caught
 * offline. shims/ is DuckDB-only by design; lib/ holds fragments that are checked inside
 * the files that include them (expanded by loadQuery, exactly what Athena runs).
 */
function sqlFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sqlFiles(path);
    return entry.name.endsWith('.sql') ? [path] : [];
  });
}

const NOT_STATEMENTS = new Set(['shims', 'lib']);
const files = sqlFiles(QUERIES_DIR)
  .map((path) => relative(QUERIES_DIR, path))
  .filter((path) => !NOT_STATEMENTS.has(path.split('/')[0]))
  .sort();

describe('Trino grammar check of queries/', () => {
  const trino = new TrinoSQL();

  it('should find the lake views among the files it checks', () => {
    expect(files).toEqual(expect.arrayContaining(['views/enrollments_current.sql', 'views/drug_test_results_current.sql']));
  });

  it.each(files)('should parse %s, as Athena receives it, with no errors', (file) => {
    // Prepare: the expanded text (includes and macros replaced) is exactly what Athena runs.
    const expanded = loadQuery(join(QUERIES_DIR, file)).sql;

    // Act
    const errors = trino.validate(expanded);

    // Assess
    expect(errors.map((error) => `line ${error.startLine}:${error.startColumn} ${error.message}`)).toEqual([]);
  });

  it('should reject DuckDB-only syntax (the check can fail)', () => {
    expect(trino.validate('SELECT x::DATE FROM t WHERE y ILIKE \'a%\'').length).toBeGreaterThan(0);
  });
});
