/**
 * The ingest core: from a request body and the caller's clinic to a stored batch
 * and the per-event answer. No AWS here: the store is passed in as `save`.
 * Rules and status codes are explained in docs/adr/0011-ingest-outcomes-and-status-codes.md.
 */
import { createHash } from 'node:crypto';
import { batchEnvelopeSchema, type ClinicEvent, eventSchema } from './event-schema';
import { type StoredEvent, toStoredEvent } from './events-table';
import { clientKeyOf } from './pseudonym';
import { DEFAULT_INGEST_SETTINGS, type IngestSettings } from './settings';
import { describeIssues, type FieldError, quote } from './validation-errors';

/** What the store says about one conditional write. */
export type SaveOutcome =
  | { status: 'accepted' }
  | { status: 'duplicate' }
  | { status: 'stale'; storedVersion: number }
  | { status: 'conflict'; reason: 'content' | 'type'; storedVersion: number; storedType: string }
  | { status: 'failed'; reason: 'throttled' | 'unavailable' };

/** Writes events (outcomes in input order); the DynamoDB adapter implements it. */
export type SaveEvents = (events: StoredEvent[]) => Promise<SaveOutcome[]>;

export type EventStatus = 'accepted' | 'duplicate' | 'stale' | 'rejected' | 'failed';

export interface EventResult {
  /** Position in the request's `events` list. */
  index: number;
  /** Echoed only when it is a well-formed eventId. */
  eventId?: string;
  version?: number;
  status: EventStatus;
  /** For `stale`: the version already stored. */
  storedVersion?: number;
  /** For `rejected`: every problem found, field by field. */
  errors?: FieldError[];
  /** For `failed`: the event was not written; sending the batch again is safe. */
  message?: string;
}

export interface IngestSummary {
  received: number;
  accepted: number;
  duplicate: number;
  stale: number;
  rejected: number;
  failed: number;
}

export interface IngestResponseBody {
  message: string;
  summary: IngestSummary;
  results: EventResult[];
}

export interface IngestOutcome {
  statusCode: 200 | 207 | 400 | 403 | 429 | 503;
  /** Seconds, for 429 and 503. */
  retryAfterSeconds?: number;
  body: IngestResponseBody;
}

/** A request the API refuses as a whole (unreadable, too large): no event was looked at. */
export class IngestRequestError extends Error {
  constructor(
    readonly statusCode: 400 | 413,
    message: string,
  ) {
    super(message);
    this.name = 'IngestRequestError';
  }
}

export const RETRY_AFTER_THROTTLED_SECONDS = 5;
export const RETRY_AFTER_UNAVAILABLE_SECONDS = 30;

/** Batch limits: the defaults, overridden by MAX_EVENTS_PER_BATCH / MAX_BODY_BYTES. */
export function ingestSettingsFromEnv(env: Record<string, string | undefined>): IngestSettings {
  return {
    maxEventsPerBatch: positiveIntEnv(env, 'MAX_EVENTS_PER_BATCH', DEFAULT_INGEST_SETTINGS.maxEventsPerBatch),
    maxBodyBytes: positiveIntEnv(env, 'MAX_BODY_BYTES', DEFAULT_INGEST_SETTINGS.maxBodyBytes),
  };
}

function positiveIntEnv(env: Record<string, string | undefined>, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new Error(`environment variable ${name} is "${raw}"; it must be a positive whole number (default ${fallback})`);
  }
  return value;
}

export function bodyTooLargeMessage(limits: IngestSettings): string {
  return `the request body is larger than ${limits.maxBodyBytes} bytes; split the events into smaller batches`;
}

/** Reads `{"events": [...]}` within the limits, or throws an IngestRequestError (400/413). */
export function readBatch(body: string | null | undefined, isBase64Encoded: boolean, limits: IngestSettings): unknown[] {
  if (body === null || body === undefined || body === '') {
    throw new IngestRequestError(400, 'the request body is empty; send {"events": [ ... ]} as JSON');
  }
  const text = isBase64Encoded ? Buffer.from(body, 'base64').toString('utf8') : body;
  if (Buffer.byteLength(text, 'utf8') > limits.maxBodyBytes) throw new IngestRequestError(413, bodyTooLargeMessage(limits));
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    // The parser's own message quotes the body, which may hold client data: report only the position.
    const position = /position (\d+)/.exec((error as Error).message)?.[1];
    throw new IngestRequestError(
      400,
      `the request body is not valid JSON${position ? ` (error at character ${position})` : ''}; send {"events": [ ... ]}`,
    );
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new IngestRequestError(400, 'the request body must be a JSON object {"events": [ ... ]}');
  }
  const events = (parsed as Record<string, unknown>).events;
  if (Array.isArray(events) && events.length > limits.maxEventsPerBatch) {
    throw new IngestRequestError(
      413,
      `the batch has ${events.length} events; at most ${limits.maxEventsPerBatch} are accepted per request; split it into smaller batches`,
    );
  }
  const envelope = batchEnvelopeSchema.safeParse(parsed);
  if (!envelope.success) {
    const problems = describeIssues(envelope.error.issues, 'body', parsed).map((error) => `${error.path} ${error.message}`);
    throw new IngestRequestError(400, `the request body must be {"events": [ ... ]}: ${problems.join('; ')}`);
  }
  return envelope.data.events;
}

/** One event after validation: either ready to store, or rejected with its errors. */
type Checked =
  | { index: number; kind: 'valid'; event: ClinicEvent; stored: StoredEvent }
  | { index: number; kind: 'rejected'; errors: FieldError[]; onlyClinicMismatch: boolean };

export interface IngestContext {
  /** The clinic the caller's credentials belong to. */
  callerClinicId: string;
  /** Pseudonymisation secret of the deployment. */
  pseudonymSecret: string | Buffer;
  receivedAt: Date;
}

/** Validates every event on its own, checks the tenant, pseudonymises and builds the stored form. */
export function checkEvents(rawEvents: readonly unknown[], context: IngestContext): Checked[] {
  const receivedAt = context.receivedAt.toISOString();
  return rawEvents.map((raw, index): Checked => {
    const prefix = `events[${index}]`;
    const parsed = eventSchema.safeParse(raw);
    const errors = parsed.success ? [] : describeIssues(parsed.error.issues, prefix, raw);
    const claimedClinic = isRecord(raw) ? raw.clinicId : undefined;
    const mismatch = typeof claimedClinic === 'string' && claimedClinic !== context.callerClinicId;
    if (mismatch) {
      errors.unshift({
        path: `${prefix}.clinicId`,
        message: `is ${quote(claimedClinic)} but your API key belongs to clinic "${context.callerClinicId}"; send only your own clinic's events, or use that clinic's key`,
      });
    }
    if (!parsed.success || mismatch) return { index, kind: 'rejected', errors, onlyClinicMismatch: mismatch && parsed.success };
    const event = parsed.data;
    const clientKey = clientKeyOf(context.pseudonymSecret, event.clinicId, event.clientId);
    const stored = toStoredEvent(event, clientKey, receivedAt, contentHashOf(event, clientKey));
    return { index, kind: 'valid', event, stored };
  });
}

/**
 * SHA-256 of the event as stored (clientKey instead of clientId; without keys,
 * receivedAt and the hash itself), in a canonical form: object keys sorted, and
 * list entries sorted too — the only list in the contract (drug test results) is
 * a set, so a re-export in another order is the same event, not a conflict.
 */
export function contentHashOf(event: ClinicEvent, clientKey: string): string {
  const { clientId: _raw, ...fields } = event;
  void _raw;
  return createHash('sha256').update(canonicalJson({ ...fields, clientKey })).digest('hex');
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).sort().join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, field]) => field !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, field]) => `${JSON.stringify(key)}:${canonicalJson(field)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export interface IngestBatchInput extends IngestContext {
  body: string | null | undefined;
  isBase64Encoded?: boolean;
  limits: IngestSettings;
  save: SaveEvents;
}

/** The whole POST /v1/events: read, check, write, answer. Throws IngestRequestError for 400/413. */
export async function ingestBatch(input: IngestBatchInput): Promise<IngestOutcome> {
  const rawEvents = readBatch(input.body, input.isBase64Encoded ?? false, input.limits);
  const checked = checkEvents(rawEvents, input);
  const results: EventResult[] = checked.map((entry) => ({
    index: entry.index,
    ...identityOf(rawEvents[entry.index], entry),
    status: 'rejected',
    ...(entry.kind === 'rejected' ? { errors: entry.errors } : {}),
  }));
  const plan = planWrites(checked.filter((entry): entry is Extract<Checked, { kind: 'valid' }> => entry.kind === 'valid'));
  for (const conflict of plan.conflicts) results[conflict.index] = { ...results[conflict.index], status: 'rejected', errors: [conflict.error] };
  const failures = new Set<'throttled' | 'unavailable'>();
  for (const wave of plan.waves) {
    const outcomes = await input.save(wave.map((write) => write.stored));
    if (outcomes.length !== wave.length) throw new Error(`the event store answered ${outcomes.length} outcomes for ${wave.length} events`);
    wave.forEach((write, position) => {
      const outcome = outcomes[position];
      if (outcome.status === 'failed') failures.add(outcome.reason);
      for (const index of [write.index, ...write.copies]) {
        results[index] = resultOf(results[index], outcome, index !== write.index);
      }
    });
  }
  return answer(results, checked, failures);
}

interface PlannedWrite {
  index: number;
  stored: StoredEvent;
  /** Later entries of the batch with the same eventId, version and content: they share this write's outcome. */
  copies: number[];
}

/**
 * Orders the writes of one batch. Usually one wave of independent writes; when a
 * batch carries several versions of one eventId they go in successive waves,
 * lowest version first, so the outcome does not depend on write concurrency.
 */
function planWrites(valid: Extract<Checked, { kind: 'valid' }>[]) {
  const byEventId = new Map<string, Extract<Checked, { kind: 'valid' }>[]>();
  for (const entry of valid) byEventId.set(entry.event.eventId, [...(byEventId.get(entry.event.eventId) ?? []), entry]);
  const waves: PlannedWrite[][] = [];
  const conflicts: { index: number; error: FieldError }[] = [];
  for (const entries of byEventId.values()) {
    const versions = [...new Set(entries.map((entry) => entry.event.version))].sort((a, b) => a - b);
    let wave = 0;
    for (const version of versions) {
      const same = entries.filter((entry) => entry.event.version === version);
      const hashes = new Set(same.map((entry) => entry.stored.contentHash));
      if (hashes.size > 1) {
        const places = same.map((entry) => `events[${entry.index}]`).join(', ');
        for (const entry of same) {
          conflicts.push({
            index: entry.index,
            error: {
              path: `events[${entry.index}].eventId`,
              message: `this eventId and version ${version} appear more than once in the batch with different content (${places}); send one of them, or give the correction a higher version`,
            },
          });
        }
        continue;
      }
      (waves[wave] ??= []).push({ index: same[0].index, stored: same[0].stored, copies: same.slice(1).map((entry) => entry.index) });
      wave += 1;
    }
  }
  return { waves, conflicts };
}

function resultOf(previous: EventResult, outcome: SaveOutcome, isCopy: boolean): EventResult {
  const base = { index: previous.index, eventId: previous.eventId, version: previous.version };
  switch (outcome.status) {
    case 'accepted':
      return { ...base, status: isCopy ? 'duplicate' : 'accepted' };
    case 'duplicate':
      return { ...base, status: 'duplicate' };
    case 'stale':
      return { ...base, status: 'stale', storedVersion: outcome.storedVersion };
    case 'conflict':
      return { ...base, status: 'rejected', errors: [conflictError(previous.index, outcome)] };
    case 'failed':
      return {
        ...base,
        status: 'failed',
        message:
          outcome.reason === 'throttled'
            ? 'not stored: the database is busy; send the batch again after Retry-After seconds (events already stored come back as duplicate)'
            : 'not stored: the database did not answer; send the batch again later (events already stored come back as duplicate)',
      };
  }
}

function conflictError(index: number, outcome: Extract<SaveOutcome, { status: 'conflict' }>): FieldError {
  if (outcome.reason === 'type') {
    return {
      path: `events[${index}].type`,
      message: `this eventId is stored as a ${outcome.storedType} event (version ${outcome.storedVersion}); a correction cannot change the type. Retract it (DELETE /v1/events/{eventId}) and send the new fact under a new eventId`,
    };
  }
  return {
    path: `events[${index}].version`,
    message: `a different event was already stored under this eventId and version ${outcome.storedVersion}; send a higher version to correct it`,
  };
}

function identityOf(raw: unknown, entry: Checked): Pick<EventResult, 'eventId' | 'version'> {
  if (entry.kind === 'valid') return { eventId: entry.event.eventId, version: entry.event.version };
  if (!isRecord(raw)) return {};
  const identity: Pick<EventResult, 'eventId' | 'version'> = {};
  if (typeof raw.eventId === 'string' && /^[A-Za-z0-9._:-]{1,128}$/.test(raw.eventId)) identity.eventId = raw.eventId;
  if (raw.version === undefined) identity.version = 1; // the contract's default
  else if (Number.isSafeInteger(raw.version) && (raw.version as number) >= 1) identity.version = raw.version as number;
  return identity;
}

function answer(results: EventResult[], checked: Checked[], failures: Set<'throttled' | 'unavailable'>): IngestOutcome {
  const summary: IngestSummary = { received: results.length, accepted: 0, duplicate: 0, stale: 0, rejected: 0, failed: 0 };
  for (const result of results) summary[result.status] += 1;
  const body = (message: string) => ({ message, summary, results });
  if (summary.failed > 0) {
    const unavailable = failures.has('unavailable');
    return {
      statusCode: unavailable ? 503 : 429,
      retryAfterSeconds: unavailable ? RETRY_AFTER_UNAVAILABLE_SECONDS : RETRY_AFTER_THROTTLED_SECONDS,
      body: body(`${summary.failed} of ${summary.received} events were not stored; send the same batch again after Retry-After seconds`),
    };
  }
  if (summary.rejected === 0) return { statusCode: 200, body: body(`all ${summary.received} events processed`) };
  if (summary.rejected < summary.received) {
    return { statusCode: 207, body: body(`${summary.rejected} of ${summary.received} events were rejected; see errors in results`) };
  }
  const allOtherClinic = checked.every((entry) => entry.kind === 'rejected' && entry.onlyClinicMismatch);
  if (allOtherClinic) {
    return { statusCode: 403, body: body("every event names another clinic than the one your API key belongs to; nothing was stored") };
  }
  return { statusCode: 400, body: body('every event was rejected; nothing was stored; see errors in results') };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
