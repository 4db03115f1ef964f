import fc from 'fast-check';
import type { StoredEvent } from '../../lambdas/core/events-table';
import {
  checkEvents,
  contentHashOf,
  ingestBatch,
  IngestRequestError,
  ingestSettingsFromEnv,
  readBatch,
  type SaveEvents,
  type SaveOutcome,
} from '../../lambdas/core/ingest';
import { clientKeyOf } from '../../lambdas/core/pseudonym';
import { DEFAULT_INGEST_SETTINGS } from '../../lambdas/core/settings';

const SECRET = 'ingest-test-secret-0123456789abcdef';
const RECEIVED_AT = new Date('2026-03-01T12:00:00.000Z');

function attendance(eventId: string, overrides: Record<string, unknown> = {}) {
  return {
    type: 'attendance',
    eventId,
    clinicId: 'riverside',
    clientId: 'MRN-0048213',
    episodeId: 'E1',
    sessionDate: '2026-02-10',
    sessionType: 'group',
    status: 'attended',
    scheduledMinutes: 180,
    attendedMinutes: 170,
    ...overrides,
  };
}

/** A store with DynamoDB's conditional-write rule, in memory; records the order of writes. */
function memoryStore() {
  const items = new Map<string, StoredEvent>();
  const writes: StoredEvent[][] = [];
  const save: SaveEvents = async (events) => {
    writes.push(events);
    return events.map((event): SaveOutcome => {
      const stored = items.get(event.pk);
      if (!stored || (stored.version < event.version && stored.type === event.type)) {
        items.set(event.pk, event);
        return { status: 'accepted' };
      }
      if (stored.version === event.version) {
        return stored.contentHash === event.contentHash
          ? { status: 'duplicate' }
          : { status: 'conflict', reason: 'content', storedVersion: stored.version, storedType: stored.type };
      }
      if (stored.version > event.version) return { status: 'stale', storedVersion: stored.version };
      return { status: 'conflict', reason: 'type', storedVersion: stored.version, storedType: stored.type };
    });
  };
  return { items, writes, save };
}

function ingest(events: unknown, save: SaveEvents, limits = DEFAULT_INGEST_SETTINGS) {
  return ingestBatch({
    body: typeof events === 'string' ? events : JSON.stringify({ events }),
    callerClinicId: 'riverside',
    pseudonymSecret: SECRET,
    receivedAt: RECEIVED_AT,
    limits,
    save,
  });
}

describe('ingestBatch', () => {
  it('should store valid events pseudonymised and answer 200 with every event accepted', async () => {
    const store = memoryStore();

    const outcome = await ingest([attendance('s1'), attendance('s2')], store.save);

    expect(outcome.statusCode).toBe(200);
    expect(outcome.body.summary).toEqual({ received: 2, accepted: 2, duplicate: 0, stale: 0, rejected: 0, failed: 0 });
    expect(outcome.body.results).toEqual([
      { index: 0, eventId: 's1', version: 1, status: 'accepted' },
      { index: 1, eventId: 's2', version: 1, status: 'accepted' },
    ]);
    const stored = store.items.get('riverside#s1')!;
    expect(stored).not.toHaveProperty('clientId');
    expect(stored.clientKey).toBe(clientKeyOf(SECRET, 'riverside', 'MRN-0048213'));
    expect(stored.receivedAt).toBe('2026-03-01T12:00:00.000Z');
    expect(JSON.stringify([...store.items.values()])).not.toContain('MRN-0048213');
  });

  it('should answer duplicate for the same batch sent twice and write nothing new', async () => {
    const store = memoryStore();
    await ingest([attendance('s1')], store.save);
    const before = JSON.stringify([...store.items.values()]);

    const outcome = await ingest([attendance('s1')], store.save);

    expect(outcome.statusCode).toBe(200);
    expect(outcome.body.results[0].status).toBe('duplicate');
    expect(JSON.stringify([...store.items.values()])).toBe(before);
  });

  it('should keep the valid events of a mixed batch, name each bad field and answer 207', async () => {
    const store = memoryStore();

    const outcome = await ingest(
      [attendance('ok-1'), attendance('bad-1', { sessionDate: '2026-02-30' }), attendance('ok-2'), attendance('bad-2', { phone: '555-0100' })],
      store.save,
    );

    expect(outcome.statusCode).toBe(207);
    expect(outcome.body.summary).toMatchObject({ accepted: 2, rejected: 2 });
    expect(outcome.body.results[1]).toEqual({
      index: 1,
      eventId: 'bad-1',
      version: 1,
      status: 'rejected',
      errors: [{ path: 'events[1].sessionDate', message: expect.stringContaining('not a calendar date') }],
    });
    expect(outcome.body.results[3].errors).toEqual([{ path: 'events[3].phone', message: expect.stringContaining('remove it') }]);
    expect([...store.items.keys()].sort()).toEqual(['riverside#ok-1', 'riverside#ok-2']);
  });

  it('should answer 400 with per-event errors when every event is rejected', async () => {
    const store = memoryStore();

    const outcome = await ingest([attendance('x', { scheduledMinutes: -1, status: 'no_show', attendedMinutes: 0 })], store.save);

    expect(outcome.statusCode).toBe(400);
    expect(outcome.body.results[0].errors).toEqual([{ path: 'events[0].scheduledMinutes', message: 'must be at least 1 (got -1)' }]);
    expect(store.writes).toEqual([]);
  });

  it("should reject another clinic's event on clinicId, and answer 403 when every event is another clinic's", async () => {
    const store = memoryStore();

    const mixed = await ingest([attendance('mine'), attendance('theirs', { clinicId: 'hillcrest' })], store.save);
    const foreign = await ingest([attendance('theirs', { clinicId: 'hillcrest' })], store.save);

    expect(mixed.statusCode).toBe(207);
    expect(mixed.body.results[1].errors).toEqual([
      { path: 'events[1].clinicId', message: expect.stringMatching(/^is "hillcrest" but your API key belongs to clinic "riverside"/) },
    ]);
    expect(foreign.statusCode).toBe(403);
    expect(store.items.has('hillcrest#theirs')).toBe(false);
  });

  it('should accept a correction and report the older version as stale', async () => {
    const store = memoryStore();
    await ingest([attendance('s1')], store.save);

    const corrected = await ingest([attendance('s1', { version: 2, attendedMinutes: 120 })], store.save);
    const replayed = await ingest([attendance('s1')], store.save);

    expect(corrected.body.results[0].status).toBe('accepted');
    expect((store.items.get('riverside#s1') as { attendedMinutes?: number } | undefined)?.attendedMinutes).toBe(120);
    expect(replayed.body.results[0]).toMatchObject({ status: 'stale', storedVersion: 2 });
    expect(replayed.statusCode).toBe(200);
  });

  it('should reject different content under a stored eventId and version, on version', async () => {
    const store = memoryStore();
    await ingest([attendance('s1')], store.save);

    const outcome = await ingest([attendance('s1', { attendedMinutes: 60 })], store.save);

    expect(outcome.statusCode).toBe(400);
    expect(outcome.body.results[0].errors).toEqual([
      {
        path: 'events[0].version',
        message: 'a different event was already stored under this eventId and version 1; send a higher version to correct it',
      },
    ]);
  });

  it('should reject a correction that changes the type, on type', async () => {
    const store = memoryStore();
    await ingest([attendance('s1')], store.save);
    const discharge = { type: 'discharge', eventId: 's1', version: 2, clinicId: 'riverside', clientId: 'MRN-1', episodeId: 'E1', dischargeDate: '2026-02-11', reason: 'completed' };

    const outcome = await ingest([discharge], store.save);

    expect(outcome.body.results[0].errors?.[0]).toEqual({ path: 'events[0].type', message: expect.stringMatching(/^this eventId is stored as a attendance event/) });
    expect(store.items.get('riverside#s1')?.type).toBe('attendance');
  });

  it('should write one copy of an event repeated in a batch and report the repeat as duplicate', async () => {
    const store = memoryStore();

    const outcome = await ingest([attendance('s1'), attendance('s1')], store.save);

    expect(outcome.body.results.map((result) => result.status)).toEqual(['accepted', 'duplicate']);
    expect(store.writes.flat()).toHaveLength(1);
  });

  it('should reject both events when a batch carries one eventId and version with different content', async () => {
    const store = memoryStore();

    const outcome = await ingest([attendance('s1'), attendance('s2'), attendance('s1', { attendedMinutes: 10 })], store.save);

    expect(outcome.statusCode).toBe(207);
    expect(outcome.body.results[0].errors).toEqual([{ path: 'events[0].eventId', message: expect.stringContaining('(events[0], events[2])') }]);
    expect(outcome.body.results[2].status).toBe('rejected');
    expect([...store.items.keys()]).toEqual(['riverside#s2']);
  });

  it('should write several versions of one eventId in one batch lowest first, whatever their order', async () => {
    const store = memoryStore();

    const outcome = await ingest([attendance('s1', { version: 2, attendedMinutes: 100 }), attendance('s1')], store.save);

    expect(outcome.body.results.map((result) => result.status)).toEqual(['accepted', 'accepted']);
    expect(store.writes.map((wave) => wave.map((event) => event.version))).toEqual([[1], [2]]);
    expect(store.items.get('riverside#s1')?.version).toBe(2);
  });

  it('should answer 429 with Retry-After when the store was throttled, listing what was stored', async () => {
    const save: SaveEvents = async (events) => events.map((_, index) => (index === 0 ? { status: 'accepted' } : { status: 'failed', reason: 'throttled' }));

    const outcome = await ingest([attendance('s1'), attendance('s2')], save);

    expect(outcome.statusCode).toBe(429);
    expect(outcome.retryAfterSeconds).toBeGreaterThan(0);
    expect(outcome.body.results.map((result) => result.status)).toEqual(['accepted', 'failed']);
    expect(outcome.body.results[1].message).toMatch(/send the batch again/);
  });

  it('should answer 503 with Retry-After when the store did not answer', async () => {
    const save: SaveEvents = async (events) => events.map(() => ({ status: 'failed', reason: 'unavailable' }));

    const outcome = await ingest([attendance('s1')], save);

    expect(outcome.statusCode).toBe(503);
    expect(outcome.retryAfterSeconds).toBeGreaterThan(0);
  });

  it('should not echo a malformed eventId or any clientId in the results', async () => {
    const store = memoryStore();
    const longId = 'e'.repeat(5000);

    const outcome = await ingest([attendance(longId), attendance('ok', { clientId: 'Jane Doe' })], store.save);

    const text = JSON.stringify(outcome.body);
    expect(outcome.body.results[0].eventId).toBeUndefined();
    expect(text).not.toContain('e'.repeat(100));
    expect(text).not.toContain('Jane');
  });
});

describe('readBatch', () => {
  const limits = { maxEventsPerBatch: 3, maxBodyBytes: 2000 };

  function refusal(body: string | null): IngestRequestError {
    try {
      readBatch(body, false, limits);
    } catch (error) {
      if (error instanceof IngestRequestError) return error;
      throw error;
    }
    throw new Error('expected the body to be refused');
  }

  it('should refuse a body that is not JSON without quoting it', () => {
    const error = refusal('{"events": [ MRN-0048213');

    expect(error.statusCode).toBe(400);
    expect(error.message).toMatch(/^the request body is not valid JSON/);
    expect(error.message).not.toContain('MRN');
  });

  it('should refuse bodies of the wrong shape with 400', () => {
    expect(refusal(null).message).toMatch(/empty/);
    expect(refusal('[]').message).toMatch(/must be a JSON object/);
    expect(refusal('{"events": {}}').message).toMatch(/body\.events must be a list/);
    expect(refusal('{"events": []}').message).toMatch(/at least 1 entries/);
    expect(refusal('{"events": [{}], "clinic": "x"}').message).toMatch(/body\.clinic is not part of the contract/);
    expect(refusal('{"events": [{}], "clinic": "x"}').statusCode).toBe(400);
  });

  it('should refuse too many events and too many bytes with 413', () => {
    expect(refusal(JSON.stringify({ events: [1, 2, 3, 4] }))).toMatchObject({ statusCode: 413, message: expect.stringMatching(/4 events; at most 3/) });
    expect(refusal(JSON.stringify({ events: ['x'.repeat(2000)] }))).toMatchObject({ statusCode: 413, message: expect.stringMatching(/larger than 2000 bytes/) });
  });

  it('should decode a base64 body', () => {
    const body = Buffer.from(JSON.stringify({ events: [1] })).toString('base64');

    expect(readBatch(body, true, limits)).toEqual([1]);
  });
});

describe('contentHashOf', () => {
  it('should not depend on the order of drug test results or on an omitted default version', () => {
    const base = { type: 'drug_test', eventId: 'u1', clinicId: 'riverside', clientId: 'c', episodeId: 'E1', scheduledDate: '2026-02-10', collectedDate: '2026-02-10', status: 'collected', random: true };
    const [first, second, third] = checkEvents(
      [
        { ...base, results: [{ substance: 'opioids', result: 'negative' }, { substance: 'alcohol', result: 'positive' }] },
        { ...base, version: 1, results: [{ substance: 'alcohol', result: 'positive' }, { substance: 'opioids', result: 'negative', prescribed: false }] },
        { ...base, results: [{ substance: 'alcohol', result: 'negative' }, { substance: 'opioids', result: 'negative' }] },
      ],
      { callerClinicId: 'riverside', pseudonymSecret: SECRET, receivedAt: RECEIVED_AT },
    );

    if (first.kind !== 'valid' || second.kind !== 'valid' || third.kind !== 'valid') throw new Error('expected valid events');
    expect(first.stored.contentHash).toBe(second.stored.contentHash);
    expect(first.stored.contentHash).not.toBe(third.stored.contentHash);
    expect(contentHashOf(first.event, 'another-key')).not.toBe(first.stored.contentHash);
  });
});

describe('ingestSettingsFromEnv', () => {
  it('should use the defaults, take overrides and refuse nonsense with the variable named', () => {
    expect(ingestSettingsFromEnv({})).toEqual(DEFAULT_INGEST_SETTINGS);
    expect(ingestSettingsFromEnv({ MAX_EVENTS_PER_BATCH: '50', MAX_BODY_BYTES: '2048' })).toEqual({ maxEventsPerBatch: 50, maxBodyBytes: 2048 });
    expect(() => ingestSettingsFromEnv({ MAX_BODY_BYTES: '1MB' })).toThrow(/MAX_BODY_BYTES is "1MB"; it must be a positive whole number/);
  });
});

describe('ingestBatch on arbitrary input', () => {
  async function statusOf(body: string): Promise<number> {
    try {
      return (await ingest(body, memoryStore().save)).statusCode;
    } catch (error) {
      if (error instanceof IngestRequestError) return error.statusCode;
      throw error;
    }
  }

  it('should answer any body with a 4xx or a success, never a server error', async () => {
    await fc.assert(fc.asyncProperty(fc.string(), async (body) => expect([400, 413]).toContain(await statusOf(body))), { numRuns: 200 });
  });

  it('should answer any list of JSON values as events with a 2xx or a 4xx', async () => {
    const nearlyEvents = fc.oneof(
      fc.jsonValue(),
      fc.record({ type: fc.constantFrom('attendance', 'goal', 'x'), eventId: fc.string(), clinicId: fc.constantFrom('riverside', 'other'), clientId: fc.string() }),
      fc.dictionary(fc.constantFrom(...Object.keys(attendance('a'))), fc.jsonValue()).map((fields) => ({ ...attendance('a'), ...fields })),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(nearlyEvents, { minLength: 1, maxLength: 8 }), async (events) => {
        expect([200, 207, 400, 403]).toContain(await statusOf(JSON.stringify({ events })));
      }),
      { numRuns: 300 },
    );
  });
});
