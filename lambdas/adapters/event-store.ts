/**
 * The events table as a port (`EventStore`) and its DynamoDB adapter: conditional
 * Puts sent in TransactWriteItems chunks, each event still judged by its own
 * condition and classified on its own; bounded concurrency, retries with backoff,
 * and a deadline the caller can answer by. Why: docs/adr/0012 (conditions),
 * 0014 (transactions), 0015 (deadline).
 */
import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, DynamoDBDocumentClient, GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { eventPk, type StoredEvent } from '../core/events-table';
import type { SaveOutcome } from '../core/ingest';
import { itemBytes, transactionChunks, writeRounds } from './transaction-chunks';

export interface SaveOptions {
  /**
   * Epoch ms by which the call returns (the caller's own deadline, e.g. the Lambda
   * timeout less the time to answer): no attempt starts after it, and writes still
   * running at it are abandoned — their events come back `failed`.
   */
  deadlineAt?: number;
  /** Abandons the writes still running when it aborts (e.g. middy's timeout signal), like the deadline. */
  signal?: AbortSignal;
}

export interface EventStore {
  /** Writes each event if it is new or a higher version of the same type; outcomes in input order. */
  save(events: StoredEvent[], options?: SaveOptions): Promise<SaveOutcome[]>;
  /** Deletes the event (the stream's REMOVE record is the lake's tombstone). */
  retract(clinicId: string, eventId: string, options?: SaveOptions): Promise<'retracted' | 'not_found'>;
}

/** The table kept refusing (throttling), or stayed too slow to answer before the deadline. */
export class StoreThrottledError extends Error {
  constructor(options?: ErrorOptions) {
    super('the events table is busy (throttling or too slow to answer in time); retry later', options);
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

/** ~2.5 s of backoff at most per transaction; the deadline cuts it shorter. */
export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxAttempts: 8, baseDelayMs: 25, maxDelayMs: 1000 };
/** Transactions in flight at once (each up to 100 events). */
export const DEFAULT_WRITE_CONCURRENCY = 4;

export interface DynamoEventStoreOptions {
  tableName: string;
  client?: DynamoDBDocumentClient;
  /** Transactions in flight at once. */
  concurrency?: number;
  retry?: RetryPolicy;
  /** Injected in tests so backoff takes no wall-clock time. */
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  now?: () => number;
}

type Trouble = 'throttled' | 'unavailable';

const CONDITION_NEW_OR_HIGHER_VERSION = 'attribute_not_exists(pk) OR (version < :version AND #type = :type)';
/** Cancellation reasons that say "not now" rather than "no": the item is tried again after a backoff. */
const CONTENTION_REASONS = new Set(['TransactionConflict', 'ProvisionedThroughputExceeded', 'ThrottlingError']);

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

  /** Full jitter: a random wait up to 25 ms doubling per failure, capped. */
  const backoff = (failures: number) => random() * Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (failures - 1));

  /** Runs `send` until it succeeds or a non-retryable error, the attempt cap or the deadline stops it. */
  async function withRetries<T>(send: (signal: AbortSignal) => Promise<T>, budget: Budget): Promise<T> {
    for (let attempt = 1; ; attempt += 1) {
      if (budget.expired()) throw new StoreThrottledError({ cause: new Error('the deadline passed before the table answered') });
      try {
        return await send(budget.signal);
      } catch (error) {
        if (budget.signal.aborted) throw new StoreThrottledError({ cause: error });
        const kind = transientKind(error);
        if (!kind) throw error;
        const delay = backoff(attempt);
        if (attempt >= policy.maxAttempts || budget.wouldExpire(delay)) {
          throw kind === 'throttled' ? new StoreThrottledError({ cause: error }) : new StoreUnavailableError({ cause: error });
        }
        await sleep(delay);
      }
    }
  }

  function transaction(events: StoredEvent[], token: string): TransactWriteCommand {
    return new TransactWriteCommand({
      // The same token on a retry after a lost answer makes DynamoDB report the first, committed try.
      ClientRequestToken: token,
      TransactItems: events.map((event) => ({
        Put: {
          TableName: tableName,
          Item: event,
          ConditionExpression: CONDITION_NEW_OR_HIGHER_VERSION,
          ExpressionAttributeNames: { '#type': 'type' },
          ExpressionAttributeValues: { ':version': event.version, ':type': event.type },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        },
      })),
    });
  }

  async function readStored(pk: string, budget: Budget): Promise<StoredFacts | undefined> {
    const read = await withRetries(
      (signal) => untilAborted(client.send(new GetCommand({ TableName: tableName, Key: { pk }, ConsistentRead: true }), { abortSignal: signal }), signal),
      budget,
    );
    return storedFacts(read.Item);
  }

  /**
   * Writes one chunk until every event in it has an outcome. A cancelled
   * transaction settles the events that failed their own condition and sends the
   * others again; contention and throttling back off first. Returns the trouble
   * that made it give up, if it did.
   */
  async function writeChunk(chunk: number[], events: StoredEvent[], outcomes: SaveOutcome[], budget: Budget): Promise<Trouble | undefined> {
    let pending = chunk;
    let token = randomUUID();
    let failures = 0;
    let trouble: Trouble = 'throttled';
    const raced = new Set<number>();
    const giveUp = (kind: Trouble) => {
      for (const position of pending) outcomes[position] = { status: 'failed', reason: kind };
      return kind;
    };
    while (pending.length > 0) {
      if (budget.expired()) return giveUp(trouble);
      let retryAs: Trouble;
      try {
        const writes = transaction(
          pending.map((position) => events[position]),
          token,
        );
        await untilAborted(client.send(writes, { abortSignal: budget.signal }), budget.signal);
        for (const position of pending) outcomes[position] = { status: 'accepted' };
        return undefined;
      } catch (error) {
        // Abandoned at the deadline: whether it committed is unknown, and a resend is answered `duplicate`.
        if (budget.signal.aborted) return giveUp(trouble);
        const reasons = cancellationReasons(error, pending.length);
        if (!reasons) {
          const kind = transientKind(error);
          if (!kind) throw error;
          retryAs = kind;
        } else {
          const again: number[] = [];
          const refused: { position: number; item: unknown }[] = [];
          let contended = false;
          reasons.forEach((reason, at) => {
            const position = pending[at];
            if (reason.Code === 'None') again.push(position);
            else if (reason.Code === 'ConditionalCheckFailed') refused.push({ position, item: reason.Item });
            else if (CONTENTION_REASONS.has(reason.Code ?? '')) {
              again.push(position);
              contended = true;
            } else {
              throw new Error(
                `DynamoDB cancelled the write of an event for "${reason.Code}"; no client input should cause this, so check the table and the item shape`,
                { cause: error },
              );
            }
          });
          try {
            again.push(...(await settleRefused(refused, events, outcomes, raced, budget)));
          } catch (failure) {
            if (!(failure instanceof StoreThrottledError || failure instanceof StoreUnavailableError)) throw failure;
            pending = pending.filter((position) => outcomes[position] === undefined);
            return giveUp(failure instanceof StoreThrottledError ? 'throttled' : 'unavailable');
          }
          pending = again.sort((a, b) => a - b);
          token = randomUUID();
          // Refusals settled some events, so the rest goes again at once; only contention waits.
          if (!contended && refused.length > 0) continue;
          retryAs = contended ? 'throttled' : 'unavailable';
        }
      }
      failures += 1;
      trouble = retryAs;
      const delay = backoff(failures);
      if (failures >= policy.maxAttempts || budget.wouldExpire(delay)) return giveUp(trouble);
      await sleep(delay);
    }
    return undefined;
  }

  /**
   * Classifies events whose condition failed, from the item the cancellation
   * returned (or a consistent read). Returns the ones to write again: their item
   * was gone by the time we read it, so a retraction raced us (once only).
   */
  async function settleRefused(
    refused: { position: number; item: unknown }[],
    events: StoredEvent[],
    outcomes: SaveOutcome[],
    raced: Set<number>,
    budget: Budget,
  ): Promise<number[]> {
    const facts = await Promise.all(refused.map(({ position, item }) => storedFacts(item) ?? readStored(events[position].pk, budget)));
    const again: number[] = [];
    refused.forEach(({ position }, at) => {
      const stored = facts[at];
      if (stored) outcomes[position] = classify(events[position], stored);
      else if (!raced.has(position)) {
        raced.add(position);
        again.push(position);
      } else outcomes[position] = { status: 'failed', reason: 'unavailable' };
    });
    return again;
  }

  return {
    async save(events, saveOptions = {}) {
      const outcomes: SaveOutcome[] = new Array(events.length);
      const budget = startBudget(saveOptions, now);
      let givenUp: Trouble | undefined;
      try {
        for (const round of writeRounds(events)) {
          const chunks = transactionChunks(round, (position) => itemBytes(events[position]));
          await inParallel(chunks, concurrency, async (chunk) => {
            // Once the table has refused one chunk for good, hammering it with the rest only makes it worse.
            if (givenUp) {
              for (const position of chunk) outcomes[position] = { status: 'failed', reason: givenUp };
              return;
            }
            const trouble = await writeChunk(chunk, events, outcomes, budget);
            if (trouble) givenUp ??= trouble;
          });
        }
      } finally {
        budget.release();
      }
      return outcomes;
    },

    async retract(clinicId, eventId, retractOptions = {}) {
      const budget = startBudget(retractOptions, now);
      try {
        await withRetries(
          (signal) =>
            untilAborted(
              client.send(
                new DeleteCommand({
                  TableName: tableName,
                  Key: { pk: eventPk(clinicId, eventId) },
                  ConditionExpression: 'attribute_exists(pk)',
                }),
                { abortSignal: signal },
              ),
              signal,
            ),
          budget,
        );
        return 'retracted';
      } catch (error) {
        if (isConditionFailed(error)) return 'not_found';
        throw error;
      } finally {
        budget.release();
      }
    },
  };
}

/** One call's time budget: the deadline, and a signal that aborts requests still running at it. */
interface Budget {
  signal: AbortSignal;
  /** The deadline has passed or the caller aborted: start nothing new. */
  expired(): boolean;
  /** Waiting `ms` would reach the deadline. */
  wouldExpire(ms: number): boolean;
  release(): void;
}

function startBudget(options: SaveOptions, now: () => number): Budget {
  const controller = new AbortController();
  const abort = () => controller.abort();
  const { deadlineAt, signal } = options;
  const timer = deadlineAt === undefined ? undefined : setTimeout(abort, Math.max(0, deadlineAt - now()));
  if (signal?.aborted) abort();
  else signal?.addEventListener('abort', abort, { once: true });
  return {
    signal: controller.signal,
    expired: () => controller.signal.aborted || (deadlineAt !== undefined && now() >= deadlineAt),
    wouldExpire: (ms) => deadlineAt !== undefined && now() + ms >= deadlineAt,
    release() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', abort);
    },
  };
}

/** Settles as `request` does, or rejects as soon as `signal` aborts, even if the request ignores the signal. */
function untilAborted<T>(request: Promise<T>, signal: AbortSignal): Promise<T> {
  const aborted = () => Object.assign(new Error('the request was abandoned at the deadline'), { name: 'AbortError' });
  if (signal.aborted) {
    request.catch(() => undefined);
    return Promise.reject(aborted());
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(aborted());
    signal.addEventListener('abort', onAbort, { once: true });
    request.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/** Runs `work` over `tasks`, at most `limit` at once; after an error no new task starts, and the first error is thrown. */
async function inParallel<T>(tasks: T[], limit: number, work: (task: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    while (next < tasks.length && !failure) {
      const task = tasks[next++];
      try {
        await work(task);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
  if (failure) throw failure.error;
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

interface CancellationReason {
  Code?: string;
  Item?: unknown;
}

/**
 * The per-item reasons of a cancelled transaction, in item order; undefined for
 * any other error, and for a cancellation without one reason per item (then we
 * cannot tell which item failed, so the whole chunk is retried as an outage).
 */
function cancellationReasons(error: unknown, items: number): CancellationReason[] | undefined {
  const failure = error as { name?: string; CancellationReasons?: CancellationReason[] };
  if (failure?.name !== 'TransactionCanceledException') return undefined;
  const reasons = failure.CancellationReasons;
  if (!Array.isArray(reasons) || reasons.length !== items || reasons.every((reason) => reason.Code === 'None')) {
    return undefined;
  }
  return reasons;
}

function isConditionFailed(error: unknown): boolean {
  return (error as { name?: string })?.name === 'ConditionalCheckFailedException';
}

const THROTTLING_ERRORS = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'TooManyRequestsException',
  // A retry with the same token while the first try is still running: wait and ask again.
  'TransactionInProgressException',
]);
const NETWORK_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN', 'ENOTFOUND']);

/** 'throttled' and 'unavailable' are worth retrying; anything else is not. */
export function transientKind(error: unknown): Trouble | undefined {
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
