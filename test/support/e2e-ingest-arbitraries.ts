/**
 * What a broken, hostile or merely sloppy client can send to POST /v1/events, as
 * fast-check arbitraries: random JSON, and near-miss events mutated from valid ones.
 * Every event carries a raw client id with a marker, so a leak scan can find it.
 */
import fc from 'fast-check';
import { EVENT_EXAMPLES } from '../../lambdas/core/event-examples';
import type { EventType } from '../../lambdas/core/event-schema';

/** Every raw client id the fuzzers make contains this; nothing else they make can. */
export const RAW_CLIENT_MARKER = 'RAWCLIENTq7';

/** The clinic the fuzzed caller's credentials belong to. */
export const FUZZ_CLINIC = 'riverside';

const EVENT_TYPES = Object.keys(EVENT_EXAMPLES) as EventType[];

/** A raw client id: the marker plus a unique tail, sometimes shaped the way real exports get them wrong. */
export const rawClientId = fc
  .tuple(fc.stringMatching(/^[A-Za-z0-9-]{4,12}$/), fc.constantFrom('plain', 'spaced', 'long', 'unicode'))
  .map(([tail, shape]) => {
    const id = `${RAW_CLIENT_MARKER}${tail}`;
    if (shape === 'spaced') return `${id} ${tail}`; // a name-like id: rejected, must not be echoed
    if (shape === 'long') return `${id}${'9'.repeat(80)}`; // over the 64-character limit
    if (shape === 'unicode') return `${id}\u00e9\u200b`; // not printable ASCII
    return id;
  });

/** Odd values of every JSON kind, including the ones that break naive code. */
const oddValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(null, true, false, 0, -1, 1.5, 1e308, -0, '', ' ', '0', 'true', 'null', '2026-02-30', '9999-12-31', '\u0000', '\ud83d\ude00', '\u202e', '__proto__'),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.integer({ min: -(2 ** 40), max: 2 ** 40 }),
  fc.double(),
  fc.constant('x'.repeat(100_000)),
  fc.array(fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 3 }), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }),
);

type Mutation = (event: Record<string, unknown>) => Record<string, unknown>;

/** One near-miss: a valid event with one to three of these applied. */
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  // wrong type / odd value in a contract field
  fc.tuple(fc.nat(), oddValue).map(([pick, value]): Mutation => (event) => {
    const fields = Object.keys(event).filter((field) => field !== 'clientId');
    return { ...event, [fields[pick % fields.length]]: value };
  }),
  // a number sent as a string, or a string field sent as a number
  fc.nat().map((pick): Mutation => (event) => {
    const fields = Object.keys(event).filter((field) => field !== 'clientId');
    const field = fields[pick % fields.length];
    const value = event[field];
    return { ...event, [field]: typeof value === 'number' ? String(value) : typeof value === 'string' ? value.length : [value] };
  }),
  // an unknown field (a name, a note), sometimes differing from a real one only in case
  fc.tuple(fc.constantFrom('firstName', 'notes', 'phone', 'ClientID', 'session_date', 'admission date', 'x'.repeat(300)), oddValue).map(
    ([field, value]): Mutation => (event) => ({ ...event, [field]: value }),
  ),
  // a missing field
  fc.nat().map((pick): Mutation => (event) => {
    const fields = Object.keys(event);
    const { [fields[pick % fields.length]]: _dropped, ...rest } = event;
    void _dropped;
    return rest;
  }),
  // another clinic's event, or an unknown or missing type
  fc.constantFrom<Mutation>(
    (event) => ({ ...event, clinicId: 'hillcrest' }),
    (event) => ({ ...event, type: 'medication' }),
    (event) => ({ ...event, type: undefined }),
    (event) => ({ ...event, version: 0 }),
    (event) => ({ ...event, results: [{ substance: 'opioids', result: 'negative' }, { substance: 'opioids', result: 'positive' }] }),
  ),
);

/** A valid event of any type with a marked raw client id and a fresh eventId. */
export const validEvent = fc
  .tuple(fc.constantFrom(...EVENT_TYPES), rawClientId, fc.stringMatching(/^[a-z0-9]{6,10}$/))
  .map(([type, clientId, id]) => ({ ...(EVENT_EXAMPLES[type] as Record<string, unknown>), clientId, eventId: `fuzz-${id}`, clinicId: FUZZ_CLINIC }));

export const nearMissEvent = fc
  .tuple(validEvent, fc.array(mutation, { minLength: 1, maxLength: 3 }))
  .map(([event, mutations]) => mutations.reduce((mutated, mutate) => mutate(mutated), event as Record<string, unknown>));

/** A request body: mostly `{"events": [...]}` with valid and near-miss events, sometimes anything at all. */
export const requestBody: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: fc.array(fc.oneof(validEvent, nearMissEvent, nearMissEvent, oddValue), { minLength: 1, maxLength: 8 }).map((events) => JSON.stringify({ events })) },
  { weight: 1, arbitrary: fc.jsonValue().map((value) => JSON.stringify(value)) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 200 }) },
  { weight: 1, arbitrary: fc.tuple(nearMissEvent, oddValue).map(([event, extra]) => JSON.stringify({ events: [event], extra })) },
  { weight: 1, arbitrary: nearMissEvent.map((event) => JSON.stringify({ events: event })) },
  // cut off mid-way, as a dropped connection leaves it
  { weight: 1, arbitrary: fc.tuple(nearMissEvent, fc.nat()).map(([event, cut]) => { const text = JSON.stringify({ events: [event] }); return text.slice(0, cut % text.length); }) },
);
