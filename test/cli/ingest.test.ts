import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { command as ingestCommand } from '../../cli/commands/ingest';
import { ApiUnreachableError, ingestFile, type IngestOptions } from '../../cli/ingest-client';
import { freePort } from '../../cli/local/free-port';
import { writeCohort } from '../../cli/synthetic/emit';

interface SeenRequest {
  method: string;
  url: string;
  apiKey: string | undefined;
  events: Record<string, unknown>[];
}

type Scripted = (request: SeenRequest, response: ServerResponse) => boolean;

/** A stand-in for the ingest API: answers like lambdas/core/ingest.ts, or as a test scripts it. */
class FakeIngestApi {
  readonly requests: SeenRequest[] = [];
  readonly script: Scripted[] = [];
  private server: Server | undefined;
  url = '';

  async start(): Promise<void> {
    const port = await freePort();
    this.server = createServer((request, response) => void this.handle(request, response));
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${port}`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  reset(): void {
    this.requests.length = 0;
    this.script.length = 0;
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    let body = '';
    for await (const chunk of request) body += chunk;
    const seen: SeenRequest = {
      method: request.method ?? '',
      url: request.url ?? '',
      apiKey: request.headers['x-api-key'] as string | undefined,
      events: body ? (JSON.parse(body) as { events: Record<string, unknown>[] }).events : [],
    };
    this.requests.push(seen);
    const scripted = this.script.shift();
    if (scripted && scripted(seen, response)) return;
    if (seen.method === 'DELETE') {
      const found = !seen.url.includes('missing');
      send(response, found ? 200 : 404, found ? { status: 'retracted' } : { message: 'no event with this eventId is stored' });
      return;
    }
    const results = seen.events.map((event, index) =>
      String(event.eventId).includes('bad')
        ? { index, eventId: event.eventId, status: 'rejected', errors: [{ path: `events[${index}].attendedMinutes`, message: 'must be at most 600' }] }
        : { index, eventId: event.eventId, status: String(event.eventId).includes('dup') ? 'duplicate' : 'accepted' },
    );
    const rejected = results.some((result) => result.status === 'rejected');
    send(response, rejected ? 207 : 200, { message: 'processed', results });
  }
}

function send(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): true {
  response.writeHead(status, { 'content-type': 'application/json', ...headers });
  response.end(JSON.stringify(body));
  return true;
}

const event = (clinicId: string, eventId: string) => ({ type: 'goal', eventId, clinicId, clientId: 'C-100001', episodeId: 'E1' });

describe('ingest command client', () => {
  const api = new FakeIngestApi();
  const workDir = mkdtempSync(join(tmpdir(), 'iop-ingest-'));
  const credentials = { north: 'key-north', south: 'key-south' };
  let options: IngestOptions;

  const writeLines = (name: string, lines: unknown[]) => {
    const path = join(workDir, name);
    writeFileSync(path, lines.map((line) => (typeof line === 'string' ? line : JSON.stringify(line))).join('\n') + '\n');
    return path;
  };

  beforeAll(async () => {
    await api.start();
  });

  beforeEach(() => {
    api.reset();
    options = { apiUrl: api.url, credentials, batchSize: 3, concurrency: 2, retry: { baseDelayMs: 5, maxDelayMs: 20 } };
  });

  afterAll(async () => {
    await api.stop();
    rmSync(workDir, { recursive: true, force: true });
  });

  it('should send events in batches per clinic, each with that clinic key', async () => {
    // Prepare
    const lines = [...Array.from({ length: 7 }, (_, n) => event('north', `n-${n}`)), ...Array.from({ length: 3 }, (_, n) => event('south', `s-${n}`))];
    const path = writeLines('two-clinics.ndjson', [lines[0], lines[7], ...lines.slice(1, 7), ...lines.slice(8)]);

    // Act
    const summary = await ingestFile(path, options);

    // Assess
    expect(summary).toMatchObject({ events: 10, accepted: 10, rejected: 0, notSent: 0 });
    expect(api.requests.every((request) => request.method === 'POST' && request.url === '/v1/events')).toBe(true);
    for (const request of api.requests) {
      const clinics = new Set(request.events.map((sent) => sent.clinicId));
      expect(clinics.size).toBe(1);
      expect(request.apiKey).toBe(credentials[[...clinics][0] as 'north' | 'south']);
      expect(request.events.length).toBeLessThanOrEqual(3);
    }
    expect(api.requests.map((request) => request.events.length).sort()).toEqual([1, 3, 3, 3]);
  });

  it('should count accepted, duplicate and rejected events and the most common rejection reasons', async () => {
    // Prepare
    const path = writeLines('mixed.ndjson', [event('north', 'ok-1'), event('north', 'bad-1'), event('north', 'dup-1'), event('north', 'bad-2'), event('south', 'bad-3')]);

    // Act
    const summary = await ingestFile(path, options);

    // Assess
    expect(summary).toMatchObject({ accepted: 1, duplicate: 1, rejected: 3, notSent: 0 });
    expect(summary.rejectionReasons).toEqual([{ path: 'attendedMinutes', message: 'must be at most 600', count: 3 }]);
  });

  it('should wait for Retry-After on 429 and then deliver the batch', async () => {
    // Prepare
    api.script.push((_request, response) => send(response, 429, { message: 'slow down' }, { 'retry-after': '1' }));
    const path = writeLines('throttled.ndjson', [event('north', 'a'), event('north', 'b')]);

    // Act
    const summary = await ingestFile(path, options);

    // Assess
    expect(summary).toMatchObject({ accepted: 2, notSent: 0, retries: 1 });
    expect(api.requests).toHaveLength(2);
    expect(api.requests[1].events).toEqual(api.requests[0].events);
  });

  it('should retry 503s with backoff and give up with a not-sent reason when they never stop', async () => {
    // Prepare
    api.script.push((_request, response) => send(response, 503, { message: 'unavailable' }));
    const recovering = writeLines('recovering.ndjson', [event('north', 'r-1')]);
    const failing = writeLines('failing.ndjson', [event('south', 'f-1'), event('south', 'f-2')]);

    // Act
    const recovered = await ingestFile(recovering, options);
    for (let n = 0; n < 10; n++) api.script.push((_request, response) => send(response, 503, { message: 'unavailable' }));
    const gaveUp = await ingestFile(failing, { ...options, retry: { maxAttempts: 3, baseDelayMs: 5, maxDelayMs: 10 } });

    // Assess
    expect(recovered).toMatchObject({ accepted: 1, retries: 1, notSent: 0 });
    expect(gaveUp).toMatchObject({ accepted: 0, notSent: 2 });
    expect(gaveUp.notSentReasons).toEqual([{ reason: 'HTTP 503 after 3 attempts', count: 2 }]);
  });

  it('should re-send only the events a 429 answer lists as failed', async () => {
    // Prepare
    api.script.push((request, response) =>
      send(
        response,
        429,
        {
          message: '1 of 3 events were not stored',
          results: request.events.map((sent, index) => ({ index, eventId: sent.eventId, status: index === 1 ? 'failed' : 'accepted' })),
        },
        { 'retry-after': '0' },
      ),
    );
    const path = writeLines('partial.ndjson', [event('north', 'p-1'), event('north', 'p-2'), event('north', 'p-3')]);

    // Act
    const summary = await ingestFile(path, options);

    // Assess
    expect(summary).toMatchObject({ accepted: 3, duplicate: 0, notSent: 0 });
    expect(api.requests.map((request) => request.events.map((sent) => sent.eventId))).toEqual([['p-1', 'p-2', 'p-3'], ['p-2']]);
  });

  it('should send retractions as DELETE after the batch holding the event was answered', async () => {
    // Prepare
    const path = writeLines('retractions.ndjson', [
      event('north', 'x-1'),
      event('north', 'x-2'),
      { retract: { clinicId: 'north', eventId: 'x-2' } },
      { retract: { clinicId: 'north', eventId: 'missing-1' } },
    ]);

    // Act
    const summary = await ingestFile(path, { ...options, batchSize: 500 });

    // Assess
    expect(summary).toMatchObject({ accepted: 2, retracted: 1, retractionsNotFound: 1, retractions: 2, notSent: 0 });
    expect(api.requests.map((request) => `${request.method} ${request.url} ${request.apiKey}`)).toEqual([
      'POST /v1/events key-north',
      'DELETE /v1/events/x-2 key-north',
      'DELETE /v1/events/missing-1 key-north',
    ]);
  });

  it('should report unreadable lines and clinics without a key instead of stopping', async () => {
    // Prepare
    const path = writeLines('problems.ndjson', [event('north', 'ok-1'), '{not json', event('east', 'e-1'), { type: 'goal', eventId: 'no-clinic' }]);

    // Act
    const summary = await ingestFile(path, options);

    // Assess
    expect(summary).toMatchObject({ accepted: 1, unreadable: 2, notSent: 1 });
    expect(summary.unreadableLines.map((entry) => entry.line)).toEqual([2, 4]);
    expect(summary.notSentReasons).toEqual([{ reason: 'no API key for clinic "east" in the credentials file', count: 1 }]);
  });

  it('should read CSV exports too, sending the same events', async () => {
    // Prepare
    const path = join(workDir, 'cohort.csv');
    await writeCohort({ seed: 3, clinics: 2, admissions: 10, months: 3, asOf: '2026-06-30', clean: true }, path);

    // Act
    const summary = await ingestFile(path, { ...options, credentials: { 'harbor-view': 'k1', 'cedar-ridge': 'k2' }, batchSize: 100 });

    // Assess
    const sent = api.requests.flatMap((request) => request.events);
    expect(summary.events).toBeGreaterThan(100);
    expect(summary).toMatchObject({ accepted: summary.events, unreadable: 0, notSent: 0 });
    expect(sent.find((candidate) => candidate.type === 'drug_test' && candidate.status === 'collected')).toMatchObject({ results: expect.any(Array), random: expect.any(Boolean) });
  });

  it('should fail with ApiUnreachableError naming the URL when nothing listens', async () => {
    // Prepare
    const path = writeLines('unreachable.ndjson', [event('north', 'u-1')]);
    const closedPort = await freePort();

    // Act
    const attempt = ingestFile(path, { ...options, apiUrl: `http://127.0.0.1:${closedPort}`, retry: { maxAttempts: 2, baseDelayMs: 5 } });

    // Assess
    await expect(attempt).rejects.toThrow(ApiUnreachableError);
    await expect(attempt).rejects.toThrow(`cannot reach the ingest API at http://127.0.0.1:${closedPort} (ECONNREFUSED)`);
  });

  it('should exit 0 with a summary when all was delivered and 3 when the API is unreachable', async () => {
    // Prepare
    const path = writeLines('cli.ndjson', [event('north', 'c-1'), event('north', 'bad-c')]);
    const credentialsFile = join(workDir, 'credentials.json');
    writeFileSync(credentialsFile, JSON.stringify(credentials));
    const output: string[] = [];
    const log = jest.spyOn(console, 'log').mockImplementation((text: string) => void output.push(text));
    const error = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const closedPort = await freePort();

    // Act
    const delivered = await ingestCommand.run([path, '--api', api.url, '--credentials', credentialsFile]);
    const unreachable = await ingestCommand.run([path, '--api', `http://127.0.0.1:${closedPort}`, '--credentials', credentialsFile]).catch((failure: { exitCode: number; message: string }) => failure);
    log.mockRestore();
    error.mockRestore();
    stderr.mockRestore();

    // Assess
    expect(delivered).toBe(0);
    expect(output.join('\n')).toMatch(/accepted\s+1/);
    expect(output.join('\n')).toContain('1 × attendedMinutes: must be at most 600');
    expect(unreachable).toMatchObject({ exitCode: 3, message: expect.stringContaining('cannot reach the ingest API') });
  });
});
