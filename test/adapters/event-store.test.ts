import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  InternalServerError,
  ProvisionedThroughputExceededException,
  ResourceNotFoundException,
  TransactionCanceledException,
  type CancellationReason,
} from '@aws-sdk/client-dynamodb';
import { DeleteCommand, DynamoDBDocumentClient, GetCommand, TransactWriteCommand, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { createDynamoEventStore, StoreThrottledError, transientKind } from '../../lambdas/adapters/event-store';
import type { StoredEvent } from '../../lambdas/core/events-table';

const documents = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } }));
const dynamo = mockClient(documents);

function stored(eventId: string, overrides: Partial<StoredEvent> = {}): StoredEvent {
  return {
    type: 'discharge',
    eventId,
    version: 2,
    clinicId: 'riverside',
    episodeId: 'E1',
    dischargeDate: '2026-02-10',
    reason: 'completed',
    pk: `riverside#${eventId}`,
    clientPk: 'riverside#k',
    clinicMonthPk: 'riverside#2026-02',
    eventSk: `2026-02-10#discharge#${eventId}`,
    clientKey: 'k',
    receivedAt: '2026-03-01T00:00:00.000Z',
    contentHash: 'hash-a',
    ...overrides,
  } as StoredEvent;
}

const many = (count: number, prefix = 'e') => Array.from({ length: count }, (_, index) => stored(`${prefix}${index}`));
const throttle = () => new ProvisionedThroughputExceededException({ message: 'slow down', $metadata: { httpStatusCode: 400 } });
const conditionFailed = () => new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: { httpStatusCode: 400 } });
const cancelled = (reasons: CancellationReason[]) =>
  new TransactionCanceledException({ message: 'Transaction cancelled', $metadata: { httpStatusCode: 400 }, CancellationReasons: reasons });
/** An item as ALL_OLD returns it inside a cancellation reason: marshalled. */
const old = (version: number, type: string, hash: string) => ({ version: { N: String(version) }, type: { S: type }, contentHash: { S: hash } });
const refusedWith = (item?: ReturnType<typeof old>): CancellationReason => ({ Code: 'ConditionalCheckFailed', Message: 'The conditional request failed', Item: item as never });
const none: CancellationReason = { Code: 'None' };

/** The eventIds each TransactWriteItems call carried, call by call. */
function transactions(): string[][] {
  return dynamo.commandCalls(TransactWriteCommand).map((call) => (call.args[0].input.TransactItems ?? []).map((entry) => (entry.Put?.Item as StoredEvent).eventId));
}
const eventIdsOf = (input: TransactWriteCommandInput) => (input.TransactItems ?? []).map((entry) => (entry.Put?.Item as StoredEvent).eventId);

function storeWith(options: { concurrency?: number; maxAttempts?: number; now?: () => number } = {}) {
  const delays: number[] = [];
  const store = createDynamoEventStore({
    tableName: 'events',
    client: documents,
    concurrency: options.concurrency,
    retry: { maxAttempts: options.maxAttempts ?? 4, baseDelayMs: 10, maxDelayMs: 40 },
    sleep: async (ms) => {
      delays.push(ms);
    },
    random: () => 1,
    now: options.now,
  });
  return { store, delays };
}

beforeEach(() => dynamo.reset());

describe('DynamoDB event store: save', () => {
  it('should write a batch as one transaction of Puts, each with the new-or-higher-version condition', async () => {
    dynamo.on(TransactWriteCommand).resolves({});
    const { store } = storeWith();

    const outcomes = await store.save([stored('a'), stored('b', { version: 3 })]);

    expect(outcomes).toEqual([{ status: 'accepted' }, { status: 'accepted' }]);
    const input = dynamo.commandCalls(TransactWriteCommand)[0].args[0].input;
    expect(input.ClientRequestToken).toMatch(/^[0-9a-f-]{36}$/);
    expect(input.TransactItems?.map((entry) => entry.Put)).toEqual([
      expect.objectContaining({
        TableName: 'events',
        ConditionExpression: 'attribute_not_exists(pk) OR (version < :version AND #type = :type)',
        ExpressionAttributeNames: { '#type': 'type' },
        ExpressionAttributeValues: { ':version': 2, ':type': 'discharge' },
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }),
      expect.objectContaining({ ExpressionAttributeValues: { ':version': 3, ':type': 'discharge' } }),
    ]);
    expect(input.TransactItems?.[0].Put?.Item).not.toHaveProperty('clientId');
  });

  it('should split more than 100 events into transactions of at most 100, in input order', async () => {
    dynamo.on(TransactWriteCommand).resolves({});
    const { store } = storeWith({ concurrency: 1 });
    const events = many(250);

    const outcomes = await store.save(events);

    expect(outcomes).toHaveLength(250);
    expect(outcomes.every((outcome) => outcome.status === 'accepted')).toBe(true);
    expect(transactions().map((ids) => ids.length)).toEqual([100, 100, 50]);
    expect(transactions().flat()).toEqual(events.map((event) => event.eventId));
  });

  it('should keep each transaction under the 4 MB limit', async () => {
    dynamo.on(TransactWriteCommand).resolves({});
    const { store } = storeWith({ concurrency: 1 });
    // 60 items of ~100 kB: 6 MB in all, well under 100 items.
    const events = Array.from({ length: 60 }, (_, index) => stored(`big${index}`, { episodeId: 'x'.repeat(100_000) }));

    await store.save(events);

    const sizes = dynamo.commandCalls(TransactWriteCommand).map((call) => Buffer.byteLength(JSON.stringify(call.args[0].input.TransactItems)));
    expect(sizes.length).toBeGreaterThan(1);
    expect(Math.max(...sizes)).toBeLessThan(4 * 1024 * 1024);
    expect(transactions().flat()).toHaveLength(60);
  });

  it('should write two versions of one eventId in successive transactions, lowest version first', async () => {
    dynamo.on(TransactWriteCommand).resolves({});
    const { store } = storeWith({ concurrency: 4 });

    const outcomes = await store.save([stored('a', { version: 3 }), stored('b'), stored('a', { version: 1 })]);

    expect(outcomes).toEqual([{ status: 'accepted' }, { status: 'accepted' }, { status: 'accepted' }]);
    const versions = dynamo
      .commandCalls(TransactWriteCommand)
      .map((call) => (call.args[0].input.TransactItems ?? []).map((entry) => `${(entry.Put?.Item as StoredEvent).eventId}@v${(entry.Put?.Item as StoredEvent).version}`));
    expect(versions).toEqual([['b@v2', 'a@v1'], ['a@v3']]);
  });

  it('should classify each refused Put from its returned item and send the items cancelled only by the others again', async () => {
    // Prepare: one transaction of six; four fail their own condition, two were fine but cancelled with them.
    dynamo
      .on(TransactWriteCommand)
      .rejectsOnce(
        cancelled([
          refusedWith(old(2, 'discharge', 'hash-a')),
          none,
          refusedWith(old(2, 'discharge', 'hash-b')),
          refusedWith(old(5, 'discharge', 'hash-c')),
          none,
          refusedWith(old(1, 'attendance', 'hash-d')),
        ]),
      )
      .resolves({});
    const { store, delays } = storeWith();

    // Act
    const outcomes = await store.save([stored('same'), stored('fresh1'), stored('changed'), stored('older'), stored('fresh2'), stored('retyped')]);

    // Assess: refusals classified as today; the two innocent items resubmitted at once, in a new transaction with a new token.
    expect(outcomes).toEqual([
      { status: 'duplicate' },
      { status: 'accepted' },
      { status: 'conflict', reason: 'content', storedVersion: 2, storedType: 'discharge' },
      { status: 'stale', storedVersion: 5 },
      { status: 'accepted' },
      { status: 'conflict', reason: 'type', storedVersion: 1, storedType: 'attendance' },
    ]);
    expect(transactions()).toEqual([['same', 'fresh1', 'changed', 'older', 'fresh2', 'retyped'], ['fresh1', 'fresh2']]);
    const [first, second] = dynamo.commandCalls(TransactWriteCommand).map((call) => call.args[0].input.ClientRequestToken);
    expect(second).not.toBe(first);
    expect(delays).toEqual([]);
    expect(dynamo.commandCalls(GetCommand)).toHaveLength(0);
  });

  it('should read the stored item when a refusal does not return it', async () => {
    dynamo.on(TransactWriteCommand).rejects(cancelled([refusedWith()]));
    dynamo.on(GetCommand).resolves({ Item: { version: 3, type: 'discharge', contentHash: 'x' } });
    const { store } = storeWith();

    const outcomes = await store.save([stored('a')]);

    expect(outcomes).toEqual([{ status: 'stale', storedVersion: 3 }]);
    expect(dynamo.commandCalls(GetCommand)[0].args[0].input).toMatchObject({ Key: { pk: 'riverside#a' }, ConsistentRead: true });
  });

  it('should write again when the item was retracted between the refusal and the read', async () => {
    dynamo.on(TransactWriteCommand).rejectsOnce(cancelled([refusedWith()])).resolves({});
    dynamo.on(GetCommand).resolves({});
    const { store } = storeWith();

    expect(await store.save([stored('a')])).toEqual([{ status: 'accepted' }]);
    expect(transactions()).toEqual([['a'], ['a']]);
  });

  it('should report an event failed when its item vanishes twice between refusal and read', async () => {
    dynamo.on(TransactWriteCommand).rejects(cancelled([refusedWith()]));
    dynamo.on(GetCommand).resolves({});
    const { store } = storeWith();

    expect(await store.save([stored('a')])).toEqual([{ status: 'failed', reason: 'unavailable' }]);
    expect(transactions()).toEqual([['a'], ['a']]);
  });

  it('should report the whole chunk failed when the fallback read stays throttled', async () => {
    dynamo.on(TransactWriteCommand).rejects(cancelled([none, refusedWith()]));
    dynamo.on(GetCommand).rejects(throttle());
    const { store } = storeWith({ maxAttempts: 2 });

    const outcomes = await store.save([stored('a'), stored('b')]);

    expect(outcomes).toEqual([
      { status: 'failed', reason: 'throttled' },
      { status: 'failed', reason: 'throttled' },
    ]);
    expect(dynamo.commandCalls(GetCommand)).toHaveLength(2);
  });

  it('should retry items caught in a transaction conflict after a backoff, with the items cancelled alongside', async () => {
    dynamo
      .on(TransactWriteCommand)
      .rejectsOnce(cancelled([none, { Code: 'TransactionConflict', Message: 'Transaction is ongoing for the item' }, refusedWith(old(2, 'discharge', 'hash-a'))]))
      .resolves({});
    const { store, delays } = storeWith();

    const outcomes = await store.save([stored('a'), stored('b'), stored('c')]);

    expect(outcomes).toEqual([{ status: 'accepted' }, { status: 'accepted' }, { status: 'duplicate' }]);
    expect(transactions()).toEqual([['a', 'b', 'c'], ['a', 'b']]);
    expect(delays).toEqual([10]);
  });

  it('should retry a throttled transaction with growing, capped backoff and the same token, then store it', async () => {
    dynamo.on(TransactWriteCommand).rejectsOnce(throttle()).rejectsOnce(throttle()).rejectsOnce(throttle()).resolves({});
    const { store, delays } = storeWith();

    const outcomes = await store.save([stored('a')]);

    expect(outcomes).toEqual([{ status: 'accepted' }]);
    expect(delays).toEqual([10, 20, 40]);
    // The same token: if an earlier try did commit and only its answer was lost, DynamoDB says so instead of refusing.
    const tokens = new Set(dynamo.commandCalls(TransactWriteCommand).map((call) => call.args[0].input.ClientRequestToken));
    expect(dynamo.commandCalls(TransactWriteCommand)).toHaveLength(4);
    expect(tokens.size).toBe(1);
  });

  it('should retry items throttled inside a cancelled transaction', async () => {
    dynamo.on(TransactWriteCommand).rejectsOnce(cancelled([{ Code: 'ThrottlingError' }, none])).resolves({});
    const { store, delays } = storeWith();

    expect(await store.save([stored('a'), stored('b')])).toEqual([{ status: 'accepted' }, { status: 'accepted' }]);
    expect(delays).toEqual([10]);
  });

  it('should report a chunk that stays throttled as failed, and not try the chunks after it', async () => {
    dynamo.on(TransactWriteCommand).rejects(throttle());
    const { store } = storeWith({ concurrency: 1, maxAttempts: 3 });

    const outcomes = await store.save(many(250));

    expect(outcomes).toHaveLength(250);
    expect(outcomes.every((outcome) => outcome.status === 'failed' && outcome.reason === 'throttled')).toBe(true);
    expect(transactions().map((ids) => ids[0])).toEqual(['e0', 'e0', 'e0']);
  });

  it('should stop retrying throttled items at the deadline and report them failed', async () => {
    dynamo.on(TransactWriteCommand).callsFake(async (input: TransactWriteCommandInput) => {
      const ids = eventIdsOf(input);
      throw cancelled(ids.map((id) => (id === 'a' ? { Code: 'ProvisionedThroughputExceeded' } : none)));
    });
    let clock = 1000;
    const { store } = storeWith({ maxAttempts: 100, now: () => (clock += 15) });

    const outcomes = await store.save([stored('a'), stored('b')], { deadlineAt: 1100 });

    expect(outcomes).toEqual([
      { status: 'failed', reason: 'throttled' },
      { status: 'failed', reason: 'throttled' },
    ]);
    expect(dynamo.commandCalls(TransactWriteCommand).length).toBeGreaterThan(1);
    expect(dynamo.commandCalls(TransactWriteCommand).length).toBeLessThan(10);
  });

  it('should abandon a transaction still running at the deadline and report its events failed', async () => {
    dynamo.on(TransactWriteCommand).callsFake(() => new Promise(() => undefined));
    const { store } = storeWith();

    const outcomes = await store.save([stored('a'), stored('b')], { deadlineAt: Date.now() + 50 });

    expect(outcomes).toEqual([
      { status: 'failed', reason: 'throttled' },
      { status: 'failed', reason: 'throttled' },
    ]);
  });

  it("should abandon the writes when the caller's signal aborts", async () => {
    dynamo.on(TransactWriteCommand).callsFake(() => new Promise(() => undefined));
    const { store } = storeWith();
    const caller = new AbortController();

    const saving = store.save([stored('a')], { signal: caller.signal });
    caller.abort();

    expect(await saving).toEqual([{ status: 'failed', reason: 'throttled' }]);
  });

  it('should start nothing when the deadline has already passed', async () => {
    dynamo.on(TransactWriteCommand).resolves({});
    const { store } = storeWith();

    const outcomes = await store.save([stored('a')], { deadlineAt: Date.now() - 1 });

    expect(outcomes).toEqual([{ status: 'failed', reason: 'throttled' }]);
    expect(dynamo.commandCalls(TransactWriteCommand)).toHaveLength(0);
  });

  it('should report server errors that outlast the retries as unavailable, keeping the chunks already written', async () => {
    dynamo.on(TransactWriteCommand).callsFake(async (input: TransactWriteCommandInput) => {
      if (eventIdsOf(input)[0] === 'e0') return {};
      throw new InternalServerError({ message: 'boom', $metadata: { httpStatusCode: 500 } });
    });
    const { store } = storeWith({ concurrency: 1 });

    const outcomes = await store.save(many(150));

    expect(outcomes.slice(0, 100).every((outcome) => outcome.status === 'accepted')).toBe(true);
    expect(outcomes.slice(100).every((outcome) => outcome.status === 'failed' && outcome.reason === 'unavailable')).toBe(true);
  });

  it('should throw a non-transient error (a missing table is a server fault, not an event outcome)', async () => {
    dynamo.on(TransactWriteCommand).rejects(new ResourceNotFoundException({ message: 'Requested resource not found', $metadata: {} }));
    const { store } = storeWith();

    await expect(store.save([stored('a')])).rejects.toThrow('Requested resource not found');
    expect(dynamo.commandCalls(TransactWriteCommand)).toHaveLength(1);
  });

  it('should throw when DynamoDB cancels an item for a reason no client input explains', async () => {
    dynamo.on(TransactWriteCommand).rejects(cancelled([none, { Code: 'ValidationError', Message: 'Item size has exceeded the maximum allowed size' }]));
    const { store } = storeWith();

    await expect(store.save([stored('a'), stored('b')])).rejects.toThrow(/"ValidationError"/);
  });

  it('should keep at most `concurrency` transactions in flight', async () => {
    let inFlight = 0;
    let most = 0;
    dynamo.on(TransactWriteCommand).callsFake(async () => {
      inFlight += 1;
      most = Math.max(most, inFlight);
      await new Promise((resolve) => setImmediate(resolve));
      inFlight -= 1;
      return {};
    });
    const { store } = storeWith({ concurrency: 4 });

    const outcomes = await store.save(many(950));

    expect(outcomes.every((outcome) => outcome.status === 'accepted')).toBe(true);
    expect(dynamo.commandCalls(TransactWriteCommand)).toHaveLength(10);
    expect(most).toBe(4);
  });

  it('should answer an empty batch without calling DynamoDB', async () => {
    const { store } = storeWith();

    expect(await store.save([])).toEqual([]);
    expect(dynamo.commandCalls(TransactWriteCommand)).toHaveLength(0);
  });
});

describe('DynamoDB event store: retract', () => {
  it('should delete the item only if it exists', async () => {
    dynamo.on(DeleteCommand).resolves({});
    const { store } = storeWith();

    expect(await store.retract('riverside', 'a')).toBe('retracted');
    expect(dynamo.commandCalls(DeleteCommand)[0].args[0].input).toEqual({
      TableName: 'events',
      Key: { pk: 'riverside#a' },
      ConditionExpression: 'attribute_exists(pk)',
    });
  });

  it('should answer not_found for an event that is not stored', async () => {
    dynamo.on(DeleteCommand).rejects(conditionFailed());
    const { store } = storeWith();

    expect(await store.retract('riverside', 'a')).toBe('not_found');
  });

  it('should throw StoreThrottledError when throttling outlasts the retries', async () => {
    dynamo.on(DeleteCommand).rejects(throttle());
    const { store } = storeWith({ maxAttempts: 2 });

    await expect(store.retract('riverside', 'a')).rejects.toBeInstanceOf(StoreThrottledError);
  });

  it('should throw StoreThrottledError when the delete is still running at the deadline', async () => {
    dynamo.on(DeleteCommand).callsFake(() => new Promise(() => undefined));
    const { store } = storeWith();

    await expect(store.retract('riverside', 'a', { deadlineAt: Date.now() + 50 })).rejects.toBeInstanceOf(StoreThrottledError);
  });
});

describe('transientKind', () => {
  it('should tell throttling from outages from client errors', () => {
    expect(transientKind(throttle())).toBe('throttled');
    expect(transientKind(Object.assign(new Error('in progress'), { name: 'TransactionInProgressException' }))).toBe('throttled');
    expect(transientKind(new InternalServerError({ message: 'x', $metadata: { httpStatusCode: 500 } }))).toBe('unavailable');
    expect(transientKind(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }))).toBe('unavailable');
    expect(transientKind(conditionFailed())).toBeUndefined();
    expect(transientKind(cancelled([refusedWith()]))).toBeUndefined();
  });
});
