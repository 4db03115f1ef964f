/**
 * Benchmark 1, stream → Parquet: change records per CPU-second through the real
 * stream-to-lake core (deliverChanges: the column fast path, the general mapping for what it
 * declines, the lake's Parquet writer; in the stack's batch size), against an NDJSON.gz
 * writer fed by the general mapping, and the bare encoder against DuckDB's native Parquet
 * COPY of the same rows (one thread).
 */
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { DynamoDBRecord } from 'aws-lambda';
import { DuckDBInstance } from '@duckdb/node-api';
import type { ObjectStore, StoredObject } from '../lambdas/adapters/object-store';
import { type LakeRowValues, mapStreamRecord, mapStreamRecordPhysical } from '../lambdas/core/change-records';
import { deliverChanges } from '../lambdas/core/deliver-changes';
import { LAKE_TABLE_NAMES, type LakeTableName, lakeTable, SQL_TYPE } from '../lambdas/core/lake-columns';
import { encodeLakeParquet, LakeFileBuilder } from '../lambdas/core/parquet';
import { loadStageConfig } from '../lib/stage-config';
import { measure, ratio } from './measure';
import { ndjsonOf } from './lake-builder';
import { benchCohort, streamRecordOf, tableChanges } from './synthetic-changes';
import type { ResultTable } from './table';

export const ENCODE_TARGET_RECORDS_PER_CORE_SECOND = 150_000;

export interface EncodeOptions {
  records: number;
  seed?: number | string;
  log?: (line: string) => void;
}

export interface EncodeCase {
  name: string;
  records: number;
  cpuSeconds: number;
  wallSeconds: number;
  recordsPerCpuSecond: number;
  outputBytes: number;
  /** records/CPU-s of this case ÷ that of the stream → Parquet case. */
  ratioToStreamParquet: number;
}

export interface EncodeResult {
  batchSize: number;
  records: number;
  rows: number;
  cases: EncodeCase[];
  targetRecordsPerCoreSecond: number;
  meetsTarget: boolean;
}

/** Keeps only sizes: the benchmark measures encoding, not a disk or a network. */
class CountingStore implements ObjectStore {
  bytes = 0;
  objects = 0;
  async put(_key: string, body: Uint8Array | string): Promise<void> {
    this.bytes += typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength;
    this.objects += 1;
  }
  async get(): Promise<Uint8Array | undefined> {
    return undefined;
  }
  async list(): Promise<StoredObject[]> {
    return [];
  }
  async delete(): Promise<void> {}
}

export async function runEncodeBenchmark(options: EncodeOptions): Promise<EncodeResult> {
  const log = options.log ?? (() => {});
  const batchSize = loadStageConfig('dev').lake.batchSize;
  log(`encode: building ${options.records.toLocaleString('en-US')} stream records from the generator…`);
  const records = streamRecords(options.records, options.seed);
  const batches: DynamoDBRecord[][] = [];
  for (let start = 0; start < records.length; start += batchSize) batches.push(records.slice(start, start + batchSize));

  // Warm-up: JIT the mapping and the encoder on one batch before any figure is taken.
  await deliverChanges(batches[0], { store: new CountingStore(), lakePrefix: 'lake/', quarantinePrefix: 'quarantine/' });

  const parquetStore = new CountingStore();
  const streamParquet = await measure(async () => {
    let rows = 0;
    for (const batch of batches) {
      const report = await deliverChanges(batch, { store: parquetStore, lakePrefix: 'lake/', quarantinePrefix: 'quarantine/' });
      if (report.quarantined > 0) throw new Error(`encode benchmark: ${report.quarantined} synthetic records were quarantined; fix the generator mapping`);
      rows += report.rows;
    }
    return rows;
  });
  log('encode: stream → Parquet done');

  // The same pass again in the same process: what a warm Lambda container does once the
  // optimising JIT has compiled the path (the first pass above still pays for that).
  const secondStore = new CountingStore();
  const streamParquetAgain = await measure(async () => {
    for (const batch of batches) await deliverChanges(batch, { store: secondStore, lakePrefix: 'lake/', quarantinePrefix: 'quarantine/' });
  });
  log('encode: stream → Parquet second pass done');

  const streamNdjson = await measure(() => {
    let bytes = 0;
    for (const batch of batches) {
      for (const [id, rows] of partitionRows(batch)) bytes += gzipSync(ndjsonOf(lakeTable(tableOf(id)), rows)).byteLength;
    }
    return bytes;
  });
  log('encode: stream → NDJSON.gz done');

  const mappingOnly = await measure(() => {
    let rows = 0;
    for (const batch of batches) for (const partition of partitionRows(batch).values()) rows += partition.length;
    return rows;
  });
  log('encode: mapping only done');

  // The delivery fast path's mapping alone: straight to column builders, nothing encoded.
  const columnsOnly = await measure(() => {
    let rows = 0;
    for (const batch of batches) {
      const builders = new Map<string, LakeFileBuilder>();
      for (const record of batch) {
        const physical = mapStreamRecordPhysical(record);
        if (!physical) throw new Error('encode benchmark: the fast path declined a synthetic record');
        const id = `${physical.table}/${physical.dt}`;
        let builder = builders.get(id);
        if (!builder) builders.set(id, (builder = new LakeFileBuilder(lakeTable(physical.table))));
        builder.appendPhysical(physical.values);
        rows += 1;
        if (physical.resultCount > 0) {
          const resultId = `drug_test_results/${physical.dt}`;
          let results = builders.get(resultId);
          if (!results) builders.set(resultId, (results = new LakeFileBuilder(lakeTable('drug_test_results'))));
          for (let index = 0; index < physical.resultCount; index += 1) results.appendPhysical(physical.results[index]);
          rows += physical.resultCount;
        }
      }
    }
    return rows;
  });
  log('encode: column mapping only done');

  // Encoder only: the same rows, already mapped, one file per table.
  const rowsByTable = new Map<LakeTableName, LakeRowValues[]>();
  for (const batch of batches) {
    for (const [id, rows] of partitionRows(batch)) {
      const table = tableOf(id);
      const all = rowsByTable.get(table) ?? [];
      for (const row of rows) all.push(row);
      rowsByTable.set(table, all);
    }
  }
  const encoderOnly = await measure(() => {
    let bytes = 0;
    for (const [table, rows] of rowsByTable) bytes += encodeLakeParquet(lakeTable(table), rows).byteLength;
    return bytes;
  });
  log('encode: encoder only done');
  const duckdb = await duckDbCopy(rowsByTable);
  log('encode: DuckDB COPY done');

  const rows = streamParquet.value;
  const base = records.length / streamParquet.cpuSeconds;
  const caseOf = (name: string, cpuSeconds: number, wallSeconds: number, outputBytes: number): EncodeCase => ({
    name,
    records: records.length,
    cpuSeconds,
    wallSeconds,
    recordsPerCpuSecond: records.length / cpuSeconds,
    outputBytes,
    ratioToStreamParquet: ratio(records.length / cpuSeconds, base),
  });
  const cases = [
    caseOf(`stream → Parquet (deliverChanges, batches of ${batchSize})`, streamParquet.cpuSeconds, streamParquet.wallSeconds, parquetStore.bytes),
    caseOf(`stream → Parquet, second pass in the same process (JIT-optimised)`, streamParquetAgain.cpuSeconds, streamParquetAgain.wallSeconds, secondStore.bytes),
    caseOf(`stream → NDJSON.gz (general mapping, node:zlib)`, streamNdjson.cpuSeconds, streamNdjson.wallSeconds, streamNdjson.value),
    caseOf('mapping only, general (mapStreamRecord: unmarshall + typed rows)', mappingOnly.cpuSeconds, mappingOnly.wallSeconds, 0),
    caseOf('mapping only, delivery fast path (mapStreamRecordPhysical → column builders)', columnsOnly.cpuSeconds, columnsOnly.wallSeconds, 0),
    caseOf('Parquet encoder only (lake writer, ADR 0100; one file per table)', encoderOnly.cpuSeconds, encoderOnly.wallSeconds, encoderOnly.value),
    caseOf('DuckDB COPY … (FORMAT parquet), 1 thread, same rows', duckdb.cpuSeconds, duckdb.wallSeconds, duckdb.bytes),
  ];
  return {
    batchSize,
    records: records.length,
    rows,
    cases,
    targetRecordsPerCoreSecond: ENCODE_TARGET_RECORDS_PER_CORE_SECOND,
    meetsTarget: cases[0].recordsPerCpuSecond >= ENCODE_TARGET_RECORDS_PER_CORE_SECOND,
  };
}

function streamRecords(count: number, seed: number | string = 1): DynamoDBRecord[] {
  const records: DynamoDBRecord[] = [];
  // ~54 events per admission; ask for enough admissions and stop at `count`.
  const admissions = Math.ceil(count / 40) + 50;
  for (const change of tableChanges(benchCohort(admissions, seed))) {
    records.push(streamRecordOf(change));
    if (records.length === count) break;
  }
  return records;
}

/** The rows of a batch grouped by (table, dt), as deliverChanges groups them. */
function partitionRows(batch: DynamoDBRecord[]): Map<string, LakeRowValues[]> {
  const partitions = new Map<string, LakeRowValues[]>();
  for (const record of batch) {
    const mapped = mapStreamRecord(record);
    if (!mapped.ok) continue;
    for (const row of mapped.rows) {
      const id = `${row.table}/${row.dt}`;
      const rows = partitions.get(id);
      if (rows) rows.push(row.values);
      else partitions.set(id, [row.values]);
    }
  }
  return partitions;
}

function tableOf(partitionId: string): LakeTableName {
  return partitionId.slice(0, partitionId.indexOf('/')) as LakeTableName;
}

/** DuckDB's own Parquet writer on the same rows, loaded into tables first (loading is not timed). */
async function duckDbCopy(rowsByTable: Map<LakeTableName, LakeRowValues[]>): Promise<{ cpuSeconds: number; wallSeconds: number; bytes: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'iop-bench-copy-'));
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    await connection.run("SET TimeZone = 'UTC'");
    await connection.run('SET threads = 1');
    for (const [table, rows] of rowsByTable) {
      const source = join(dir, `${table}.ndjson`);
      writeFileSync(source, ndjsonOf(lakeTable(table), rows));
      const columns = lakeTable(table)
        .columns.map((column) => `'${column.name}': '${column.type === 'TIMESTAMP' ? 'TIMESTAMPTZ' : SQL_TYPE[column.type]}'`)
        .join(', ');
      await connection.run(`CREATE TABLE ${table} AS SELECT * FROM read_json('${source}', format = 'newline_delimited', columns = {${columns}})`);
    }
    const tables = LAKE_TABLE_NAMES.filter((table) => rowsByTable.has(table));
    const timed = await measure(async () => {
      for (const table of tables) {
        await connection.run(`COPY ${table} TO '${join(dir, `${table}.parquet`)}' (FORMAT parquet, COMPRESSION snappy)`);
      }
    });
    const bytes = tables.reduce((sum, table) => sum + statSync(join(dir, `${table}.parquet`)).size, 0);
    return { cpuSeconds: timed.cpuSeconds, wallSeconds: timed.wallSeconds, bytes };
  } finally {
    connection.closeSync();
    instance.closeSync();
    rmSync(dir, { recursive: true, force: true });
  }
}

export function encodeTable(result: EncodeResult): ResultTable {
  return {
    title: `Stream → Parquet encode (${result.records.toLocaleString('en-US')} change records, ${result.rows.toLocaleString('en-US')} lake rows)`,
    columns: ['case', 'records / CPU-s', 'CPU s', 'wall s', 'output', '× stream→Parquet'],
    rows: result.cases.map((entry) => [
      entry.name,
      Math.round(entry.recordsPerCpuSecond).toLocaleString('en-US'),
      entry.cpuSeconds.toFixed(2),
      entry.wallSeconds.toFixed(2),
      entry.outputBytes === 0 ? '—' : `${(entry.outputBytes / 1e6).toFixed(1)} MB`,
      entry.ratioToStreamParquet.toFixed(2),
    ]),
    notes: [
      `records / CPU-s = change records per second of one core (process CPU time, so a loaded machine does not lower it much).`,
      `target ≥ ${result.targetRecordsPerCoreSecond.toLocaleString('en-US')} records/s per core for stream → Parquet (first pass, the row the target is judged on): ${result.meetsTarget ? 'met' : 'NOT met'}.`,
    ],
  };
}
