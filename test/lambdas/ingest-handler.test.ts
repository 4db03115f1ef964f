import { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyEvent, Context } from 'aws-lambda';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { EventStore } from '../../lambdas/adapters/event-store';
import { createDynamoEventStore, StoreThrottledError } from '../../lambdas/adapters/event-store';
import type { StoredEvent } from '../../lambdas/core/events-table';
import { createIngestHandler, RESPONSE_MARGIN_MS } from '../../lambdas/ingest/handler';

const CLIENT_ID = 'MRN-7730041';
const SECRET = 'handler-test-secret-0123456789abcdef';

function attendance(eventId: string, overrides: Record<string, unknown> = {}) {
  return {
    type: 'attendance',
    eventId,
    clinicId: 'riverside',
    clientId: CLIENT_ID,
    episodeId: 'E1',
    sessionDate: '2026-02-10',
    sessionType: 'group',
    status: 'attended',
    scheduledMinutes: 180,
    attendedMinutes: 170,
    ...overrides,
  };
}

function apiEvent(overrides: Partial<APIGatewayProxyEvent> & { clinicId?: string | null } = {}): APIGatewayProxyEvent {
  const { clinicId = 'riverside', ...rest } = overrides;
  return {
    httpMethod: 'POST',
    resource: '/v1/events',
    path: '/v1/events',
    headers: { 'content-type': 'application/json' },
    multiValueHeaders: {},
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    pathParameters: null,
    stageVariables: null,
    isBase64Encoded: false,
    body: null,
    requestContext: { requestId: 'req-1', authorizer: clinicId === null ? undefined : { clinicId } } as never,
    ...rest,
  };
}

const context = {
  awsRequestId: 'aws-req-1',
  functionName: 'ingest',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:ingest',
  memoryLimitInMB: '512',
  logGroupName: '/aws/lambda/ingest',
  logStreamName: 's',
  callbackWaitsForEmptyEventLoop: true,
  getRemainingTimeInMillis: () => 29_000,
  done: () => undefined,
  fail: () => undefined,
  succeed: () => undefined,
} as Context;

function setup(store: Partial<EventStore> = {}, pseudonymKey: () => Promise<string> = async () => SECRET) {
  const saved: StoredEvent[] = [];
  const fullStore: EventStore = {
    save: async (events) => {
      saved.push(...events);
      return events.map(() => ({ status: 'accepted' }));
    },
    retract: async () => 'retracted',
    ...store,
  };
  const handler = createIngestHandler(
    () => ({ store: fullStore, pseudonymKey, limits: { maxEventsPerBatch: 5, maxBodyBytes: 10_000 } }),
    new Logger({ serviceName: 'ingest-test' }),
  );
  return { handler, saved };
}

let logged = '';
beforeEach(() => {
  logged = '';
  for (const stream of [process.stdout, process.stderr]) {
    jest.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
      logged += chunk.toString();
      return true;
    });
  }
  jest.spyOn(console, 'log').mockImplementation((...parts) => void (logged += parts.join(' ')));
  jest.spyOn(console, 'info').mockImplementation((...parts) => void (logged += parts.join(' ')));
  jest.spyOn(console, 'warn').mockImplementation((...parts) => void (logged += parts.join(' ')));
  jest.spyOn(console, 'error').mockImplementation((...parts) => void (logged += parts.join(' ')));
});
afterEach(() => jest.restoreAllMocks());

describe('ingest handler', () => {
  it('should store a batch for the authorizer\'s clinic and answer 200 JSON', async () => {
    const { handler, saved } = setup();

    const response = await handler(apiEvent({ body: JSON.stringify({ events: [attendance('s1')] }) }), context);

    expect(response.statusCode).toBe(200);
    expect(response.headers).toMatchObject({ 'content-type': 'application/json' });
    expect(JSON.parse(response.body).results).toEqual([{ index: 0, eventId: 's1', version: 1, status: 'accepted' }]);
    expect(saved).toHaveLength(1);
    expect(logged).toContain('batch ingested');
    expect(logged).not.toContain(CLIENT_ID);
  });

  it('should answer 401 when the request did not come through the authorizer', async () => {
    const { handler, saved } = setup();

    const response = await handler(apiEvent({ clinicId: null, body: JSON.stringify({ events: [attendance('s1')] }) }), context);

    expect(response.statusCode).toBe(401);
    expect(saved).toHaveLength(0);
  });

  it('should answer 400 for a body that is not JSON and 413 for too many events', async () => {
    const { handler } = setup();

    const notJson = await handler(apiEvent({ body: `{"events": [{"clientId": "${CLIENT_ID}"` }), context);
    const tooMany = await handler(apiEvent({ body: JSON.stringify({ events: Array.from({ length: 6 }, (_, i) => attendance(`s${i}`)) }) }), context);

    expect(notJson.statusCode).toBe(400);
    expect(JSON.parse(notJson.body).message).toMatch(/not valid JSON/);
    expect(notJson.body).not.toContain(CLIENT_ID);
    expect(tooMany.statusCode).toBe(413);
    expect(logged).not.toContain(CLIENT_ID);
  });

  it('should answer 429 with Retry-After when writes stayed throttled', async () => {
    const { handler } = setup({ save: async (events) => events.map(() => ({ status: 'failed', reason: 'throttled' })) });

    const response = await handler(apiEvent({ body: JSON.stringify({ events: [attendance('s1')] }) }), context);

    expect(response.statusCode).toBe(429);
    expect(Number(response.headers?.['retry-after'])).toBeGreaterThan(0);
    expect(JSON.parse(response.body).results[0].status).toBe('failed');
  });

  describe('when the request runs out of time', () => {
    /** A Lambda context whose clock really runs: `remainingMs` from now. */
    const contextWithRemaining = (remainingMs: number): Context => {
      const endsAt = Date.now() + remainingMs;
      return { ...context, getRemainingTimeInMillis: () => Math.max(0, endsAt - Date.now()) };
    };
    /** A DynamoDB that accepts the request and never answers (a table far too slow for the batch). */
    const silentTable = { send: () => new Promise(() => undefined) } as unknown as DynamoDBDocumentClient;

    it('should answer 429 with Retry-After and every unwritten event failed, before middy\'s timeout turns it into a 500', async () => {
      // Prepare: the real store on a table that never answers; the store's deadline is RESPONSE_MARGIN_MS before Lambda's.
      const store = createDynamoEventStore({ tableName: 'events', client: silentTable });
      const { handler } = setup(store);
      const events = [attendance('s1'), attendance('s2'), attendance('s3')];

      // Act
      const response = await handler(apiEvent({ body: JSON.stringify({ events }) }), contextWithRemaining(RESPONSE_MARGIN_MS + 300));

      // Assess: the ingest answer (per-event results), not middy's whole-request timeout or a generic error.
      const body = JSON.parse(response.body);
      expect(response.statusCode).toBe(429);
      expect(response.headers?.['retry-after']).toBe('5');
      expect(body.summary).toMatchObject({ received: 3, failed: 3 });
      expect(body.results.map((result: { status: string }) => result.status)).toEqual(['failed', 'failed', 'failed']);
      expect(body.results[0].message).toMatch(/send the batch again/);
      expect(logged).not.toContain('unexpected error');
    });

    it('should answer a retryable 503 when something other than the store hangs until middy\'s timeout', async () => {
      const { handler } = setup({}, () => new Promise<string>(() => undefined));

      const response = await handler(apiEvent({ body: JSON.stringify({ events: [attendance('s1')] }) }), contextWithRemaining(100));

      expect(response.statusCode).toBe(503);
      expect(response.headers?.['retry-after']).toBe('30');
      expect(JSON.parse(response.body).message).toMatch(/ran out of time.*send the same request again/i);
      expect(logged).toContain('ran out of time');
      expect(logged).not.toContain('unexpected error');
    });

    it("should pass middy's abort signal to the store as a backstop", async () => {
      const save = jest.fn(async (events: StoredEvent[]) => events.map(() => ({ status: 'accepted' as const })));
      const { handler } = setup({ save });

      await handler(apiEvent({ body: JSON.stringify({ events: [attendance('s1')] }) }), context);

      expect(save).toHaveBeenCalledWith(expect.any(Array), { deadlineAt: expect.any(Number), signal: expect.any(AbortSignal) });
    });
  });

  it('should answer 500 without internals when something unexpected fails, and log it', async () => {
    const { handler } = setup({
      save: async () => {
        throw new Error('AccessDeniedException: arn:aws:dynamodb:secret-table internals');
      },
    });

    const response = await handler(apiEvent({ body: JSON.stringify({ events: [attendance('s1')] }) }), context);

    expect(response.statusCode).toBe(500);
    expect(response.body).not.toMatch(/arn:|internals|at .*\.ts/);
    expect(JSON.parse(response.body).message).toContain('aws-req-1');
    expect(logged).toContain('AccessDeniedException');
    expect(logged).not.toContain(CLIENT_ID);
  });

  it('should answer 500 without the key when the pseudonymisation key cannot be loaded', async () => {
    const { handler } = setup({}, async () => {
      throw new Error('cannot read the pseudonymisation key file /x');
    });

    const response = await handler(apiEvent({ body: JSON.stringify({ events: [attendance('s1')] }) }), context);

    expect(response.statusCode).toBe(500);
    expect(response.body).not.toContain('/x');
  });

  it('should retract an event of the caller\'s clinic, decoding the path parameter', async () => {
    const retract = jest.fn(async () => 'retracted' as const);
    const { handler } = setup({ retract });

    const response = await handler(
      apiEvent({ httpMethod: 'DELETE', resource: '/v1/events/{eventId}', path: '/v1/events/a%3A1', pathParameters: { eventId: 'a%3A1' } }),
      context,
    );

    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body)).toEqual({ eventId: 'a:1', status: 'retracted' });
    expect(retract).toHaveBeenCalledWith('riverside', 'a:1', expect.objectContaining({ deadlineAt: expect.any(Number) }));
  });

  it('should answer 404 for an event that is not stored and 400 for a malformed eventId', async () => {
    const { handler } = setup({ retract: async () => 'not_found' });
    const remove = (eventId: string) =>
      handler(apiEvent({ httpMethod: 'DELETE', resource: '/v1/events/{eventId}', pathParameters: { eventId } }), context);

    expect((await remove('nope')).statusCode).toBe(404);
    expect((await remove('has space')).statusCode).toBe(400);
  });

  it('should answer 429 when a retraction stays throttled', async () => {
    const { handler } = setup({
      retract: async () => {
        throw new StoreThrottledError();
      },
    });

    const response = await handler(apiEvent({ httpMethod: 'DELETE', resource: '/v1/events/{eventId}', pathParameters: { eventId: 'a' } }), context);

    expect(response.statusCode).toBe(429);
    expect(response.headers?.['retry-after']).toBe('5');
  });

  it('should answer 404 for a route the API does not have', async () => {
    const { handler } = setup();

    const response = await handler(apiEvent({ httpMethod: 'GET', resource: '/v1/other' }), context);

    expect(response.statusCode).toBe(404);
  });
});
