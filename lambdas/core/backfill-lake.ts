/**
 * Rebuilds the lake from the system of record: every item of the events table becomes
 * an INSERT row with the all-zero change_seq, written under new keys; then the objects
 * that were there before are deleted, oldest change first. See docs/adr/0043.
 */
import type { ObjectStore, StoredObject } from '../adapters/object-store';
import { BACKFILL_CHANGE_SEQ, type LakeRowValues, rowsOfItem } from './change-records';
import { LAKE_TABLE_NAMES, type LakeTableName, lakeTable } from './lake-columns';
import { encodeLakeParquet } from './parquet';

/** Pages of stored items (plain JS, as the DocumentClient returns them) of one scan segment. */
export type ScanSegment = (segment: number, totalSegments: number) => AsyncIterable<Record<string, unknown>[]>;

export interface BackfillDeps {
  store: ObjectStore;
  lakePrefix: string;
  scan: ScanSegment;
  /** Parallel scan segments (DynamoDB parallel scan). */
  segments: number;
  /** Distinguishes this run's objects: `backfill-<runId>-…`. */
  runId: string;
  /** Rows per Parquet object before a partition is flushed (bounds memory). */
  maxRowsPerObject?: number;
  log?: (message: string, fields: Record<string, unknown>) => void;
}

export interface BackfillReport {
  items: number;
  rows: number;
  written: string[];
  removed: number;
  /** Items that could not be mapped: keys and reason only. */
  skipped: { pk: unknown; reason: string }[];
}

const BACKFILL_FILE = /^backfill-/;

export async function backfillLake(deps: BackfillDeps): Promise<BackfillReport> {
  if (!/^[A-Za-z0-9-]+$/.test(deps.runId)) throw new Error(`backfill runId ${JSON.stringify(deps.runId)} must be letters, digits and -`);
  const log = deps.log ?? (() => {});
  // Listed BEFORE scanning: any object written after this point holds changes the scan may
  // not have seen, so it must survive; anything listed here is older than the scan.
  const previous = await deps.store.list(deps.lakePrefix);
  log('backfill started', { previousObjects: previous.length, segments: deps.segments });
  const report: BackfillReport = { items: 0, rows: 0, written: [], removed: 0, skipped: [] };
  const limit = deps.maxRowsPerObject ?? 50_000;

  await Promise.all(
    Array.from({ length: deps.segments }, async (_, segment) => {
      const partitions = new Map<string, { table: LakeTableName; dt: string; rows: LakeRowValues[]; part: number }>();
      const flush = async (id: string) => {
        const partition = partitions.get(id)!;
        if (partition.rows.length === 0) return;
        const key = `${deps.lakePrefix}${partition.table}/dt=${partition.dt}/backfill-${deps.runId}-s${segment}-${partition.part}.parquet`;
        await deps.store.put(key, encodeLakeParquet(lakeTable(partition.table), partition.rows), 'application/vnd.apache.parquet');
        report.written.push(key);
        partition.rows = [];
        partition.part += 1;
      };
      for await (const page of deps.scan(segment, deps.segments)) {
        for (const item of page) {
          report.items += 1;
          let rows;
          try {
            rows = rowsOfItem(item, { kind: 'INSERT', seq: BACKFILL_CHANGE_SEQ, time: receivedTime(item) });
          } catch (error) {
            report.skipped.push({ pk: item.pk, reason: (error as Error).message });
            continue;
          }
          for (const row of rows) {
            const id = `${row.table}/${row.dt}`;
            const partition = partitions.get(id) ?? { table: row.table, dt: row.dt, rows: [], part: 0 };
            partitions.set(id, partition);
            partition.rows.push(row.values);
            report.rows += 1;
            if (partition.rows.length >= limit) await flush(id);
          }
        }
      }
      for (const id of partitions.keys()) await flush(id);
    }),
  );

  const written = new Set(report.written);
  const stale = previous.filter((object) => !written.has(object.key));
  for (const object of deletionOrder(stale, deps.lakePrefix)) {
    // One at a time, oldest change first: a reader never sees a newer change of an event
    // disappear before an older one (which would briefly resurrect a retracted event).
    await deps.store.delete([object.key]);
    report.removed += 1;
  }
  log('backfill finished', { items: report.items, rows: report.rows, written: report.written.length, removed: report.removed, skipped: report.skipped.length });
  return report;
}

/** The change time of a backfilled row: when the API accepted the stored version. */
function receivedTime(item: Record<string, unknown>): Date {
  const time = typeof item.receivedAt === 'string' ? new Date(item.receivedAt) : new Date(Number.NaN);
  if (Number.isNaN(time.getTime())) throw new Error('receivedAt is missing or not an ISO timestamp');
  return time;
}

/**
 * Earlier backfills first, then stream objects by their first change_seq (the key starts
 * with it), and for the same batch the parent table (drug_tests) before its results.
 */
export function deletionOrder(objects: StoredObject[], lakePrefix: string): StoredObject[] {
  const rank = (object: StoredObject) => {
    const [table = '', , file = ''] = object.key.slice(lakePrefix.length).split('/');
    const tableIndex = LAKE_TABLE_NAMES.indexOf(table as LakeTableName);
    return { backfill: BACKFILL_FILE.test(file) ? 0 : 1, file, tableIndex };
  };
  return [...objects].sort((a, b) => {
    const left = rank(a);
    const right = rank(b);
    return left.backfill - right.backfill || left.file.localeCompare(right.file) || left.tableIndex - right.tableIndex;
  });
}
