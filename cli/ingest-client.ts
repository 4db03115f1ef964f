/**
 * Sends an export file (NDJSON or CSV) to the ingest API: events in batches per
 * clinic (the API refuses another clinic's events) with that clinic's key,
 * retractions as DELETE requests, retries for throttling (Retry-After honoured),
 * 5xx and network errors, and a tally of what the API answered for every event.
 * Response shape: lambdas/core/ingest.ts (IngestResponseBody).
 */
import { createReadStream, readFileSync, existsSync, statSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { readCsv } from './formats/csv';
import { readNdjson } from './formats/ndjson';
import { formatOfPath, type FileFormat, type ParsedLine } from './formats/wire-line';

export interface RetryPolicy {
  /** Attempts per request, the first included. */
  maxAttempts: number;
  /** Backoff before the second attempt; doubles each time (with jitter), capped at maxDelayMs. */
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 6, baseDelayMs: 250, maxDelayMs: 30_000 };

export interface IngestOptions {
  apiUrl: string;
  /** clinicId → API key (the `.local/credentials.json` shape). */
  credentials: Readonly<Record<string, string>>;
  format?: FileFormat;
  batchSize?: number;
  concurrency?: number;
  /** The API's body limit; larger batches are split. */
  maxBodyBytes?: number;
  retry?: Partial<RetryPolicy>;
  /**
   * Per-request timeout (default 120 s). API Gateway answers within 29 s in AWS; the local
   * stack on a busy laptop can take longer for a 500-event batch, and a timed-out batch is
   * re-sent (its stored events then come back as duplicate).
   */
  requestTimeoutMs?: number;
  onProgress?: (progress: IngestProgress) => void;
}

export interface IngestCounts {
  accepted: number;
  duplicate: number;
  stale: number;
  rejected: number;
  retracted: number;
  /** DELETEs answered 404: nothing stored under that eventId (already retracted, or never accepted). */
  retractionsNotFound: number;
  /** Lines the CLI could not read (bad JSON, bad CSV row); never sent. */
  unreadable: number;
  /** Events or retractions not delivered (no key for the clinic, credentials refused, retries exhausted). */
  notSent: number;
}

export interface IngestProgress extends IngestCounts {
  bytesRead: number;
  totalBytes?: number;
  linesRead: number;
  /** Events and retractions the API has answered for. */
  answered: number;
}

export interface CountedReason {
  path: string;
  message: string;
  count: number;
}

export interface IngestSummary extends IngestCounts {
  lines: number;
  events: number;
  retractions: number;
  requests: number;
  retries: number;
  /** Most common rejection reasons first, event index removed from the path. */
  rejectionReasons: CountedReason[];
  notSentReasons: { reason: string; count: number }[];
  /** The first unreadable lines (line number and problem). */
  unreadableLines: { line: number; message: string }[];
}

/** The API could not be reached at all (connection refused, DNS, timeouts) after retries. */
export class ApiUnreachableError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ApiUnreachableError';
  }
}

const MAX_UNREADABLE_KEPT = 20;
const MAX_REASONS_KEPT = 10;

interface EventResultBody {
  index?: number;
  status?: string;
  errors?: { path?: unknown; message?: unknown }[];
  message?: string;
}

/** Reads `.local/credentials.json`-style files with messages that say what to fix. */
export function loadCredentials(path: string): Record<string, string> {
  if (!existsSync(path)) {
    throw new Error(`no credentials file at ${path}; start the local stack (\`iop-outcomes serve\` writes it) or pass --credentials FILE`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`${path} is not valid JSON (${(error as Error).message}); it must look like {"<clinicId>": "<api key>"}`, { cause: error });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed) || !Object.values(parsed).every((key) => typeof key === 'string')) {
    throw new Error(`${path} must be a JSON object {"<clinicId>": "<api key>"} with string keys`);
  }
  return parsed as Record<string, string>;
}

export async function ingestFile(path: string, options: IngestOptions): Promise<IngestSummary> {
  const format = options.format ?? formatOfPath(path);
  if (!format) throw new Error(`cannot tell the format of ${path} from its extension; name it .ndjson or .csv, or pass --format ndjson|csv`);
  if (!existsSync(path)) throw new Error(`no such file: ${path}`);
  const totalBytes = statSync(path).size;
  const stream = createReadStream(path);
  try {
    return await ingestLines(reader(format, stream), { ...options, totalBytes, bytesRead: () => stream.bytesRead });
  } finally {
    stream.destroy();
  }
}

function reader(format: FileFormat, stream: Readable): AsyncGenerator<ParsedLine> {
  return format === 'csv' ? readCsv(stream) : readNdjson(stream);
}

/** Sends parsed lines (from a file, or straight from the generator). */
export async function ingestLines(
  lines: AsyncIterable<ParsedLine>,
  options: IngestOptions & { totalBytes?: number; bytesRead?: () => number },
): Promise<IngestSummary> {
  const sender = new BatchSender(options);
  return sender.run(lines);
}

class BatchSender {
  private readonly batchSize: number;
  private readonly concurrency: number;
  private readonly maxBodyBytes: number;
  private readonly retry: RetryPolicy;
  private readonly apiUrl: string;
  private readonly pending = new Map<string, Record<string, unknown>[]>();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly inFlightByClinic = new Map<string, Set<Promise<void>>>();
  private readonly reasons = new Map<string, CountedReason>();
  private readonly notSentReasons = new Map<string, number>();
  private fatal: Error | undefined;
  private lastProgress = 0;
  private readonly summary: IngestSummary = {
    lines: 0,
    events: 0,
    retractions: 0,
    accepted: 0,
    duplicate: 0,
    stale: 0,
    rejected: 0,
    retracted: 0,
    retractionsNotFound: 0,
    unreadable: 0,
    notSent: 0,
    requests: 0,
    retries: 0,
    rejectionReasons: [],
    notSentReasons: [],
    unreadableLines: [],
  };

  constructor(private readonly options: IngestOptions & { totalBytes?: number; bytesRead?: () => number }) {
    this.batchSize = options.batchSize ?? 500;
    this.concurrency = options.concurrency ?? 4;
    this.maxBodyBytes = options.maxBodyBytes ?? 1_000_000;
    this.retry = { ...DEFAULT_RETRY, ...options.retry };
    this.apiUrl = options.apiUrl.replace(/\/+$/, '');
    if (!Number.isInteger(this.batchSize) || this.batchSize < 1) throw new Error(`batch size must be a whole number ≥ 1, got ${this.batchSize}`);
    if (!Number.isInteger(this.concurrency) || this.concurrency < 1) throw new Error(`concurrency must be a whole number ≥ 1, got ${this.concurrency}`);
  }

  async run(lines: AsyncIterable<ParsedLine>): Promise<IngestSummary> {
    for await (const line of lines) {
      if (this.fatal) break;
      this.summary.lines += 1;
      if (line.kind === 'error') this.unreadable(line.line, line.message);
      else if (line.kind === 'retract') await this.retract(line.clinicId, line.eventId);
      else await this.add(line.event, line.line);
      this.progress();
    }
    if (!this.fatal) for (const clinicId of [...this.pending.keys()]) await this.dispatch(clinicId);
    await Promise.allSettled([...this.inFlight]);
    if (this.fatal) throw this.fatal;
    this.progress(true);
    this.summary.rejectionReasons = [...this.reasons.values()].sort((a, b) => b.count - a.count).slice(0, MAX_REASONS_KEPT);
    this.summary.notSentReasons = [...this.notSentReasons].map(([reason, count]) => ({ reason, count })).sort((a, b) => b.count - a.count);
    return this.summary;
  }

  private unreadable(line: number, message: string): void {
    this.summary.unreadable += 1;
    if (this.summary.unreadableLines.length < MAX_UNREADABLE_KEPT) this.summary.unreadableLines.push({ line, message });
  }

  private notSent(count: number, reason: string): void {
    this.summary.notSent += count;
    this.notSentReasons.set(reason, (this.notSentReasons.get(reason) ?? 0) + count);
  }

  private async add(event: Record<string, unknown>, line: number): Promise<void> {
    const clinicId = event.clinicId;
    if (typeof clinicId !== 'string' || clinicId === '') {
      this.unreadable(line, 'clinicId is missing; it says which clinic (and which API key) the event belongs to');
      return;
    }
    this.summary.events += 1;
    if (!this.options.credentials[clinicId]) {
      this.notSent(1, `no API key for clinic "${clinicId}" in the credentials file`);
      return;
    }
    const batch = this.pending.get(clinicId) ?? [];
    batch.push(event);
    this.pending.set(clinicId, batch);
    if (batch.length >= this.batchSize) await this.dispatch(clinicId);
  }

  /** Starts sending a clinic's pending batch once a request slot is free. */
  private async dispatch(clinicId: string): Promise<void> {
    const events = this.pending.get(clinicId);
    this.pending.delete(clinicId);
    if (!events || events.length === 0) return;
    while (this.inFlight.size >= this.concurrency) await Promise.race(this.inFlight);
    const clinicRequests = this.inFlightByClinic.get(clinicId) ?? new Set();
    this.inFlightByClinic.set(clinicId, clinicRequests);
    const request = this.sendBatch(clinicId, events)
      .catch((error: Error) => {
        this.fatal ??= error;
      })
      .finally(() => {
        this.inFlight.delete(request);
        clinicRequests.delete(request);
        this.progress();
      });
    this.inFlight.add(request);
    clinicRequests.add(request);
  }

  /** A retraction goes out only after everything sent before it for that clinic has been answered. */
  private async retract(clinicId: string, eventId: string): Promise<void> {
    this.summary.retractions += 1;
    const key = this.options.credentials[clinicId];
    if (!key) {
      this.notSent(1, `no API key for clinic "${clinicId}" in the credentials file`);
      return;
    }
    await this.dispatch(clinicId);
    await Promise.allSettled([...(this.inFlightByClinic.get(clinicId) ?? [])]);
    if (this.fatal) return;
    try {
      const url = `${this.apiUrl}/v1/events/${encodeURIComponent(eventId)}`;
      const response = await this.request(url, { method: 'DELETE', headers: { 'x-api-key': key } });
      if (response.status === 200 || response.status === 204) this.summary.retracted += 1;
      else if (response.status === 404) this.summary.retractionsNotFound += 1;
      else this.notSent(1, `retraction answered HTTP ${response.status}: ${await messageOf(response)}`);
    } catch (error) {
      if (error instanceof RetriesExhaustedError) this.notSent(1, error.message);
      else this.fatal ??= error as Error;
    }
  }

  private async sendBatch(clinicId: string, events: Record<string, unknown>[]): Promise<void> {
    const body = JSON.stringify({ events });
    if (Buffer.byteLength(body) > this.maxBodyBytes && events.length > 1) {
      const half = Math.ceil(events.length / 2);
      await this.sendBatch(clinicId, events.slice(0, half));
      await this.sendBatch(clinicId, events.slice(half));
      return;
    }
    let remaining = events;
    for (let attempt = 1; ; attempt++) {
      let response: Response;
      try {
        response = await this.request(`${this.apiUrl}/v1/events`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-api-key': this.options.credentials[clinicId] },
          body: remaining === events ? body : JSON.stringify({ events: remaining }),
        }, false);
      } catch (error) {
        if (error instanceof RetriesExhaustedError) {
          this.notSent(remaining.length, error.message);
          return;
        }
        throw error;
      }
      const payload = await jsonOf(response);
      const results = Array.isArray(payload?.results) ? (payload.results as EventResultBody[]) : undefined;
      const retryable = response.status === 429 || response.status >= 500;

      if (results && (!retryable || results.length === remaining.length)) {
        const failed: Record<string, unknown>[] = [];
        results.forEach((result, position) => {
          if (result.status === 'failed') failed.push(remaining[result.index ?? position]);
          else this.tally(result);
        });
        if (failed.length === 0) return;
        remaining = failed;
      } else if (response.status === 413) {
        if (remaining.length === 1) {
          this.summary.rejected += 1;
          this.reason('(event)', `larger than the API accepts (HTTP 413): ${String(payload?.message ?? '')}`);
          return;
        }
        const half = Math.ceil(remaining.length / 2);
        await this.sendBatch(clinicId, remaining.slice(0, half));
        await this.sendBatch(clinicId, remaining.slice(half));
        return;
      } else if (!retryable) {
        const message = String(payload?.message ?? `HTTP ${response.status}`);
        if (response.status === 400) {
          this.summary.rejected += remaining.length;
          this.reason('(batch)', message, remaining.length);
        } else {
          this.notSent(remaining.length, `HTTP ${response.status} for clinic "${clinicId}": ${message}`);
        }
        return;
      }
      if (attempt >= this.retry.maxAttempts) {
        this.notSent(remaining.length, `HTTP ${response.status} after ${attempt} attempts`);
        return;
      }
      this.summary.retries += 1;
      await sleep(retryAfterMs(response) ?? this.backoff(attempt));
    }
  }

  /** fetch with retries for network errors (and, when asked, 429/5xx); throws ApiUnreachableError. */
  private async request(url: string, init: RequestInit, retryStatuses = true): Promise<Response> {
    for (let attempt = 1; ; attempt++) {
      this.summary.requests += 1;
      let response: Response | undefined;
      let failure: unknown;
      try {
        response = await fetch(url, { ...init, signal: AbortSignal.timeout(this.options.requestTimeoutMs ?? 120_000) });
      } catch (error) {
        failure = error;
      }
      if (response && !(retryStatuses && (response.status === 429 || response.status >= 500))) return response;
      if (attempt >= this.retry.maxAttempts) {
        if (response) throw new RetriesExhaustedError(`HTTP ${response.status} after ${attempt} attempts`);
        throw new ApiUnreachableError(
          `cannot reach the ingest API at ${this.apiUrl} (${describeNetworkError(failure)}) after ${attempt} attempts; ` +
            'is the local stack running (`iop-outcomes serve`)? Otherwise pass --api URL',
          { cause: failure },
        );
      }
      this.summary.retries += 1;
      if (response) await response.arrayBuffer().catch(() => undefined);
      await sleep((response && retryAfterMs(response)) ?? this.backoff(attempt));
    }
  }

  private backoff(attempt: number): number {
    const exponential = Math.min(this.retry.maxDelayMs, this.retry.baseDelayMs * 2 ** (attempt - 1));
    return exponential / 2 + Math.random() * (exponential / 2); // jitter spreads concurrent retries
  }

  private tally(result: EventResultBody): void {
    switch (result.status) {
      case 'accepted':
      case 'duplicate':
      case 'stale':
        this.summary[result.status] += 1;
        return;
      case 'rejected':
        this.summary.rejected += 1;
        for (const error of result.errors ?? [{ path: '(event)', message: 'rejected without a reason' }]) {
          this.reason(String(error.path ?? '(event)').replace(/^events\[\d+\]\.?/, '') || '(event)', String(error.message ?? ''));
        }
        return;
      default:
        this.notSent(1, `the API answered an unknown status ${JSON.stringify(result.status)}`);
    }
  }

  private reason(path: string, message: string, count = 1): void {
    const key = `${path}\u0000${message}`;
    const entry = this.reasons.get(key) ?? { path, message, count: 0 };
    entry.count += count;
    this.reasons.set(key, entry);
  }

  private progress(force = false): void {
    if (!this.options.onProgress) return;
    const now = Date.now();
    if (!force && now - this.lastProgress < 100) return;
    this.lastProgress = now;
    const { accepted, duplicate, stale, rejected, retracted, retractionsNotFound, unreadable, notSent } = this.summary;
    this.options.onProgress({
      accepted,
      duplicate,
      stale,
      rejected,
      retracted,
      retractionsNotFound,
      unreadable,
      notSent,
      answered: accepted + duplicate + stale + rejected + retracted + retractionsNotFound,
      linesRead: this.summary.lines,
      bytesRead: this.options.bytesRead?.() ?? 0,
      totalBytes: this.options.totalBytes,
    });
  }
}

class RetriesExhaustedError extends Error {}

function retryAfterMs(response: Response): number | undefined {
  const header = response.headers.get('retry-after');
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.min(seconds, 300) * 1000;
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.min(date - Date.now(), 300_000));
}

async function jsonOf(response: Response): Promise<Record<string, unknown> | undefined> {
  try {
    const parsed = (await response.json()) as unknown;
    return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

async function messageOf(response: Response): Promise<string> {
  const payload = await jsonOf(response);
  return String(payload?.message ?? response.statusText);
}

function describeNetworkError(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } })?.cause;
  if (cause?.code) return cause.code;
  if ((error as Error)?.name === 'TimeoutError') return 'timed out';
  return (cause?.message ?? (error as Error)?.message ?? String(error)).slice(0, 120);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
