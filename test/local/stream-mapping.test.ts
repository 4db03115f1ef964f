/** The local event source mapping's delivery semantics, on a real DynamoDB Local stream with fake handlers. */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBDocumentClient, PutCommand, DeleteCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { type DynamoDbLocal, ensureEventsTable, startDynamoDbLocal } from '../../cli/local/dynamodb-local';
import { type StreamMappingOptions, startStreamMapping } from '../../cli/local/stream-mapping';

describe('local stream mapping', () => {
  let work: string;
  let dynamo: DynamoDbLocal;
  let documents: DynamoDBDocumentClient;
  let tableCount = 0;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'stream-mapping-'));
    dynamo = await startDynamoDbLocal();
    documents = DynamoDBDocumentClient.from(dynamo.client);
  }, 60_000);

  afterAll(async () => {
    await dynamo?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  /** A fresh stream-enabled table with `count` items written (and one of them deleted). */
  async function tableWith(count: number): Promise<string> {
    const tableName = `events-${++tableCount}`;
    await ensureEventsTable(dynamo.client, tableName);
    for (let n = 0; n < count; n += 1) {
      await documents.send(new PutCommand({ TableName: tableName, Item: { pk: `item-${n}`, n } }));
    }
    return tableName;
  }

  /** Starts a mapping, waits until everything written so far is handled, stops it. */
  async function run(tableName: string, handler: StreamMappingOptions['handler'], overrides: Partial<StreamMappingOptions> = {}) {
    const mapping = await startStreamMapping({
      dynamoEndpoint: dynamo.endpoint,
      tableName,
      handler,
      batchSize: 10,
      batchingWindowMs: 0,
      maxRetries: 2,
      maxRecordAgeMs: 3_600_000,
      bisectOnError: true,
      dlqDir: join(work, `dlq-${tableName}`),
      pollIntervalMs: 50,
      retryBaseDelayMs: 10,
      ...overrides,
    });
    await mapping.idle(60_000);
    const lag = mapping.lag();
    await mapping.stop();
    return lag;
  }

  const keyOf = (record: DynamoDBStreamEvent['Records'][number]) => record.dynamodb?.Keys?.pk?.S as string;

  it('should deliver genuine stream records in order, in batches no larger than the batch size', async () => {
    // Prepare
    const tableName = await tableWith(23);
    await documents.send(new DeleteCommand({ TableName: tableName, Key: { pk: 'item-3' } }));
    const batches: DynamoDBStreamEvent['Records'][] = [];

    // Act
    const lag = await run(tableName, async (event) => {
      batches.push(event.Records);
    });

    // Assess
    const records = batches.flat();
    expect(records.map(keyOf)).toEqual([...Array.from({ length: 23 }, (_, n) => `item-${n}`), 'item-3']);
    expect(batches.every((batch) => batch.length <= 10)).toBe(true);
    expect(lag.pendingRecords).toBe(0);
    const [insert, removal] = [records[0], records[23]];
    expect(insert).toMatchObject({
      eventName: 'INSERT',
      eventSource: 'aws:dynamodb',
      eventSourceARN: expect.stringContaining(`table/${tableName}/stream/`),
      dynamodb: { Keys: { pk: { S: 'item-0' } }, NewImage: { pk: { S: 'item-0' }, n: { N: '0' } }, StreamViewType: 'NEW_AND_OLD_IMAGES' },
    });
    expect(typeof insert.dynamodb?.ApproximateCreationDateTime).toBe('number');
    expect(insert.dynamodb?.SequenceNumber).toMatch(/^\d+$/);
    expect(removal).toMatchObject({ eventName: 'REMOVE', dynamodb: { OldImage: { pk: { S: 'item-3' }, n: { N: '3' } } } });
    expect(removal.dynamodb?.NewImage).toBeUndefined();
  });

  it('should gather records that arrive within the batching window into one invocation', async () => {
    // Prepare: three records now, three more once the mapping has read the first ones.
    const tableName = await tableWith(3);
    const batches: number[] = [];
    let firstSeen!: () => void;
    const seen = new Promise<void>((resolveSeen) => (firstSeen = resolveSeen));
    const mapping = await startStreamMapping({
      dynamoEndpoint: dynamo.endpoint,
      tableName,
      handler: async (event) => void batches.push(event.Records.length),
      batchSize: 100,
      batchingWindowMs: 5000,
      dlqDir: join(work, `dlq-${tableName}`),
      pollIntervalMs: 50,
    });
    const watch = setInterval(() => mapping.lag().pendingRecords >= 3 && firstSeen(), 20);

    // Act
    await seen;
    clearInterval(watch);
    for (let n = 3; n < 6; n += 1) await documents.send(new PutCommand({ TableName: tableName, Item: { pk: `item-${n}`, n } }));
    await mapping.idle(60_000);
    await mapping.stop();

    // Assess
    expect(batches).toEqual([6]);
  });

  it('should retry from the record named in batchItemFailures and never redeliver the ones before it', async () => {
    // Prepare
    const tableName = await tableWith(10);
    const seen: string[] = [];
    let failedOnce = false;

    // Act
    await run(tableName, async (event): Promise<DynamoDBBatchResponse> => {
      seen.push(...event.Records.map(keyOf));
      const item6 = event.Records.find((record) => keyOf(record) === 'item-6');
      if (item6 && !failedOnce) {
        failedOnce = true;
        return { batchItemFailures: [{ itemIdentifier: item6.dynamodb!.SequenceNumber! }] };
      }
      return { batchItemFailures: [] };
    });

    // Assess
    expect(seen).toEqual([...Array.from({ length: 10 }, (_, n) => `item-${n}`), 'item-6', 'item-7', 'item-8', 'item-9']);
  });

  it('should bisect a failing batch, deliver the good records and dead-letter the poison one with its stream position', async () => {
    // Prepare
    const tableName = await tableWith(8);
    const delivered: string[] = [];
    let poisonAttempts = 0;

    // Act
    const lag = await run(tableName, async (event) => {
      if (event.Records.some((record) => keyOf(record) === 'item-5')) {
        if (event.Records.length === 1) poisonAttempts += 1;
        throw new Error('cannot handle item-5');
      }
      delivered.push(...event.Records.map(keyOf));
    });

    // Assess
    expect(delivered).toEqual(['item-0', 'item-1', 'item-2', 'item-3', 'item-4', 'item-6', 'item-7']);
    expect(poisonAttempts).toBe(3); // first try + maxRetries
    expect(lag.dlqBatches).toBe(1);
    const dlqDir = join(work, `dlq-${tableName}`);
    const [file] = readdirSync(dlqDir);
    const message = JSON.parse(readFileSync(join(dlqDir, file), 'utf8'));
    expect(message).toMatchObject({
      requestContext: { condition: 'RetryAttemptsExhausted', approximateInvokeCount: 3 },
      lastError: 'cannot handle item-5',
      DDBStreamBatchInfo: { batchSize: 1, shardId: expect.any(String), streamArn: expect.stringContaining(tableName) },
    });
    expect(message.DDBStreamBatchInfo.startSequenceNumber).toBe(message.DDBStreamBatchInfo.endSequenceNumber);
    expect(JSON.stringify(message)).not.toMatch(/NewImage|Records/); // pointers only, like the SQS on-failure record
  });

  it('should treat an invocation that outlives the handler timeout as a failure and retry it', async () => {
    // Prepare
    const tableName = await tableWith(2);
    let calls = 0;

    // Act
    const lag = await run(
      tableName,
      async () => {
        calls += 1;
        if (calls === 1) await new Promise(() => {}); // never settles, like a hung invocation
      },
      { handlerTimeoutMs: 200, bisectOnError: false },
    );

    // Assess
    expect(calls).toBe(2);
    expect(lag.dlqBatches).toBe(0);
  });

  it('should resume after a restart from the checkpoint file instead of redelivering everything', async () => {
    // Prepare
    const tableName = await tableWith(5);
    const checkpointFile = join(work, `${tableName}.checkpoints.json`);
    const firstRun: string[] = [];
    await run(tableName, async (event) => void firstRun.push(...event.Records.map(keyOf)), { checkpointFile });
    await documents.send(new PutCommand({ TableName: tableName, Item: { pk: 'item-late', n: 99 } }));
    const secondRun: string[] = [];

    // Act
    await run(tableName, async (event) => void secondRun.push(...event.Records.map(keyOf)), { checkpointFile });

    // Assess
    expect(existsSync(checkpointFile)).toBe(true);
    expect(firstRun).toHaveLength(5);
    expect(secondRun).toEqual(['item-late']);
  });

  it('should dead-letter records older than the maximum record age without calling the handler', async () => {
    // Prepare: the stream's creation times have one-second resolution; wait past it.
    const tableName = await tableWith(3);
    await new Promise((wait) => setTimeout(wait, 1100));
    let calls = 0;

    // Act
    const lag = await run(tableName, async () => void (calls += 1), { maxRecordAgeMs: 1 });

    // Assess
    expect(calls).toBe(0);
    expect(lag.dlqBatches).toBe(1);
    const [file] = readdirSync(join(work, `dlq-${tableName}`));
    expect(JSON.parse(readFileSync(join(work, `dlq-${tableName}`, file), 'utf8')).requestContext.condition).toBe('RecordAgeExceeded');
  });

  it('should refuse a table without a stream with a clear message', async () => {
    await expect(startStreamMapping({ dynamoEndpoint: dynamo.endpoint, tableName: 'no-such-table', handler: async () => {}, dlqDir: work })).rejects.toThrow(
      /no-such-table/,
    );
  });
});
