/**
 * Benchmark 3, every dashboard metric at 100k, 1M, 10M events: the full refresh
 * (refreshMetrics: every metric file × every materialised filter) on DuckDB over a
 * Parquet lake built from the generator with the real encoder, timed per size and per
 * query, with the growth per tenfold size and the queries that dominate.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDuckDbEngine } from '../lambdas/adapters/duckdb-engine';
import { lakeViewStatements } from '../lambdas/adapters/lake-tables-duckdb';
import { loadQuery, metricNames, QUERIES_DIR } from '../lambdas/adapters/query-files';
import type { MetricRow, MetricsDocument } from '../lambdas/core/metrics-document';
import { LAKE_TABLE_NAMES } from '../lambdas/core/lake-columns';
import { definitionsVersion, type MetricQueryRunner, type MetricsWriter, refreshMetrics } from '../lambdas/core/refresh';
import { buildLake, type LakeBuild } from './lake-builder';
import { formatBytes, formatSize, growthPerTenfold, measure, ratio } from './measure';
import { sameRows } from './bytes-read';
import { admissionsForEvents, benchCohort } from './synthetic-changes';
import type { ResultTable } from './table';

export const REFRESH_TARGET_SECONDS_AT_1M = 2;
export const BENCH_AS_OF = benchCohort(1).asOf;

export interface QueryTime {
  query: string;
  runs: number;
  seconds: number;
}

export interface RefreshSize {
  targetEvents: number;
  events: number;
  admissions: number;
  lakeRows: number;
  lakeFiles: number;
  lakeBytes: number;
  buildWallSeconds: number;
  buildCpuSeconds: number;
  /** Peak resident memory of the whole process while the lake was built (sampled). */
  buildPeakRssBytes: number;
  queries: number;
  documents: number;
  refreshWallSeconds: number;
  refreshCpuSeconds: number;
  /** Refresh wall time growth per tenfold events against the previous size (10 = linear). */
  growthPerTenfold?: number;
  /** The same in refresh CPU seconds, steadier on a shared machine. */
  cpuGrowthPerTenfold?: number;
  slowestQueries: QueryTime[];
  /**
   * What-if, not the production path: the same refresh with the `_current` views and
   * `episodes` computed once into tables first (queries/ unchanged). Shows how much of
   * the time is the views being re-derived by every query.
   */
  viewsOnce: { wallSeconds: number; cpuSeconds: number; speedup: number; sameMetrics: boolean };
}

export interface RefreshResult {
  sizes: RefreshSize[];
  targetSecondsAt1M: number;
}

export interface RefreshScaleOptions {
  sizes: number[];
  seed?: number | string;
  /** Size whose lake also gets an NDJSON.gz copy and is handed to `onLake` (the bytes-read benchmark). */
  ndjsonForSize?: number;
  onLake?: (build: LakeBuild) => Promise<void>;
  keepLakes?: boolean;
  log?: (line: string) => void;
}

export async function runRefreshScaleBenchmark(options: RefreshScaleOptions): Promise<RefreshResult> {
  const log = options.log ?? (() => {});
  const sizes: RefreshSize[] = [];
  for (const targetEvents of options.sizes) {
    const dir = mkdtempSync(join(tmpdir(), `iop-bench-lake-${formatSize(targetEvents)}-`));
    try {
      const admissions = admissionsForEvents(targetEvents, options.seed);
      log(`refresh ${formatSize(targetEvents)}: building the lake (${admissions.toLocaleString('en-US')} admissions) in ${dir}…`);
      let reported = 0;
      const built = await measure(() =>
        buildLake({
          cohort: benchCohort(admissions, options.seed),
          dir,
          ndjsonGz: options.ndjsonForSize === targetEvents,
          onProgress: (events) => {
            if (Math.floor(events / 1_000_000) === reported) return;
            reported = Math.floor(events / 1_000_000);
            log(`  … ${events.toLocaleString('en-US')} events`);
          },
        }),
      );
      const build = built.value;
      log(`refresh ${formatSize(targetEvents)}: lake of ${build.counts.events.toLocaleString('en-US')} events built in ${built.wallSeconds.toFixed(0)} s; refreshing…`);
      const refreshed = await timedRefresh(build, false);
      log(`refresh ${formatSize(targetEvents)}: ${refreshed.queries} queries in ${refreshed.wallSeconds.toFixed(1)} s; again with the views materialised once…`);
      const once = await timedRefresh(build, true);
      const previous = sizes[sizes.length - 1];
      sizes.push({
        targetEvents,
        events: build.counts.events,
        admissions,
        lakeRows: build.rows,
        lakeFiles: build.parquetFiles,
        lakeBytes: build.parquetBytes,
        buildWallSeconds: built.wallSeconds,
        buildCpuSeconds: built.cpuSeconds,
        buildPeakRssBytes: build.peakRssBytes,
        queries: refreshed.queries,
        documents: refreshed.documents,
        refreshWallSeconds: refreshed.wallSeconds,
        refreshCpuSeconds: refreshed.cpuSeconds,
        growthPerTenfold: previous
          ? growthPerTenfold(previous.events, previous.refreshWallSeconds, build.counts.events, refreshed.wallSeconds)
          : undefined,
        cpuGrowthPerTenfold: previous
          ? growthPerTenfold(previous.events, previous.refreshCpuSeconds, build.counts.events, refreshed.cpuSeconds)
          : undefined,
        slowestQueries: refreshed.slowest,
        viewsOnce: {
          wallSeconds: once.wallSeconds,
          cpuSeconds: once.cpuSeconds,
          speedup: ratio(refreshed.wallSeconds, once.wallSeconds),
          sameMetrics: sameMetrics(refreshed.metricDocuments, once.metricDocuments),
        },
      });
      if (options.onLake && options.ndjsonForSize === targetEvents) await options.onLake(build);
    } finally {
      if (!options.keepLakes) rmSync(dir, { recursive: true, force: true });
    }
  }
  return { sizes, targetSecondsAt1M: REFRESH_TARGET_SECONDS_AT_1M };
}

/** The refresh as the CLI runs it, with each query timed (one at a time, so the times do not overlap). */
async function timedRefresh(build: LakeBuild, materialiseViews: boolean) {
  const engine = await createDuckDbEngine({ setupStatements: lakeViewStatements(build.mirrorDir) });
  const perQuery = new Map<string, QueryTime>();
  const timing: MetricQueryRunner = {
    async runQuery(name, params) {
      const timed = await measure(() => engine.runQuery(name, params));
      const entry = perQuery.get(name) ?? { query: name, runs: 0, seconds: 0 };
      entry.runs += 1;
      entry.seconds += timed.wallSeconds;
      perQuery.set(name, entry);
      return timed.value as MetricRow[];
    },
  };
  const documents = new Map<string, MetricsDocument>();
  const keep: MetricsWriter = {
    async put(key, body) {
      const parsed = JSON.parse(String(body)) as MetricsDocument;
      if (parsed.metrics) documents.set(key, parsed);
    },
  };
  try {
    const refreshed = await measure(async () => {
      // The what-if: every query re-derives the same _current views and episodes; compute them once.
      if (materialiseViews) {
        for (const view of MATERIALISABLE_VIEWS) {
          await engine.exec(`CREATE TABLE ${view}__once AS SELECT * FROM ${view}`);
          await engine.exec(`DROP VIEW ${view}`);
          await engine.exec(`ALTER TABLE ${view}__once RENAME TO ${view}`);
        }
      }
      return refreshMetrics({
        engine: timing,
        store: keep,
        metricNames: metricNames(),
        declaredParams: (name) => loadQuery(name).params.map((param) => param.name),
        definitionsVersion: definitionsVersion(QUERIES_DIR),
        asOf: BENCH_AS_OF,
        concurrency: 1,
      });
    });
    const slowest = [...perQuery.values()].sort((a, b) => b.seconds - a.seconds).slice(0, 5);
    return {
      queries: refreshed.value.queries,
      documents: refreshed.value.documents,
      wallSeconds: refreshed.wallSeconds,
      cpuSeconds: refreshed.cpuSeconds,
      slowest,
      metricDocuments: documents,
    };
  } finally {
    await engine.close();
  }
}

/** The views every metric query reads through, dependencies first. */
const MATERIALISABLE_VIEWS = [...LAKE_TABLE_NAMES.map((table) => `${table}_current`), 'episodes'];

/** Every metric of every document equal (doubles up to summation order). */
export function sameMetrics(left: Map<string, MetricsDocument>, right: Map<string, MetricsDocument>): boolean {
  if (left.size !== right.size) return false;
  for (const [key, document] of left) {
    const other = right.get(key);
    if (!other) return false;
    const names = Object.keys(document.metrics);
    if (names.length !== Object.keys(other.metrics).length) return false;
    if (!names.every((name) => other.metrics[name] !== undefined && sameRows(document.metrics[name], other.metrics[name]))) return false;
  }
  return true;
}

export function refreshTables(result: RefreshResult): ResultTable[] {
  const at1M = result.sizes.find((size) => size.targetEvents === 1_000_000);
  const growths = result.sizes.flatMap((size) => (size.growthPerTenfold === undefined ? [] : [size.growthPerTenfold]));
  const summary: ResultTable = {
    title: 'All dashboard metrics (full refresh) on DuckDB over the Parquet lake',
    columns: ['events', 'lake rows', 'files', 'lake size', 'build s (CPU s)', 'build peak RSS', 'queries', 'refresh s', 'refresh CPU s', 'growth / 10× (wall, CPU)'],
    rows: result.sizes.map((size) => [
      size.events.toLocaleString('en-US'),
      size.lakeRows.toLocaleString('en-US'),
      size.lakeFiles,
      formatBytes(size.lakeBytes),
      `${size.buildWallSeconds.toFixed(0)} (${size.buildCpuSeconds.toFixed(0)})`,
      formatBytes(size.buildPeakRssBytes),
      size.queries,
      size.refreshWallSeconds.toFixed(1),
      size.refreshCpuSeconds.toFixed(1),
      size.growthPerTenfold === undefined ? '—' : `${size.growthPerTenfold.toFixed(1)}×, ${size.cpuGrowthPerTenfold?.toFixed(1)}×`,
    ]),
    notes: [
      'refresh = every metric file × every materialised filter + filters + data quality, queries one at a time; growth / 10× = 10 means linear.',
      at1M
        ? `target 1M-event refresh ≤ ${result.targetSecondsAt1M} s: ${at1M.refreshWallSeconds <= result.targetSecondsAt1M ? 'met' : `NOT met (${at1M.refreshWallSeconds.toFixed(1)} s)`}.`
        : `target 1M-event refresh ≤ ${result.targetSecondsAt1M} s: not measured (1M not in --sizes).`,
      growths.length > 0 ? `near-linear growth: ${growths.every((growth) => growth <= 12) ? 'yes' : 'no'} (${growths.map((growth) => `${growth.toFixed(1)}×`).join(', ')} per 10×).` : '',
    ].filter(Boolean),
  };
  const whatIf: ResultTable = {
    title: 'What-if: the same refresh with the _current views and episodes materialised once (queries unchanged)',
    columns: ['events', 'refresh s', 'views once s', '× faster', 'views once CPU s', 'same metrics'],
    rows: result.sizes.map((size) => [
      size.events.toLocaleString('en-US'),
      size.refreshWallSeconds.toFixed(1),
      size.viewsOnce.wallSeconds.toFixed(1),
      size.viewsOnce.speedup.toFixed(1),
      size.viewsOnce.cpuSeconds.toFixed(1),
      size.viewsOnce.sameMetrics ? 'yes' : 'NO',
    ]),
    notes: ['Not what `refresh` does today; a measured lead for the next engineer (see docs/benchmarks.md).'],
  };
  const profiles: ResultTable[] = result.sizes.map((size) => ({
    title: `Slowest queries at ${formatSize(size.targetEvents)} events (sum over every filter)`,
    columns: ['query', 'runs', 'total s', 'mean s', 'share of refresh'],
    rows: size.slowestQueries.map((query) => [
      query.query,
      query.runs,
      query.seconds.toFixed(2),
      (query.seconds / query.runs).toFixed(3),
      `${((query.seconds / size.refreshWallSeconds) * 100).toFixed(0)} %`,
    ]),
  }));
  return [summary, whatIf, ...profiles];
}
