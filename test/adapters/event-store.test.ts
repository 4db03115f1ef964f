import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  InternalServerError,
  ProvisionedThroughputExceededException,
  ResourceNotFoundException,
} from '@aws-sdk/client-dynamodb';
import { DeleteCommand, DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
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

const throttle = () => new ProvisionedThroughputExceededException({ message: 'slow down', $metadata: { httpStatusCode: 400 } });
const conditionFailed = (item?: Record<string, unknown>) =>
  new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: { httpStatusCode: 400 }, Item: item as never });

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
  it('should write each event with the new-or-higher-version condition', async () => {
    dynamo.on(PutCommand).resolves({});
    const { store } = storeWith();

    const outcomes = await store.save([stored('a'), stored('b')]);

    expect(outcomes).toEqual([{ status: 'accepted' }, { status: 'accepted' }]);
    const input = dynamo.commandCalls(PutCommand)[0].args[0].input;
    expect(input).toMatchObject({
      TableName: 'events',
      ConditionExpression: 'attribute_not_exists(pk) OR (version < :version AND #type = :type)',
      ExpressionAttributeNames: { '#type': 'type' },
      ExpressionAttributeValues: { ':version': 2, ':type': 'discharge' },
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    });
    expect(input.Item).not.toHaveProperty('clientId');
  });

  it('should retry throttling with growing, capped backoff and then store the event', async () => {
    dynamo.on(PutCommand).rejectsOnce(throttle()).rejectsOnce(throttle()).rejectsOnce(throttle()).resolves({});
    const { store, delays } = storeWith();

    const outcomes = await store.save([stored('a')]);

    expect(outcomes).toEqual([{ status: 'accepted' }]);
    expect(dynamo.commandCalls(PutCommand)).toHaveLength(4);
    expect(delays).toEqual([10, 20, 40]);
  });

  it('should report an event that stays throttled as failed, and not hammer the table with the rest', async () => {
    dynamo.on(PutCommand).rejects(throttle());
    const { store } = storeWith({ concurrency: 1, maxAttempts: 3 });

    const outcomes = await store.save([stored('a'), stored('b'), stored('c')]);

    expect(outcomes).toEqual([
      { status: 'failed', reason: 'throttled' },
      { status: 'failed', reason: 'throttled' },
      { status: 'failed', reason: 'throttled' },
    ]);
    expect(dynamo.commandCalls(PutCommand)).toHaveLength(3);
  });

  it('should report server errors that outlast the retries as unavailable, keeping the events already written', async () => {
    dynamo.on(PutCommand).callsFake(async (input: { Item: StoredEvent }) => {
      if (input.Item.eventId === 'a') return {};
      throw new InternalServerError({ message: 'boom', $metadata: { httpStatusCode: 500 } });
    });
    const { store } = storeWith({ concurrency: 1 });

    const outcomes = await store.save([stored('a'), stored('b')]);

    expect(outcomes).toEqual([{ status: 'accepted' }, { status: 'failed', reason: 'unavailable' }]);
  });

  it('should stop retrying at the deadline', async () => {
    dynamo.on(PutCommand).rejects(throttle());
    let clock = 1000;
    const { store } = storeWith({ maxAttempts: 100, now: () => (clock += 15) });

    const outcomes = await store.save([stored('a')], { deadlineAt: 1100 });

    expect(outcomes).toEqual([{ status: 'failed', reason: 'throttled' }]);
    expect(dynamo.commandCalls(PutCommand).length).toBeLessThan(10);
  });

  it('should classify failed conditions from the stored item: duplicate, conflict, stale, type change', async () => {
    const old = (version: number, type: string, hash: string) => ({ version: { N: String(version) }, type: { S: type }, contentHash: { S: hash } });
    const storedBefore: Record<string, ReturnType<typeof old>> = {
      same: old(2, 'discharge', 'hash-a'),
      changed: old(2, 'discharge', 'hash-b'),
      older: old(5, 'discharge', 'hash-c'),
      retyped: old(1, 'attendance', 'hash-d'),
    };
    dynamo.on(PutCommand).callsFake(async (input: { Item: StoredEvent }) => {
      throw conditionFailed(storedBefore[input.Item.eventId]);
    });
    const { store } = storeWith();

    const outcomes = await store.save([stored('same'), stored('changed'), stored('older'), stored('retyped')]);

    expect(outcomes).toEqual([
      { status: 'duplicate' },
      { status: 'conflict', reason: 'content', storedVersion: 2, storedType: 'discharge' },
      { status: 'stale', storedVersion: 5 },
      { status: 'conflict', reason: 'type', storedVersion: 1, storedType: 'attendance' },
    ]);
  });

  it('should read the stored item when the failed condition does not return it', async () => {
    dynamo.on(PutCommand).rejects(conditionFailed());
    dynamo.on(GetCommand).resolves({ Item: { version: 3, type: 'discharge', contentHash: 'x' } });
    const { store } = storeWith();

    const outcomes = await store.save([stored('a')]);

    expect(outcomes).toEqual([{ status: 'stale', storedVersion: 3 }]);
    expect(dynamo.commandCalls(GetCommand)[0].args[0].input).toMatchObject({ Key: { pk: 'riverside#a' }, ConsistentRead: true });
  });

  it('should write again when the item was retracted between the failed condition and the read', async () => {
    dynamo.on(PutCommand).rejectsOnce(conditionFailed()).resolves({});
    dynamo.on(GetCommand).resolves({});
    const { store } = storeWith();

    expect(await store.save([stored('a')])).toEqual([{ status: 'accepted' }]);
    expect(dynamo.commandCalls(PutCommand)).toHaveLength(2);
  });

  it('should throw a non-transient error (a missing table is a server fault, not an event outcome)', async () => {
    dynamo.on(PutCommand).rejects(new ResourceNotFoundException({ message: 'Requested resource not found', $metadata: {} }));
    const { store } = storeWith();

    await expect(store.save([stored('a')])).rejects.toThrow('Requested resource not found');
    expect(dynamo.commandCalls(PutCommand)).toHaveLength(1);
  });

  it('should keep at most `concurrency` writes in flight', async () => {
    let inFlight = 0;
    let most = 0;
    dynamo.on(PutCommand).callsFake(async () => {
      inFlight += 1;
      most = Math.max(most, inFlight);
      await new Promise((resolve) => setImmediate(resolve));
      inFlight -= 1;
      return {};
    });
    const { store } = storeWith({ concurrency: 4 });

    const outcomes = await store.save(Array.from({ length: 30 }, (_, index) => stored(`e${index}`)));

    expect(outcomes.every((outcome) => outcome.status === 'accepted')).toBe(true);
    expect(most).toBe(4);
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
});

describe('transientKind', () => {
  it('should tell throttling from outages from client errors', () => {
    expect(transientKind(throttle())).toBe('throttled');
    expect(transientKind(new InternalServerError({ message: 'x', $metadata: { httpStatusCode: 500 } }))).toBe('unavailable');
    expect(transientKind(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }))).toBe('unavailable');
    expect(transientKind(conditionFailed())).toBeUndefined();
  });
});
