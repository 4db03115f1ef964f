/**
 * The ingest API end to end on real local servers: DynamoDB Local, the local API
 * Gateway (startApiServer) and the bundled authorizer and ingest handlers, over HTTP.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ScanCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { type ApiServer, startApiServer } from '../../cli/local/api-server';
import { type DynamoDbLocal, ensureEventsTable, LOCAL_AWS_CREDENTIALS, LOCAL_REGION, startDynamoDbLocal } from '../../cli/local/dynamodb-local';
import { ensureLocalSecrets } from '../../cli/local/local-secrets';
import { createDynamoEventStore } from '../../lambdas/adapters/event-store';
import { EVENT_EXAMPLES } from '../../lambdas/core/event-examples';
import type { EventType } from '../../lambdas/core/event-schema';
import type { StoredEvent } from '../../lambdas/core/events-table';
import { checkEvents } from '../../lambdas/core/ingest';

const TABLE = 'events';
/** Every raw client id in this file starts with this, so a scan for it finds any leak. */
const RAW_CLIENT_PREFIX = 'RAWCLIENT-';

let db: DynamoDbLocal;
let api: ApiServer;
let localDir: string;
let keys: Record<string, string>;
let logged = '';
const restoreWrites: (() => void)[] = [];

beforeAll(async () => {
  // Everything the handlers print (powertools JSON lines on stdout, faults on stderr) is kept to check it
  // for client ids; stdout is not echoed (noise), stderr is (jest reports there).
  for (const stream of [process.stdout, process.stderr]) {
    const write = stream.write.bind(stream);
    stream.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      logged += chunk.toString();
      return stream === process.stdout ? true : (write as (...args: unknown[]) => boolean)(chunk, ...rest);
    }) as typeof stream.write;
    restoreWrites.push(() => {
      stream.write = write;
    });
  }
  localDir = mkdtempSync(join(tmpdir(), 'ingest-api-'));
  process.env.IOP_LOCAL_DIR = localDir;
  const secrets = ensureLocalSecrets(['riverside', 'hillcrest']);
  keys = secrets.credentials;
  db = await startDynamoDbLocal();
  await ensureEventsTable(db.client, TABLE);
  api = await startApiServer({
    env: {
      EVENTS_TABLE_NAME: TABLE,
      PSEUDONYM_KEY_FILE: secrets.pseudonymKeyFile,
      CLINIC_CREDENTIALS_FILE: secrets.credentialsFile,
      AWS_ENDPOINT_URL_DYNAMODB: db.endpoint,
      AWS_REGION: LOCAL_REGION,
      AWS_ACCESS_KEY_ID: LOCAL_AWS_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_AWS_CREDENTIALS.secretAccessKey,
    },
  });
}, 120_000);

afterAll(async () => {
  await api?.stop();
  await db?.stop();
  restoreWrites.forEach((restore) => restore());
  rmSync(localDir, { recursive: true, force: true });
  delete process.env.IOP_LOCAL_DIR;
});

/** n valid events cycling through the six types, each with its own eventId and raw client id. */
function validEvents(count: number, prefix: string): Record<string, unknown>[] {
  const types = Object.keys(EVENT_EXAMPLES) as EventType[];
  return Array.from({ length: count }, (_, index) => ({
    ...EVENT_EXAMPLES[types[index % types.length]],
    version: 1,
    eventId: `${prefix}-${index}`,
    clientId: `${RAW_CLIENT_PREFIX}${prefix}-${index % 97}`,
    episodeId: `EP-${index % 97}`,
  }));
}

/** `apiKey: null` sends no key at all. */
function post(body: unknown, apiKey: string | null = keys.riverside) {
  return fetch(`${api.url}/v1/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(apiKey === null ? {} : { 'x-api-key': apiKey }) },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

async function scanTable(): Promise<Record<string, AttributeValue>[]> {
  const items: Record<string, AttributeValue>[] = [];
  let start: Record<string, AttributeValue> | undefined;
  do {
    const page = await db.client.send(new ScanCommand({ TableName: TABLE, ExclusiveStartKey: start, ConsistentRead: true }));
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  return items.sort((a, b) => (a.pk.S! < b.pk.S! ? -1 : 1));
}

describe('ingest API over HTTP with DynamoDB Local', () => {
  const batch = validEvents(500, 'bulk');

  it('should store 500 valid events and answer 200 with every event accepted', async () => {
    const response = await post({ events: batch });
    const body = await response.json();

    expect(response.status).toBe(200);
    expect(body.summary).toEqual({ received: 500, accepted: 500, duplicate: 0, stale: 0, rejected: 0, failed: 0 });
    expect((await scanTable()).filter((item) => item.pk.S!.startsWith('riverside#bulk-'))).toHaveLength(500);
  });

  it('should answer duplicate for the same 500 events again and leave the table unchanged', async () => {
    const before = JSON.stringify(await scanTable());

    const response = await post({ events: batch });
    const body = await response.json();

    expect(response.status).toBe(200);
    expect(body.summary).toMatchObject({ received: 500, accepted: 0, duplicate: 500 });
    expect(JSON.stringify(await scanTable())).toBe(before);
  });

  it('should keep every valid event of a mixed batch and name each bad field', async () => {
    const [good1, badAttendance, good2, bad2, bad3] = validEvents(5, 'mixed');
    const events = [
      good1,
      { ...badAttendance, sessionDate: '2026-02-30', scheduledMinutes: -5 },
      good2,
      { ...bad2, firstName: 'Jane' },
      { ...bad3, clinicId: 'hillcrest' },
    ];

    const response = await post({ events });
    const body = await response.json();

    expect(response.status).toBe(207);
    expect(body.results.map((result: { status: string }) => result.status)).toEqual(['accepted', 'rejected', 'accepted', 'rejected', 'rejected']);
    expect(body.results[1].errors.map((error: { path: string }) => error.path)).toEqual(
      expect.arrayContaining(['events[1].sessionDate', 'events[1].scheduledMinutes']),
    );
    expect(body.results[3].errors).toEqual([{ path: 'events[3].firstName', message: expect.stringContaining('remove it') }]);
    expect(body.results[4].errors[0].path).toBe('events[4].clinicId');
    const stored = (await scanTable()).map((item) => item.pk.S);
    expect(stored).toEqual(expect.arrayContaining(['riverside#mixed-0', 'riverside#mixed-2']));
    expect(stored.filter((pk) => /mixed-[134]$/.test(pk ?? ''))).toEqual([]);
  });

  it('should accept a correction (version 2) and answer stale when version 1 comes again', async () => {
    const [original] = validEvents(1, 'corrected');
    await post({ events: [original] });

    const correction = await post({ events: [{ ...original, version: 2, primarySubstance: 'alcohol' }] });
    const replay = await post({ events: [original] });

    expect((await correction.json()).results[0].status).toBe('accepted');
    const replayBody = await replay.json();
    expect(replay.status).toBe(200);
    expect(replayBody.results[0]).toMatchObject({ status: 'stale', storedVersion: 2 });
    const item = (await scanTable()).find((entry) => entry.pk.S === 'riverside#corrected-0');
    expect(item?.version.N).toBe('2');
  });

  it('should answer each event of a batch on its own when some fail their condition inside one transaction', async () => {
    // Prepare: stored before — a (v1), b (v1), c (v2), f (v1, an attendance event).
    const [a, b, c, d, , f, g] = validEvents(7, 'mixedtx');
    await post({ events: [a, b, { ...c, version: 2 }, f] });
    const otherType = validEvents(1, 'mixedtx')[0]; // an enrollment, f is an attendance
    const events = [
      d, // new
      a, // same again → duplicate
      { ...b, episodeId: 'EP-changed' }, // same version, other content → rejected on version
      c, // v1 after v2 → stale
      { ...otherType, eventId: f.eventId, version: 2 }, // a correction that changes the type → rejected on type
      g, // new
    ];

    // Act
    const response = await post({ events });
    const body = await response.json();

    // Assess: the refusals did not cancel the new events with them.
    expect(response.status).toBe(207);
    expect(body.results.map((result: { status: string }) => result.status)).toEqual(['accepted', 'duplicate', 'rejected', 'stale', 'rejected', 'accepted']);
    expect(body.results[2].errors[0].path).toBe('events[2].version');
    expect(body.results[3].storedVersion).toBe(2);
    expect(body.results[4].errors[0].path).toBe('events[4].type');
    const stored = (await scanTable()).map((item) => item.pk.S);
    expect(stored).toEqual(expect.arrayContaining(['riverside#mixedtx-3', 'riverside#mixedtx-6']));
  });

  it('should classify refusals from the items DynamoDB Local returns inside the cancellation, without reading them again', async () => {
    // Prepare: the adapter itself on this DynamoDB Local, counting what it sends.
    const sent: string[] = [];
    const documents = DynamoDBDocumentClient.from(db.client, { marshallOptions: { removeUndefinedValues: true } });
    const counting = {
      send: (command: { constructor: { name: string } }, options?: unknown) => {
        sent.push(command.constructor.name);
        return (documents.send as (command: unknown, options?: unknown) => Promise<unknown>)(command, options);
      },
    } as unknown as DynamoDBDocumentClient;
    const store = createDynamoEventStore({ tableName: TABLE, client: counting });
    const storedForm = (raw: Record<string, unknown>[]) =>
      checkEvents(raw, { callerClinicId: 'riverside', pseudonymSecret: 'adapter-test-secret', receivedAt: new Date() }).map(
        (entry) => (entry as { stored: StoredEvent }).stored,
      );
    const events = storedForm(validEvents(150, 'adapter'));
    await store.save(events);
    sent.length = 0;

    // Act: the same 150 again, plus one new event in the middle.
    const [fresh] = storedForm(validEvents(1, 'adapter-new'));
    const outcomes = await store.save([...events.slice(0, 75), fresh, ...events.slice(75)]);

    // Assess
    expect(outcomes.filter((outcome) => outcome.status === 'duplicate')).toHaveLength(150);
    expect(outcomes[75]).toEqual({ status: 'accepted' });
    expect(sent.filter((name) => name !== 'TransactWriteCommand')).toEqual([]);
    // Two chunks (100 + 51), then the new event again on its own after its chunk was cancelled.
    expect(sent).toHaveLength(3);
  });

  it('should write two versions of one event handed to the adapter together, lowest first, without DynamoDB refusing the transaction', async () => {
    const [original] = validEvents(1, 'adapter-versions');
    const [v1, v2] = checkEvents([original, { ...original, version: 2, episodeId: 'EP-corrected' }], {
      callerClinicId: 'riverside',
      pseudonymSecret: 'adapter-test-secret',
      receivedAt: new Date(),
    }).map((entry) => (entry as { stored: StoredEvent }).stored);
    const store = createDynamoEventStore({ tableName: TABLE, client: DynamoDBDocumentClient.from(db.client) });

    const outcomes = await store.save([v2, v1]);

    expect(outcomes).toEqual([{ status: 'accepted' }, { status: 'accepted' }]);
    const item = (await scanTable()).find((entry) => entry.pk.S === 'riverside#adapter-versions-0');
    expect(item?.version.N).toBe('2');
    expect(item?.episodeId.S).toBe('EP-corrected');
  });

  it('should retract an event with DELETE so the item is gone, and answer 404 the second time', async () => {
    const [event] = validEvents(1, 'retracted');
    await post({ events: [event] });
    const remove = () => fetch(`${api.url}/v1/events/retracted-0`, { method: 'DELETE', headers: { 'x-api-key': keys.riverside } });

    const first = await remove();
    const second = await remove();

    expect(first.status).toBe(200);
    expect(await first.json()).toEqual({ eventId: 'retracted-0', status: 'retracted' });
    expect((await scanTable()).some((item) => item.pk.S === 'riverside#retracted-0')).toBe(false);
    expect(second.status).toBe(404);
  });

  it("should not let one clinic retract another clinic's event", async () => {
    const [event] = validEvents(1, 'guarded');
    await post({ events: [event] });

    const response = await fetch(`${api.url}/v1/events/guarded-0`, { method: 'DELETE', headers: { 'x-api-key': keys.hillcrest } });

    expect(response.status).toBe(404);
    expect((await scanTable()).some((item) => item.pk.S === 'riverside#guarded-0')).toBe(true);
  });

  describe('a corpus of malformed requests', () => {
    const [template] = validEvents(1, 'malformed');
    const attendance = { ...validEvents(2, 'malformed')[1] };
    const nextYear = `${new Date().getUTCFullYear() + 1}-03-01`;
    const withoutDate = Object.fromEntries(Object.entries(attendance).filter(([field]) => field !== 'sessionDate'));
    const hundredKb = 'A'.repeat(100_000);
    const cases: { name: string; send: () => Promise<Response>; status: number; expect: RegExp }[] = [
      { name: 'not JSON', send: () => post('{"events": [ not json'), status: 400, expect: /not valid JSON/ },
      { name: 'an empty body', send: () => post(''), status: 400, expect: /body is empty/ },
      { name: 'a list instead of an object', send: () => post('[1, 2]'), status: 400, expect: /must be a JSON object/ },
      { name: 'a misspelt envelope', send: () => post({ event: [template] }), status: 400, expect: /body\.events is required/ },
      { name: 'an event that is not an object', send: () => post({ events: ['attendance'] }), status: 400, expect: /events\[0\] must be an object/ },
      { name: 'a wrong type', send: () => post({ events: [{ ...attendance, scheduledMinutes: '180' }] }), status: 400, expect: /events\[0\]\.scheduledMinutes must be a number/ },
      { name: 'an unknown field', send: () => post({ events: [{ ...template, phone: '555-0100' }] }), status: 400, expect: /events\[0\]\.phone is not part of the contract/ },
      { name: 'a 100 kB string', send: () => post({ events: [{ ...template, episodeId: hundredKb }] }), status: 400, expect: /episodeId must be at most 64 characters long \(got 100000\)/ },
      { name: 'a 100 kB unknown field name', send: () => post({ events: [{ ...template, [hundredKb]: 1 }] }), status: 400, expect: /is not part of the contract/ },
      { name: 'an impossible date', send: () => post({ events: [{ ...attendance, sessionDate: '2026-02-30' }] }), status: 400, expect: /sessionDate "2026-02-30" is not a calendar date/ },
      { name: 'a date next year', send: () => post({ events: [{ ...attendance, sessionDate: nextYear }] }), status: 400, expect: /sessionDate must not be in the future/ },
      { name: 'negative minutes', send: () => post({ events: [{ ...attendance, scheduledMinutes: -30 }] }), status: 400, expect: /scheduledMinutes must be at least 1 \(got -30\)/ },
      { name: 'a missing field', send: () => post({ events: [withoutDate] }), status: 400, expect: /sessionDate is required for attendance events/ },
      { name: 'an unknown event type', send: () => post({ events: [{ ...template, type: 'visit' }] }), status: 400, expect: /type must be one of/ },
      { name: "another clinic's id", send: () => post({ events: [{ ...template, clinicId: 'hillcrest' }] }), status: 403, expect: /clinicId is "hillcrest" but your API key belongs to clinic "riverside"/ },
      { name: "events of the key's clinic sent with another clinic's key", send: () => post({ events: [template] }, keys.hillcrest), status: 403, expect: /belongs to clinic "hillcrest"/ },
      { name: 'a missing API key', send: () => post({ events: [template] }, null), status: 401, expect: /send your clinic API key in the x-api-key header/ },
      { name: 'a wrong API key', send: () => post({ events: [template] }, `${keys.riverside}x`), status: 403, expect: /unknown or disabled/ },
      { name: '501 events', send: () => post({ events: validEvents(501, 'too-many') }), status: 413, expect: /501 events; at most 500/ },
      { name: 'a body over 1 MB', send: () => post({ events: [{ ...template, episodeId: 'B'.repeat(1_100_000) }] }), status: 413, expect: /larger than 1000000 bytes/ },
      { name: 'a DELETE without a key', send: () => fetch(`${api.url}/v1/events/x`, { method: 'DELETE' }), status: 401, expect: /x-api-key/ },
      { name: 'a malformed eventId in the path', send: () => fetch(`${api.url}/v1/events/a%20b`, { method: 'DELETE', headers: { 'x-api-key': keys.riverside } }), status: 400, expect: /eventId in the path/ },
      { name: 'an unknown route', send: () => fetch(`${api.url}/v1/clients`, { headers: { 'x-api-key': keys.riverside } }), status: 404, expect: /Not Found/ },
      { name: 'a wrong method', send: () => fetch(`${api.url}/v1/events`, { headers: { 'x-api-key': keys.riverside } }), status: 405, expect: /accepts POST/ },
    ];

    it.each(cases)('should answer $name with $status and a clear message', async ({ send, status, expect: message }) => {
      const response = await send();
      const body = await response.json();

      // Assess: the message (or the first event error) says what is wrong; nothing long is echoed back.
      const text = [body.message, ...(body.results ?? []).flatMap((result: { errors?: { path: string; message: string }[] }) => (result.errors ?? []).map((error) => `${error.path} ${error.message}`))].join('\n');
      expect(response.status).toBe(status);
      expect(text).toMatch(message);
      expect(JSON.stringify(body).length).toBeLessThan(5_000);
      expect(JSON.stringify(body)).not.toContain(RAW_CLIENT_PREFIX);
    });

    it('should have stored none of the malformed events', async () => {
      expect((await scanTable()).some((item) => /malformed|too-many/.test(item.pk.S!))).toBe(false);
    });
  });

  it('should keep raw client ids out of the table and out of everything the handlers logged', async () => {
    const items = await scanTable();

    expect(items.length).toBeGreaterThan(500);
    expect(logged).toContain('batch ingested'); // the capture works, so the next check can fail
    expect(JSON.stringify(items)).not.toContain(RAW_CLIENT_PREFIX);
    expect(logged).not.toContain(RAW_CLIENT_PREFIX);
    expect(items.every((item) => /^[0-9a-f]{64}$/.test(item.clientKey.S ?? ''))).toBe(true);
  });
});
