/**
 * The whole local stack for an end-to-end test file: its own `.local/` folder and free
 * ports, every line the in-process handlers print kept for leak scans, and readers for
 * what the system holds (table scan, `_current` views, every metric at one cutoff).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient, paginateScan } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DuckDbEngine } from '../../lambdas/adapters/duckdb-engine';
import { loadQuery, metricNames, resolveQueryPath } from '../../lambdas/adapters/query-files';
import type { Row } from '../../lambdas/adapters/query-engine';
import { LAKE_TABLE_NAMES } from '../../lambdas/core/lake-columns';
import { DEFAULT_LATE_AFTER_DAYS, definitionsVersion, refreshMetrics, type RefreshSummary } from '../../lambdas/core/refresh';
import { QUERIES_DIR } from '../../lambdas/adapters/query-files';

type LocalStack = import('../../cli/local/stack').LocalStack;

export interface E2eStack {
  stack: LocalStack;
  localDir: string;
  /** Everything written to stdout and stderr since the stack started. */
  logged(): string;
  /** DuckDB over a freshly synced mirror of the stack's lake. */
  openLake(): Promise<DuckDbEngine>;
  /** What `refresh` does: every metric × materialised filter into metrics/ on the local S3. */
  refreshDashboard(asOf: string): Promise<RefreshSummary>;
  stop(): Promise<void>;
}

/**
 * Starts the stack in a fresh temporary `.local/` (IOP_LOCAL_DIR is set before the stack
 * modules load, so nothing touches the project's own `.local/`). Handler logs are raised
 * to DEBUG so the leak scans see everything they can print.
 */
export async function startE2eStack(clinics: readonly string[], name: string): Promise<E2eStack> {
  const localDir = mkdtempSync(join(tmpdir(), `e2e-${name}-`));
  // The stack points process.env at its servers; later test files in this worker must not inherit that.
  const environment = { ...process.env };
  const restoreEnvironment = () => {
    for (const key of Object.keys(process.env)) if (!(key in environment)) delete process.env[key];
    Object.assign(process.env, environment);
  };
  process.env.IOP_LOCAL_DIR = localDir;
  process.env.POWERTOOLS_LOG_LEVEL = 'DEBUG';
  let output = '';
  const restores: (() => void)[] = [];
  for (const stream of [process.stdout, process.stderr]) {
    const write = stream.write.bind(stream);
    stream.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      output += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
      // Kept, not echoed: handler JSON lines (stdout) and warnings (stderr) would drown the report;
      // a failing test shows its own errors, and jest reports after the stack is stopped.
      const callback = rest.find((argument) => typeof argument === 'function') as (() => void) | undefined;
      callback?.();
      return true;
    }) as typeof stream.write;
    restores.push(() => {
      stream.write = write;
    });
  }
  const consoleMethods = ['log', 'info', 'warn', 'error', 'debug'] as const;
  const originals = consoleMethods.map((method) => console[method]);
  for (const method of consoleMethods) {
    console[method] = (...parts: unknown[]) => {
      output += `${parts.map((part) => (typeof part === 'string' ? part : JSON.stringify(part))).join(' ')}\n`;
    };
  }
  restores.push(() => consoleMethods.forEach((method, index) => (console[method] = originals[index])));
  const restore = () => restores.splice(0).forEach((undo) => undo());

  let stack: LocalStack;
  try {
    const { startLocalStack } = await import('../../cli/local/stack');
    stack = await startLocalStack({ clinics, log: (line) => void (output += `${line}\n`) });
  } catch (error) {
    restore();
    restoreEnvironment();
    rmSync(localDir, { recursive: true, force: true });
    throw error;
  }
  return {
    stack,
    localDir,
    logged: () => output,
    openLake: async () => (await import('../../cli/local/lake-engine')).openLocalLakeEngine(stack),
    async refreshDashboard(asOf) {
      const { localObjectStore, openLocalLakeEngine } = await import('../../cli/local/lake-engine');
      const engine = await openLocalLakeEngine(stack);
      const store = localObjectStore(stack);
      try {
        return await refreshMetrics({
          engine,
          store,
          metricNames: metricNames(),
          declaredParams: (name) => loadQuery(name).params.map((param) => param.name),
          definitionsVersion: definitionsVersion(QUERIES_DIR),
          // As the refresh Lambda and command do: rate bases for network suppression come from the SQL.
          querySource: (name) => readFileSync(resolveQueryPath(name), 'utf8'),
          asOf,
        });
      } finally {
        store.close();
        await engine.close();
      }
    },
    async stop() {
      try {
        await stack.stop();
      } finally {
        restore();
        restoreEnvironment();
        rmSync(localDir, { recursive: true, force: true });
      }
    },
  };
}

/** Every item of the events table, sorted by key (a full, paginated scan). */
export async function scanEventsTable(stack: Pick<LocalStack, 'dynamoEndpoint' | 'tableName'>): Promise<Record<string, unknown>[]> {
  const { LOCAL_AWS_CREDENTIALS, LOCAL_REGION } = await import('../../cli/local/dynamodb-local');
  const client = new DynamoDBClient({ endpoint: stack.dynamoEndpoint, region: LOCAL_REGION, credentials: LOCAL_AWS_CREDENTIALS });
  try {
    const items: Record<string, unknown>[] = [];
    for await (const page of paginateScan({ client }, { TableName: stack.tableName, ConsistentRead: true })) {
      for (const item of page.Items ?? []) items.push(unmarshall(item));
    }
    return items.sort((a, b) => String(a.pk).localeCompare(String(b.pk)));
  } finally {
    client.destroy();
  }
}

/** Every `<table>_current` view's rows, each view sorted by its whole row. */
export async function currentViews(engine: DuckDbEngine): Promise<Record<string, Row[]>> {
  const views: Record<string, Row[]> = {};
  for (const table of LAKE_TABLE_NAMES) {
    const rows = await engine.runSql(`SELECT * FROM ${table}_current`, []);
    views[table] = rows.sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
  }
  return views;
}

/** Every file in queries/metrics run at one cutoff with default settings and no filters (as refresh runs them). */
export async function allMetrics(engine: DuckDbEngine, asOf: string): Promise<Record<string, Row[]>> {
  const metrics: Record<string, Row[]> = {};
  for (const name of metricNames()) {
    const declared = loadQuery(name).params.map((param) => param.name);
    const params = { as_of: asOf, ...(declared.includes('late_after_days') ? { late_after_days: DEFAULT_LATE_AFTER_DAYS } : {}) };
    metrics[name] = await engine.runQuery(name, params);
  }
  return metrics;
}
