/**
 * The local API Gateway: a node:http server that turns each request into the
 * REST (v1) proxy event API Gateway would build, runs the same authorizer and
 * ingest handlers (bundled, see load-handler.ts) and writes their answer back.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type {
  APIGatewayAuthorizerResult,
  APIGatewayProxyEvent,
  APIGatewayProxyResult,
  APIGatewayRequestAuthorizerEvent,
  Context,
} from 'aws-lambda';
import { API_KEY_HEADER, GATEWAY_MESSAGES } from '../../lambdas/core/clinic-keys';
import { bodyTooLargeMessage, ingestSettingsFromEnv } from '../../lambdas/core/ingest';
import { loadHandler } from './load-handler';

type ProxyHandler = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;
type AuthorizerHandler = (event: APIGatewayRequestAuthorizerEvent) => Promise<APIGatewayAuthorizerResult>;

export interface ApiServerOptions {
  /** Loopback port; a free one when omitted. */
  port?: number;
  host?: string;
  /** Environment of the handlers (table, key file, credentials file, endpoints); set before they load. */
  env: Record<string, string>;
  /** Lines about server faults (never request content). */
  log?: (line: string) => void;
}

export interface ApiServer {
  url: string;
  port: number;
  stop(): Promise<void>;
}

const STAGE = 'local';
const API_ID = 'local';
/** API Gateway's integration timeout: the handler's deadline. */
const INTEGRATION_TIMEOUT_MS = 29_000;
/** Beyond this a too-large body is no longer drained but the connection is cut. */
const MAX_DRAIN_BYTES = 64 * 1024 * 1024;

interface Route {
  resource: '/v1/events' | '/v1/events/{eventId}';
  methods: string[];
  pathParameters: Record<string, string> | null;
}

/** The two resources of the API; anything else is 404. */
function routeOf(path: string): Route | undefined {
  if (path === '/v1/events') return { resource: '/v1/events', methods: ['POST'], pathParameters: null };
  const match = /^\/v1\/events\/([^/]+)$/.exec(path);
  // API Gateway hands path parameters over still percent-encoded; the handler decodes.
  if (match) return { resource: '/v1/events/{eventId}', methods: ['DELETE'], pathParameters: { eventId: match[1] } };
  return undefined;
}

export async function startApiServer(options: ApiServerOptions): Promise<ApiServer> {
  Object.assign(process.env, options.env);
  const limits = ingestSettingsFromEnv(process.env);
  const [authorize, ingest] = await Promise.all([loadHandler<AuthorizerHandler>('authorizer'), loadHandler<ProxyHandler>('ingest')]);
  const log = options.log ?? ((line: string) => console.error(line));

  const server: Server = createServer((request, response) => {
    serve(request, response).catch((error: unknown) => {
      log(`local API: unexpected fault: ${(error as Error).name}: ${(error as Error).message}`);
      if (!response.headersSent) send(response, 502, { message: 'Internal server error' });
      else response.destroy();
    });
  });

  async function serve(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const method = request.method ?? 'GET';
    const route = routeOf(url.pathname);
    if (!route) return drainThen(request, () => send(response, 404, { message: `Not Found: ${method} ${url.pathname}; the API has POST /v1/events and DELETE /v1/events/{eventId}` }));
    if (!route.methods.includes(method)) {
      return drainThen(request, () => send(response, 405, { message: `Method Not Allowed: ${url.pathname} accepts ${route.methods.join(', ')}` }, { allow: route.methods.join(', ') }));
    }

    const headers = singleValueHeaders(request);
    const methodArn = `arn:aws:execute-api:local:000000000000:${API_ID}/${STAGE}/${method}${url.pathname}`;
    const authorization = await authorizeRequest(headers, methodArn, method, url, route);
    if ('statusCode' in authorization) return drainThen(request, () => send(response, authorization.statusCode, { message: authorization.message }));

    const body = await readBody(request, limits.maxBodyBytes);
    if (body === 'too-large') return send(response, 413, { message: bodyTooLargeMessage(limits) });

    const requestId = randomUUID();
    const event: APIGatewayProxyEvent = {
      resource: route.resource,
      path: url.pathname,
      httpMethod: method,
      headers,
      multiValueHeaders: multiValueHeaders(request),
      queryStringParameters: url.searchParams.size > 0 ? Object.fromEntries(url.searchParams) : null,
      multiValueQueryStringParameters: url.searchParams.size > 0 ? groupParameters(url.searchParams) : null,
      pathParameters: route.pathParameters,
      stageVariables: null,
      body: body.length > 0 ? body.toString('utf8') : null,
      isBase64Encoded: false,
      requestContext: {
        accountId: '000000000000',
        apiId: API_ID,
        stage: STAGE,
        requestId,
        httpMethod: method,
        path: `/${STAGE}${url.pathname}`,
        resourcePath: route.resource,
        resourceId: route.resource,
        protocol: `HTTP/${request.httpVersion}`,
        requestTimeEpoch: Date.now(),
        identity: { sourceIp: request.socket.remoteAddress ?? '127.0.0.1', userAgent: headers['user-agent'] ?? null } as APIGatewayProxyEvent['requestContext']['identity'],
        authorizer: { ...authorization.context, principalId: authorization.principalId },
      },
    };
    let result: APIGatewayProxyResult;
    try {
      result = await ingest(event, lambdaContext('ingest', requestId));
    } catch (error) {
      // What API Gateway does when the Lambda itself fails.
      log(`local API: the ingest handler failed: ${(error as Error).name}: ${(error as Error).message}`);
      return send(response, 502, { message: 'Internal server error' });
    }
    response.writeHead(result.statusCode, { ...stringHeaders(result.headers), 'x-amzn-requestid': requestId });
    response.end(result.isBase64Encoded ? Buffer.from(result.body, 'base64') : result.body);
  }

  async function authorizeRequest(
    headers: Record<string, string>,
    methodArn: string,
    method: string,
    url: URL,
    route: Route,
  ): Promise<{ statusCode: 401 | 403; message: string } | { principalId: string; context: Record<string, unknown> }> {
    // API Gateway checks the identity source itself and answers 401 without calling the authorizer.
    if (!Object.keys(headers).some((name) => name.toLowerCase() === API_KEY_HEADER)) return { statusCode: 401, message: GATEWAY_MESSAGES.unauthorized };
    let result: APIGatewayAuthorizerResult;
    try {
      result = await authorize({
        type: 'REQUEST',
        methodArn,
        resource: route.resource,
        path: url.pathname,
        httpMethod: method,
        headers,
        multiValueHeaders: {},
        pathParameters: route.pathParameters,
        queryStringParameters: null,
        multiValueQueryStringParameters: null,
        stageVariables: null,
        requestContext: {} as APIGatewayRequestAuthorizerEvent['requestContext'],
      } as APIGatewayRequestAuthorizerEvent);
    } catch (error) {
      if ((error as Error).message === 'Unauthorized') return { statusCode: 401, message: GATEWAY_MESSAGES.unauthorized };
      throw error;
    }
    const allowed = result.policyDocument.Statement.some(
      (statement) => 'Effect' in statement && statement.Effect === 'Allow',
    );
    if (!allowed) return { statusCode: 403, message: GATEWAY_MESSAGES.forbidden };
    return { principalId: result.principalId, context: result.context ?? {} };
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host ?? '127.0.0.1'}:${port}`,
    port,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Reads the body up to `limit` bytes; past it, keeps draining (without keeping) so the client still gets the 413. */
function readBody(request: IncomingMessage, limit: number): Promise<Buffer | 'too-large'> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;
    request.on('data', (chunk: Buffer) => {
      received += chunk.length;
      if (received <= limit) chunks.push(chunk);
      else if (received > MAX_DRAIN_BYTES) request.destroy();
    });
    request.on('end', () => resolve(received > limit ? 'too-large' : Buffer.concat(chunks)));
    request.on('close', () => {
      if (received > limit) resolve('too-large');
    });
    request.on('error', reject);
  });
}

function drainThen(request: IncomingMessage, answer: () => void): void {
  if (request.complete) return answer();
  request.resume();
  request.once('end', answer);
  request.once('error', answer);
}

function send(response: ServerResponse, statusCode: number, body: unknown, headers: Record<string, string> = {}): void {
  response.writeHead(statusCode, { 'content-type': 'application/json', ...headers });
  response.end(JSON.stringify(body));
}

/** API Gateway's `headers`: one value per name (the last), names as the client sent them. */
function singleValueHeaders(request: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (let index = 0; index < request.rawHeaders.length; index += 2) headers[request.rawHeaders[index]] = request.rawHeaders[index + 1];
  return headers;
}

function multiValueHeaders(request: IncomingMessage): Record<string, string[]> {
  const headers: Record<string, string[]> = {};
  for (let index = 0; index < request.rawHeaders.length; index += 2) {
    (headers[request.rawHeaders[index]] ??= []).push(request.rawHeaders[index + 1]);
  }
  return headers;
}

function groupParameters(parameters: URLSearchParams): Record<string, string[]> {
  const grouped: Record<string, string[]> = {};
  for (const [name, value] of parameters) (grouped[name] ??= []).push(value);
  return grouped;
}

function stringHeaders(headers: APIGatewayProxyResult['headers']): Record<string, string> {
  return Object.fromEntries(Object.entries(headers ?? {}).map(([name, value]) => [name, String(value)]));
}

/** The Lambda context fields handlers and powertools read. */
function lambdaContext(functionName: string, requestId: string): Context {
  const deadline = Date.now() + INTEGRATION_TIMEOUT_MS;
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${functionName}`,
    memoryLimitInMB: '512',
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
