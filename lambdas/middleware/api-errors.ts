/**
 * Middleware: any error → a JSON API Gateway response. Client mistakes become
 * 4xx with their message; store trouble becomes 429/503 with Retry-After; anything
 * else is a 500 that names a reference, never a stack trace or an internal message.
 */
import type { APIGatewayProxyResult, Context } from 'aws-lambda';
import { StoreThrottledError, StoreUnavailableError } from '../adapters/event-store';
import { IngestRequestError, RETRY_AFTER_THROTTLED_SECONDS, RETRY_AFTER_UNAVAILABLE_SECONDS } from '../core/ingest';

/** An answer the API gives on purpose (4xx), thrown from anywhere in a handler. */
export class ApiError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export interface ErrorLogger {
  error(message: string, ...extra: unknown[]): void;
  warn(message: string, ...extra: unknown[]): void;
}

interface ErrorRequest {
  error?: unknown;
  context: Pick<Context, 'awsRequestId'>;
  response?: APIGatewayProxyResult | null;
}

export function jsonResponse(statusCode: number, body: unknown, headers: Record<string, string> = {}): APIGatewayProxyResult {
  return { statusCode, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) };
}

export function errorResponse(error: unknown, requestId: string, logger: ErrorLogger): APIGatewayProxyResult {
  if (error instanceof ApiError || error instanceof IngestRequestError) {
    return jsonResponse(error.statusCode, { message: error.message }, error instanceof ApiError ? error.headers : {});
  }
  if (error instanceof StoreThrottledError) {
    logger.warn('events table throttled beyond retries', { error: { name: error.name } });
    return jsonResponse(
      429,
      { message: `too many requests right now; send the same request again after ${RETRY_AFTER_THROTTLED_SECONDS} seconds` },
      { 'retry-after': String(RETRY_AFTER_THROTTLED_SECONDS) },
    );
  }
  if (error instanceof StoreUnavailableError) {
    logger.error('events table unavailable beyond retries', { error: { name: error.name, cause: describeCause(error.cause) } });
    return jsonResponse(
      503,
      { message: `the service is temporarily unavailable; send the same request again after ${RETRY_AFTER_UNAVAILABLE_SECONDS} seconds` },
      { 'retry-after': String(RETRY_AFTER_UNAVAILABLE_SECONDS) },
    );
  }
  logger.error('unexpected error', error as Error);
  return jsonResponse(500, {
    message: `internal error; nothing you sent caused it, and sending the same request again is safe (reference ${requestId})`,
  });
}

function describeCause(cause: unknown): string | undefined {
  return cause instanceof Error ? `${cause.name}: ${cause.message}` : undefined;
}

export function apiErrors(logger: ErrorLogger) {
  return {
    onError: async (request: ErrorRequest) => {
      request.response = errorResponse(request.error, request.context.awsRequestId, logger);
    },
  };
}
