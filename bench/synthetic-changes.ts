/**
 * The synthetic cohort as the events table would change under it: each wire line the
 * API would store becomes an INSERT, MODIFY (a correction) or REMOVE (a retraction) of a
 * StoredEvent, in send order, with the change time of one bulk load (as `npm start` loads
 * it). Duplicates and invalid events make no change, as in the real ingest path.
 */
import type { DynamoDBRecord } from 'aws-lambda';
import { marshall } from '@aws-sdk/util-dynamodb';
import { cohortLines, type CohortOptions } from '../cli/synthetic/emit';
import type { ChangeKind } from '../lambdas/core/change-records';
import { eventSchema } from '../lambdas/core/event-schema';
import { type StoredEvent, toStoredEvent } from '../lambdas/core/events-table';
import { contentHashOf } from '../lambdas/core/ingest';
import { clientKeyOf } from '../lambdas/core/pseudonym';

export interface StoredChange {
  kind: ChangeKind;
  /** The item after the change (before it, for REMOVE). */
  item: StoredEvent;
  /** The item before the change (MODIFY and REMOVE). */
  oldItem?: StoredEvent;
  /** Stream order, from 1. */
  sequence: number;
  time: Date;
}

export interface ChangeCounts {
  lines: number;
  /** Lines the API would store (accepted), i.e. events in the table's history. */
  events: number;
  inserts: number;
  modifies: number;
  removes: number;
  /** Duplicates and invalid events: no change in the table. */
  noChange: number;
}

export interface TableChangeOptions {
  /**
   * Compute each item's contentHash as ingest does (default). The lake has no such column,
   * so the lake builder skips it: it is a third of the cost of making a change.
   */
  contentHash?: boolean;
}

/** A fixed secret: the benchmark needs realistic keys, not secret ones. */
const BENCH_PSEUDONYM_SECRET = 'bench-pseudonym-secret-0123456789abcdef';

/** The default cohort shape of every benchmark: the demo's network, sized by admissions. */
export function benchCohort(admissions: number, seed: number | string = 1): CohortOptions {
  return { seed, clinics: 4, admissions, months: 18, asOf: '2026-06-30', clean: false };
}

/**
 * Every change of the table, in stream order. Holds only the few events waiting for a
 * correction or retraction (bounded by the generator's delay line), whatever the size.
 */
export function* tableChanges(cohort: CohortOptions, counts?: ChangeCounts, options: TableChangeOptions = {}): Generator<StoredChange> {
  const withContentHash = options.contentHash ?? true;
  const tally: ChangeCounts = counts ?? { lines: 0, events: 0, inserts: 0, modifies: 0, removes: 0, noChange: 0 };
  // The bulk load starts the day after the data cutoff; one millisecond per change.
  const loadStart = Date.parse(`${cohort.asOf}T00:00:00Z`) + 86_400_000 + 3_600_000;
  const awaitingCorrection = new Map<string, StoredEvent>();
  const awaitingRetraction = new Map<string, StoredEvent>();
  let sequence = 0;
  const next = (kind: ChangeKind, item: StoredEvent, oldItem?: StoredEvent): StoredChange => {
    sequence += 1;
    tally[kind === 'INSERT' ? 'inserts' : kind === 'MODIFY' ? 'modifies' : 'removes'] += 1;
    return { kind, item, oldItem, sequence, time: new Date(loadStart + sequence) };
  };
  for (const line of cohortLines(cohort)) {
    tally.lines += 1;
    if (line.kind === 'retract') {
      const id = `${line.clinicId}#${line.eventId}`;
      const stored = awaitingRetraction.get(id);
      awaitingRetraction.delete(id);
      if (stored) yield next('REMOVE', stored, stored);
      else tally.noChange += 1;
      continue;
    }
    if (line.role === 'duplicate' || line.role === 'invalid') {
      tally.noChange += 1;
      continue;
    }
    const parsed = eventSchema.safeParse(line.event);
    if (!parsed.success) {
      tally.noChange += 1;
      continue;
    }
    const event = parsed.data;
    const clientKey = clientKeyOf(BENCH_PSEUDONYM_SECRET, event.clinicId, event.clientId);
    const receivedAt = new Date(loadStart + sequence + 1).toISOString();
    const item = toStoredEvent(event, clientKey, receivedAt, withContentHash ? contentHashOf(event, clientKey) : '');
    const id = `${event.clinicId}#${event.eventId}`;
    tally.events += 1;
    const previous = awaitingCorrection.get(id);
    if (previous && event.version > previous.version) {
      awaitingCorrection.delete(id);
      yield next('MODIFY', item, previous);
    } else {
      yield next('INSERT', item);
    }
    if (line.role === 'superseded') awaitingCorrection.set(id, item);
    if (line.role === 'retracted') awaitingRetraction.set(id, item);
  }
}

/** Real stream sequence numbers are 21+ digit decimals; the benchmark's count up from one. */
export function streamSequenceNumber(sequence: number): string {
  return String(100_000_000_000_000_000_000n + BigInt(sequence));
}

/** The change as the stream-to-lake Lambda receives it (NEW_AND_OLD_IMAGES). */
export function streamRecordOf(change: StoredChange): DynamoDBRecord {
  const image = (item: StoredEvent | undefined) =>
    item ? (marshall(item, { removeUndefinedValues: true }) as NonNullable<DynamoDBRecord['dynamodb']>['NewImage']) : undefined;
  return {
    eventID: `bench-${change.sequence}`,
    eventName: change.kind,
    eventVersion: '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: 'us-east-1',
    eventSourceARN: 'arn:aws:dynamodb:us-east-1:000000000000:table/bench-events/stream/2026-01-01T00:00:00.000',
    dynamodb: {
      // Lambda sends epoch seconds with a fraction.
      ApproximateCreationDateTime: change.time.getTime() / 1000,
      Keys: { pk: { S: change.item.pk } },
      NewImage: change.kind === 'REMOVE' ? undefined : image(change.item),
      OldImage: image(change.oldItem),
      SequenceNumber: streamSequenceNumber(change.sequence),
      SizeBytes: 0,
      StreamViewType: 'NEW_AND_OLD_IMAGES',
    },
  };
}

/** Admissions that give about `events` stored events, from the generator's own ratio on a probe cohort. */
export function admissionsForEvents(events: number, seed: number | string = 1): number {
  const probeAdmissions = 600;
  const counts: ChangeCounts = { lines: 0, events: 0, inserts: 0, modifies: 0, removes: 0, noChange: 0 };
  for (const change of tableChanges(benchCohort(probeAdmissions, seed), counts)) void change;
  return Math.max(1, Math.round((events / counts.events) * probeAdmissions));
}
