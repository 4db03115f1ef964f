/**
 * Benchmark 2, bytes a metric query reads: the same lake rows as Parquet and as
 * NDJSON.gz, the same metric SQL run by DuckDB through the same `_current` views over
 * each, and the bytes the process read from files while the query ran (Linux
 * /proc/self/io `rchar`: every byte returned by read/pread, whether from disk or page cache).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { parquetMetadata } from 'hyparquet';
import { createDuckDbEngine, type DuckDbEngine } from '../lambdas/adapters/duckdb-engine';
import type { Row } from '../lambdas/adapters/query-engine';
import { bindParams, loadQuery } from '../lambdas/adapters/query-files';
import { currentViewStatements, lakeViewStatements } from '../lambdas/adapters/lake-tables-duckdb';
import { LAKE_TABLES, type LakeTable, SQL_TYPE } from '../lambdas/core/lake-columns';
import { DEFAULT_LAKE_PREFIX } from '../lambdas/core/runtime-env';
import type { LakeBuild } from './lake-builder';
import { formatBytes, measure, ratio } from './measure';
import type { ResultTable } from './table';

export const BYTES_TARGET_RATIO = 10;
/** Metric files the benchmark reads with: the headline curve and two that touch the other tables. */
export const BYTES_QUERIES = ['retention', 'abstinence', 'goals'];

export interface BytesQueryResult {
  query: string;
  parquetBytesRead: number;
  ndjsonGzBytesRead: number;
  /** NDJSON.gz bytes ÷ Parquet bytes: how many times fewer bytes Parquet needs. */
  fewerBytesRatio: number;
  parquetSeconds: number;
  ndjsonGzSeconds: number;
  sameRows: boolean;
}

export interface ColumnBytes {
  column: string;
  bytes: number;
  /** Share of all Parquet column-chunk bytes in the lake. */
  share: number;
  encodings: string[];
}

export interface BytesResult {
  events: number;
  /** The lake's biggest columns (compressed bytes from the Parquet footers): what a scan pays for. */
  largestColumns: ColumnBytes[];
  parquetFilesBytes: number;
  ndjsonGzFilesBytes: number;
  queries: BytesQueryResult[];
  targetRatio: number;
  meetsTarget: boolean;
}

export async function runBytesReadBenchmark(build: LakeBuild, asOf: string, log: (line: string) => void = () => {}): Promise<BytesResult> {
  if (!existsSync('/proc/self/io')) throw new Error('the bytes-read benchmark needs Linux /proc/self/io to count bytes read');
  const queries: BytesQueryResult[] = [];
  for (const query of BYTES_QUERIES) {
    const parquet = await bytesOfQuery(lakeViewStatements(build.mirrorDir), query, asOf);
    const ndjson = await bytesOfQuery(ndjsonViewStatements(build.ndjsonDir), query, asOf);
    queries.push({
      query,
      parquetBytesRead: parquet.bytes,
      ndjsonGzBytesRead: ndjson.bytes,
      fewerBytesRatio: ratio(ndjson.bytes, parquet.bytes),
      parquetSeconds: parquet.seconds,
      ndjsonGzSeconds: ndjson.seconds,
      // The baseline must compute the same answer, or the comparison means nothing.
      sameRows: sameRows(parquet.rows, ndjson.rows),
    });
    log(`bytes: ${query} done`);
  }
  return {
    events: build.counts.events,
    largestColumns: largestColumns(join(build.mirrorDir, DEFAULT_LAKE_PREFIX), 8),
    parquetFilesBytes: folderBytes(join(build.mirrorDir, DEFAULT_LAKE_PREFIX), '.parquet'),
    ndjsonGzFilesBytes: folderBytes(build.ndjsonDir, '.ndjson.gz'),
    queries,
    targetRatio: BYTES_TARGET_RATIO,
    meetsTarget: queries.every((entry) => entry.fewerBytesRatio >= BYTES_TARGET_RATIO),
  };
}

/**
 * Same rows, in the same order, with floating-point results equal up to summation order
 * (relative 1e-9): DuckDB adds doubles in whatever order its threads finish.
 */
export function sameRows(left: readonly Row[], right: readonly Row[]): boolean {
  if (left.length !== right.length) return false;
  return left.every((row, index) => {
    const other = right[index];
    const keys = Object.keys(row);
    if (keys.length !== Object.keys(other).length) return false;
    return keys.every((key) => sameValue(row[key], other[key]));
  });
}

function sameValue(left: unknown, right: unknown): boolean {
  if (typeof left === 'number' && typeof right === 'number') {
    if (Number.isInteger(left) && Number.isInteger(right)) return left === right;
    return Math.abs(left - right) <= 1e-9 * Math.max(1, Math.abs(left), Math.abs(right));
  }
  return left === right;
}

/** A fresh engine per query, so nothing read by an earlier query is served from memory. */
async function bytesOfQuery(setupStatements: string[], query: string, asOf: string) {
  const engine: DuckDbEngine = await createDuckDbEngine({ setupStatements });
  try {
    // DuckDB caches file blocks across reads by default; Athena bills every scan, so count every read.
    await engine.exec('SET enable_external_file_cache = false');
    // Load and expand the query file before counting: only the lake's bytes should count.
    const loaded = loadQuery(query);
    const values = bindParams(loaded, { as_of: asOf });
    const before = bytesReadByProcess();
    const timed = await measure(() => engine.runSql(loaded.sql, values));
    return { bytes: bytesReadByProcess() - before, seconds: timed.wallSeconds, rows: timed.value };
  } finally {
    await engine.close();
  }
}

function bytesReadByProcess(): number {
  const match = /^rchar:\s*(\d+)$/m.exec(readFileSync('/proc/self/io', 'utf8'));
  if (!match) throw new Error('cannot read rchar from /proc/self/io');
  return Number(match[1]);
}

/**
 * The lake tables as views over the NDJSON.gz copy, with the same names, columns and
 * types as the Parquet views, then the same `_current` and metric views.
 */
export function ndjsonViewStatements(ndjsonDir: string): string[] {
  return [...LAKE_TABLES.map((table) => ndjsonTableView(table, join(ndjsonDir, table.name))), ...currentViewStatements()];
}

function ndjsonTableView(table: LakeTable, tableDir: string): string {
  const typeOf = (type: LakeTable['columns'][number]['type']) => (type === 'TIMESTAMP' ? 'TIMESTAMPTZ' : SQL_TYPE[type]);
  if (!existsSync(tableDir)) {
    const nulls = table.columns.map((column) => `CAST(NULL AS ${SQL_TYPE[column.type]}) AS ${column.name}`).join(', ');
    return `CREATE OR REPLACE VIEW ${table.name} AS SELECT ${nulls}, CAST(NULL AS VARCHAR) AS dt WHERE false`;
  }
  const columns = table.columns.map((column) => `'${column.name}': '${typeOf(column.type)}'`).join(', ');
  const select = table.columns
    .map((column) => (column.type === 'TIMESTAMP' ? `timezone('UTC', ${column.name}) AS ${column.name}` : column.name))
    .join(', ');
  const glob = join(tableDir, '*', '*.ndjson.gz').replace(/'/g, "''");
  return (
    `CREATE OR REPLACE VIEW ${table.name} AS SELECT ${select}, dt FROM read_json('${glob}', format = 'newline_delimited', ` +
    `columns = {${columns}}, hive_partitioning = true, hive_types = {'dt': VARCHAR})`
  );
}

/** Compressed bytes per `table.column` over every Parquet file under `dir`, largest first. */
export function largestColumns(dir: string, count: number): ColumnBytes[] {
  const totals = new Map<string, { bytes: number; encodings: Set<string> }>();
  for (const path of filesUnder(dir, '.parquet')) {
    const table = relative(dir, path).split(sep)[0];
    const bytes = readFileSync(path);
    const metadata = parquetMetadata(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
    for (const group of metadata.row_groups) {
      for (const chunk of group.columns) {
        const meta = chunk.meta_data;
        if (!meta) continue;
        const id = `${table}.${meta.path_in_schema.join('.')}`;
        const total = totals.get(id) ?? { bytes: 0, encodings: new Set<string>() };
        total.bytes += Number(meta.total_compressed_size);
        for (const encoding of meta.encodings) total.encodings.add(encoding);
        totals.set(id, total);
      }
    }
  }
  const all = [...totals.values()].reduce((sum, total) => sum + total.bytes, 0);
  return [...totals.entries()]
    .sort((a, b) => b[1].bytes - a[1].bytes)
    .slice(0, count)
    .map(([column, total]) => ({ column, bytes: total.bytes, share: all === 0 ? 0 : total.bytes / all, encodings: [...total.encodings] }));
}

function filesUnder(dir: string, suffix: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return filesUnder(path, suffix);
    return entry.name.endsWith(suffix) ? [path] : [];
  });
}

function folderBytes(dir: string, suffix: string): number {
  return filesUnder(dir, suffix).reduce((sum, path) => sum + statSync(path).size, 0);
}

export function largestColumnsTable(result: BytesResult): ResultTable {
  return {
    title: 'Largest Parquet columns in the lake (compressed column-chunk bytes, from the file footers)',
    columns: ['table.column', 'bytes', 'share', 'encodings'],
    rows: result.largestColumns.map((entry) => [entry.column, formatBytes(entry.bytes), `${(entry.share * 100).toFixed(1)} %`, entry.encodings.join(' ')]),
  };
}

export function bytesTable(result: BytesResult): ResultTable {
  return {
    title: `Bytes a metric query reads (${result.events.toLocaleString('en-US')} events; files: Parquet ${formatBytes(result.parquetFilesBytes)}, NDJSON.gz ${formatBytes(result.ndjsonGzFilesBytes)})`,
    columns: ['query', 'Parquet read', 'NDJSON.gz read', '× fewer bytes', 'Parquet s', 'NDJSON.gz s', 'same rows'],
    rows: result.queries.map((entry) => [
      entry.query,
      formatBytes(entry.parquetBytesRead),
      formatBytes(entry.ndjsonGzBytesRead),
      entry.fewerBytesRatio.toFixed(1),
      entry.parquetSeconds.toFixed(2),
      entry.ndjsonGzSeconds.toFixed(2),
      entry.sameRows ? 'yes' : 'NO',
    ]),
    notes: [
      'bytes read = /proc/self/io rchar delta around the query (fresh DuckDB, external file cache off).',
      `target ≥ ${result.targetRatio}× fewer bytes than NDJSON.gz: ${result.meetsTarget ? 'met' : 'NOT met'} for every query.`,
    ],
  };
}
