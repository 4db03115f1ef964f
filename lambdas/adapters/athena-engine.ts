/**
 * Deployed query engine: Athena (engine v3) in the project's workgroup. Starts the
 * expanded SQL with ExecutionParameters, polls with exponential backoff, cancels the
 * query when it runs past the timeout, reads every result page and types the values
 * from the result metadata (numbers as numbers, DATE as YYYY-MM-DD, TIMESTAMP as ISO).
 *
 * With `snapshot` set, `prepare()` materialises the `_current` views and `episodes` once
 * into a per-refresh Glue database with CTAS (Parquet, ZSTD), and every later query runs
 * in that database, reading the compacted tables by the same names; `close()` drops the
 * database and deletes the tables' files (docs/adr/0122).
 */
import {
  AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
  StopQueryExecutionCommand,
  type ColumnInfo,
  type QueryExecution,
} from '@aws-sdk/client-athena';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LAKE_TABLE_NAMES } from '../core/lake-columns';
import { mapLimit } from '../core/map-limit';
import { S3ObjectStore, s3ClientFromEnv, type ObjectStore } from './object-store';
import { PREPARED_VIEWS, QUERIES_DIR, type ParamValue } from './query-files';
import { queryEngine, type CellValue, type QueryEngine, type QueryEngineOptions, type Row, type SqlRunner } from './query-engine';

export interface AthenaEngineOptions extends QueryEngineOptions {
  workGroup: string;
  client?: AthenaClient;
  /** Glue database holding the lake tables and views (else the workgroup's default). */
  database?: string;
  catalog?: string;
  /** Give up (and stop the query) after this long; default 5 minutes. */
  timeoutMs?: number;
  /** First poll delay; doubles up to maxPollMs. */
  firstPollMs?: number;
  maxPollMs?: number;
  /** Injected in tests so backoff needs no real waiting. */
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
  /**
   * Send values inlined as literals instead of ExecutionParameters. Athena's documentation
   * says `?` may only stand in a WHERE clause; our params CTE puts them in a SELECT list.
   * When Athena rejects the parameters, the engine retries inlined automatically
   * (docs/adr/0056); set this to skip the first attempt.
   */
  inlineParameters?: boolean;
  /** Enables `prepare()`: the per-refresh CTAS snapshot (requires `database`, the lake database). */
  snapshot?: AthenaSnapshotOptions;
}

export interface AthenaSnapshotOptions {
  /**
   * The workgroup's query results location, `s3://bucket/prefix/`. The workgroup enforces
   * its settings, so Athena writes each CTAS table's files under `<location>tables/<query id>/`
   * (an `external_location` would not be honoured); cleanup deletes exactly those prefixes.
   */
  resultsLocation: string;
  /** Lists and deletes in the results bucket; default an S3ObjectStore on it. */
  store?: Pick<ObjectStore, 'list' | 'delete'>;
  /** Suffix of the refresh database name; default `<UTC stamp>_<8 random hex digits>`. */
  suffix?: () => string;
  /** CTAS statements in flight at once within one dependency level; default 4. */
  concurrency?: number;
  /** Where cleanup problems are reported (close() also rejects with them). */
  log?: (line: string) => void;
}

/** An Athena failure, with the query execution id to look up in the console. */
export class AthenaQueryError extends Error {
  constructor(
    message: string,
    readonly queryExecutionId?: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'AthenaQueryError';
  }
}

const DEFAULT_TIMEOUT_MS = 5 * 60_000;
const START_ATTEMPTS = 4;

export function createAthenaEngine(options: AthenaEngineOptions): QueryEngine & SqlRunner {
  const runner = athenaRunner(options);
  return { ...runner, runQuery: queryEngine(runner, options).runQuery };
}

export function athenaRunner(options: AthenaEngineOptions): SqlRunner & Pick<QueryEngine, 'prepare'> {
  const client = options.client ?? new AthenaClient({});
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const now = options.now ?? Date.now;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const firstPollMs = options.firstPollMs ?? 250;
  const maxPollMs = options.maxPollMs ?? 5_000;

  /** Metric queries run here: the lake database, or the refresh database once prepared. */
  let queryDatabase = options.database;

  async function start(sql: string, values: ParamValue[], database = queryDatabase): Promise<string> {
    const input = {
      QueryString: sql,
      WorkGroup: options.workGroup,
      ...(database ? { QueryExecutionContext: { Database: database, Catalog: options.catalog } } : {}),
      ...(values.length > 0 ? { ExecutionParameters: values.map(athenaLiteral) } : {}),
    };
    for (let attempt = 1; ; attempt++) {
      try {
        const started = await client.send(new StartQueryExecutionCommand(input));
        if (!started.QueryExecutionId) throw new AthenaQueryError('Athena started the query but returned no QueryExecutionId');
        return started.QueryExecutionId;
      } catch (error) {
        const name = (error as { name?: string }).name;
        // Throttling is the one start failure worth retrying: the workgroup has a concurrency quota.
        if (name === 'TooManyRequestsException' && attempt < START_ATTEMPTS) {
          await sleep(firstPollMs * 2 ** attempt);
          continue;
        }
        throw startError(error, options.workGroup);
      }
    }
  }

  async function waitForCompletion(queryExecutionId: string): Promise<void> {
    const startedAt = now();
    let delay = firstPollMs;
    for (;;) {
      const { QueryExecution: execution } = await client.send(new GetQueryExecutionCommand({ QueryExecutionId: queryExecutionId }));
      const state = execution?.Status?.State;
      if (state === 'SUCCEEDED') return;
      if (state === 'FAILED') throw failedError(execution, queryExecutionId);
      if (state === 'CANCELLED') {
        throw new AthenaQueryError(`Athena query ${queryExecutionId} was cancelled (by a user or the workgroup) before it finished`, queryExecutionId);
      }
      if (now() - startedAt + delay > timeoutMs) {
        await client.send(new StopQueryExecutionCommand({ QueryExecutionId: queryExecutionId }));
        throw new AthenaQueryError(
          `Athena query ${queryExecutionId} did not finish within ${Math.round(timeoutMs / 1000)} s and was stopped; ` +
            'narrow the filters (clinic, cohort) or raise the timeout',
          queryExecutionId,
        );
      }
      await sleep(delay);
      delay = Math.min(delay * 2, maxPollMs);
    }
  }

  async function readResults(queryExecutionId: string): Promise<Row[]> {
    const rows: Row[] = [];
    let columns: ColumnInfo[] | undefined;
    let nextToken: string | undefined;
    let firstPage = true;
    do {
      const page = await client.send(new GetQueryResultsCommand({ QueryExecutionId: queryExecutionId, NextToken: nextToken }));
      columns ??= page.ResultSet?.ResultSetMetadata?.ColumnInfo ?? [];
      const data = page.ResultSet?.Rows ?? [];
      // The first row of the first page repeats the column names (SELECT results).
      for (const [index, resultRow] of data.entries()) {
        if (firstPage && index === 0) continue;
        const row: Row = {};
        columns.forEach((column, position) => {
          row[column.Name ?? `column_${position}`] = typedValue(resultRow.Data?.[position]?.VarCharValue, column.Type ?? 'varchar');
        });
        rows.push(row);
      }
      firstPage = false;
      nextToken = page.NextToken;
    } while (nextToken);
    return rows;
  }

  async function execute(sql: string, values: ParamValue[]): Promise<Row[]> {
    const queryExecutionId = await start(sql, values);
    await waitForCompletion(queryExecutionId);
    return readResults(queryExecutionId);
  }

  /** Runs a statement (DDL or CTAS) to completion; `started` learns its id before it finishes. */
  async function runStatement(sql: string, database: string | undefined, started?: (id: string) => void): Promise<void> {
    const queryExecutionId = await start(sql, [], database);
    started?.(queryExecutionId);
    await waitForCompletion(queryExecutionId);
  }

  const snapshot = options.snapshot ? refreshSnapshot(options, options.snapshot, runStatement) : undefined;

  return {
    ...(snapshot
      ? {
          async prepare() {
            queryDatabase = await snapshot.create();
          },
        }
      : {}),
    async runSql(sql, values) {
      if (options.inlineParameters || values.length === 0) return execute(inlineParameters(sql, values), []);
      try {
        return await execute(sql, values);
      } catch (error) {
        // Parsing fails before any data is scanned, so the retry costs nothing.
        if (error instanceof AthenaQueryError && /parameter/i.test(error.message) && /rejected query|refused to start/.test(error.message)) {
          return execute(inlineParameters(sql, values), []);
        }
        throw error;
      }
    },
    async close() {
      try {
        if (snapshot) {
          queryDatabase = options.database;
          await snapshot.drop();
        }
      } finally {
        client.destroy();
      }
    },
  };
}

/** The `queries/views/` files a refresh snapshot materialises; each level reads only the ones before it. */
export const SNAPSHOT_VIEWS: readonly string[] = PREPARED_VIEWS;

export interface SnapshotTable {
  name: string;
  /** Names of other snapshot tables its SELECT reads (they must exist first). */
  reads: string[];
  sql: string;
}

export interface SnapshotPlan {
  database: string;
  createDatabase: string;
  /** One view per lake table in the refresh database, over the lake database's table. */
  lakeViews: string[];
  /** CTAS statements, grouped in dependency levels (a level reads only earlier levels). */
  levels: SnapshotTable[][];
  dropDatabase: string;
}

const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;
const CREATE_VIEW_HEAD = /^\s*CREATE\s+(?:OR\s+REPLACE\s+)?VIEW\s+([A-Za-z_][A-Za-z0-9_]*)\s+AS\s+/i;

/** The SELECT of a `queries/views/` file: header comments and `CREATE OR REPLACE VIEW <name> AS` removed. */
export function viewSelect(fileText: string, name: string): string {
  const body = fileText
    .split(/\r?\n/)
    .filter((line) => !line.trim().startsWith('--'))
    .join('\n')
    .trim()
    .replace(/;\s*$/, '');
  const head = CREATE_VIEW_HEAD.exec(body);
  if (!head || head[1].toLowerCase() !== name) throw new AthenaQueryError(`views/${name}.sql must hold one "CREATE OR REPLACE VIEW ${name} AS …" statement`);
  return body.slice(head[0].length);
}

/**
 * Every statement of one refresh snapshot, free of AWS (the unit tests parse each with the
 * Trino grammar). The `_current` and `episodes` SELECTs are the repository's view files,
 * run with the refresh database as context: their raw table names resolve to views over the
 * lake database, and `episodes` reads the `_current` snapshot tables, not the lake.
 */
export function snapshotPlan(input: { lakeDatabase: string; database: string; queriesDir?: string; lakeTables?: readonly string[]; views?: readonly string[] }): SnapshotPlan {
  const { lakeDatabase, database } = input;
  const lakeTables = input.lakeTables ?? LAKE_TABLE_NAMES;
  const views = input.views ?? SNAPSHOT_VIEWS;
  for (const name of [lakeDatabase, database, ...lakeTables, ...views]) {
    if (!IDENTIFIER.test(name)) throw new AthenaQueryError(`refresh snapshot: "${name}" is not a plain lower-case identifier`);
  }
  const queriesDir = input.queriesDir ?? QUERIES_DIR;
  const tables: SnapshotTable[] = views.map((name) => {
    const select = viewSelect(readFileSync(join(queriesDir, 'views', `${name}.sql`), 'utf8'), name);
    const reads = views.filter((other) => other !== name && new RegExp(`\\b${other}\\b`).test(select));
    return {
      name,
      reads,
      sql: `CREATE TABLE ${database}.${name}\nWITH (format = 'PARQUET', write_compression = 'ZSTD')\nAS\n${select}`,
    };
  });
  const levels: SnapshotTable[][] = [];
  const done = new Set<string>();
  let pending = tables;
  while (pending.length > 0) {
    const ready = pending.filter((table) => table.reads.every((name) => done.has(name)));
    if (ready.length === 0) throw new AthenaQueryError(`refresh snapshot: the views ${pending.map((table) => table.name).join(', ')} read each other in a cycle`);
    levels.push(ready);
    for (const table of ready) done.add(table.name);
    pending = pending.filter((table) => !done.has(table.name));
  }
  return {
    database,
    createDatabase: `CREATE SCHEMA ${database}`,
    lakeViews: lakeTables.map((table) => `CREATE VIEW ${database}.${table} AS SELECT * FROM ${lakeDatabase}.${table}`),
    levels,
    dropDatabase: `DROP SCHEMA IF EXISTS ${database} CASCADE`,
  };
}

/** `<lake database>_refresh_<UTC stamp>_<random>`: unique per refresh, recognisable, within the IAM prefix. */
export function refreshDatabaseName(lakeDatabase: string, suffix: string): string {
  return `${lakeDatabase}${REFRESH_DATABASE_INFIX}${suffix}`.toLowerCase();
}

export const REFRESH_DATABASE_INFIX = '_refresh_';

function defaultSuffix(): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').toLowerCase();
  return `${stamp}_${randomBytes(4).toString('hex')}`;
}

function parseS3Location(location: string): { bucket: string; prefix: string } {
  const match = /^s3:\/\/([^/]+)\/?(.*)$/.exec(location);
  if (!match) throw new AthenaQueryError(`refresh snapshot: results location "${location}" is not an s3://bucket/prefix/ URL`);
  const prefix = match[2] === '' || match[2].endsWith('/') ? match[2] : `${match[2]}/`;
  return { bucket: match[1], prefix };
}

/** Creates the refresh snapshot and removes it again; each refresh engine holds at most one. */
function refreshSnapshot(
  options: AthenaEngineOptions,
  snapshotOptions: AthenaSnapshotOptions,
  runStatement: (sql: string, database: string | undefined, started?: (id: string) => void) => Promise<void>,
) {
  const lakeDatabase = options.database;
  const results = parseS3Location(snapshotOptions.resultsLocation);
  const log = snapshotOptions.log ?? ((line: string) => console.log(JSON.stringify({ level: 'WARN', service: 'athena-snapshot', message: line })));
  let store = snapshotOptions.store;
  let plan: SnapshotPlan | undefined;
  let ready: string | undefined;
  let databaseRequested = false;
  const ctasQueryIds: string[] = [];

  async function drop(): Promise<void> {
    if (!plan) return;
    ready = undefined;
    const problems: string[] = [];
    if (databaseRequested) {
      try {
        await runStatement(plan.dropDatabase, lakeDatabase);
        databaseRequested = false;
      } catch (error) {
        problems.push(`dropping the Glue database ${plan.database} failed: ${(error as Error).message}`);
      }
    }
    // DROP … CASCADE leaves an external table's files: delete each CTAS's folder (also a failed one's partial files).
    store ??= new S3ObjectStore(s3ClientFromEnv(), results.bucket);
    for (const id of [...ctasQueryIds]) {
      const prefix = `${results.prefix}tables/${id}/`;
      try {
        const objects = await store.list(prefix);
        if (objects.length > 0) await store.delete(objects.map((object) => object.key));
        ctasQueryIds.splice(ctasQueryIds.indexOf(id), 1);
      } catch (error) {
        problems.push(`deleting s3://${results.bucket}/${prefix} failed: ${(error as Error).message}`);
      }
    }
    if (problems.length > 0) {
      const message = `refresh snapshot cleanup incomplete (the results bucket's 1-day rule on ${results.prefix}tables/ removes files left behind): ${problems.join('; ')}`;
      log(message);
      throw new AthenaQueryError(message);
    }
  }

  async function create(): Promise<string> {
    if (!lakeDatabase) throw new AthenaQueryError('refresh snapshot: the engine needs the lake database (option database) to build a snapshot from');
    // Once per engine, like the DuckDB engine: a second call changes nothing (a new engine sees newer data).
    if (ready) return ready;
    if (plan) throw new AthenaQueryError(`refresh snapshot: this engine already tried ${plan.database} (it failed or was dropped); open a new engine for a new snapshot`);
    plan = snapshotPlan({
      lakeDatabase,
      database: refreshDatabaseName(lakeDatabase, (snapshotOptions.suffix ?? defaultSuffix)()),
      queriesDir: options.queriesDir,
    });
    const current = plan;
    const concurrency = snapshotOptions.concurrency ?? 4;
    let step = `creating the Glue database ${current.database}`;
    try {
      databaseRequested = true;
      await runStatement(current.createDatabase, lakeDatabase);
      step = `creating the lake views in ${current.database}`;
      await mapLimit(current.lakeViews, concurrency, (sql) => runStatement(sql, current.database));
      for (const level of current.levels) {
        await mapLimit(level, concurrency, async (table) => {
          step = `CTAS of ${current.database}.${table.name}`;
          try {
            await runStatement(table.sql, current.database, (id) => ctasQueryIds.push(id));
          } catch (error) {
            throw new AthenaQueryError(`CTAS of ${current.database}.${table.name} failed: ${(error as Error).message}`, (error as AthenaQueryError).queryExecutionId, { cause: error });
          }
        });
      }
      ready = current.database;
      return ready;
    } catch (error) {
      const reason = error instanceof AthenaQueryError && error.message.startsWith('CTAS of') ? error.message : `${step} failed: ${(error as Error).message}`;
      try {
        await drop();
      } catch {
        // drop() has logged what is left; the snapshot failure is the error to report.
      }
      throw new AthenaQueryError(`refresh snapshot: ${reason}`, (error as AthenaQueryError).queryExecutionId, { cause: error });
    }
  }

  return { create, drop };
}

/** ExecutionParameters are SQL literals: text quoted (quotes doubled), NULL, numbers and booleans as written. */
export function athenaLiteral(value: ParamValue): string {
  if (value === null) return 'NULL';
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return `'${value.replace(/'/g, "''")}'`;
}

/**
 * Replaces each `?` outside string literals and comments by the value as a SQL literal.
 * Safe because the port has already checked every value against its declared type and
 * text literals double their quotes (Trino has no backslash escapes).
 */
export function inlineParameters(sql: string, values: ParamValue[]): string {
  let output = '';
  let next = 0;
  let quoted = false;
  for (let index = 0; index < sql.length; index++) {
    const char = sql[index];
    if (quoted) {
      output += char;
      if (char === "'") quoted = false;
      continue;
    }
    if (char === "'") quoted = true;
    if (char === '-' && sql[index + 1] === '-') {
      const lineEnd = sql.indexOf('\n', index);
      const end = lineEnd === -1 ? sql.length : lineEnd;
      output += sql.slice(index, end);
      index = end - 1;
      continue;
    }
    if (char === '?') {
      if (next >= values.length) throw new AthenaQueryError(`the SQL has more "?" placeholders than the ${values.length} value(s) given`);
      output += athenaLiteral(values[next++]);
      continue;
    }
    output += char;
  }
  if (next !== values.length) throw new AthenaQueryError(`the SQL has ${next} "?" placeholder(s) but ${values.length} value(s) were given`);
  return output;
}

const NUMERIC_TYPES = new Set(['tinyint', 'smallint', 'integer', 'int', 'bigint', 'double', 'real', 'float', 'decimal']);

export function typedValue(text: string | undefined, athenaType: string): CellValue {
  if (text === undefined) return null;
  const type = athenaType.toLowerCase().replace(/\(.*$/, '');
  if (NUMERIC_TYPES.has(type)) {
    if (text === 'NaN') return Number.NaN;
    if (text === 'Infinity' || text === '-Infinity') return Number(text);
    return Number(text);
  }
  if (type === 'boolean') return text === 'true';
  if (type === 'timestamp' || type === 'timestamp with time zone') return isoTimestamp(text);
  return text;
}

function isoTimestamp(text: string): string {
  // Athena returns 'YYYY-MM-DD HH:MM:SS.fff' in UTC (the session time zone is UTC).
  const [date, time = '00:00:00'] = text.replace(/ UTC$/, '').split(' ');
  const [clock, fraction = ''] = time.split('.');
  return `${date}T${clock}.${fraction.padEnd(3, '0').slice(0, 3)}Z`;
}

function startError(error: unknown, workGroup: string): AthenaQueryError {
  const name = (error as { name?: string }).name ?? 'Error';
  const message = (error as Error).message ?? String(error);
  if (name === 'InvalidRequestException') {
    return new AthenaQueryError(`Athena refused to start the query in workgroup "${workGroup}": ${message}`, undefined, { cause: error });
  }
  if (name === 'TooManyRequestsException') {
    return new AthenaQueryError(`Athena is throttling workgroup "${workGroup}" (too many concurrent queries); try again shortly`, undefined, { cause: error });
  }
  if (name === 'AccessDeniedException' || name === 'UnrecognizedClientException') {
    return new AthenaQueryError(`not allowed to run Athena queries in workgroup "${workGroup}": ${message}; check the role's athena:StartQueryExecution permission`, undefined, { cause: error });
  }
  return new AthenaQueryError(`could not start the Athena query in workgroup "${workGroup}": ${name}: ${message}`, undefined, { cause: error });
}

function failedError(execution: QueryExecution | undefined, queryExecutionId: string): AthenaQueryError {
  const reason = execution?.Status?.StateChangeReason ?? execution?.Status?.AthenaError?.ErrorMessage ?? 'no reason given';
  const category = execution?.Status?.AthenaError?.ErrorCategory;
  if (/bytes scanned|data scanned|BytesScannedCutoff/i.test(reason)) {
    return new AthenaQueryError(
      `Athena query ${queryExecutionId} stopped at the workgroup's bytes-scanned limit: ${reason}. Narrow the cohort or clinic filter`,
      queryExecutionId,
    );
  }
  if (category === 2) {
    return new AthenaQueryError(`Athena rejected query ${queryExecutionId} (a problem in the SQL or the data): ${reason}`, queryExecutionId);
  }
  if (category === 1) {
    return new AthenaQueryError(`Athena failed internally on query ${queryExecutionId}; running it again usually works: ${reason}`, queryExecutionId);
  }
  return new AthenaQueryError(`Athena query ${queryExecutionId} failed: ${reason}`, queryExecutionId);
}
