/**
 * Builds a lake folder straight from the generator, bypassing the API and the stream:
 * the real mapping (rowsOfItem) and the real encoder (encodeLakeParquet), files flushed
 * per table every `maxRowsPerFile` rows so memory stays bounded at any size. Optionally
 * writes the same rows as NDJSON.gz beside it (the baseline of the bytes-read benchmark).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { changeSeq, type LakeRowValues, rowsOfItem } from '../lambdas/core/change-records';
import { LAKE_TABLE_NAMES, type LakeTable, type LakeTableName, lakeTable } from '../lambdas/core/lake-columns';
import { encodeLakeParquet } from '../lambdas/core/parquet';
import { DEFAULT_LAKE_PREFIX } from '../lambdas/core/runtime-env';
import type { CohortOptions } from '../cli/synthetic/emit';
import { type ChangeCounts, streamSequenceNumber, tableChanges } from './synthetic-changes';

export interface LakeBuildOptions {
  cohort: CohortOptions;
  /** Folder that plays the bucket: files go to `<dir>/<lake prefix><table>/dt=…/`. */
  dir: string;
  /** Also write `<dir>/ndjson/<table>/dt=…/part-N.ndjson.gz` with the same rows. */
  ndjsonGz?: boolean;
  maxRowsPerFile?: number;
  onProgress?: (events: number) => void;
}

export interface LakeBuild {
  counts: ChangeCounts;
  rows: number;
  parquetFiles: number;
  parquetBytes: number;
  ndjsonGzBytes: number;
  /** Where lakeViewStatements should point (the mirror folder). */
  mirrorDir: string;
  ndjsonDir: string;
  /** Highest resident set size seen while building (sampled every 100k changes and at the end). */
  peakRssBytes: number;
}

/** The sequence number the stream would carry, padded as the lake stores it. */
function lakeSeq(sequence: number): string {
  return changeSeq(streamSequenceNumber(sequence));
}

export async function buildLake(options: LakeBuildOptions): Promise<LakeBuild> {
  const limit = options.maxRowsPerFile ?? 100_000;
  const ndjsonDir = join(options.dir, 'ndjson');
  const build: LakeBuild = {
    counts: { lines: 0, events: 0, inserts: 0, modifies: 0, removes: 0, noChange: 0 },
    rows: 0,
    parquetFiles: 0,
    parquetBytes: 0,
    ndjsonGzBytes: 0,
    mirrorDir: options.dir,
    ndjsonDir,
    peakRssBytes: process.memoryUsage.rss(),
  };
  const buffers = new Map<string, { table: LakeTableName; dt: string; rows: LakeRowValues[]; part: number }>();
  const flush = (id: string) => {
    const buffer = buffers.get(id)!;
    if (buffer.rows.length === 0) return;
    const name = `bench-${String(buffer.part).padStart(5, '0')}`;
    const parquetDir = join(options.dir, DEFAULT_LAKE_PREFIX, buffer.table, `dt=${buffer.dt}`);
    mkdirSync(parquetDir, { recursive: true });
    const parquet = encodeLakeParquet(lakeTable(buffer.table), buffer.rows);
    writeFileSync(join(parquetDir, `${name}.parquet`), parquet);
    build.parquetFiles += 1;
    build.parquetBytes += parquet.byteLength;
    if (options.ndjsonGz) {
      const jsonDir = join(ndjsonDir, buffer.table, `dt=${buffer.dt}`);
      mkdirSync(jsonDir, { recursive: true });
      const gz = gzipSync(ndjsonOf(lakeTable(buffer.table), buffer.rows));
      writeFileSync(join(jsonDir, `${name}.ndjson.gz`), gz);
      build.ndjsonGzBytes += gz.byteLength;
    }
    buffer.rows = [];
    buffer.part += 1;
  };
  let sinceProgress = 0;
  for (const change of tableChanges(options.cohort, build.counts, { contentHash: false })) {
    const rows = rowsOfItem(change.item as unknown as Record<string, unknown>, { kind: change.kind, seq: lakeSeq(change.sequence), time: change.time });
    for (const row of rows) {
      const id = `${row.table}/${row.dt}`;
      let buffer = buffers.get(id);
      if (!buffer) {
        buffer = { table: row.table, dt: row.dt, rows: [], part: 0 };
        buffers.set(id, buffer);
      }
      buffer.rows.push(row.values);
      build.rows += 1;
      if (buffer.rows.length >= limit) flush(id);
    }
    if (++sinceProgress === 100_000) {
      sinceProgress = 0;
      build.peakRssBytes = Math.max(build.peakRssBytes, process.memoryUsage.rss());
      options.onProgress?.(build.counts.events);
      // Let the event loop breathe (progress output, signals) on long builds.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }
  // Parents before children, as the stream writer orders them.
  const ordered = [...buffers.keys()].sort(
    (a, b) => LAKE_TABLE_NAMES.indexOf(buffers.get(a)!.table) - LAKE_TABLE_NAMES.indexOf(buffers.get(b)!.table) || a.localeCompare(b),
  );
  for (const id of ordered) flush(id);
  build.peakRssBytes = Math.max(build.peakRssBytes, process.memoryUsage.rss());
  return build;
}

/** JSON lines of lake rows as an export would write them: DATE as YYYY-MM-DD, TIMESTAMP as ISO 8601 UTC. */
export function ndjsonOf(table: LakeTable, rows: readonly LakeRowValues[]): string {
  const dateColumns = table.columns.filter((column) => column.type === 'DATE').map((column) => column.name);
  let text = '';
  for (const row of rows) {
    if (dateColumns.length === 0) {
      text += `${JSON.stringify(row)}\n`;
      continue;
    }
    const line: Record<string, unknown> = { ...row };
    for (const name of dateColumns) {
      const value = row[name];
      if (value instanceof Date) line[name] = value.toISOString().slice(0, 10);
    }
    text += `${JSON.stringify(line)}\n`;
  }
  return text;
}
