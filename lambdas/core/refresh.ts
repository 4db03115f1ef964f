/**
 * Materialises the dashboard: runs every metric query for each materialised filter
 * combination at one data cutoff and writes versioned JSON documents, so that no page
 * view ever runs a query. Engine and store are injected (DuckDB + local S3, or Athena + S3).
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import {
  ALL,
  type DataQuality,
  type DocumentFilter,
  documentKey,
  indexKey,
  LATEST_FOLDER,
  materialisedFilters,
  METRICS_PREFIX,
  METRICS_SCHEMA_VERSION,
  type MetricRow,
  type MetricsDocument,
  type MetricsIndex,
  metricsDocumentSchema,
  metricsIndexSchema,
  quarterRange,
  rateBasesFromSql,
  type ScopeQuality,
} from './metrics-document';
import { mapLimit } from './map-limit';

/** What refresh needs from the query engine port (lambdas/adapters/query-engine.ts). */
export interface MetricQueryRunner {
  runQuery(name: string, params: Record<string, unknown>): Promise<MetricRow[]>;
  /**
   * Computes what every query reads (the `_current` views and `episodes`) once, before the
   * first query: the refresh's explicit preparation step (DuckDB: in-memory tables, docs/adr/0105;
   * Athena: a CTAS snapshot in a per-refresh database, docs/adr/0122).
   */
  prepare?(): Promise<void>;
}

/** What refresh needs from the object store port (lambdas/adapters/object-store.ts). */
export interface MetricsWriter {
  put(key: string, body: Uint8Array | string, contentType?: string): Promise<void>;
}

export const DATA_QUALITY_QUERY = 'data-quality';
export const FILTERS_QUERY = 'dashboard/filters';
/** Dashboard-only figures (queries/dashboard/), materialised beside the metrics under their file name. */
export const DASHBOARD_QUERIES = ['dashboard/census'];
/** An event received more than this many days after its date counts as late (issue 6). */
export const DEFAULT_LATE_AFTER_DAYS = 7;

export interface RefreshOptions {
  engine: MetricQueryRunner;
  store: MetricsWriter;
  /** Metric file names to run (queries/metrics/*.sql without data-quality). */
  metricNames: readonly string[];
  /** Parameter names a query file declares: only those are passed (the engine rejects unknown names). */
  declaredParams: (queryName: string) => readonly string[];
  definitionsVersion: string;
  /** A query file's raw text (rate bases for network suppression are read from it); optional. */
  querySource?: (queryName: string) => string;
  asOf: string;
  prefix?: string;
  lateAfterDays?: number;
  /** Queries in flight at once: Athena gains from a few; DuckDB serialises anyway. */
  concurrency?: number;
  now?: () => Date;
  log?: (line: string) => void;
}

export interface RefreshSummary {
  asOf: string;
  definitionsVersion: string;
  documents: number;
  queries: number;
  indexKey: string;
  latestIndexKey: string;
}

export class RefreshError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'RefreshError';
  }
}

/** Yesterday in UTC: the default cutoff, so a scheduled run never sees half a day. */
export function defaultAsOf(now: Date = new Date()): string {
  return new Date(now.getTime() - 86_400_000).toISOString().slice(0, 10);
}

export async function refreshMetrics(options: RefreshOptions): Promise<RefreshSummary> {
  const prefix = options.prefix ?? METRICS_PREFIX;
  const now = options.now ?? (() => new Date());
  const log = options.log ?? (() => {});
  const lateAfterDays = options.lateAfterDays ?? DEFAULT_LATE_AFTER_DAYS;
  const metricNames = [...options.metricNames.filter((name) => name !== DATA_QUALITY_QUERY), ...DASHBOARD_QUERIES];
  if (metricNames.length === 0) throw new RefreshError('no metric queries found under queries/metrics/; nothing to refresh');
  const run = queryRunner(options);
  if (options.engine.prepare) {
    try {
      await options.engine.prepare();
    } catch (error) {
      throw new RefreshError(`refresh: preparing the query inputs failed: ${(error as Error).message}`, { cause: error });
    }
  }

  const filterRows = await run(FILTERS_QUERY, { as_of: options.asOf });
  const { clinics, programs, cohorts } = filterChoices(filterRows);
  const filters = materialisedFilters(programs, cohorts);
  log(`refresh ${options.asOf}: ${metricNames.length} metrics × ${filters.length} filter combinations`);

  const qualityRows = await run(DATA_QUALITY_QUERY, { as_of: options.asOf, late_after_days: lateAfterDays });
  const generatedAt = now().toISOString();
  const dataQuality = toDataQuality(qualityRows, lateAfterDays, new Date(generatedAt));

  const tasks = filters.flatMap((filter) => metricNames.map((metric) => ({ filter, metric })));
  const results = await mapLimit(tasks, options.concurrency ?? 4, ({ filter, metric }) =>
    run(metric, { as_of: options.asOf, ...filterParams(filter) }),
  );

  const querySource = options.querySource;
  const rateBases = querySource ? Object.fromEntries(metricNames.map((name) => [documentName(name), rateBasesFromSql(querySource(name))])) : undefined;
  const documents: { filter: DocumentFilter; document: MetricsDocument }[] = filters.map((filter) => {
    const metrics: Record<string, MetricRow[]> = {};
    tasks.forEach((task, index) => {
      if (task.filter === filter) metrics[documentName(task.metric)] = results[index];
    });
    const document = metricsDocumentSchema.parse({
      schemaVersion: METRICS_SCHEMA_VERSION,
      definitionsVersion: options.definitionsVersion,
      asOf: options.asOf,
      generatedAt,
      filter,
      metrics,
      rateBases,
      dataQuality,
    });
    return { filter, document };
  });

  const index: MetricsIndex = metricsIndexSchema.parse({
    schemaVersion: METRICS_SCHEMA_VERSION,
    definitionsVersion: options.definitionsVersion,
    asOf: options.asOf,
    generatedAt,
    clinics,
    cohorts,
    metricNames: metricNames.map(documentName),
    documents: filters.map((filter) => ({ filter, key: documentKey(options.asOf, filter, prefix) })),
  });

  // Dated set first, then latest/, the latest index last: readers follow the latest
  // index to a dated folder, so they never mix two refreshes.
  for (const folder of [options.asOf, LATEST_FOLDER]) {
    for (const { filter, document } of documents) {
      await options.store.put(documentKey(folder, filter, prefix), JSON.stringify(document), 'application/json');
    }
    await options.store.put(indexKey(folder, prefix), JSON.stringify(index), 'application/json');
  }
  log(`refresh ${options.asOf}: wrote ${documents.length} documents (definitions ${options.definitionsVersion})`);
  return {
    asOf: options.asOf,
    definitionsVersion: options.definitionsVersion,
    documents: documents.length,
    queries: tasks.length + 2,
    indexKey: indexKey(options.asOf, prefix),
    latestIndexKey: indexKey(LATEST_FOLDER, prefix),
  };
}

/** The key a query's rows have in a document: its file name ('dashboard/census' → 'census'). */
export function documentName(queryName: string): string {
  return queryName.slice(queryName.lastIndexOf('/') + 1);
}

/** Query parameters of a filter: the program id and the admission date range of the quarter. */
export function filterParams(filter: DocumentFilter): Record<string, string | null> {
  const range = filter.cohort === ALL ? undefined : quarterRange(filter.cohort);
  return {
    program_id: filter.program === ALL ? null : filter.program,
    cohort_from: range?.from ?? null,
    cohort_to: range?.to ?? null,
  };
}

function queryRunner(options: RefreshOptions) {
  return async (name: string, params: Record<string, unknown>): Promise<MetricRow[]> => {
    const declared = new Set(options.declaredParams(name));
    const passed = Object.fromEntries(Object.entries(params).filter(([key]) => declared.has(key)));
    try {
      return await options.engine.runQuery(name, passed);
    } catch (error) {
      const filter = ['program_id', 'cohort_from'].map((key) => `${key}=${params[key] ?? 'all'}`).join(' ');
      throw new RefreshError(`refresh: query ${name} failed (as_of=${String(params.as_of)} ${filter}): ${(error as Error).message}`, {
        cause: error,
      });
    }
  };
}

function filterChoices(rows: MetricRow[]): { clinics: MetricsIndex['clinics']; programs: string[]; cohorts: string[] } {
  const programsOf = new Map<string, Set<string>>();
  const cohorts = new Set<string>();
  for (const row of rows) {
    const clinic = String(row.clinic_id);
    if (!programsOf.has(clinic)) programsOf.set(clinic, new Set());
    programsOf.get(clinic)!.add(String(row.program_id));
    cohorts.add(`${row.admission_year}-Q${row.admission_quarter}`);
  }
  const clinics = [...programsOf.keys()].sort().map((id) => ({ id, programs: [...programsOf.get(id)!].sort() }));
  return { clinics, programs: clinics.flatMap((clinic) => clinic.programs), cohorts: [...cohorts].sort() };
}

function toDataQuality(rows: MetricRow[], lateAfterDays: number, refreshedAt: Date): DataQuality {
  const scopes: ScopeQuality[] = rows.map((row) => {
    const lastChangeAt = row.last_change_at === null || row.last_change_at === undefined ? null : String(row.last_change_at);
    const lagHours = lastChangeAt === null ? null : (refreshedAt.getTime() - Date.parse(lastChangeAt)) / 3_600_000;
    return {
      scope: String(row.scope),
      events: Number(row.events),
      corrections: Number(row.corrections),
      retractions: Number(row.retractions),
      lateEvents: Number(row.late_events),
      duplicateDeliveries: Number(row.duplicate_deliveries),
      lastChangeAt,
      // A refresh with an as_of in the past can run before newer changes: lag is never negative.
      lakeLagHours: lagHours === null ? null : Math.max(0, Math.round(lagHours * 10) / 10),
    };
  });
  return { lateAfterDays, rejectedEvents: null, scopes };
}

/**
 * Version of the metric definitions: a hash of every file under queries/ (metrics,
 * lib fragments, views), so a document says exactly which SQL produced it.
 */
export function definitionsVersion(queriesDir: string): string {
  const hash = createHash('sha256');
  const files: string[] = [];
  const walk = (dir: string) => {
    if (!existsSync(dir)) return;
    for (const entry of readdirSync(dir).sort()) {
      const path = join(dir, entry);
      if (statSync(path).isDirectory()) walk(path);
      else if (entry.endsWith('.sql')) files.push(path);
    }
  };
  walk(queriesDir);
  if (files.length === 0) throw new RefreshError(`no .sql files under ${queriesDir}; cannot version the definitions`);
  for (const path of files) {
    hash.update(relative(queriesDir, path).replace(/\\/g, '/'));
    hash.update('\0');
    hash.update(readFileSync(path));
    hash.update('\0');
  }
  return `sha256:${hash.digest('hex').slice(0, 16)}`;
}
