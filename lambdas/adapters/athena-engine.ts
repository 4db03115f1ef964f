/**
 * Deployed query engine: Athena (engine v3) in the project's workgroup. Starts the
 * expanded SQL with ExecutionParameters, polls with exponential backoff, cancels the
 * query when it runs past the timeout, reads every result page and types the values
 * from the result metadata (numbers as numbers, DATE as YYYY-MM-DD, TIMESTAMP as ISO).
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
import type { ParamValue } from './query-files';
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

export function athenaRunner(options: AthenaEngineOptions): SqlRunner {
  const client = options.client ?? new AthenaClient({});
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const now = options.now ?? Date.now;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const firstPollMs = options.firstPollMs ?? 250;
  const maxPollMs = options.maxPollMs ?? 5_000;

  async function start(sql: string, values: ParamValue[]): Promise<string> {
    const input = {
      QueryString: sql,
      WorkGroup: options.workGroup,
      ...(options.database ? { QueryExecutionContext: { Database: options.database, Catalog: options.catalog } } : {}),
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

  return {
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
      client.destroy();
    },
  };
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
