import { PutObjectCommand, type PutObjectCommandInput, S3Client } from '@aws-sdk/client-s3';
import type { DynamoDBRecord } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { S3ObjectStore } from '../../lambdas/adapters/object-store';
import { changeSeq } from '../../lambdas/core/change-records';
import { deliverChanges } from '../../lambdas/core/deliver-changes';
import { decodeLakeParquet } from '../../lambdas/core/parquet';
import { drugTest, enrollment, stored, streamRecord } from '../support/lake-fixtures';

const s3 = mockClient(S3Client);
const store = new S3ObjectStore(new S3Client({ region: 'us-east-1' }), 'lake-bucket');
const deps = { store, lakePrefix: 'lake/', quarantinePrefix: 'quarantine/' };

/** Mulberry32: a small seeded RNG so the injected failures are the same on every run. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The bucket as the mock holds it: key → body (last write wins, as in S3). */
function fakeBucket(failureRate = 0, random: () => number = Math.random) {
  const objects = new Map<string, Uint8Array | string>();
  let failures = 0;
  s3.reset();
  s3.on(PutObjectCommand).callsFake((input: PutObjectCommandInput) => {
    if (random() < failureRate) {
      failures += 1;
      throw Object.assign(new Error('We encountered an internal error. Please try again.'), { name: 'InternalError' });
    }
    objects.set(input.Key!, input.Body as Uint8Array | string);
  });
  return { objects, failures: () => failures };
}

/** Every lake row in the bucket, as [change_seq, table, substance] identities. */
async function lakeRows(objects: Map<string, Uint8Array | string>) {
  const rows: Record<string, unknown>[] = [];
  for (const [key, body] of objects) {
    if (!key.startsWith('lake/')) continue;
    const table = key.split('/')[1];
    for (const row of await decodeLakeParquet(body as Uint8Array)) rows.push({ ...row, table });
  }
  return rows;
}

/** A history of changes over several clinics, tables and days: inserts, corrections, retractions, re-creations. */
function history(): { records: DynamoDBRecord[]; expectedCurrent: Map<string, number> } {
  const records: DynamoDBRecord[] = [];
  const current = new Map<string, ReturnType<typeof stored>>();
  let seq = 1_000;
  const day = 1_772_323_200; // 2026-03-01T00:00:00Z
  const write = (item: ReturnType<typeof stored>) => {
    const old = current.get(item.pk);
    seq += 7;
    records.push(streamRecord({ kind: old ? 'MODIFY' : 'INSERT', seq, time: day + seq * 300, oldItem: old, newItem: item }));
    current.set(item.pk, item);
  };
  const remove = (pk: string) => {
    seq += 7;
    records.push(streamRecord({ kind: 'REMOVE', seq, time: day + seq * 300, oldItem: current.get(pk) }));
    current.delete(pk);
  };
  for (let n = 0; n < 40; n += 1) {
    const clinicId = n % 2 ? 'clinic-a' : 'clinic-b';
    write(stored(enrollment({ eventId: `enr-${n}`, clinicId, clientId: `C${n}`, episodeId: `ep-${n}` })));
    write(stored(drugTest({ eventId: `dt-${n}`, clinicId, clientId: `C${n}`, episodeId: `ep-${n}` })));
    if (n % 3 === 0) write(stored(enrollment({ eventId: `enr-${n}`, clinicId, clientId: `C${n}`, episodeId: `ep-${n}`, version: 2, primarySubstance: 'alcohol' })));
    if (n % 5 === 0) remove(`${clinicId}#dt-${n}`);
    if (n % 10 === 0) write(stored(drugTest({ eventId: `dt-${n}`, clinicId, clientId: `C${n}`, episodeId: `ep-${n}`, version: 2, status: 'missed', collectedDate: undefined, results: undefined })));
  }
  return { records, expectedCurrent: new Map([...current].map(([pk, item]) => [pk, item.version])) };
}

/** Plays the event source mapping: batches of `size`, resuming from whatever batchItemFailures names. */
async function replay(records: DynamoDBRecord[], size: number) {
  let position = 0;
  let invocations = 0;
  while (position < records.length) {
    const batch = records.slice(position, position + size);
    invocations += 1;
    const { batchItemFailures } = await deliverChanges(batch, deps);
    if (batchItemFailures.length === 0) {
      position += batch.length;
      continue;
    }
    const failedAt = batch.findIndex((record) => record.dynamodb?.SequenceNumber === batchItemFailures[0].itemIdentifier);
    expect(failedAt).toBeGreaterThanOrEqual(0);
    position += failedAt;
    if (invocations > 10_000) throw new Error('no progress');
  }
  return invocations;
}

/** Independent oracle of the _current views: latest change per (clinic, event), REMOVE excluded. */
function currentVersions(rows: Record<string, unknown>[]): Map<string, number> {
  const latest = new Map<string, Record<string, unknown>>();
  for (const row of rows.filter((candidate) => candidate.table !== 'drug_test_results')) {
    const pk = `${row.clinic_id}#${row.event_id}`;
    const seen = latest.get(pk);
    if (!seen || (row.change_seq as string) > (seen.change_seq as string)) latest.set(pk, row);
  }
  return new Map([...latest].filter(([, row]) => row.change_kind !== 'REMOVE').map(([pk, row]) => [pk, row.version as number]));
}

describe('stream-to-lake delivery', () => {
  it('should land every change with 20% of S3 writes failing, and the latest versions equal the table', async () => {
    // Prepare
    const bucket = fakeBucket(0.2, seededRandom(20260301));
    const { records, expectedCurrent } = history();

    // Act
    const invocations = await replay(records, 10);

    // Assess
    expect(bucket.failures()).toBeGreaterThan(5);
    expect(invocations).toBeGreaterThan(Math.ceil(records.length / 10));
    const rows = await lakeRows(bucket.objects);
    const seqsInLake = new Set(rows.map((row) => row.change_seq));
    for (const record of records) expect(seqsInLake).toContain(changeSeq(record.dynamodb!.SequenceNumber!));
    // No phantom copies: a change is in the lake at most once per invocation that covered it.
    const copies = new Map<string, number>();
    for (const row of rows.filter((candidate) => candidate.table !== 'drug_test_results')) {
      copies.set(row.change_seq as string, (copies.get(row.change_seq as string) ?? 0) + 1);
    }
    expect(Math.max(...copies.values())).toBeLessThanOrEqual(1 + bucket.failures());
    expect(currentVersions(rows)).toEqual(expectedCurrent);
  });

  it('should overwrite, not duplicate, when the same batch is delivered again', async () => {
    // Prepare
    const bucket = fakeBucket();
    const { records } = history();
    await replay(records, 25);
    const keysBefore = [...bucket.objects.keys()].sort();
    const rowsBefore = (await lakeRows(bucket.objects)).length;

    // Act
    await replay(records, 25);

    // Assess
    expect([...bucket.objects.keys()].sort()).toEqual(keysBefore);
    expect((await lakeRows(bucket.objects)).length).toBe(rowsBefore);
    expect((await lakeRows(bucket.objects)).length).toBe(records.length + 2 * records.filter((r) => r.dynamodb?.OldImage?.results || r.dynamodb?.NewImage?.results).length);
  });

  it('should write one object per table and day, never one per record', async () => {
    // Prepare
    const bucket = fakeBucket();
    const day = 1_772_323_200;
    const records = Array.from({ length: 30 }, (_, n) =>
      streamRecord({ kind: 'INSERT', seq: 100 + n, time: day + (n < 20 ? 60 : 86_400 + 60), newItem: stored(enrollment({ eventId: `e-${n}` })) }),
    );

    // Act
    const report = await deliverChanges(records, deps);

    // Assess
    expect(report.batchItemFailures).toEqual([]);
    expect([...bucket.objects.keys()]).toEqual([
      expect.stringMatching(/^lake\/enrollments\/dt=2026-03-01\/0+100-0+119-[0-9a-f]{12}\.parquet$/),
      expect.stringMatching(/^lake\/enrollments\/dt=2026-03-02\/0+120-0+129-[0-9a-f]{12}\.parquet$/),
    ]);
  });

  it('should quarantine a poison record and deliver the rest of its batch', async () => {
    // Prepare
    const bucket = fakeBucket();
    const records = [
      streamRecord({ kind: 'INSERT', seq: 1, newItem: stored(enrollment({ eventId: 'good-1' })) }),
      streamRecord({ kind: 'INSERT', seq: 2, newItem: { ...stored(enrollment({ eventId: 'poison' })), type: 'phone_call' } }),
      streamRecord({ kind: 'INSERT', seq: 3, newItem: stored(enrollment({ eventId: 'good-2' })) }),
    ];

    // Act
    const report = await deliverChanges(records, deps);

    // Assess
    expect(report.batchItemFailures).toEqual([]);
    const quarantined = bucket.objects.get(`quarantine/dt=2026-03-01/${changeSeq('2')}.json`);
    expect(JSON.parse(quarantined as string)).toEqual({
      reason: expect.stringMatching(/type "phone_call" is not one of/),
      eventName: 'INSERT',
      keys: { pk: 'clinic-a#poison' },
      sequenceNumber: '2',
      eventSourceARN: expect.any(String),
    });
    expect(quarantined).not.toContain('key-C001');
    expect((await lakeRows(bucket.objects)).map((row) => row.event_id)).toEqual(['good-1', 'good-2']);
  });

  it('should ask for a retry from the first record with an unwritten change, even if a later partition landed', async () => {
    // Prepare: records 0 and 2 go to dt=2026-03-01, records 1 and 3 to dt=2026-03-02, whose write fails.
    const day = 1_772_323_200;
    const records = [0, 1, 2, 3].map((n) =>
      streamRecord({ kind: 'INSERT', seq: 10 + n, time: day + (n % 2) * 86_400, newItem: stored(enrollment({ eventId: `e-${n}` })) }),
    );
    s3.reset();
    s3.on(PutObjectCommand).callsFake((input: PutObjectCommandInput) => {
      if (input.Key!.includes('dt=2026-03-02')) throw new Error('SlowDown');
    });

    // Act
    const report = await deliverChanges(records, deps);

    // Assess
    expect(report.batchItemFailures).toEqual([{ itemIdentifier: '11' }]);
    expect(report.written).toEqual([expect.stringContaining('dt=2026-03-01')]);
  });

  it('should ask for a retry when only the quarantine write fails', async () => {
    // Prepare
    const records = [
      streamRecord({ kind: 'INSERT', seq: 1, newItem: stored(enrollment({ eventId: 'good-1' })) }),
      streamRecord({ kind: 'INSERT', seq: 2, newItem: { ...stored(enrollment()), version: 'x' } }),
    ];
    s3.reset();
    s3.on(PutObjectCommand).callsFake((input: PutObjectCommandInput) => {
      if (input.Key!.startsWith('quarantine/')) throw new Error('AccessDenied');
    });

    // Act
    const report = await deliverChanges(records, deps);

    // Assess
    expect(report.batchItemFailures).toEqual([{ itemIdentifier: '2' }]);
  });

  it('should run as the Lambda handler with the bucket and prefixes from the environment', async () => {
    // Prepare
    const bucket = fakeBucket();
    jest.spyOn(console, 'log').mockImplementation(() => {}); // the handler's structured log line
    process.env.LAKE_BUCKET = 'lake-bucket';
    process.env.LAKE_PREFIX = 'lake-v1/';
    const { handler } = await import('../../lambdas/stream-to-lake/handler');

    // Act
    const response = await handler({ Records: [streamRecord({ kind: 'INSERT', seq: 5, newItem: stored(enrollment()) })] });

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    expect([...bucket.objects.keys()]).toEqual([expect.stringMatching(/^lake-v1\/enrollments\/dt=2026-03-01\//)]);
    delete process.env.LAKE_PREFIX;
  });
});
