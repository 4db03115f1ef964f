/** Builders for stored events and genuine-looking DynamoDB stream records, shared by the lake tests. */
import type { DynamoDBRecord } from 'aws-lambda';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { marshall } from '@aws-sdk/util-dynamodb';
import { type LakeRowValues, mapStreamRecord } from '../../lambdas/core/change-records';
import { type LakeTableName, lakeTable } from '../../lambdas/core/lake-columns';
import { encodeLakeParquet } from '../../lambdas/core/parquet';
import { type ClinicEventInput, eventSchema } from '../../lambdas/core/event-schema';
import { type StoredEvent, toStoredEvent } from '../../lambdas/core/events-table';

export const STREAM_ARN = 'arn:aws:dynamodb:us-east-1:000000000000:table/events/stream/2026-01-01T00:00:00.000';

/** Validates a contract event and stores it the way the ingest API does (pseudonymous client key). */
export function stored(event: ClinicEventInput, receivedAt = '2026-03-01T10:15:00.000Z'): StoredEvent {
  const parsed = eventSchema.parse(event);
  return toStoredEvent(parsed, `key-${parsed.clientId}`, receivedAt, `hash-${parsed.eventId}-${parsed.version}`);
}

export function enrollment(overrides: Partial<Record<string, unknown>> = {}): ClinicEventInput {
  return {
    type: 'enrollment',
    eventId: 'enr-1',
    clinicId: 'clinic-a',
    clientId: 'C001',
    episodeId: 'ep-1',
    admissionDate: '2024-02-29',
    programId: 'iop-adult',
    primarySubstance: 'opioids',
    ...overrides,
  } as ClinicEventInput;
}

export function drugTest(overrides: Partial<Record<string, unknown>> = {}): ClinicEventInput {
  return {
    type: 'drug_test',
    eventId: 'dt-1',
    clinicId: 'clinic-a',
    clientId: 'C001',
    episodeId: 'ep-1',
    scheduledDate: '2026-01-05',
    collectedDate: '2026-01-05',
    status: 'collected',
    random: true,
    results: [
      { substance: 'opioids', result: 'negative' },
      { substance: 'buprenorphine', result: 'positive', prescribed: true },
    ],
    ...overrides,
  } as ClinicEventInput;
}

export interface ChangeSpec {
  kind: 'INSERT' | 'MODIFY' | 'REMOVE';
  seq: string | number;
  /** Seconds since the epoch (what the stream carries). */
  time?: number;
  oldItem?: object;
  newItem?: object;
}

/** A stream record shaped like what Lambda receives from a NEW_AND_OLD_IMAGES stream. */
export function streamRecord(change: ChangeSpec): DynamoDBRecord {
  const item = (change.newItem ?? change.oldItem) as { pk?: string } | undefined;
  const image = (value: object | undefined) =>
    value ? (marshall(value, { removeUndefinedValues: true }) as NonNullable<DynamoDBRecord['dynamodb']>['NewImage']) : undefined;
  return {
    eventID: `id-${change.seq}`,
    eventName: change.kind,
    eventVersion: '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: 'us-east-1',
    eventSourceARN: STREAM_ARN,
    dynamodb: {
      ApproximateCreationDateTime: change.time ?? 1_772_360_100,
      Keys: { pk: { S: item?.pk ?? 'missing' } },
      NewImage: change.kind === 'REMOVE' ? undefined : image(change.newItem),
      OldImage: image(change.oldItem),
      SequenceNumber: String(change.seq),
      SizeBytes: 100,
      StreamViewType: 'NEW_AND_OLD_IMAGES',
    },
  };
}

/** Writes each batch of changes as the Lambda would (one file per table and day). */
export function writeLake(dir: string, batches: ChangeSpec[][]): void {
  batches.forEach((batch, batchIndex) => {
    const files = new Map<string, { table: LakeTableName; rows: LakeRowValues[] }>();
    for (const change of batch) {
      const mapped = mapStreamRecord(streamRecord(change));
      if (!mapped.ok) throw new Error(mapped.quarantine.reason);
      for (const row of mapped.rows) {
        const path = join(dir, 'lake', row.table, `dt=${row.dt}`, `batch-${batchIndex}.parquet`);
        const file = files.get(path) ?? { table: row.table, rows: [] };
        file.rows.push(row.values);
        files.set(path, file);
      }
    }
    for (const [path, file] of files) {
      mkdirSync(join(path, '..'), { recursive: true });
      writeFileSync(path, encodeLakeParquet(lakeTable(file.table), file.rows));
    }
  });
}
