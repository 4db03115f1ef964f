/**
 * The metrics API's routes: `GET /v1/dashboard` and `GET /v1/dashboard/index`, answered
 * from the materialised documents only (never a query). The store is injected, so the
 * Lambda, the local server and the tests run exactly this code.
 */
import {
  indexKey,
  LATEST_FOLDER,
  METRICS_PREFIX,
  type MetricsDocument,
  type MetricsIndex,
  parseMetricsDocument,
  parseMetricsIndex,
} from './metrics-document';
import { DashboardAccessError, dashboardView, indexView, resolveRequest, viewerFromClaims } from './dashboard-view';

/** What the API needs from the object store port. */
export interface MetricsReader {
  get(key: string): Promise<Uint8Array | undefined>;
}

export interface DashboardApiRequest {
  method: string;
  path: string;
  query: Record<string, string | undefined>;
  /** The authorizer's claims (Cognito user pool authorizer shape). */
  claims: Record<string, unknown> | undefined;
}

export interface DashboardApiResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

export interface DashboardApiOptions {
  prefix?: string;
  /** Dated documents never change once written; this many stay in memory between requests. */
  cachedDocuments?: number;
}

export const DASHBOARD_PATH = '/v1/dashboard';
export const DASHBOARD_INDEX_PATH = '/v1/dashboard/index';

export function createDashboardApi(reader: MetricsReader, options: DashboardApiOptions = {}) {
  const prefix = options.prefix ?? METRICS_PREFIX;
  const cacheLimit = options.cachedDocuments ?? 32;
  const cache = new Map<string, MetricsDocument>();

  async function readJson(key: string): Promise<unknown | undefined> {
    const bytes = await reader.get(key);
    if (!bytes) return undefined;
    return JSON.parse(Buffer.from(bytes).toString('utf8'));
  }

  // The latest index is small and re-read every time: it is the switch a refresh flips.
  async function latestIndex(): Promise<MetricsIndex> {
    const key = indexKey(LATEST_FOLDER, prefix);
    const json = await readJson(key);
    if (json === undefined) throw new DashboardAccessError('no materialised metrics yet: run `refresh` (or wait for the scheduled refresh)', 404);
    return parseMetricsIndex(json, key);
  }

  async function document(key: string): Promise<MetricsDocument> {
    const cached = cache.get(key);
    if (cached) return cached;
    const json = await readJson(key);
    if (json === undefined) throw new Error(`materialised document ${key} is listed in the index but missing; run \`refresh\` again`);
    const parsed = parseMetricsDocument(json, key);
    if (cache.size >= cacheLimit) cache.delete(cache.keys().next().value as string);
    cache.set(key, parsed);
    return parsed;
  }

  return async function handle(request: DashboardApiRequest): Promise<DashboardApiResponse> {
    try {
      if (request.method !== 'GET') return json(405, { message: `${request.method} is not supported; use GET` }, { allow: 'GET' });
      const path = request.path.replace(/\/+$/, '');
      if (path !== DASHBOARD_PATH && path !== DASHBOARD_INDEX_PATH) {
        return json(404, { message: `no route ${path}; use ${DASHBOARD_PATH} or ${DASHBOARD_INDEX_PATH}` });
      }
      const viewer = viewerFromClaims(request.claims);
      const index = await latestIndex();
      if (path === DASHBOARD_INDEX_PATH) return json(200, indexView(viewer, index));
      const resolved = resolveRequest(viewer, request.query, index);
      return json(200, dashboardView(viewer, resolved.clinic, await document(resolved.key)));
    } catch (error) {
      if (error instanceof DashboardAccessError) return json(error.statusCode, { message: error.message });
      throw error;
    }
  };
}

function json(statusCode: number, body: unknown, headers: Record<string, string> = {}): DashboardApiResponse {
  return {
    statusCode,
    headers: {
      'content-type': 'application/json; charset=utf-8',
      // Per-director answers: never cached by a shared cache.
      'cache-control': 'private, max-age=60',
      ...headers,
    },
    body: JSON.stringify(body),
  };
}
