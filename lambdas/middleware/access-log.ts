/**
 * Middleware: one structured log line per request — route, status, clinic, time.
 * Deliberately no path, body or eventId: those can carry client data.
 */
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';

export interface InfoLogger {
  info(message: string, ...extra: unknown[]): void;
}

interface AccessRequest {
  event: APIGatewayProxyEvent;
  response?: APIGatewayProxyResult | null;
  internal: Record<string, unknown>;
}

export function accessLog(logger: InfoLogger, now: () => number = Date.now) {
  const started = new WeakMap<object, number>();
  const write = (request: AccessRequest) => {
    const { event } = request;
    logger.info('request', {
      method: event.httpMethod,
      route: event.resource,
      statusCode: request.response?.statusCode,
      clinicId: event.requestContext?.authorizer?.clinicId,
      durationMs: now() - (started.get(request) ?? now()),
    });
  };
  return {
    before: async (request: AccessRequest) => {
      started.set(request, now());
    },
    after: async (request: AccessRequest) => write(request),
    // runs after apiErrors has turned the error into a response (middy calls onError in reverse order)
    onError: async (request: AccessRequest) => write(request),
  };
}
