/**
 * Metrics API Lambda: `GET /v1/dashboard` and `/v1/dashboard/index` behind the Cognito
 * authorizer. Reads materialised documents from S3 (read-only); never runs a query.
 */
import middy from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { S3ObjectStore, s3ClientFromEnv } from '../adapters/object-store';
import { createDashboardApi } from '../core/dashboard-api';
import { METRICS_PREFIX } from '../core/metrics-document';
import { RUNTIME_ENV, requiredEnv } from '../core/runtime-env';

let api: ReturnType<typeof createDashboardApi> | undefined;

/** Built on first use so the local server and tests can set the environment first. */
function dashboardApi() {
  api ??= createDashboardApi(new S3ObjectStore(s3ClientFromEnv(), requiredEnv(RUNTIME_ENV.metricsBucket)), {
    prefix: process.env[RUNTIME_ENV.metricsPrefix] || METRICS_PREFIX,
  });
  return api;
}

async function serve(event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> {
  const response = await dashboardApi()({
    method: event.httpMethod,
    path: event.path,
    query: event.queryStringParameters ?? {},
    claims: event.requestContext?.authorizer?.claims as Record<string, unknown> | undefined,
  });
  console.log(JSON.stringify({ level: 'INFO', service: 'metrics-api', message: 'request', route: event.resource, statusCode: response.statusCode }));
  return response;
}

export const handler = middy<APIGatewayProxyEvent, APIGatewayProxyResult, Error, Context>(serve).onError(async (request) => {
  // No internal detail (keys, bucket names) in the answer; the log has the error.
  console.error(JSON.stringify({ level: 'ERROR', service: 'metrics-api', message: 'unexpected error', error: String(request.error) }));
  request.response = {
    statusCode: 500,
    headers: { 'content-type': 'application/json; charset=utf-8' },
    body: JSON.stringify({ message: `internal error reading the dashboard metrics (reference ${request.context.awsRequestId})` }),
  };
});
