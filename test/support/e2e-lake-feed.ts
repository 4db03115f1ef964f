/**
 * Turns a generated clinic feed into the Parquet lake the product would build from it,
 * without servers: each line goes through the real ingest core (validation, tenant
 * check, pseudonymisation), a system-of-record stand-in with the events table's write
 * rule, genuine stream records, and the real stream-to-lake delivery and encoder.
 */
import type { DynamoDBRecord } from 'aws-lambda';
import type { ObjectStore } from '../../lambdas/adapters/object-store';
import { DirectoryObjectStore } from '../../cli/local/directory-store';
import type { GeneratedLine } from '../../cli/synthetic/emit';
import { deliverChanges } from '../../lambdas/core/deliver-changes';
import { eventPk, type StoredEvent } from '../../lambdas/core/events-table';
import { checkEvents } from '../../lambdas/core/ingest';
import { DEFAULT_LAKE_PREFIX, DEFAULT_QUARANTINE_PREFIX } from '../../lambdas/core/runtime-env';
import { streamRecord } from './lake-fixtures';

export interface LakeFeedOptions {
  /** Folder that becomes the lake (`<dir>/lake/<table>/dt=…/*.parquet`); lakeViewStatements reads it. */
  lakeDir: string;
  pseudonymSecret: string;
  /** When the first change happens; each delivered batch is one second later. */
  startedAt: Date;
  /** Stream records per delivered batch (the AWS mapping's BatchSize). */
  batchSize?: number;
  /** Wraps the lake's object store, e.g. to make writes fail (fault tests). */
  wrapStore?: (store: ObjectStore) => ObjectStore;
  /** Records that cannot be mapped, put into the stream before the line with this 0-based index. */
  poisonBeforeLines?: readonly number[];
}

export interface LakeFeedReport {
  lines: number;
  /** Lines the ingest core rejected, with the field paths it named. */
  rejected: { eventId: unknown; paths: string[] }[];
  inserts: number;
  modifies: number;
  removes: number;
  /** Write attempts the table refused: same version and content again. */
  duplicates: number;
  /** Lower versions arriving after a correction. */
  stale: number;
  /** Stream records delivered a second time (at-least-once), one per duplicate send. */
  redelivered: number;
  batches: number;
  /** Deliveries repeated from the record the handler named in batchItemFailures (the mapping's retry). */
  retries: number;
  rows: number;
  quarantined: number;
  /** Raw client ids seen in the feed (for leak scans). */
  rawClientIds: Set<string>;
}

/** Feeds every line in order; returns what happened to them. */
export async function feedLake(lines: Iterable<GeneratedLine>, options: LakeFeedOptions): Promise<LakeFeedReport> {
  const folder = new DirectoryObjectStore(options.lakeDir);
  const store = options.wrapStore ? options.wrapStore(folder) : folder;
  const batchSize = options.batchSize ?? 5000;
  const table = new Map<string, StoredEvent>();
  /** The last stream record of each item, re-delivered when the clinic re-sends the event. */
  const lastRecord = new Map<string, DynamoDBRecord>();
  const report: LakeFeedReport = {
    lines: 0,
    rejected: [],
    inserts: 0,
    modifies: 0,
    removes: 0,
    duplicates: 0,
    stale: 0,
    redelivered: 0,
    batches: 0,
    retries: 0,
    rows: 0,
    quarantined: 0,
    rawClientIds: new Set(),
  };
  let sequence = 100_000_000_000;
  let pending: DynamoDBRecord[] = [];
  const clock = () => new Date(options.startedAt.getTime() + report.batches * 1000);

  /** Delivers the batch as the event source mapping does: on a partial failure, again from the named record. */
  const flush = async () => {
    let remaining = pending;
    pending = [];
    for (let attempt = 1; remaining.length > 0; attempt++) {
      if (attempt > 100) throw new Error('lake delivery kept failing after 100 attempts');
      const delivery = await deliverChanges(remaining, { store, lakePrefix: DEFAULT_LAKE_PREFIX, quarantinePrefix: DEFAULT_QUARANTINE_PREFIX, now: clock });
      report.rows += delivery.rows;
      report.quarantined += delivery.quarantined;
      const failure = delivery.batchItemFailures[0]?.itemIdentifier;
      if (failure === undefined) break;
      const from = remaining.findIndex((record) => record.dynamodb?.SequenceNumber === failure);
      if (from < 0) throw new Error(`the handler named ${failure}, which is not in the batch`);
      remaining = remaining.slice(from);
      report.retries += 1;
    }
    report.batches += 1;
  };
  const emit = async (record: DynamoDBRecord) => {
    pending.push(record);
    if (pending.length >= batchSize) await flush();
  };
  const change = (kind: 'INSERT' | 'MODIFY' | 'REMOVE', oldItem?: StoredEvent, newItem?: StoredEvent) =>
    streamRecord({ kind, seq: ++sequence, time: clock().getTime() / 1000, oldItem, newItem });

  const poison = new Set(options.poisonBeforeLines ?? []);
  for (const line of lines) {
    if (poison.has(report.lines)) {
      // An item no mapping can read (no type): must land in quarantine, not stop the stream.
      await emit(streamRecord({ kind: 'INSERT', seq: ++sequence, time: clock().getTime() / 1000, newItem: { pk: `poison#${report.lines}`, version: 1 } }));
    }
    report.lines += 1;
    if (line.kind === 'retract') {
      const pk = eventPk(line.clinicId, line.eventId);
      const stored = table.get(pk);
      if (!stored) continue; // the API answers 404; nothing changes
      table.delete(pk);
      const record = change('REMOVE', stored);
      lastRecord.set(pk, record);
      report.removes += 1;
      await emit(record);
      continue;
    }
    const raw = line.event as Record<string, unknown>;
    if (typeof raw.clientId === 'string') report.rawClientIds.add(raw.clientId);
    const [checked] = checkEvents([raw], {
      callerClinicId: String(raw.clinicId),
      pseudonymSecret: options.pseudonymSecret,
      receivedAt: clock(),
    });
    if (checked.kind === 'rejected') {
      report.rejected.push({ eventId: raw.eventId, paths: checked.errors.map((error) => error.path) });
      continue;
    }
    const next = checked.stored;
    const previous = table.get(next.pk);
    // The events table's condition: new, or a higher version of the same type.
    if (!previous || (previous.version < next.version && previous.type === next.type)) {
      table.set(next.pk, next);
      const record = change(previous ? 'MODIFY' : 'INSERT', previous, next);
      lastRecord.set(next.pk, record);
      if (previous) report.modifies += 1;
      else report.inserts += 1;
      await emit(record);
    } else if (previous.version === next.version && previous.contentHash === next.contentHash) {
      report.duplicates += 1;
      // The API writes nothing for a duplicate; what the lake does see twice is a retried stream
      // batch, so the item's last change is delivered again here (at-least-once delivery).
      const record = lastRecord.get(next.pk);
      if (record) {
        report.redelivered += 1;
        await emit(record);
      }
    } else {
      report.stale += 1;
    }
  }
  await flush();
  return report;
}
