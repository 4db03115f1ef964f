import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sameRows } from '../../bench/bytes-read';
import { buildLake } from '../../bench/lake-builder';
import { benchCohort } from '../../bench/synthetic-changes';
import { snapshotPlan } from '../../lambdas/adapters/athena-engine';
import { createDuckDbEngine, type DuckDbEngine } from '../../lambdas/adapters/duckdb-engine';
import { lakeViewStatements } from '../../lambdas/adapters/lake-tables-duckdb';
import { loadQuery, metricNames } from '../../lambdas/adapters/query-files';
import { DASHBOARD_QUERIES, DATA_QUALITY_QUERY, FILTERS_QUERY } from '../../lambdas/core/refresh';
import { LAKE_TABLE_NAMES } from '../../lambdas/core/lake-columns';

/**
 * The Athena refresh snapshot's statements, replayed on DuckDB (which has schemas, views
 * across schemas, CTAS and a search path): a "lake" schema with the raw lake tables, the
 * plan's refresh schema built from it, and every query a refresh runs, run with the refresh
 * schema first on the search path as Athena runs them in the refresh database. Each must
 * resolve every relation it names and return the rows it returns over the live lake views.
 */
describe('the refresh snapshot plan, replayed on DuckDB over a generated lake', () => {
  const AS_OF = '2026-06-30';
  let dir: string;
  let live: DuckDbEngine;
  let snapshot: DuckDbEngine;
  const statements: string[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'snapshot-plan-'));
    await buildLake({ cohort: benchCohort(120, 7), dir });
    live = await createDuckDbEngine({ setupStatements: lakeViewStatements(dir) });

    // The raw lake tables in their own schema, as the lake database holds them.
    snapshot = await createDuckDbEngine();
    await snapshot.exec('CREATE SCHEMA lake');
    const tableViews = lakeViewStatements(dir).slice(0, LAKE_TABLE_NAMES.length);
    for (const [index, statement] of tableViews.entries()) {
      const table = LAKE_TABLE_NAMES[index];
      await snapshot.exec(statement.replace(`VIEW ${table} AS`, `VIEW lake.${table} AS`));
    }
    const plan = snapshotPlan({ lakeDatabase: 'lake', database: 'refresh_db' });
    await snapshot.exec(plan.createDatabase);
    for (const sql of plan.lakeViews) await snapshot.exec(sql);
    // Athena runs the CTAS "in" the refresh database; DuckDB's search path does the same. Macros stay in main.
    await snapshot.exec("SET search_path = 'refresh_db,main'");
    for (const table of plan.levels.flat()) {
      // The storage clause is Athena's; DuckDB writes its own tables.
      await snapshot.exec(table.sql.replace("WITH (format = 'PARQUET', write_compression = 'ZSTD')\n", ''));
      statements.push(table.name);
    }
  }, 120_000);

  afterAll(async () => {
    await live?.close();
    await snapshot?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const refreshQueries = [FILTERS_QUERY, DATA_QUALITY_QUERY, ...metricNames().filter((name) => name !== DATA_QUALITY_QUERY), ...DASHBOARD_QUERIES];

  it('should hold a table for every _current view and episodes in the refresh schema', async () => {
    const tables = await snapshot.runSql("SELECT table_name FROM duckdb_tables() WHERE schema_name = 'refresh_db' ORDER BY table_name", []);
    expect(tables.map((row) => row.table_name)).toEqual([...LAKE_TABLE_NAMES.map((table) => `${table}_current`), 'episodes'].sort());
    expect(statements[statements.length - 1]).toBe('episodes');
  });

  it.each(refreshQueries)('should run %s in the refresh schema with the rows it gives over the live lake', async (name) => {
    // Prepare
    const declared = new Set(loadQuery(name).params.map((param) => param.name));
    const params = Object.fromEntries(Object.entries({ as_of: AS_OF, late_after_days: 7 }).filter(([key]) => declared.has(key)));
    const expected = await live.runQuery(name, params);

    // Act
    const rows = await snapshot.runQuery(name, params);

    // Assess
    expect(expected.length).toBeGreaterThan(0);
    expect(sameRows(rows, expected)).toBe(true);
  });
});
