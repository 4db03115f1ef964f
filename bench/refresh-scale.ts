/**
 * Benchmark 3, every dashboard metric at 100k, 1M, 10M events: the full refresh
 * (refreshMetrics: every metric file × every materialised filter) on DuckDB over a
 * Parquet lake built from the generator with the real encoder, timed per size and per
 * query, with the growth per tenfold size and the queries that dominate.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDuckDbEngine, type DuckDbEngine } from '../lambdas/adapters/duckdb-engine';
import { REFRESH_CONNECTIONS, openLakeEngine } from '../cli/local/lake-engine';
import { lakeViewStatements } from '../lambdas/adapters/lake-tables-duckdb';
import { loadQuery, metricNames, QUERIES_DIR } from '../lambdas/adapters/query-files';
import type { MetricRow, MetricsDocument } from '../lambdas/core/metrics-document';
import { definitionsVersion, type MetricQueryRunner, type MetricsWriter, refreshMetrics } from '../lambdas/core/refresh';
import { buildLake, type LakeBuild } from './lake-builder';
import { formatBytes, formatSize, growthPerTenfold, measure, type Measured, ratio } from './measure';
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
  /**
   * The product's refresh as `iop-outcomes refresh` runs it: open the DuckDB session over
   * the lake, prepare it (lake tables, `_current` views and `episodes` computed once), then
   * `refreshMetrics` with its default concurrency. Includes the preparation.
   */
  refreshWallSeconds: number;
  refreshCpuSeconds: number;
  /** The part of the refresh spent opening and preparing the session. */
  prepareWallSeconds: number;
  prepareCpuSeconds: number;
  /** Refresh wall time growth per tenfold events against the previous size (10 = linear). */
  growthPerTenfold?: number;
  /** The same in refresh CPU seconds, steadier on a shared machine. */
  cpuGrowthPerTenfold?: number;
  /** Per query file, slowest first, summed over the filters (overlapping when queries run at once). */
  slowestQueries: QueryTime[];
  /**
   * The baseline of the same run: every query over the plain lake views, nothing computed
   * once, one at a time (what every query costs Athena-style, and the refresh before
   * ADR 0105). Absent when skipped (`skipBaseline`).
   */
  baseline?: {
    wallSeconds: number;
    cpuSeconds: number;
    slowestQueries: QueryTime[];
    /** Baseline ÷ product, wall and CPU. */
    speedup: number;
    cpuSpeedup: number;
    /** Every row of every document equal between the two paths. */
    sameMetrics: boolean;
  };
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
  /**
   * Folder of reusable lakes: `<lakeDir>/<size>/` is built once (with a manifest) and
   * reused by later runs with the same size and seed, never deleted by the benchmark.
   */
  lakeDir?: string;
  /** Skip the plain-view baseline (slow at 1M: minutes); for iterating only. */
  skipBaseline?: boolean;
  log?: (line: string) => void;
}

const LAKE_MANIFEST = 'lake-build.json';

/** A lake kept under `lakeDir` by an earlier run with the same size and seed, if any. */
export function reusableLake(dir: string, targetEvents: number, seed: number | string | undefined, ndjsonGz: boolean): LakeBuild | undefined {
  const path = join(dir, LAKE_MANIFEST);
  if (!existsSync(path)) return undefined;
  const manifest = JSON.parse(readFileSync(path, 'utf8')) as { targetEvents: number; seed: string; ndjsonGz: boolean; build: LakeBuild };
  if (manifest.targetEvents !== targetEvents || manifest.seed !== String(seed ?? 1) || (ndjsonGz && !manifest.ndjsonGz)) return undefined;
  return { ...manifest.build, mirrorDir: dir, ndjsonDir: join(dir, 'ndjson') };
}

export async function runRefreshScaleBenchmark(options: RefreshScaleOptions): Promise<RefreshResult> {
  const log = options.log ?? (() => {});
  const sizes: RefreshSize[] = [];
  for (const targetEvents of options.sizes) {
    const ndjsonGz = options.ndjsonForSize === targetEvents;
    const dir = options.lakeDir ? join(options.lakeDir, formatSize(targetEvents)) : mkdtempSync(join(tmpdir(), `iop-bench-lake-${formatSize(targetEvents)}-`));
    try {
      const admissions = admissionsForEvents(targetEvents, options.seed);
      const built = await obtainLake(dir, targetEvents, admissions, ndjsonGz, options);
      const build = built.value;
      log(`refresh ${formatSize(targetEvents)}: lake of ${build.counts.events.toLocaleString('en-US')} events built in ${built.wallSeconds.toFixed(0)} s; refreshing…`);
      const refreshed = await timedRefresh(build, 'product');
      log(`refresh ${formatSize(targetEvents)}: ${refreshed.queries} queries in ${refreshed.wallSeconds.toFixed(1)} s (prepare ${refreshed.prepareWallSeconds.toFixed(1)} s)`);
      let baseline: RefreshSize['baseline'];
      if (!options.skipBaseline) {
        log(`refresh ${formatSize(targetEvents)}: the baseline, every query over the plain lake views…`);
        const plain = await timedRefresh(build, 'plain');
        log(`refresh ${formatSize(targetEvents)}: baseline ${plain.wallSeconds.toFixed(1)} s`);
        baseline = {
          wallSeconds: plain.wallSeconds,
          cpuSeconds: plain.cpuSeconds,
          slowestQueries: plain.slowest,
          speedup: ratio(plain.wallSeconds, refreshed.wallSeconds),
          cpuSpeedup: ratio(plain.cpuSeconds, refreshed.cpuSeconds),
          sameMetrics: sameMetrics(plain.metricDocuments, refreshed.metricDocuments),
        };
      }
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
        prepareWallSeconds: refreshed.prepareWallSeconds,
        prepareCpuSeconds: refreshed.prepareCpuSeconds,
        growthPerTenfold: previous
          ? growthPerTenfold(previous.events, previous.refreshWallSeconds, build.counts.events, refreshed.wallSeconds)
          : undefined,
        cpuGrowthPerTenfold: previous
          ? growthPerTenfold(previous.events, previous.refreshCpuSeconds, build.counts.events, refreshed.cpuSeconds)
          : undefined,
        slowestQueries: refreshed.slowest,
        baseline,
      });
      if (options.onLake && options.ndjsonForSize === targetEvents) await options.onLake(build);
    } finally {
      if (!options.keepLakes && !options.lakeDir) rmSync(dir, { recursive: true, force: true });
    }
  }
  return { sizes, targetSecondsAt1M: REFRESH_TARGET_SECONDS_AT_1M };
}

/** Builds the lake of one size into `dir`, or reuses the one an earlier run kept there (`--lake-dir`). */
export async function obtainLake(
  dir: string,
  targetEvents: number,
  admissions: number,
  ndjsonGz: boolean,
  options: Pick<RefreshScaleOptions, 'seed' | 'lakeDir' | 'log'>,
): Promise<Measured<LakeBuild>> {
  const log = options.log ?? (() => {});
  const reused = options.lakeDir ? reusableLake(dir, targetEvents, options.seed, ndjsonGz) : undefined;
  let built: Measured<LakeBuild>;
  if (reused) {
    const manifest = JSON.parse(readFileSync(join(dir, LAKE_MANIFEST), 'utf8')) as { wallSeconds: number; cpuSeconds: number };
    built = { value: reused, wallSeconds: manifest.wallSeconds, cpuSeconds: manifest.cpuSeconds };
    log(`refresh ${formatSize(targetEvents)}: reusing the lake in ${dir} (build figures from when it was built)`);
  } else {
    if (options.lakeDir) {
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir, { recursive: true });
    }
    log(`refresh ${formatSize(targetEvents)}: building the lake (${admissions.toLocaleString('en-US')} admissions) in ${dir}…`);
    let reported = 0;
    built = await measure(() =>
      buildLake({
        cohort: benchCohort(admissions, options.seed),
        dir,
        ndjsonGz,
        onProgress: (events) => {
          if (Math.floor(events / 1_000_000) === reported) return;
          reported = Math.floor(events / 1_000_000);
          log(`  … ${events.toLocaleString('en-US')} events`);
        },
      }),
    );
    if (options.lakeDir) {
      const manifest = { targetEvents, seed: String(options.seed ?? 1), ndjsonGz, wallSeconds: built.wallSeconds, cpuSeconds: built.cpuSeconds, build: built.value };
      writeFileSync(join(dir, LAKE_MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
    }
  }
  return built;
}

/**
 * One timed refresh with each query timed. 'product': the session `iop-outcomes refresh`
 * opens (openLakeEngine: lake views, then prepare) and refreshMetrics as the CLI calls it,
 * all inside the timing. 'plain': the lake views only, nothing prepared, one query at a time.
 */
async function timedRefresh(build: LakeBuild, path: 'product' | 'plain') {
  const perQuery = new Map<string, QueryTime>();
  const documents = new Map<string, MetricsDocument>();
  const keep: MetricsWriter = {
    async put(key, body) {
      const parsed = JSON.parse(String(body)) as MetricsDocument;
      if (parsed.metrics) documents.set(key, parsed);
    },
  };
  let engine: DuckDbEngine | undefined;
  let prepared: Measured<unknown> = { value: undefined, wallSeconds: 0, cpuSeconds: 0 };
  try {
    const refreshed = await measure(async () => {
      if (path === 'product') {
        prepared = await measure(async () => (engine = await openLakeEngine(build.mirrorDir, { connections: REFRESH_CONNECTIONS })));
      } else {
        engine = await createDuckDbEngine({ setupStatements: lakeViewStatements(build.mirrorDir) });
      }
      const open = engine!;
      const timing: MetricQueryRunner = {
        async runQuery(name, params) {
          const timed = await measure(() => open.runQuery(name, params));
          const entry = perQuery.get(name) ?? { query: name, runs: 0, seconds: 0 };
          entry.runs += 1;
          entry.seconds += timed.wallSeconds;
          perQuery.set(name, entry);
          return timed.value as MetricRow[];
        },
        prepare: path === 'product' ? () => open.prepare() : undefined,
      };
      return refreshMetrics({
        engine: timing,
        store: keep,
        metricNames: metricNames(),
        declaredParams: (name) => loadQuery(name).params.map((param) => param.name),
        definitionsVersion: definitionsVersion(QUERIES_DIR),
        asOf: BENCH_AS_OF,
        // The product runs as many queries at once as its session has connections (refreshLocalMetrics); the baseline one at a time.
        concurrency: path === 'product' ? REFRESH_CONNECTIONS : 1,
      });
    });
    // Every file, slowest first: the tables show the first five, --json keeps them all.
    const slowest = [...perQuery.values()].sort((a, b) => b.seconds - a.seconds);
    return {
      queries: refreshed.value.queries,
      documents: refreshed.value.documents,
      wallSeconds: refreshed.wallSeconds,
      cpuSeconds: refreshed.cpuSeconds,
      prepareWallSeconds: prepared.wallSeconds,
      prepareCpuSeconds: prepared.cpuSeconds,
      slowest,
      metricDocuments: documents,
    };
  } finally {
    await engine?.close();
  }
}

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
    title: 'All dashboard metrics (full refresh, the product path) on DuckDB over the Parquet lake',
    columns: [
      'events',
      'lake rows',
      'files',
      'lake size',
      'build s (CPU s)',
      'build peak RSS',
      'queries',
      'refresh s',
      'refresh CPU s',
      'of which prepare s (CPU s)',
      'growth / 10× (wall, CPU)',
    ],
    rows: result.sizes.map((size) => [
      size.events.toLocaleString('en-US'),
      size.lakeRows.toLocaleString('en-US'),
      size.lakeFiles,
      formatBytes(size.lakeBytes),
      `${size.buildWallSeconds.toFixed(0)} (${size.buildCpuSeconds.toFixed(0)})`,
      formatBytes(size.buildPeakRssBytes),
      size.queries,
      size.refreshWallSeconds.toFixed(2),
      size.refreshCpuSeconds.toFixed(2),
      `${size.prepareWallSeconds.toFixed(2)} (${size.prepareCpuSeconds.toFixed(2)})`,
      size.growthPerTenfold === undefined ? '—' : `${size.growthPerTenfold.toFixed(1)}×, ${size.cpuGrowthPerTenfold?.toFixed(1)}×`,
    ]),
    notes: [
      'refresh = what `iop-outcomes refresh` runs: open the session, prepare it (lake tables, _current views, episodes once), then every metric file × every materialised filter + filters + data quality; growth / 10× = 10 means linear.',
      at1M
        ? `target 1M-event refresh ≤ ${result.targetSecondsAt1M} s: ${at1M.refreshWallSeconds <= result.targetSecondsAt1M ? 'met' : `NOT met (${at1M.refreshWallSeconds.toFixed(1)} s)`}.`
        : `target 1M-event refresh ≤ ${result.targetSecondsAt1M} s: not measured (1M not in --sizes).`,
      growths.length > 0 ? `near-linear growth: ${growths.every((growth) => growth <= 12) ? 'yes' : 'no'} (${growths.map((growth) => `${growth.toFixed(1)}×`).join(', ')} per 10×).` : '',
    ].filter(Boolean),
  };
  const measured = result.sizes.filter((size) => size.baseline !== undefined);
  const against: ResultTable = {
    title: 'The product refresh against the baseline of the same run (plain lake views, nothing computed once)',
    columns: ['events', 'baseline s', 'baseline CPU s', 'refresh s', 'refresh CPU s', '× faster (wall)', '× less CPU', 'same metrics'],
    rows: measured.map((size) => [
      size.events.toLocaleString('en-US'),
      size.baseline!.wallSeconds.toFixed(1),
      size.baseline!.cpuSeconds.toFixed(1),
      size.refreshWallSeconds.toFixed(2),
      size.refreshCpuSeconds.toFixed(2),
      size.baseline!.speedup.toFixed(1),
      size.baseline!.cpuSpeedup.toFixed(1),
      size.baseline!.sameMetrics ? 'yes' : 'NO',
    ]),
    notes: [
      measured.length === 0 ? 'baseline skipped (--skip-baseline).' : '',
      'same metrics = every row of every document equal (doubles to 1e-9 relative).',
    ].filter(Boolean),
  };
  const profile = (size: RefreshSize, which: string, queries: QueryTime[], total: number): ResultTable => ({
    title: `Slowest queries at ${formatSize(size.targetEvents)} events, ${which} (sum over every filter)`,
    columns: ['query', 'runs', 'total s', 'mean s', 'share of refresh'],
    rows: queries.slice(0, 5).map((query) => [
      query.query,
      query.runs,
      query.seconds.toFixed(2),
      (query.seconds / query.runs).toFixed(3),
      `${((query.seconds / total) * 100).toFixed(0)} %`,
    ]),
  });
  const profiles: ResultTable[] = result.sizes.flatMap((size) => [
    profile(size, 'product path', size.slowestQueries, size.refreshWallSeconds),
    ...(size.baseline ? [profile(size, 'baseline', size.baseline.slowestQueries, size.baseline.wallSeconds)] : []),
  ]);
  return [summary, against, ...profiles];
}
