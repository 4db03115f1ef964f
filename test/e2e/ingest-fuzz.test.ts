/**
 * Property-based fuzzing of the ingest API: whatever a client sends, the handler answers
 * with a 2xx or a 4xx (never a 5xx, never a crash), every rejected event is told which
 * field is wrong, and the raw client id never appears in an answer, a log line or the
 * store. First the handler itself (createIngestHandler with an in-memory store), then a
 * smaller run against the real local API over HTTP.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyEvent, Context } from 'aws-lambda';
import fc from 'fast-check';
import { API_KEY_HEADER } from '../../lambdas/core/clinic-keys';
import { createIngestHandler } from '../../lambdas/ingest/handler';
import { FUZZ_CLINIC, RAW_CLIENT_MARKER, requestBody } from '../support/e2e-ingest-arbitraries';
import { type E2eStack, startE2eStack } from '../support/e2e-local-stack';
import { MemoryEventStore } from '../support/e2e-memory-event-store';

const SECRET = 'fuzz-pseudonym-secret-0123456789abcdef';
const ANSWERS = [200, 207, 400, 403, 404, 413];

interface ResultBody {
  index: number;
  status: string;
  errors?: { path: string; message: string }[];
}

/** The answer's contract for one request; returns how many events were rejected with field errors. */
function assessAnswer(statusCode: number, text: string): number {
  expect(ANSWERS).toContain(statusCode);
  const body = JSON.parse(text) as { message?: unknown; results?: ResultBody[] };
  expect(typeof body.message).toBe('string');
  let rejected = 0;
  for (const result of body.results ?? []) {
    if (result.status !== 'rejected') continue;
    rejected += 1;
    expect(result.errors?.length).toBeGreaterThan(0);
    for (const error of result.errors ?? []) {
      expect(error.path.startsWith(`events[${result.index}]`)).toBe(true);
      expect(error.message.length).toBeGreaterThan(0);
    }
  }
  return rejected;
}

const lambdaContext = {
  awsRequestId: 'fuzz-request',
  functionName: 'ingest',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:ingest',
  memoryLimitInMB: '512',
  logGroupName: '/aws/lambda/ingest',
  logStreamName: 'fuzz',
  callbackWaitsForEmptyEventLoop: true,
  getRemainingTimeInMillis: () => 29_000,
  done: () => undefined,
  fail: () => undefined,
  succeed: () => undefined,
} as Context;

/** How the request reaches the handler: API Gateway's envelope varies with the client. */
const requestShape = fc.record({
  body: fc.option(requestBody, { nil: null, freq: 12 }),
  encoding: fc.constantFrom('plain', 'plain', 'base64', 'flag-without-encoding'),
  headers: fc.constantFrom<Record<string, string> | null>({ 'content-type': 'application/json' }, {}, null, { 'content-type': 'text/csv', 'x-api-key': 'irrelevant' }),
  route: fc.constantFrom('post', 'post', 'post', 'post', 'delete', 'unknown'),
  eventId: fc.oneof(fc.stringMatching(/^[A-Za-z0-9._:-]{1,20}$/), fc.string({ unit: 'binary', maxLength: 30 }), fc.constant('%E0%A4%A'), fc.constant('')),
});

type RequestShape = typeof requestShape extends fc.Arbitrary<infer T> ? T : never;

function apiEvent(shape: RequestShape): APIGatewayProxyEvent {
  const body = shape.body === null ? null : shape.encoding === 'base64' ? Buffer.from(shape.body, 'utf8').toString('base64') : shape.body;
  const route = {
    post: { httpMethod: 'POST', resource: '/v1/events', pathParameters: null },
    delete: { httpMethod: 'DELETE', resource: '/v1/events/{eventId}', pathParameters: { eventId: shape.eventId } },
    unknown: { httpMethod: 'PUT', resource: '/v1/events', pathParameters: null },
  }[shape.route];
  return {
    ...route,
    path: '/v1/events',
    headers: shape.headers as APIGatewayProxyEvent['headers'],
    multiValueHeaders: {},
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    stageVariables: null,
    isBase64Encoded: shape.encoding !== 'plain',
    body,
    requestContext: { requestId: 'fuzz', authorizer: { clinicId: FUZZ_CLINIC } } as never,
  } as APIGatewayProxyEvent;
}

describe('ingest handler under arbitrary input (in-memory store)', () => {
  let logged = '';

  beforeEach(() => {
    logged = '';
    // Powertools writes JSON lines to stdout; everything is kept for the leak scan.
    for (const stream of [process.stdout, process.stderr]) {
      jest.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
        logged += chunk.toString();
        return true;
      });
    }
    for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) {
      jest.spyOn(console, method).mockImplementation((...parts: unknown[]) => void (logged += parts.map(String).join(' ')));
    }
  });
  afterEach(() => jest.restoreAllMocks());

  it('should answer every request with a 2xx or 4xx, name the field of every rejection and never show the raw client id', async () => {
    // Prepare
    const store = new MemoryEventStore();
    const handler = createIngestHandler(
      () => ({ store, pseudonymKey: async () => SECRET, limits: { maxEventsPerBatch: 50, maxBodyBytes: 200_000 } }),
      new Logger({ serviceName: 'ingest-fuzz', logLevel: 'DEBUG' }),
    );
    const seen = { requests: 0, withRawId: 0, rejectedEvents: 0, statuses: new Set<number>() };

    // Act + Assess
    await fc.assert(
      fc.asyncProperty(requestShape, async (shape) => {
        const event = apiEvent(shape);
        const before = logged.length;
        const response = await handler(event, lambdaContext);
        seen.requests += 1;
        seen.statuses.add(response.statusCode);
        if (shape.body?.includes(RAW_CLIENT_MARKER)) seen.withRawId += 1;
        seen.rejectedEvents += assessAnswer(response.statusCode, response.body);
        expect(response.body.includes(RAW_CLIENT_MARKER)).toBe(false);
        expect(logged.slice(before).includes(RAW_CLIENT_MARKER)).toBe(false);
      }),
      { seed: 20261129, numRuns: 1000 },
    );

    // Assess: the run was not vacuous, and nothing stored carries a raw id
    expect(seen.withRawId).toBeGreaterThan(500);
    expect(seen.rejectedEvents).toBeGreaterThan(700);
    expect([...seen.statuses].sort()).toEqual(expect.arrayContaining([200, 207, 400, 404]));
    expect(store.items.size).toBeGreaterThan(30);
    expect(JSON.stringify([...store.items.values()]).includes(RAW_CLIENT_MARKER)).toBe(false);
    expect([...store.items.values()].every((item) => !('clientId' in item))).toBe(true);
  }, 240_000);
});

describe('ingest API over HTTP under arbitrary input (local stack)', () => {
  let e2e: E2eStack;

  beforeAll(async () => {
    e2e = await startE2eStack([FUZZ_CLINIC, 'hillcrest'], 'fuzz');
  }, 180_000);

  afterAll(async () => {
    await e2e?.stop();
  });

  it('should answer arbitrary bodies, keys and headers with 2xx or 4xx and never echo or log the raw client id', async () => {
    // Prepare
    const url = `${e2e.stack.apiUrl}/v1/events`;
    const keys = e2e.stack.secrets.credentials;
    const credential = fc.constantFrom<string | null>(keys[FUZZ_CLINIC], keys[FUZZ_CLINIC], keys[FUZZ_CLINIC], keys.hillcrest, 'not-a-key', null);
    const contentType = fc.constantFrom('application/json', 'text/plain', 'application/json; charset=latin1', '');
    let withRawId = 0;

    // Act + Assess
    await fc.assert(
      fc.asyncProperty(requestBody, credential, contentType, async (body, key, type) => {
        const headers: Record<string, string> = {};
        if (key !== null) headers[API_KEY_HEADER] = key;
        if (type) headers['content-type'] = type;
        const response = await fetch(url, { method: 'POST', headers, body });
        const text = await response.text();
        if (body.includes(RAW_CLIENT_MARKER)) withRawId += 1;
        if (key !== null && Object.values(keys).includes(key)) assessAnswer(response.status, text);
        else expect([401, 403]).toContain(response.status); // the gateway refuses before the handler runs
        expect(text.includes(RAW_CLIENT_MARKER)).toBe(false);
      }),
      { seed: 20261130, numRuns: 200 },
    );

    // Assess: nothing the handlers printed carries a raw id either
    expect(withRawId).toBeGreaterThan(100);
    expect(e2e.logged().length).toBeGreaterThan(0);
    expect(e2e.logged().includes(RAW_CLIENT_MARKER)).toBe(false);
  }, 300_000);
});
