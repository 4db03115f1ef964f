/**
 * Local stand-in for CloudFront + API Gateway: serves the static dashboard, the metric
 * definitions (docs/metrics.md) and routes `/v1/dashboard*` through a local authorizer
 * (director keys → Cognito-shaped claims) to the metrics-api handler.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { extname, join, normalize, resolve, sep } from 'node:path';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { freePort } from './free-port';
import { PROJECT_ROOT } from './paths';
import { claimsForKey, localDirectorsPath, readLocalDirectors } from './local-directors';

export type ApiHandler = (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>;

export interface DashboardServerOptions {
  port?: number;
  /** Environment of the metrics-api handler (METRICS_BUCKET, AWS_ENDPOINT_URL_S3, …); applied to process.env. */
  env: Record<string, string>;
  directorsPath?: string;
  /** The metrics-api handler; by default the bundled lambdas/metrics-api/handler.ts. */
  handler?: ApiHandler;
  /** Where the static site lives (default dashboard/). */
  siteDir?: string;
}

export interface DashboardServer {
  url: string;
  stop(): Promise<void>;
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.md': 'text/markdown; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
};

/** The same headers the CloudFront response-headers policy sets in AWS (lib/dashboard.ts). */
export const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'strict-transport-security': 'max-age=31536000; includeSubDomains',
};

export async function startDashboardServer(options: DashboardServerOptions): Promise<DashboardServer> {
  Object.assign(process.env, options.env);
  const siteDir = resolve(options.siteDir ?? join(PROJECT_ROOT, 'dashboard'));
  const directorsPath = options.directorsPath ?? localDirectorsPath();
  const handler = options.handler ?? (await defaultHandler());
  const port = options.port ?? (await freePort());

  const server = createServer((request, response) => {
    route(request, response).catch((error: Error) => {
      console.error(`dashboard server: ${error.message}`);
      if (!response.headersSent) send(response, 500, 'text/plain; charset=utf-8', 'internal error in the local dashboard server');
    });
  });

  async function route(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (url.pathname.startsWith('/v1/')) return api(request, url, response);
    if (request.method !== 'GET' && request.method !== 'HEAD') return send(response, 405, 'text/plain; charset=utf-8', 'GET only');
    if (url.pathname === '/docs/metrics.md') return file(response, join(PROJECT_ROOT, 'docs', 'metrics.md'));
    const relative = url.pathname === '/' ? 'index.html' : decodeURIComponent(url.pathname.slice(1));
    const target = normalize(join(siteDir, relative));
    if (!target.startsWith(siteDir + sep)) return send(response, 404, 'text/plain; charset=utf-8', 'not found');
    return file(response, target);
  }

  async function api(request: IncomingMessage, url: URL, response: ServerResponse): Promise<void> {
    // The local authorizer: like API Gateway's Cognito authorizer, a missing or unknown token is a 401
    // and the handler is never called.
    const header = request.headers.authorization ?? '';
    const token = /^Bearer\s+(.+)$/i.exec(header)?.[1]?.trim();
    const claims = claimsForKey(readLocalDirectors(directorsPath), token);
    if (!claims) return send(response, 401, 'application/json; charset=utf-8', JSON.stringify({ message: 'Unauthorized' }));
    const result = await handler(apiGatewayEvent(request, url, claims));
    response.writeHead(result.statusCode, { ...SECURITY_HEADERS, ...(result.headers as Record<string, string>) });
    response.end(result.body);
  }

  await new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen(port, '127.0.0.1', () => done());
  });
  return {
    url: `http://127.0.0.1:${port}/`,
    stop: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}

function file(response: ServerResponse, path: string): void {
  if (!existsSync(path) || !statSync(path).isFile()) return send(response, 404, 'text/plain; charset=utf-8', 'not found');
  send(response, 200, CONTENT_TYPES[extname(path)] ?? 'application/octet-stream', readFileSync(path), 'no-cache');
}

function send(response: ServerResponse, status: number, contentType: string, body: string | Buffer, cache = 'no-store'): void {
  response.writeHead(status, { ...SECURITY_HEADERS, 'content-type': contentType, 'cache-control': cache });
  response.end(body);
}

/** The REST API proxy event API Gateway builds, with the Cognito authorizer's claims in the request context. */
function apiGatewayEvent(request: IncomingMessage, url: URL, claims: Record<string, string>): APIGatewayProxyEvent {
  const query = Object.fromEntries(url.searchParams.entries());
  const headers = Object.fromEntries(Object.entries(request.headers).map(([name, value]) => [name, Array.isArray(value) ? value.join(',') : value ?? '']));
  return {
    resource: url.pathname.endsWith('/index') ? '/v1/dashboard/index' : '/v1/dashboard',
    path: url.pathname,
    httpMethod: request.method ?? 'GET',
    headers,
    multiValueHeaders: {},
    queryStringParameters: Object.keys(query).length > 0 ? query : null,
    multiValueQueryStringParameters: null,
    pathParameters: null,
    stageVariables: null,
    body: null,
    isBase64Encoded: false,
    requestContext: {
      authorizer: { claims },
      requestId: `local-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`,
      httpMethod: request.method ?? 'GET',
      path: url.pathname,
      stage: 'local',
    } as unknown as APIGatewayProxyEvent['requestContext'],
  };
}

/** The bundled metrics-api handler (middy is ESM-only; ADR 0002), via the shared loader. */
async function defaultHandler(): Promise<ApiHandler> {
  const loaderPath = join(__dirname, 'load-handler.ts');
  if (!existsSync(loaderPath)) throw new Error('cli/local/load-handler.ts is missing; pass `handler` to startDashboardServer');
  const { loadHandler } = require(loaderPath) as { loadHandler: (name: string) => Promise<ApiHandler> | ApiHandler };
  return await loadHandler('metrics-api');
}
