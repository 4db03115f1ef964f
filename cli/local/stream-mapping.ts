/**
 * The local event source mapping: polls the DynamoDB Local stream of the events table
 * and calls the stream-to-lake handler with genuine DynamoDBStreamEvent batches, with the
 * Lambda semantics that matter for correctness (per-shard order, batching by size and
 * window, ReportBatchItemFailures, retries with backoff, bisect on error, maximum record
 * age, on-failure destination). Differences from AWS: docs/local-runtime.md.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  type AttributeValue,
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  ExpiredIteratorException,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type Shard,
  TrimmedDataAccessException,
  type _Record,
} from '@aws-sdk/client-dynamodb-streams';
import type { Context, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { LOCAL_AWS_CREDENTIALS, LOCAL_REGION } from './dynamodb-local';

export type StreamHandler = (event: DynamoDBStreamEvent, context: Context) => Promise<DynamoDBBatchResponse | void | undefined | null>;

export interface StreamMappingOptions {
  dynamoEndpoint: string;
  tableName: string;
  handler: StreamHandler;
  /** Records per invocation (AWS BatchSize). */
  batchSize?: number;
  /** How long to gather records before invoking with a non-full batch (AWS MaximumBatchingWindowInSeconds). */
  batchingWindowMs?: number;
  /** Retries of a failing batch before it goes to the DLQ (AWS MaximumRetryAttempts). */
  maxRetries?: number;
  /** Records older than this go to the DLQ instead of the handler (AWS MaximumRecordAgeInSeconds). */
  maxRecordAgeMs?: number;
  /** Split a batch that makes the handler throw, to isolate the bad record (AWS BisectBatchOnFunctionError). */
  bisectOnError?: boolean;
  /** Folder receiving one JSON file per exhausted batch (the on-failure destination). */
  dlqDir: string;
  /**
   * File keeping the last delivered sequence number per shard, so a restart resumes
   * instead of redelivering the whole stream. Without it, a restart redelivers from
   * TRIM_HORIZON (harmless: delivery is idempotent, only slower).
   */
  checkpointFile?: string;
  /** Pause between polls of a shard that had nothing new (AWS polls about 4 times a second). */
  pollIntervalMs?: number;
  retryBaseDelayMs?: number;
  retryMaxDelayMs?: number;
  /** How often the shard list is refreshed (new shards after splits/rollover). */
  shardRefreshMs?: number;
  /** An invocation running longer than this counts as a function error (the Lambda timeout). */
  handlerTimeoutMs?: number;
  onDelivered?: (delivery: DeliveryInfo) => void;
  log?: (message: string, fields: Record<string, unknown>) => void;
}

export interface DeliveryInfo {
  shardId: string;
  records: number;
  firstSequenceNumber: string;
  lastSequenceNumber: string;
  attempts: number;
}

export interface MappingLag {
  /** Records read from the stream and not yet delivered (or sent to the DLQ). */
  pendingRecords: number;
  /** Age of the oldest pending record (0 when none): the local analogue of IteratorAge. */
  oldestPendingAgeMs: number;
  /** Batches sent to the DLQ since start. */
  dlqBatches: number;
}

export interface StreamMapping {
  streamArn: string;
  lag(): MappingLag;
  /** Resolves once every record written to the table before the call has been delivered (or dead-lettered). */
  idle(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

interface Checkpoints {
  streamArn: string;
  /** shardId → last sequence number delivered (or dead-lettered). */
  delivered: Record<string, string>;
  /** Shards read to their end. */
  finished: string[];
}

interface ShardState {
  shard: Shard;
  iterator?: string;
  started: boolean;
  /** The shard has no more records (closed and read to its end). */
  ended: boolean;
  buffer: DynamoDBRecord[];
  firstBufferedAt?: number;
  delivering: number;
  /** Creation time (epoch seconds) of the first record being delivered. */
  oldestInFlight?: number;
  /** Start time of the latest poll that returned nothing (undefined after a non-empty one). */
  lastEmptyPollAt?: number;
}

interface PendingBatch {
  records: DynamoDBRecord[];
  attempts: number;
}

const DEFAULTS = {
  batchSize: 100,
  batchingWindowMs: 0,
  maxRetries: 3,
  maxRecordAgeMs: 24 * 3600 * 1000,
  bisectOnError: true,
  pollIntervalMs: 250,
  retryBaseDelayMs: 200,
  retryMaxDelayMs: 5000,
  shardRefreshMs: 1000,
  handlerTimeoutMs: 15 * 60 * 1000,
};

export async function startStreamMapping(options: StreamMappingOptions): Promise<StreamMapping> {
  const settings = { ...DEFAULTS, ...definedOnly(options) };
  const log = options.log ?? (() => {});
  const clientConfig = { endpoint: options.dynamoEndpoint, region: LOCAL_REGION, credentials: LOCAL_AWS_CREDENTIALS };
  const dynamo = new DynamoDBClient(clientConfig);
  const streams = new DynamoDBStreamsClient(clientConfig);
  const table = await dynamo.send(new DescribeTableCommand({ TableName: options.tableName })).catch((error: Error) => {
    dynamo.destroy();
    streams.destroy();
    throw new Error(`cannot read table ${options.tableName} at ${options.dynamoEndpoint}: ${error.message}`, { cause: error });
  });
  const latestStreamArn = table.Table?.LatestStreamArn;
  if (!latestStreamArn || !table.Table?.StreamSpecification?.StreamEnabled) {
    dynamo.destroy();
    streams.destroy();
    throw new Error(`table ${options.tableName} has no stream; create it with NEW_AND_OLD_IMAGES (ensureEventsTable does)`);
  }
  if (table.Table.StreamSpecification.StreamViewType !== 'NEW_AND_OLD_IMAGES') {
    log('stream view type is not NEW_AND_OLD_IMAGES; retractions will be quarantined', { view: table.Table.StreamSpecification.StreamViewType });
  }
  const streamArn: string = latestStreamArn;
  mkdirSync(options.dlqDir, { recursive: true });

  const checkpoints = loadCheckpoints(options.checkpointFile, streamArn);
  const shards = new Map<string, ShardState>();
  const idleWaiters: { since: number; resolve: () => void }[] = [];
  let lastDescribeAt = -Infinity;
  let running = true;
  let dlqBatches = 0;
  const sleepers = new Set<() => void>();

  /** A pause that stop() and idle() can cut short. */
  const sleep = (ms: number) =>
    new Promise<void>((done) => {
      const finish = () => {
        clearTimeout(timer);
        sleepers.delete(finish);
        done();
      };
      const timer = setTimeout(finish, ms);
      sleepers.add(finish);
    });
  const wake = () => [...sleepers].forEach((finish) => finish());

  async function refreshShards(): Promise<void> {
    const startedAt = Date.now();
    let ExclusiveStartShardId: string | undefined;
    do {
      const page = await streams.send(new DescribeStreamCommand({ StreamArn: streamArn, ExclusiveStartShardId }));
      for (const shard of page.StreamDescription?.Shards ?? []) {
        if (!shard.ShardId || shards.has(shard.ShardId)) continue;
        const finished = checkpoints.finished.includes(shard.ShardId);
        shards.set(shard.ShardId, { shard, started: false, ended: finished, buffer: [], delivering: 0 });
      }
      ExclusiveStartShardId = page.StreamDescription?.LastEvaluatedShardId;
    } while (ExclusiveStartShardId);
    lastDescribeAt = startedAt;
  }

  /** A child shard is read only after its parent is finished, so one item's changes stay in order. */
  function readable(state: ShardState): boolean {
    if (state.ended) return false;
    const parent = state.shard.ParentShardId ? shards.get(state.shard.ParentShardId) : undefined;
    return !parent || (parent.ended && parent.buffer.length === 0 && parent.delivering === 0);
  }

  async function startIterator(state: ShardState): Promise<void> {
    const shardId = state.shard.ShardId!;
    const after = checkpoints.delivered[shardId];
    const iterator = (type: 'AFTER_SEQUENCE_NUMBER' | 'TRIM_HORIZON') =>
      streams.send(
        new GetShardIteratorCommand({
          StreamArn: streamArn,
          ShardId: shardId,
          ShardIteratorType: type,
          SequenceNumber: type === 'AFTER_SEQUENCE_NUMBER' ? after : undefined,
        }),
      );
    let response;
    try {
      response = await iterator(after ? 'AFTER_SEQUENCE_NUMBER' : 'TRIM_HORIZON');
    } catch (error) {
      if (!(after && error instanceof TrimmedDataAccessException)) throw error;
      // The checkpoint is older than the stream's retention: changes in between are gone.
      log('checkpoint trimmed from the stream; reading from the oldest record. Run `iop-outcomes backfill` to restore missed changes', {
        shardId,
      });
      response = await iterator('TRIM_HORIZON');
    }
    state.iterator = response.ShardIterator;
    state.started = true;
    if (!state.iterator) markEnded(state);
  }

  function markEnded(state: ShardState): void {
    state.ended = true;
    if (state.buffer.length === 0 && !checkpoints.finished.includes(state.shard.ShardId!)) {
      checkpoints.finished.push(state.shard.ShardId!);
      saveCheckpoints(options.checkpointFile, checkpoints);
    }
  }

  /** Reads one page from a shard into its buffer; returns the number of records read. */
  async function poll(state: ShardState): Promise<number> {
    if (!state.started) await startIterator(state);
    if (!state.iterator) return 0;
    const startedAt = Date.now();
    let response;
    try {
      response = await streams.send(new GetRecordsCommand({ ShardIterator: state.iterator, Limit: 1000 }));
    } catch (error) {
      if (error instanceof ExpiredIteratorException || error instanceof TrimmedDataAccessException) {
        // Resume from the last checkpoint; anything buffered is read again, so drop it.
        state.buffer = [];
        state.firstBufferedAt = undefined;
        state.started = false;
        return 0;
      }
      throw error;
    }
    const records = (response.Records ?? []).map((record) => lambdaRecord(record, streamArn));
    state.iterator = response.NextShardIterator;
    if (records.length > 0) {
      if (state.buffer.length === 0) state.firstBufferedAt = Date.now();
      state.buffer.push(...records);
      state.lastEmptyPollAt = undefined;
    } else {
      state.lastEmptyPollAt = startedAt;
    }
    if (!state.iterator) markEnded(state);
    return records.length;
  }

  function dueBatch(state: ShardState): DynamoDBRecord[] | undefined {
    if (state.buffer.length === 0 || state.delivering > 0) return undefined;
    const full = state.buffer.length >= settings.batchSize;
    const windowOver = Date.now() - (state.firstBufferedAt ?? 0) >= settings.batchingWindowMs;
    if (!full && !windowOver && !state.ended) return undefined;
    const batch = state.buffer.splice(0, settings.batchSize);
    state.firstBufferedAt = state.buffer.length > 0 ? Date.now() : undefined;
    return batch;
  }

  async function deliver(state: ShardState, records: DynamoDBRecord[]): Promise<void> {
    state.delivering = records.length;
    state.oldestInFlight = records[0]?.dynamodb?.ApproximateCreationDateTime;
    const queue: PendingBatch[] = [{ records, attempts: 0 }];
    try {
      while (queue.length > 0 && running) {
        const batch = queue[0];
        if (tooOld(batch.records)) {
          deadLetter(state, batch, 'RecordAgeExceeded', 'record older than maxRecordAgeMs');
          queue.shift();
          continue;
        }
        const outcome = await invoke(batch.records);
        if (outcome.kind === 'ok') {
          checkpoint(state, batch.records[batch.records.length - 1]);
          options.onDelivered?.({
            shardId: state.shard.ShardId!,
            records: batch.records.length,
            firstSequenceNumber: sequenceOf(batch.records[0]),
            lastSequenceNumber: sequenceOf(batch.records[batch.records.length - 1]),
            attempts: batch.attempts + 1,
          });
          queue.shift();
          continue;
        }
        if (outcome.kind === 'partial') {
          // Everything before the reported record is done; retry from it.
          if (outcome.failedAt > 0) checkpoint(state, batch.records[outcome.failedAt - 1]);
          batch.records = batch.records.slice(outcome.failedAt);
        } else if (settings.bisectOnError && batch.records.length > 1) {
          // As on AWS, splitting does not count against the retry quota.
          const middle = Math.ceil(batch.records.length / 2);
          queue.splice(0, 1, { records: batch.records.slice(0, middle), attempts: batch.attempts }, { records: batch.records.slice(middle), attempts: batch.attempts });
          log('handler failed; batch bisected', { shardId: state.shard.ShardId, records: batch.records.length, error: outcome.error });
          continue;
        }
        batch.attempts += 1;
        if (batch.attempts > settings.maxRetries) {
          deadLetter(state, batch, 'RetryAttemptsExhausted', outcome.error);
          queue.shift();
          continue;
        }
        log('batch failed; retrying', { shardId: state.shard.ShardId, records: batch.records.length, attempt: batch.attempts, error: outcome.error });
        await sleep(Math.min(settings.retryMaxDelayMs, settings.retryBaseDelayMs * 2 ** (batch.attempts - 1)));
      }
    } finally {
      state.delivering = 0;
      state.oldestInFlight = undefined;
    }
  }

  type Outcome = { kind: 'ok' } | { kind: 'partial'; failedAt: number; error: string } | { kind: 'error'; error: string };

  async function invoke(records: DynamoDBRecord[]): Promise<Outcome> {
    let response: DynamoDBBatchResponse | void | undefined | null;
    let timer: NodeJS.Timeout | undefined;
    try {
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`Task timed out after ${settings.handlerTimeoutMs} ms`)), settings.handlerTimeoutMs);
      });
      response = await Promise.race([options.handler({ Records: records }, lambdaContext(options.tableName, settings.handlerTimeoutMs)), timeout]);
    } catch (error) {
      return { kind: 'error', error: (error as Error)?.message ?? String(error) };
    } finally {
      clearTimeout(timer);
    }
    const failures = response?.batchItemFailures ?? [];
    if (failures.length === 0) return { kind: 'ok' };
    // AWS: an identifier that is empty or not in the batch fails the whole batch.
    const positions = failures.map((failure) => records.findIndex((record) => sequenceOf(record) === failure.itemIdentifier));
    if (positions.some((position) => position < 0)) {
      return { kind: 'error', error: 'batchItemFailures named a record that is not in the batch' };
    }
    return { kind: 'partial', failedAt: Math.min(...positions), error: `handler reported ${failures.length} failed record(s)` };
  }

  function tooOld(records: DynamoDBRecord[]): boolean {
    const created = records[0]?.dynamodb?.ApproximateCreationDateTime;
    return typeof created === 'number' && Date.now() - created * 1000 > settings.maxRecordAgeMs;
  }

  function checkpoint(state: ShardState, record: DynamoDBRecord): void {
    checkpoints.delivered[state.shard.ShardId!] = sequenceOf(record);
    if (state.ended && state.buffer.length === 0 && !checkpoints.finished.includes(state.shard.ShardId!)) {
      checkpoints.finished.push(state.shard.ShardId!);
    }
    saveCheckpoints(options.checkpointFile, checkpoints);
  }

  /** Writes what an SQS on-failure record holds: pointers to the batch in the stream, not the records. */
  function deadLetter(state: ShardState, batch: PendingBatch, condition: string, error: string): void {
    const first = batch.records[0];
    const last = batch.records[batch.records.length - 1];
    const now = new Date();
    const message = {
      requestContext: { requestId: `local-${now.getTime()}`, functionArn: 'local:stream-to-lake', condition, approximateInvokeCount: batch.attempts },
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: condition === 'RecordAgeExceeded' ? null : 'Unhandled' },
      version: '1.0',
      timestamp: now.toISOString(),
      lastError: error,
      DDBStreamBatchInfo: {
        shardId: state.shard.ShardId,
        startSequenceNumber: sequenceOf(first),
        endSequenceNumber: sequenceOf(last),
        approximateArrivalOfFirstRecord: arrival(first),
        approximateArrivalOfLastRecord: arrival(last),
        batchSize: batch.records.length,
        streamArn,
      },
    };
    const file = join(options.dlqDir, `${now.toISOString().replace(/[:.]/g, '-')}-${state.shard.ShardId}-${sequenceOf(first)}.json`);
    writeFileSync(file, `${JSON.stringify(message, null, 2)}\n`);
    dlqBatches += 1;
    log('batch sent to the DLQ', { shardId: state.shard.ShardId, records: batch.records.length, condition, file });
    checkpoint(state, last);
  }

  function isIdleSince(since: number): boolean {
    if (lastDescribeAt < since) return false;
    for (const state of shards.values()) {
      if (state.buffer.length > 0 || state.delivering > 0) return false;
      if (state.ended) continue;
      if (state.lastEmptyPollAt === undefined || state.lastEmptyPollAt < since) return false;
    }
    return true;
  }

  function settleIdleWaiters(): void {
    for (let index = idleWaiters.length - 1; index >= 0; index -= 1) {
      if (isIdleSince(idleWaiters[index].since)) idleWaiters.splice(index, 1)[0].resolve();
    }
  }

  /** One round for a shard: read a page if there is room, then deliver every batch that is due. */
  async function runShard(state: ShardState): Promise<number> {
    const read = state.buffer.length < settings.batchSize ? await poll(state) : 0;
    for (let batch = dueBatch(state); batch && running; batch = dueBatch(state)) await deliver(state, batch);
    if (state.ended && state.buffer.length === 0 && !checkpoints.finished.includes(state.shard.ShardId!)) {
      checkpoints.finished.push(state.shard.ShardId!);
      saveCheckpoints(options.checkpointFile, checkpoints);
    }
    return read;
  }

  const loop = (async () => {
    let lastRefresh = -Infinity;
    while (running) {
      try {
        const idleWaiterNeedsShards = idleWaiters.some((waiter) => lastDescribeAt < waiter.since);
        if (Date.now() - lastRefresh >= settings.shardRefreshMs || idleWaiterNeedsShards) {
          lastRefresh = Date.now();
          await refreshShards();
        }
        const active = [...shards.values()].filter(readable);
        const read = await Promise.all(active.map(runShard));
        settleIdleWaiters();
        // Keep reading while the stream has more; otherwise wait for the next poll or window end.
        if (running && !read.some((count) => count > 0)) await sleep(nextPause(active));
      } catch (error) {
        log('stream polling failed; retrying', { error: (error as Error)?.message ?? String(error) });
        await sleep(settings.retryMaxDelayMs);
      }
    }
  })();

  /** Sleep until the next poll, or until a batching window closes, whichever is first. */
  function nextPause(active: ShardState[]): number {
    let pause = settings.pollIntervalMs;
    for (const state of active) {
      if (state.firstBufferedAt !== undefined) {
        pause = Math.min(pause, Math.max(0, state.firstBufferedAt + settings.batchingWindowMs - Date.now()));
      }
    }
    return pause;
  }

  function lag(): MappingLag {
    let pendingRecords = 0;
    let oldest = Infinity;
    for (const state of shards.values()) {
      pendingRecords += state.buffer.length + state.delivering;
      const created = state.oldestInFlight ?? state.buffer[0]?.dynamodb?.ApproximateCreationDateTime;
      if (typeof created === 'number') oldest = Math.min(oldest, created * 1000);
    }
    return { pendingRecords, oldestPendingAgeMs: Number.isFinite(oldest) ? Math.max(0, Date.now() - oldest) : 0, dlqBatches };
  }

  return {
    streamArn,
    lag,
    idle(timeoutMs = 60_000) {
      return new Promise<void>((resolveIdle, reject) => {
        const since = Date.now();
        const timer = setTimeout(() => {
          const index = idleWaiters.findIndex((waiter) => waiter.resolve === done);
          if (index >= 0) idleWaiters.splice(index, 1);
          reject(new Error(`stream mapping not idle after ${timeoutMs} ms: ${JSON.stringify(lag())}`));
        }, timeoutMs);
        const done = () => {
          clearTimeout(timer);
          resolveIdle();
        };
        idleWaiters.push({ since, resolve: done });
        wake();
      });
    },
    async stop() {
      running = false;
      wake();
      await loop;
      for (const waiter of idleWaiters.splice(0)) waiter.resolve();
      dynamo.destroy();
      streams.destroy();
    },
  };
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as Partial<T>;
}

function sequenceOf(record: DynamoDBRecord): string {
  return record.dynamodb?.SequenceNumber ?? '';
}

function arrival(record: DynamoDBRecord): string | null {
  const created = record.dynamodb?.ApproximateCreationDateTime;
  return typeof created === 'number' ? new Date(created * 1000).toISOString() : null;
}

function loadCheckpoints(file: string | undefined, streamArn: string): Checkpoints {
  const fresh: Checkpoints = { streamArn, delivered: {}, finished: [] };
  if (!file || !existsSync(file)) return fresh;
  const saved = JSON.parse(readFileSync(file, 'utf8')) as Checkpoints;
  // A different stream (the table was recreated): old positions mean nothing.
  return saved.streamArn === streamArn ? { ...fresh, ...saved } : fresh;
}

function saveCheckpoints(file: string | undefined, checkpoints: Checkpoints): void {
  if (!file) return;
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(`${file}.tmp`, JSON.stringify(checkpoints));
  renameSync(`${file}.tmp`, file);
}

/** Converts a DynamoDB Streams API record to the shape Lambda passes to the handler. */
export function lambdaRecord(record: _Record, streamArn: string): DynamoDBRecord {
  const stream = record.dynamodb ?? {};
  const created = stream.ApproximateCreationDateTime;
  return {
    eventID: record.eventID,
    eventName: record.eventName as DynamoDBRecord['eventName'],
    eventVersion: record.eventVersion,
    eventSource: record.eventSource ?? 'aws:dynamodb',
    awsRegion: record.awsRegion,
    eventSourceARN: streamArn,
    ...(record.userIdentity ? { userIdentity: record.userIdentity } : {}),
    dynamodb: {
      // Lambda sends epoch seconds; the SDK parses them into a Date.
      ApproximateCreationDateTime: created instanceof Date ? created.getTime() / 1000 : (created as number | undefined),
      Keys: image(stream.Keys),
      NewImage: image(stream.NewImage),
      OldImage: image(stream.OldImage),
      SequenceNumber: stream.SequenceNumber,
      SizeBytes: stream.SizeBytes,
      StreamViewType: stream.StreamViewType as NonNullable<DynamoDBRecord['dynamodb']>['StreamViewType'],
    },
  } as DynamoDBRecord;
}

type LambdaAttribute = Record<string, unknown>;

function image(value: Record<string, AttributeValue> | undefined): Record<string, LambdaAttribute> | undefined {
  if (!value) return undefined;
  return Object.fromEntries(Object.entries(value).map(([name, attribute]) => [name, lambdaAttribute(attribute)]));
}

/** Lambda's JSON form of an attribute value: binaries base64, everything else as the API sends it. */
function lambdaAttribute(attribute: AttributeValue): LambdaAttribute {
  if (attribute.B !== undefined) return { B: Buffer.from(attribute.B).toString('base64') };
  if (attribute.BS !== undefined) return { BS: attribute.BS.map((entry) => Buffer.from(entry).toString('base64')) };
  if (attribute.M !== undefined) return { M: image(attribute.M) };
  if (attribute.L !== undefined) return { L: attribute.L.map(lambdaAttribute) };
  return Object.fromEntries(Object.entries(attribute).filter(([, entry]) => entry !== undefined));
}

function lambdaContext(tableName: string, timeoutMs: number): Context {
  const deadline = Date.now() + timeoutMs;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: 'stream-to-lake',
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${LOCAL_REGION}:000000000000:function:stream-to-lake`,
    memoryLimitInMB: '1024',
    awsRequestId: `local-${Date.now()}-${Math.random().toString(16).slice(2)}`,
    logGroupName: `/local/stream-to-lake/${tableName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}
