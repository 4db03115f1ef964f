/**
 * Delivers one ordered batch of stream records to the lake: one Parquet object per
 * (table, dt) partition under a key derived from the batch (a retried batch
 * overwrites itself), unmappable records to quarantine, and on a write failure the
 * sequence number from which the batch must be retried.
 */
import { createHash } from 'node:crypto';
import type { DynamoDBBatchResponse, DynamoDBRecord } from 'aws-lambda';
import type { ObjectStore } from '../adapters/object-store';
import { type QuarantineEntry, changeSeq, mapStreamRecord, mapStreamRecordPhysical, partitionDate } from './change-records';
import { LAKE_TABLE_NAMES, type LakeTableName, lakeTable } from './lake-columns';
import { LakeFileBuilder } from './parquet';

export interface DeliveryDeps {
  store: ObjectStore;
  lakePrefix: string;
  quarantinePrefix: string;
  /** Structured log line; receives counts and keys, never row content. */
  log?: (message: string, fields: Record<string, unknown>) => void;
  now?: () => Date;
}

export interface DeliveryReport extends DynamoDBBatchResponse {
  /** Keys written durably by this call. */
  written: string[];
  rows: number;
  quarantined: number;
}

interface PlannedObject {
  key: string;
  body: () => Uint8Array | string;
  contentType: string;
  /** Indexes (in the batch) of the records whose changes this object holds. */
  records: number[];
}

/** Objects are written a few at a time: enough to hide latency, few enough not to trip S3 throttling. */
const WRITE_CONCURRENCY = 8;

export async function deliverChanges(records: DynamoDBRecord[], deps: DeliveryDeps): Promise<DeliveryReport> {
  const log = deps.log ?? (() => {});
  const plan = planObjects(records, deps);
  const outcomes = await writeAll(plan.objects, deps.store);
  const written = plan.objects.filter((_, index) => outcomes[index] === undefined).map((object) => object.key);
  const failedRecords = plan.objects.flatMap((object, index) => (outcomes[index] === undefined ? [] : object.records));
  if (plan.quarantined > 0) log('records quarantined', { quarantined: plan.quarantined, records: records.length });
  if (failedRecords.length === 0) {
    log('batch delivered', { records: records.length, rows: plan.rows, objects: written.length });
    return { batchItemFailures: [], written, rows: plan.rows, quarantined: plan.quarantined };
  }
  // Records are ordered: everything before the first record with an unwritten change is durable.
  // Changes after it that did land will be written again by the retry under another key: the lake
  // holds them twice, which the _current views absorb (at-least-once).
  const firstFailed = Math.min(...failedRecords);
  const itemIdentifier = records[firstFailed].dynamodb?.SequenceNumber ?? '';
  const firstError = outcomes.find((outcome) => outcome !== undefined);
  log('batch partly written; retry requested', {
    records: records.length,
    retryFromIndex: firstFailed,
    failedObjects: outcomes.filter((outcome) => outcome !== undefined).length,
    error: firstError instanceof Error ? firstError.message : String(firstError),
  });
  return { batchItemFailures: [{ itemIdentifier }], written, rows: plan.rows, quarantined: plan.quarantined };
}

interface Partition {
  table: LakeTableName;
  dt: string;
  builder: LakeFileBuilder;
  /** Indexes (in the batch) of the records with rows here, ascending, and their change_seq. */
  records: number[];
  seqs: string[];
}

function planObjects(records: DynamoDBRecord[], deps: DeliveryDeps): { objects: PlannedObject[]; rows: number; quarantined: number } {
  // Per table, its partitions by dt (a batch spans few days); objects are planned in LAKE_TABLE_NAMES
  // order below. A Map by table name, not an object indexed by it: a keyed property load with a
  // table name it had not seen yet deoptimised the optimised planObjects.
  const partitions = new Map<LakeTableName, Map<string, Partition>>();
  for (const table of LAKE_TABLE_NAMES) partitions.set(table, new Map());
  const partitionOf = (table: LakeTableName, dt: string): Partition => {
    const byDate = partitions.get(table) as Map<string, Partition>;
    let partition = byDate.get(dt);
    if (!partition) {
      partition = { table, dt, builder: new LakeFileBuilder(lakeTable(table)), records: [], seqs: [] };
      byDate.set(dt, partition);
    }
    return partition;
  };
  const note = (partition: Partition, index: number, seq: string) => {
    if (partition.records[partition.records.length - 1] === index) return;
    partition.records.push(index);
    partition.seqs.push(seq);
  };
  const objects: PlannedObject[] = [];
  let rows = 0;
  let quarantined = 0;
  for (let index = 0; index < records.length; index += 1) {
    const record = records[index];
    // Fast path: straight to column values; anything it does not take goes through mapStreamRecord.
    const physical = mapStreamRecordPhysical(record);
    if (physical) {
      const partition = partitionOf(physical.table, physical.dt);
      partition.builder.appendPhysical(physical.values);
      note(partition, index, physical.seq);
      rows += 1;
      if (physical.resultCount > 0) {
        const results = partitionOf('drug_test_results', physical.dt);
        for (let result = 0; result < physical.resultCount; result += 1) results.builder.appendPhysical(physical.results[result]);
        note(results, index, physical.seq);
        rows += physical.resultCount;
      }
      continue;
    }
    const mapped = mapStreamRecord(record);
    if (!mapped.ok) {
      quarantined += 1;
      objects.push(quarantineObject(mapped.quarantine, record, index, deps));
      continue;
    }
    for (const row of mapped.rows) {
      const partition = partitionOf(row.table, row.dt);
      partition.builder.appendRow(row.values);
      note(partition, index, row.values.change_seq as string);
      rows += 1;
    }
  }
  // Table order then date: stable, and parents (drug_tests) before children (drug_test_results).
  for (const byDate of partitions.values()) {
    for (const partition of [...byDate.values()].sort((a, b) => a.dt.localeCompare(b.dt))) {
      objects.push({
        key: partitionObjectKey(deps.lakePrefix, partition.table, partition.dt, partition.seqs),
        body: () => partition.builder.encode(),
        contentType: 'application/vnd.apache.parquet',
        records: partition.records,
      });
    }
  }
  return { objects, rows, quarantined };
}

/**
 * `<prefix><table>/dt=<dt>/<first change_seq>-<last change_seq>-<hash>.parquet`: the same records
 * always give the same key (a retried batch overwrites), different subsets (a bisected or
 * partially retried batch) never collide, and keys sort by stream order.
 */
export function partitionObjectKey(lakePrefix: string, table: LakeTableName, dt: string, seqs: string[]): string {
  const hash = createHash('sha256').update(seqs.join(',')).digest('hex').slice(0, 12);
  return `${lakePrefix}${table}/dt=${dt}/${seqs[0]}-${seqs[seqs.length - 1]}-${hash}.parquet`;
}

function quarantineObject(entry: QuarantineEntry, record: DynamoDBRecord, index: number, deps: DeliveryDeps): PlannedObject {
  const dt = entry.dt ?? partitionDate((deps.now ?? (() => new Date()))());
  const id = entry.sequenceNumber && /^\d{1,40}$/.test(entry.sequenceNumber) ? changeSeq(entry.sequenceNumber) : `event-${safeName(record.eventID)}`;
  const { reason, eventName, keys, sequenceNumber } = entry;
  return {
    key: `${deps.quarantinePrefix}dt=${dt}/${id}.json`,
    body: () => `${JSON.stringify({ reason, eventName, keys, sequenceNumber, eventSourceARN: record.eventSourceARN ?? null }, null, 2)}\n`,
    contentType: 'application/json',
    records: [index],
  };
}

function safeName(value: string | undefined): string {
  return (value ?? 'unknown').replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 100) || 'unknown';
}

/** Writes every object; returns, per object, undefined on success or the error. */
async function writeAll(objects: PlannedObject[], store: ObjectStore): Promise<unknown[]> {
  const outcomes: unknown[] = new Array(objects.length).fill(undefined);
  let next = 0;
  const worker = async () => {
    while (next < objects.length) {
      const index = next++;
      const object = objects[index];
      try {
        await store.put(object.key, object.body(), object.contentType);
      } catch (error) {
        outcomes[index] = error ?? new Error('unknown write failure');
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(WRITE_CONCURRENCY, objects.length) }, worker));
  return outcomes;
}
