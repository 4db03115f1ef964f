/**
 * Local query engine: DuckDB (@duckdb/node-api) in a UTC session, with the Trino shims
 * and the lake views loaded, running the same expanded SQL Athena runs.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance, DuckDBTypeId, type DuckDBConnection, type DuckDBResultReader } from '@duckdb/node-api';
import { LAKE_TABLE_NAMES } from '../core/lake-columns';
import { METRIC_VIEWS, PREPARED_VIEWS, QUERIES_DIR, type ParamValue } from './query-files';
import { queryEngine, type CellValue, type QueryEngine, type QueryEngineOptions, type Row, type SqlRunner } from './query-engine';

export interface DuckDbEngineOptions extends QueryEngineOptions {
  /** Database file; in-memory when omitted. */
  databasePath?: string;
  /**
   * Statements that create the inputs (the lake's `<table>_current` views, or fixture
   * tables in tests). Run once, in order, before views/episodes.sql.
   */
  setupStatements?: string[];
  /**
   * Connections to the one database: up to this many queries run at once. Default 1.
   * With more than one, `prepare` leaves each query a share of the cores (threads ÷
   * connections, at least 1) once the inputs are computed: the metric queries are many and
   * mid-sized, and running them side by side costs less CPU than splitting each one over
   * every core (measured: docs/adr/0106).
   */
  connections?: number;
}

export interface DuckDbEngine extends QueryEngine, SqlRunner {
  /** Runs a statement without parameters (DDL, fixture inserts). */
  exec(sql: string): Promise<void>;
  /**
   * Computes the inputs every metric query reads — the lake tables, their `<table>_current`
   * views and `episodes` — once, into in-memory tables, and points the same names at them.
   * Every later query then reads one consistent state and stops re-deriving the views.
   * Once per engine: a second call does nothing (open a new engine to see newer data).
   */
  prepare(): Promise<void>;
}


export async function createDuckDbEngine(options: DuckDbEngineOptions = {}): Promise<DuckDbEngine> {
  const queriesDir = options.queriesDir ?? QUERIES_DIR;
  const instance = await DuckDBInstance.create(options.databasePath ?? ':memory:');
  const connection = await session(instance);
  const shims = stripComments(readFileSync(join(queriesDir, 'shims', 'duckdb.sql'), 'utf8'));
  if (shims.trim()) await connection.run(shims);
  for (const statement of options.setupStatements ?? []) await connection.run(statement);
  if (options.setupStatements) await createMetricViews(connection, queriesDir);
  const pool = [connection];
  for (let index = 1; index < Math.max(1, options.connections ?? 1); index++) pool.push(await session(instance));
  const idle = [...pool];
  const waiting: ((connection: DuckDBConnection) => void)[] = [];
  const withConnection = async <T>(work: (connection: DuckDBConnection) => Promise<T>): Promise<T> => {
    const taken = idle.pop() ?? (await new Promise<DuckDBConnection>((resolve) => waiting.push(resolve)));
    try {
      return await work(taken);
    } finally {
      const next = waiting.shift();
      if (next) next(taken);
      else idle.push(taken);
    }
  };

  let closed = false;
  let prepared = false;
  const runner: SqlRunner = {
    async runSql(sql: string, values: ParamValue[]): Promise<Row[]> {
      return withConnection(async (free) => typedRows(await free.runAndReadAll(sql, values as never)));
    },
    async close() {
      if (closed) return;
      closed = true;
      for (const open of pool) open.closeSync();
      instance.closeSync();
    },
  };
  const port = queryEngine(runner, options);
  return {
    ...runner,
    runQuery: port.runQuery,
    async exec(sql: string) {
      await withConnection((free) => free.run(sql));
    },
    async prepare() {
      if (prepared) return;
      prepared = true;
      await withConnection(async (free) => {
        await materialiseInputs(free);
        if (pool.length > 1) {
          const [threads] = (await free.runAndReadAll("SELECT CAST(current_setting('threads') AS BIGINT)")).getRowsJS()[0] as [bigint];
          await free.run(`SET threads = ${Math.max(1, Math.floor(Number(threads) / pool.length))}`);
        }
      });
    },
  };
}

/** A connection in UTC whatever the host's time zone. */
async function session(instance: DuckDBInstance): Promise<DuckDBConnection> {
  const connection = await instance.connect();
  await connection.run("SET TimeZone = 'UTC'");
  return connection;
}

/** What `prepare` materialises, each level from the copies of the one before: raw tables, `_current`, episodes. */
export const MATERIALISED_INPUTS: readonly string[] = [...LAKE_TABLE_NAMES, ...PREPARED_VIEWS];
const MATERIALISED_PREFIX = 'refresh_input_';

/**
 * Copies each input that is a view into a table and re-points the view at the copy, in
 * dependency order, so `attendance_current` is computed once from the copy of
 * `attendance` and `episodes` once from the copies of the `_current` views: one read of
 * the lake files, one state. Inputs that are already tables (test fixtures) stay as they are.
 */
async function materialiseInputs(connection: DuckDBConnection): Promise<void> {
  const views = new Set(
    (await connection.runAndReadAll("SELECT view_name FROM duckdb_views() WHERE NOT internal AND schema_name = 'main'")).getRowsJS().map((row) => String(row[0])),
  );
  for (const name of MATERIALISED_INPUTS) {
    if (!views.has(name)) continue;
    await connection.run(`CREATE OR REPLACE TABLE ${MATERIALISED_PREFIX}${name} AS SELECT * FROM ${name}`);
    await connection.run(`CREATE OR REPLACE VIEW ${name} AS SELECT * FROM ${MATERIALISED_PREFIX}${name}`);
  }
}

/** (Re)creates the metric views; call after the `_current` relations exist. */
export async function createMetricViews(connection: Pick<DuckDBConnection, 'run'>, queriesDir = QUERIES_DIR): Promise<void> {
  for (const view of METRIC_VIEWS) {
    await connection.run(readFileSync(join(queriesDir, 'views', `${view}.sql`), 'utf8'));
  }
}

function stripComments(sql: string): string {
  return sql
    .split('\n')
    .filter((line) => !line.trim().startsWith('--'))
    .join('\n');
}

const NUMERIC_TEXT_TYPES = new Set([DuckDBTypeId.BIGINT, DuckDBTypeId.UBIGINT, DuckDBTypeId.HUGEINT, DuckDBTypeId.UHUGEINT, DuckDBTypeId.DECIMAL]);
const TIMESTAMP_TYPES = new Set([
  DuckDBTypeId.TIMESTAMP,
  DuckDBTypeId.TIMESTAMP_MS,
  DuckDBTypeId.TIMESTAMP_S,
  DuckDBTypeId.TIMESTAMP_NS,
  DuckDBTypeId.TIMESTAMP_TZ,
]);

/** Numbers as numbers (BIGINT/HUGEINT/DECIMAL too), DATE as YYYY-MM-DD, TIMESTAMP as ISO 8601 UTC. */
function typedRows(reader: DuckDBResultReader): Row[] {
  const names = reader.columnNames();
  const types = names.map((_name, index) => reader.columnTypeId(index));
  return reader.getRowsJson().map((values) => {
    const row: Row = {};
    names.forEach((name, index) => {
      row[name] = convertCell(values[index] as CellValue, types[index]);
    });
    return row;
  });
}

function convertCell(value: CellValue, type: DuckDBTypeId): CellValue {
  if (value === null) return null;
  if (NUMERIC_TEXT_TYPES.has(type)) return Number(value);
  if ((type === DuckDBTypeId.DOUBLE || type === DuckDBTypeId.FLOAT) && typeof value === 'string') return Number(value);
  if (TIMESTAMP_TYPES.has(type) && typeof value === 'string') return toIsoTimestamp(value);
  return value;
}

function toIsoTimestamp(text: string): string {
  // DuckDB prints 'YYYY-MM-DD HH:MM:SS[.ffffff][+00]'; the session is UTC.
  const [date, time = '00:00:00'] = text.replace(/\+00(:00)?$/, '').split(' ');
  const [clock, fraction = ''] = time.split('.');
  return `${date}T${clock}.${fraction.padEnd(3, '0').slice(0, 3)}Z`;
}
