/**
 * The DynamoDB events table: key schema, indexes and the stored item shape.
 * The CDK table, the local table creation and the stream-to-lake mapper all read
 * this one definition.
 */
import type { ClinicEvent, EventType } from './event-schema';
import { eventDate } from './event-schema';

export const EVENTS_TABLE_KEY = { partitionKey: 'pk' } as const;

/** Global secondary indexes: a client's timeline, and a clinic's events by date. */
export const EVENTS_TABLE_INDEXES = [
  { indexName: 'byClient', partitionKey: 'clientPk', sortKey: 'eventSk' },
  { indexName: 'byClinicMonth', partitionKey: 'clinicMonthPk', sortKey: 'eventSk' },
] as const;

/** Every key attribute is a string. */
export const EVENTS_TABLE_ATTRIBUTES = ['pk', 'clientPk', 'clinicMonthPk', 'eventSk'] as const;

/**
 * What is stored for one event: the validated contract fields except `clientId`,
 * plus the pseudonymous `clientKey`, keys and bookkeeping. Nothing else.
 */
export type StoredEvent = Omit<ClinicEvent, 'clientId'> & {
  pk: string;
  clientPk: string;
  clinicMonthPk: string;
  eventSk: string;
  clientKey: string;
  /** ISO timestamp (UTC, ms) when the API accepted this version. */
  receivedAt: string;
  /** SHA-256 of the canonical validated event; tells a true duplicate from a conflicting re-use of a version. */
  contentHash: string;
};

export function eventPk(clinicId: string, eventId: string): string {
  return `${clinicId}#${eventId}`;
}

export function toStoredEvent(
  event: ClinicEvent,
  clientKey: string,
  receivedAt: string,
  contentHash: string,
): StoredEvent {
  const { clientId: _raw, ...fields } = event;
  void _raw; // the raw client id stops here
  const date = eventDate(event);
  return {
    ...fields,
    pk: eventPk(event.clinicId, event.eventId),
    clientPk: `${event.clinicId}#${clientKey}`,
    clinicMonthPk: `${event.clinicId}#${date.slice(0, 7)}`,
    eventSk: `${date}#${event.type}#${event.eventId}`,
    clientKey,
    receivedAt,
    contentHash,
  } as StoredEvent;
}

/** Attributes of a stored item that are bookkeeping, not event content. */
export const STORAGE_ONLY_ATTRIBUTES = ['pk', 'clientPk', 'clinicMonthPk', 'eventSk', 'contentHash'] as const;

export type { EventType };
