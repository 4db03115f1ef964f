/**
 * Delivers one ordered batch of stream records to the lake: one Parquet object per
 * (table, dt) partition under a key derived from the batch (a retried batch
 * overwrites itself), unmappable records to quarantine, and on a write failure the
 * sequence number from which the batch must be retried.
 */
import { createHash } from 'node:crypto';
import type { DynamoDBBatchResponse, DynamoDBRecord } from 'aws-lambda';
import type { ObjectStore } from '../adapters/object-store';
import { type LakeRowValues, type QuarantineEntry, changeSeq, mapStreamRecord, partitionDate } from './change-records';
import { LAKE_TABLE_NAMES, type LakeTableName, lakeTable } from './lake-columns';
import { encodeLakeParquet } from './parquet';

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

function planObjects(records: DynamoDBRecord[], deps: DeliveryDeps): { objects: PlannedObject[]; rows: number; quarantined: number } {
  const partitions = new Map<string, { table: LakeTableName; dt: string; rows: LakeRowValues[]; records: Set<number>; seqs: string[] }>();
  const objects: PlannedObject[] = [];
  let rows = 0;
  let quarantined = 0;
  records.forEach((record, index) => {
    const mapped = mapStreamRecord(record);
    if (!mapped.ok) {
      quarantined += 1;
      objects.push(quarantineObject(mapped.quarantine, record, index, deps));
      return;
    }
    for (const row of mapped.rows) {
      const id = `${row.table}/${row.dt}`;
      let partition = partitions.get(id);
      if (!partition) {
        partition = { table: row.table, dt: row.dt, rows: [], records: new Set(), seqs: [] };
        partitions.set(id, partition);
      }
      partition.rows.push(row.values);
      if (!partition.records.has(index)) partition.seqs.push(row.values.change_seq as string);
      partition.records.add(index);
      rows += 1;
    }
  });
  // Table order then date: stable, and parents (drug_tests) before children (drug_test_results).
  const ordered = [...partitions.values()].sort(
    (a, b) => LAKE_TABLE_NAMES.indexOf(a.table) - LAKE_TABLE_NAMES.indexOf(b.table) || a.dt.localeCompare(b.dt),
  );
  for (const partition of ordered) {
    objects.push({
      key: partitionObjectKey(deps.lakePrefix, partition.table, partition.dt, partition.seqs),
      body: () => encodeLakeParquet(lakeTable(partition.table), partition.rows),
      contentType: 'application/vnd.apache.parquet',
      records: [...partition.records],
    });
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
