/**
 * The query engine port: run a query file from queries/ with named parameters and get
 * typed rows back (numbers as numbers, DATE as 'YYYY-MM-DD', TIMESTAMP as ISO 8601).
 * DuckDB (local) and Athena (deployed) implement it; callers never see the difference.
 */
import { bindParams, loadQuery, type LoadedQuery, type ParamValue } from './query-files';
import { DEFAULT_METRIC_SETTINGS, type MetricSettings } from '../core/settings';

export type CellValue = string | number | boolean | null;
export type Row = Record<string, CellValue>;

export interface QueryEngine {
  /** `name` is a metric file name ('retention') or a path to a .sql file. */
  runQuery(name: string, params: Record<string, unknown>): Promise<Row[]>;
  /**
   * Optional: compute what every query of a session reads (the `_current` views and
   * `episodes`) once, before a batch of queries such as a refresh. DuckDB materialises
   * them in memory; on Athena the equivalent is a CTAS per refresh (docs/adr/0105).
   */
  prepare?(): Promise<void>;
  close(): Promise<void>;
}

/** What an adapter implements: run already expanded SQL with positional values. */
export interface SqlRunner {
  runSql(sql: string, values: ParamValue[]): Promise<Row[]>;
  close(): Promise<void>;
}

export interface QueryEngineOptions {
  queriesDir?: string;
  settings?: MetricSettings;
}

/**
 * Wraps an adapter into the port: loads and expands the file, binds parameters by name.
 * A file is read and expanded once per engine (a refresh runs each file 11 times).
 */
export function queryEngine(runner: SqlRunner, options: QueryEngineOptions = {}): QueryEngine {
  const loaded = new Map<string, LoadedQuery>();
  return {
    async runQuery(name, params) {
      let query = loaded.get(name);
      if (!query) {
        query = loadQuery(name, options.queriesDir);
        loaded.set(name, query);
      }
      const values = bindParams(query, params, options.settings ?? DEFAULT_METRIC_SETTINGS);
      return runner.runSql(query.sql, values);
    },
    close: () => runner.close(),
  };
}
