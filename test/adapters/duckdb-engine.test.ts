import { createDuckDbEngine, type DuckDbEngine } from '../../lambdas/adapters/duckdb-engine';
import { expandQueryText } from '../../lambdas/adapters/query-files';

describe('DuckDB query engine', () => {
  let engine: DuckDbEngine;
  beforeAll(async () => {
    engine = await createDuckDbEngine();
  });
  afterAll(async () => {
    await engine.close();
  });

  it('should return numbers as numbers (BIGINT, HUGEINT, DECIMAL), DATE as YYYY-MM-DD and TIMESTAMP as ISO UTC', async () => {
    // Act
    const [row] = await engine.runSql(
      "SELECT count(*) AS n, sum(CAST(5 AS INTEGER)) AS hugeint_sum, CAST(1.25 AS DECIMAL(5,2)) AS dec, 0.5E0 AS dbl, DATE '2024-02-29' AS d, TIMESTAMP '2026-06-30 23:59:59.5' AS ts, true AS flag, NULL AS nothing",
      [],
    );

    // Assess
    expect(row).toEqual({ n: 1, hugeint_sum: 5, dec: 1.25, dbl: 0.5, d: '2024-02-29', ts: '2026-06-30T23:59:59.500Z', flag: true, nothing: null });
  });

  it('should run the session in UTC whatever the host time zone', async () => {
    const [row] = await engine.runSql("SELECT current_setting('TimeZone') AS zone", []);
    expect(row.zone).toBe('UTC');
  });

  it('should bind positional values cast by the SQL', async () => {
    const [row] = await engine.runSql('SELECT CAST(? AS DATE) AS as_of, CAST(? AS INTEGER) + 1 AS days, CAST(? AS VARCHAR) AS clinic', ['2026-06-30', 29, null]);
    expect(row).toEqual({ as_of: '2026-06-30', days: 30, clinic: null });
  });

  it.each([
    [81, 263, 0.2553, 0.3662],
    [15, 148, 0.0624, 0.1605],
    [0, 20, 0.0, 0.1611],
    [1, 29, 0.0061, 0.1718],
  ])('should reproduce the Newcombe 1998 interval for %i/%i with the lib/wilson.sql macro', async (successes, trials, lower, upper) => {
    const [row] = await engine.runSql(expandQueryText(`SELECT wilson_lower(${successes}, ${trials}) AS lo, wilson_upper(${successes}, ${trials}) AS hi`), []);
    expect([Number((row.lo as number).toFixed(4)), Number((row.hi as number).toFixed(4))]).toEqual([lower, upper]);
  });

  it('should give NULL, not an error or Infinity, for a Wilson interval over zero trials', async () => {
    const [row] = await engine.runSql(expandQueryText('SELECT wilson_lower(0, 0) AS lo, wilson_upper(0, 0) AS hi'), []);
    expect(row).toEqual({ lo: null, hi: null });
  });

  it('should run queries on every connection of a pool, each in UTC, over one database', async () => {
    // Prepare
    const pooled = await createDuckDbEngine({ connections: 3 });
    try {
      await pooled.exec('CREATE TABLE shared AS SELECT 42 AS answer');

      // Act: more queries than connections, all at once
      const rows = await Promise.all(
        Array.from({ length: 7 }, (_unused, index) => pooled.runSql("SELECT current_setting('TimeZone') AS zone, answer + CAST(? AS INTEGER) AS n FROM shared", [index])),
      );

      // Assess
      expect(rows.map(([row]) => row)).toEqual(Array.from({ length: 7 }, (_unused, index) => ({ zone: 'UTC', n: 42 + index })));
    } finally {
      await pooled.close();
    }
  });

  it('should leave each pooled connection its share of the threads once prepared, and all of them to a single connection', async () => {
    // Prepare
    const single = await createDuckDbEngine();
    const pooled = await createDuckDbEngine({ connections: 2 });
    const threads = async (engine: DuckDbEngine) => Number((await engine.runSql("SELECT current_setting('threads') AS threads", []))[0].threads);
    try {
      const all = await threads(pooled);

      // Act
      await single.prepare();
      await pooled.prepare();

      // Assess
      expect(await threads(single)).toBe(all);
      expect(await threads(pooled)).toBe(Math.max(1, Math.floor(all / 2)));
    } finally {
      await single.close();
      await pooled.close();
    }
  });
});
