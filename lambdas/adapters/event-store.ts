/**
 * The events table as a port (`EventStore`) and its DynamoDB adapter: one
 * conditional PutItem per event, classified outcomes, bounded concurrency and
 * retries with backoff. Why not BatchWriteItem: docs/adr/0012-conditional-writes-per-event.md.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { eventPk, type StoredEvent } from '../core/events-table';
import type { SaveOutcome } from '../core/ingest';

export interface SaveOptions {
  /** Epoch ms after which no new attempt starts (the caller's own deadline, e.g. the Lambda timeout). */
  deadlineAt?: number;
}

export interface EventStore {
  /** Writes each event if it is new or a higher version of the same type; outcomes in input order. */
  save(events: StoredEvent[], options?: SaveOptions): Promise<SaveOutcome[]>;
  /** Deletes the event (the stream's REMOVE record is the lake's tombstone). */
  retract(clinicId: string, eventId: string, options?: SaveOptions): Promise<'retracted' | 'not_found'>;
}

/** The table kept refusing (throttling) after every retry. */
export class StoreThrottledError extends Error {
  constructor(options?: ErrorOptions) {
    super('the events table is throttling requests; retry later', options);
    this.name = 'StoreThrottledError';
  }
}

/** The table did not answer (5xx, network) after every retry. */
export class StoreUnavailableError extends Error {
  constructor(options?: ErrorOptions) {
    super('the events table did not answer; retry later', options);
    this.name = 'StoreUnavailableError';
  }
}

export interface RetryPolicy {
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

/** ~2.5 s of backoff at most per event; the deadline cuts it shorter under API Gateway's 29 s. */
export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxAttempts: 8, baseDelayMs: 25, maxDelayMs: 1000 };
export const DEFAULT_WRITE_CONCURRENCY = 16;

export interface DynamoEventStoreOptions {
  tableName: string;
  client?: DynamoDBDocumentClient;
  concurrency?: number;
  retry?: RetryPolicy;
  /** Injected in tests so backoff takes no wall-clock time. */
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  now?: () => number;
}

const CONDITION_NEW_OR_HIGHER_VERSION = 'attribute_not_exists(pk) OR (version < :version AND #type = :type)';

let sharedClient: DynamoDBDocumentClient | undefined;

/** One client per container; retries are ours (below), so the SDK makes a single attempt. */
export function defaultDocumentClient(): DynamoDBDocumentClient {
  sharedClient ??= DynamoDBDocumentClient.from(new DynamoDBClient({ maxAttempts: 1 }), {
    marshallOptions: { removeUndefinedValues: true },
  });
  return sharedClient;
}

export function createDynamoEventStore(options: DynamoEventStoreOptions): EventStore {
  const client = options.client ?? defaultDocumentClient();
  const policy = options.retry ?? DEFAULT_RETRY_POLICY;
  const concurrency = Math.max(1, options.concurrency ?? DEFAULT_WRITE_CONCURRENCY);
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((done) => setTimeout(done, ms)));
  const random = options.random ?? Math.random;
  const now = options.now ?? Date.now;
  const { tableName } = options;

  /** Runs `send` until it succeeds or a non-retryable error, the attempt cap or the deadline stops it. */
  async function withRetries<T>(send: () => Promise<T>, deadlineAt: number | undefined): Promise<T> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await send();
      } catch (error) {
        const kind = transientKind(error);
        if (!kind) throw error;
        const delay = random() * Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
        const outOfTime = deadlineAt !== undefined && now() + delay >= deadlineAt;
        if (attempt >= policy.maxAttempts || outOfTime) {
          throw kind === 'throttled' ? new StoreThrottledError({ cause: error }) : new StoreUnavailableError({ cause: error });
        }
        await sleep(delay);
      }
    }
  }

  async function saveOne(event: StoredEvent, deadlineAt: number | undefined): Promise<SaveOutcome> {
    // Two rounds at most: a failed condition with the item gone again means a retraction raced us.
    for (let round = 0; round < 2; round += 1) {
      try {
        await withRetries(
          () =>
            client.send(
              new PutCommand({
                TableName: tableName,
                Item: event,
                ConditionExpression: CONDITION_NEW_OR_HIGHER_VERSION,
                ExpressionAttributeNames: { '#type': 'type' },
                ExpressionAttributeValues: { ':version': event.version, ':type': event.type },
                ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
              }),
            ),
          deadlineAt,
        );
        return { status: 'accepted' };
      } catch (error) {
        if (!isConditionFailed(error)) throw error;
        const stored = storedFacts((error as { Item?: unknown }).Item) ?? (await readStored(event.pk, deadlineAt));
        if (stored) return classify(event, stored);
      }
    }
    throw new StoreUnavailableError({ cause: new Error('the stored item changed during the write twice in a row') });
  }

  async function readStored(pk: string, deadlineAt: number | undefined): Promise<StoredFacts | undefined> {
    const read = await withRetries(
      () => client.send(new GetCommand({ TableName: tableName, Key: { pk }, ConsistentRead: true })),
      deadlineAt,
    );
    return storedFacts(read.Item);
  }

  return {
    async save(events, saveOptions = {}) {
      const outcomes: SaveOutcome[] = new Array(events.length);
      let next = 0;
      let givenUp: 'throttled' | 'unavailable' | undefined;
      let fatal: unknown;
      const worker = async () => {
        while (next < events.length && fatal === undefined) {
          const position = next++;
          // Once the table has refused one event for good, hammering it with the rest only makes it worse.
          if (givenUp) {
            outcomes[position] = { status: 'failed', reason: givenUp };
            continue;
          }
          try {
            outcomes[position] = await saveOne(events[position], saveOptions.deadlineAt);
          } catch (error) {
            if (error instanceof StoreThrottledError || error instanceof StoreUnavailableError) {
              givenUp = error instanceof StoreThrottledError ? 'throttled' : 'unavailable';
              outcomes[position] = { status: 'failed', reason: givenUp };
            } else {
              fatal ??= error;
            }
          }
        }
      };
      await Promise.all(Array.from({ length: Math.min(concurrency, events.length) }, worker));
      // A non-transient error (missing table, no permission) is a server fault, not a per-event outcome.
      if (fatal !== undefined) throw fatal;
      return outcomes;
    },

    async retract(clinicId, eventId, retractOptions = {}) {
      try {
        await withRetries(
          () =>
            client.send(
              new DeleteCommand({
                TableName: tableName,
                Key: { pk: eventPk(clinicId, eventId) },
                ConditionExpression: 'attribute_exists(pk)',
              }),
            ),
          retractOptions.deadlineAt,
        );
        return 'retracted';
      } catch (error) {
        if (isConditionFailed(error)) return 'not_found';
        throw error;
      }
    },
  };
}

interface StoredFacts {
  version: number;
  type: string;
  contentHash: string;
}

function classify(event: StoredEvent, stored: StoredFacts): SaveOutcome {
  if (stored.version === event.version) {
    return stored.contentHash === event.contentHash
      ? { status: 'duplicate' }
      : { status: 'conflict', reason: 'content', storedVersion: stored.version, storedType: stored.type };
  }
  if (stored.version > event.version) return { status: 'stale', storedVersion: stored.version };
  // A higher version failed the condition, so the type differs.
  return { status: 'conflict', reason: 'type', storedVersion: stored.version, storedType: stored.type };
}

/** Reads version/type/hash from an item, marshalled (`{N: "2"}`, as ALL_OLD returns it) or plain. */
function storedFacts(item: unknown): StoredFacts | undefined {
  if (!item || typeof item !== 'object') return undefined;
  const record = item as Record<string, unknown>;
  const plain = (value: unknown): unknown => {
    if (value && typeof value === 'object') {
      const attribute = value as { N?: string; S?: string };
      if (attribute.N !== undefined) return Number(attribute.N);
      if (attribute.S !== undefined) return attribute.S;
    }
    return value;
  };
  const version = plain(record.version);
  const type = plain(record.type);
  const contentHash = plain(record.contentHash);
  if (typeof version !== 'number' || typeof type !== 'string') return undefined;
  return { version, type, contentHash: typeof contentHash === 'string' ? contentHash : '' };
}

function isConditionFailed(error: unknown): boolean {
  return (error as { name?: string })?.name === 'ConditionalCheckFailedException';
}

const THROTTLING_ERRORS = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'TooManyRequestsException',
]);
const NETWORK_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN', 'ENOTFOUND']);

/** 'throttled' and 'unavailable' are worth retrying; anything else is not. */
export function transientKind(error: unknown): 'throttled' | 'unavailable' | undefined {
  const failure = error as {
    name?: string;
    code?: string;
    $fault?: string;
    $metadata?: { httpStatusCode?: number };
    $retryable?: { throttling?: boolean };
  };
  if (!failure || typeof failure !== 'object') return undefined;
  const status = failure.$metadata?.httpStatusCode;
  if (THROTTLING_ERRORS.has(failure.name ?? '') || failure.$retryable?.throttling || status === 429) return 'throttled';
  if (failure.$fault === 'server' || (status !== undefined && status >= 500)) return 'unavailable';
  if (failure.name === 'TimeoutError' || NETWORK_CODES.has(failure.code ?? '')) return 'unavailable';
  return undefined;
}
