/**
 * Ingest API Lambda: POST /v1/events stores a batch, DELETE /v1/events/{eventId}
 * retracts one event. Thin: the rules are in core/ingest, the writes in
 * adapters/event-store; this file wires them to API Gateway (REST, v1 events).
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { createDynamoEventStore, type EventStore } from '../adapters/event-store';
import { pseudonymKey } from '../adapters/pseudonym-key';
import { ingestBatch, ingestSettingsFromEnv, RETRY_AFTER_UNAVAILABLE_SECONDS } from '../core/ingest';
import { requiredEnv, RUNTIME_ENV } from '../core/runtime-env';
import type { IngestSettings } from '../core/settings';
import { accessLog } from '../middleware/access-log';
import { ApiError, apiErrors, jsonResponse } from '../middleware/api-errors';

export interface IngestDependencies {
  store: EventStore;
  pseudonymKey: () => Promise<string>;
  limits: IngestSettings;
  now?: () => Date;
}

/**
 * Time kept back from the Lambda deadline to answer after the last write: the
 * store stops (and abandons writes still running) this long before Lambda, and
 * middy's own early timeout, would cut the request off. See docs/adr/0015.
 */
export const RESPONSE_MARGIN_MS = 2000;
const EVENT_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** One logger per container (powertools writes JSON lines to stdout). */
const defaultLogger = new Logger({ serviceName: 'iop-outcomes-ingest' });

/** Dependencies are resolved on the first request, so importing this file reads no environment. */
export function createIngestHandler(dependencies: () => IngestDependencies, logger: Logger = defaultLogger) {
  let resolved: IngestDependencies | undefined;
  const deps = () => (resolved ??= dependencies());

  // `signal` is middy's: it aborts just before Lambda's timeout, a backstop behind our own deadline.
  const route = async (event: APIGatewayProxyEvent, context: Context, { signal }: { signal?: AbortSignal } = {}): Promise<APIGatewayProxyResult> => {
    const { store, limits } = deps();
    const clinicId = event.requestContext?.authorizer?.clinicId;
    // Only the authorizer sets this; without it the request never passed authentication.
    if (typeof clinicId !== 'string' || clinicId === '') throw new ApiError(401, 'Unauthorized');
    const deadlineAt = Date.now() + Math.max(0, context.getRemainingTimeInMillis() - RESPONSE_MARGIN_MS);

    if (event.httpMethod === 'POST' && event.resource === '/v1/events') {
      const outcome = await ingestBatch({
        body: event.body,
        isBase64Encoded: event.isBase64Encoded,
        callerClinicId: clinicId,
        pseudonymSecret: await deps().pseudonymKey(),
        receivedAt: (deps().now ?? (() => new Date()))(),
        limits,
        save: (events) => store.save(events, { deadlineAt, signal }),
      });
      logger.info('batch ingested', { clinicId, statusCode: outcome.statusCode, summary: outcome.body.summary });
      const headers: Record<string, string> = outcome.retryAfterSeconds ? { 'retry-after': String(outcome.retryAfterSeconds) } : {};
      return jsonResponse(outcome.statusCode, outcome.body, headers);
    }

    if (event.httpMethod === 'DELETE' && event.resource === '/v1/events/{eventId}') {
      const eventId = decodeEventId(event.pathParameters?.eventId);
      const result = await store.retract(clinicId, eventId, { deadlineAt, signal });
      logger.info('retraction', { clinicId, result });
      if (result === 'not_found') {
        throw new ApiError(404, 'no event with this eventId is stored for your clinic (it may have been retracted already)');
      }
      return jsonResponse(200, { eventId, status: 'retracted' });
    }

    throw new ApiError(404, `no such route: ${event.httpMethod} ${event.resource}; the API has POST /v1/events and DELETE /v1/events/{eventId}`);
  };

  return middy<APIGatewayProxyEvent, APIGatewayProxyResult>({ timeoutEarlyResponse: () => outOfTimeResponse(logger) })
    .use(injectLambdaContext(logger))
    .use(accessLog(logger))
    .use(apiErrors(logger))
    .handler(route);
}

/**
 * middy's answer when the whole request runs out of time (something other than the
 * store hung, e.g. reading the secret): a retryable 503, not a generic 500.
 * Which events were stored is unknown here, but a resend is safe: they come back `duplicate`.
 */
function outOfTimeResponse(logger: Logger): APIGatewayProxyResult {
  logger.warn('request ran out of time before an answer was ready');
  return jsonResponse(
    503,
    {
      message: `the request ran out of time; some events may be stored. Send the same request again after ${RETRY_AFTER_UNAVAILABLE_SECONDS} seconds (events already stored come back as duplicate)`,
    },
    { 'retry-after': String(RETRY_AFTER_UNAVAILABLE_SECONDS) },
  );
}

/** Path parameters may arrive percent-encoded; a valid eventId never contains `%`, so decoding is safe. */
function decodeEventId(raw: string | undefined): string {
  let eventId = raw ?? '';
  try {
    eventId = decodeURIComponent(eventId);
  } catch {
    // leave it: the check below rejects it
  }
  if (!EVENT_ID.test(eventId)) {
    throw new ApiError(400, 'eventId in the path must be 1-128 characters of letters, digits and . _ : -');
  }
  return eventId;
}

function productionDependencies(): IngestDependencies {
  return {
    store: createDynamoEventStore({ tableName: requiredEnv(RUNTIME_ENV.eventsTable) }),
    pseudonymKey,
    limits: ingestSettingsFromEnv(process.env),
  };
}

export const handler = createIngestHandler(productionDependencies);
