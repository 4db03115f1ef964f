/**
 * The lake end to end on real local servers: DynamoDB Local (with its stream) → the local
 * event source mapping → the real stream-to-lake handler → s3rver → mirror → DuckDB views.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import { DeleteCommand, DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { DuckDBInstance } from '@duckdb/node-api';
import { eventsTableScan } from '../../lambdas/adapters/events-scan';
import { lakeViewStatements } from '../../lambdas/adapters/lake-tables-duckdb';
import { S3ObjectStore } from '../../lambdas/adapters/object-store';
import { backfillLake } from '../../lambdas/core/backfill-lake';
import { BACKFILL_CHANGE_SEQ, rowsOfItem } from '../../lambdas/core/change-records';
import { LAKE_TABLES, type LakeTable } from '../../lambdas/core/lake-columns';
import { type DynamoDbLocal, LOCAL_AWS_CREDENTIALS, LOCAL_REGION, ensureEventsTable, startDynamoDbLocal } from '../../cli/local/dynamodb-local';
import { syncLakeMirror } from '../../cli/local/lake-mirror';
import { type S3Server, startS3Server } from '../../cli/local/s3-server';
import { type StreamMapping, startStreamMapping } from '../../cli/local/stream-mapping';
import { drugTest, enrollment, stored } from '../support/lake-fixtures';

const TABLE = 'events';
const BUCKET = 'lake-bucket';
/** Columns that describe the change rather than the event; the views' content is compared without them. */
const CHANGE_ONLY = new Set(['change_kind', 'change_seq', 'change_time']);

describe('the local lake', () => {
  let work: string;
  let dynamo: DynamoDbLocal;
  let s3: S3Server;
  let documents: DynamoDBDocumentClient;
  let store: S3ObjectStore;
  let handler: typeof import('../../lambdas/stream-to-lake/handler').handler;
  const mappings: StreamMapping[] = [];

  beforeAll(async () => {
    jest.spyOn(console, 'log').mockImplementation(() => {}); // the handler's structured log lines
    work = mkdtempSync(join(tmpdir(), 'local-lake-'));
    [dynamo, s3] = await Promise.all([startDynamoDbLocal(), startS3Server({ dataDir: join(work, 's3'), buckets: [BUCKET] })]);
    await ensureEventsTable(dynamo.client, TABLE);
    documents = DynamoDBDocumentClient.from(dynamo.client);
    Object.assign(process.env, {
      AWS_REGION: LOCAL_REGION,
      AWS_ACCESS_KEY_ID: LOCAL_AWS_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_AWS_CREDENTIALS.secretAccessKey,
      AWS_ENDPOINT_URL_S3: s3.endpoint,
      S3_FORCE_PATH_STYLE: 'true',
      LAKE_BUCKET: BUCKET,
    });
    ({ handler } = await import('../../lambdas/stream-to-lake/handler'));
    store = new S3ObjectStore(
      new S3Client({ endpoint: s3.endpoint, forcePathStyle: true, region: LOCAL_REGION, credentials: LOCAL_AWS_CREDENTIALS }),
      BUCKET,
    );
  }, 120_000);

  afterAll(async () => {
    await Promise.all(mappings.map((mapping) => mapping.stop()));
    await Promise.all([dynamo?.stop(), s3?.stop()]);
    rmSync(work, { recursive: true, force: true });
  });

  async function deliverStream(batchSize: number, name: string): Promise<number> {
    let delivered = 0;
    const mapping = await startStreamMapping({
      dynamoEndpoint: dynamo.endpoint,
      tableName: TABLE,
      handler,
      batchSize,
      batchingWindowMs: 100,
      maxRetries: 2,
      maxRecordAgeMs: 3_600_000,
      bisectOnError: true,
      dlqDir: join(work, `dlq-${name}`),
      pollIntervalMs: 50,
      onDelivered: (delivery) => {
        delivered += delivery.records;
      },
    });
    mappings.push(mapping);
    await mapping.idle(150_000);
    expect(mapping.lag()).toEqual({ pendingRecords: 0, oldestPendingAgeMs: 0, dlqBatches: 0 });
    await mapping.stop();
    return delivered;
  }

  /** Mirrors the bucket, then reads every _current view through DuckDB. */
  async function readViews(): Promise<{ views: Record<string, unknown[]>; lakeRows: Record<string, number>; backfillOnly: boolean }> {
    const mirror = join(work, 'mirror');
    await syncLakeMirror(store, mirror);
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    try {
      await connection.run("SET TimeZone = 'UTC'");
      for (const statement of lakeViewStatements(mirror)) await connection.run(statement);
      const views: Record<string, unknown[]> = {};
      const lakeRows: Record<string, number> = {};
      for (const table of LAKE_TABLES) {
        const reader = await connection.runAndReadAll(`SELECT ${contentColumns(table).join(', ')} FROM ${table.name}_current ORDER BY ${orderOf(table)}`);
        views[table.name] = reader.getRowObjectsJS().map(normalise);
        const count = await connection.runAndReadAll(`SELECT count(*) AS n FROM ${table.name}`);
        lakeRows[table.name] = Number(count.getRowObjectsJS()[0].n);
      }
      const seqs = await connection.runAndReadAll(`SELECT count(*) AS n FROM enrollments WHERE change_seq <> '${BACKFILL_CHANGE_SEQ}'`);
      return { views, lakeRows, backfillOnly: Number(seqs.getRowObjectsJS()[0].n) === 0 };
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
  }

  /** The table's current state, row for row, computed from a scan (independent of the lake). */
  async function tableState(): Promise<Record<string, unknown[]>> {
    const state: Record<string, Record<string, unknown>[]> = Object.fromEntries(LAKE_TABLES.map((table) => [table.name, []]));
    const scan = eventsTableScan(dynamo.client, TABLE);
    for await (const page of scan(0, 1)) {
      for (const item of page) {
        for (const row of rowsOfItem(item, { kind: 'INSERT', seq: BACKFILL_CHANGE_SEQ, time: new Date(0) })) state[row.table].push(row.values);
      }
    }
    return Object.fromEntries(
      LAKE_TABLES.map((table) => {
        const keep = contentColumns(table);
        const rows = state[table.name].map((row) => normalise(Object.fromEntries(keep.map((column) => [column, row[column]]))));
        return [table.name, rows.sort(compareBy(table))];
      }),
    );
  }

  it('should make every _current view equal the table, survive a second delivery of the whole stream, and be rebuilt by backfill', async () => {
    // Prepare: a cohort with corrections, retractions, a re-creation and every event type.
    const put = (item: object) => documents.send(new PutCommand({ TableName: TABLE, Item: item }));
    const remove = (pk: string) => documents.send(new DeleteCommand({ TableName: TABLE, Key: { pk } }));
    for (let n = 0; n < 12; n += 1) {
      const client = { clinicId: n % 3 ? 'clinic-a' : 'clinic-b', clientId: `C${n}`, episodeId: `ep-${n}` };
      await put(stored(enrollment({ ...client, eventId: `enr-${n}` }), `2026-02-0${1 + (n % 9)}T12:00:00.000Z`));
      await put(stored({ type: 'attendance', ...client, eventId: `att-${n}`, sessionDate: '2026-02-02', sessionType: 'group', status: 'attended', scheduledMinutes: 180, attendedMinutes: 170 }));
      await put(stored(drugTest({ ...client, eventId: `dt-${n}` })));
      await put(stored({ type: 'goal', ...client, eventId: `goal-${n}`, goalId: `g-${n}`, action: 'set', domain: 'housing', actionDate: '2026-02-03' }));
      await put(stored({ type: 'assessment', ...client, eventId: `asm-${n}`, timepoint: 'intake', interviewDate: '2026-02-01', status: 'completed', daysUsedPast30: n, employedOrInSchool: n % 2 === 0, stablyHoused: true, socialSupport: false, arrestsPast30: 0 }));
      if (n % 4 === 0) await put(stored({ type: 'discharge', ...client, eventId: `dis-${n}`, dischargeDate: '2026-02-27', reason: 'completed' }));
      if (n % 3 === 0) await put(stored(enrollment({ ...client, eventId: `enr-${n}`, version: 2, primarySubstance: 'alcohol' }), '2026-02-10T08:00:00.000Z'));
      if (n % 5 === 0) await put(stored(drugTest({ ...client, eventId: `dt-${n}`, version: 2, results: [{ substance: 'fentanyl', result: 'positive' }] })));
      if (n % 4 === 1) await remove(`${client.clinicId}#att-${n}`);
      if (n % 6 === 2) {
        await remove(`${client.clinicId}#dt-${n}`);
        await put(stored(drugTest({ ...client, eventId: `dt-${n}`, status: 'refused', collectedDate: undefined, results: undefined })));
      }
    }
    const expected = await tableState();
    expect(expected.drug_test_results.length).toBeGreaterThan(0);

    // Act 1: the stream, delivered once.
    const firstDelivery = await deliverStream(25, 'first');
    const first = await readViews();

    // Assess 1
    expect(first.views).toEqual(expected);
    expect(first.lakeRows.enrollments).toBe(12 + 4);

    // Act 2: the whole stream again, in other batches (new object keys): the lake doubles, the views do not move.
    const secondDelivery = await deliverStream(7, 'second');
    const second = await readViews();

    // Assess 2
    expect(secondDelivery).toBe(firstDelivery);
    expect(second.lakeRows.enrollments).toBe(2 * first.lakeRows.enrollments);
    expect(second.views).toEqual(expected);

    // Act 3: backfill from the table.
    const report = await backfillLake({ store, lakePrefix: 'lake/', scan: eventsTableScan(dynamo.client, TABLE), segments: 3, runId: 'test-1' });
    const rebuilt = await readViews();

    // Assess 3
    expect(report.skipped).toEqual([]);
    expect(report.removed).toBeGreaterThan(0);
    expect(rebuilt.backfillOnly).toBe(true);
    expect(rebuilt.lakeRows.enrollments).toBe(12);
    expect(rebuilt.views).toEqual(expected);
    expect(readdirSync(join(work, 'dlq-first'))).toEqual([]);
  }, 400_000); // generous: the machine is shared, and this runs three deliveries end to end
});

function contentColumns(table: LakeTable): string[] {
  return table.columns.map((column) => column.name).filter((name) => !CHANGE_ONLY.has(name));
}

function orderOf(table: LakeTable): string {
  return table.name === 'drug_test_results' ? 'clinic_id, event_id, substance' : 'clinic_id, event_id';
}

function compareBy(table: LakeTable) {
  const keys = orderOf(table).split(', ');
  return (a: Record<string, unknown>, b: Record<string, unknown>) => {
    for (const key of keys) {
      const left = String(a[key]);
      const right = String(b[key]);
      if (left !== right) return left < right ? -1 : 1;
    }
    return 0;
  };
}

function normalise(row: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(row).map(([name, value]) => [name, value instanceof Date ? value.toISOString() : typeof value === 'bigint' ? Number(value) : (value ?? null)]),
  );
}
