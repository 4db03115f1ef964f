/**
 * Maps one change of the events table (a DynamoDB stream record, or a scanned item
 * during backfill) to typed lake rows, or to a quarantine entry saying why it could
 * not be mapped. Pure: no I/O, never throws for bad data.
 */
import type { DynamoDBRecord } from 'aws-lambda';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { EVENT_DATE_FIELD, EVENT_TYPES, type EventType } from './event-schema';
import { LAKE_TABLE_OF_TYPE, type LakeColumn, type LakeTableName, type LakeType, lakeTable } from './lake-columns';

type DynamoImage = Parameters<typeof unmarshall>[0];

/** A value typed for the Parquet writer. */
export type LakeValue = string | number | boolean | Date | null;
export type LakeRowValues = Record<string, LakeValue>;

/** One lake row and the partition it belongs to. */
export interface LakeRow {
  table: LakeTableName;
  /** Partition: UTC date (YYYY-MM-DD) of the change time. */
  dt: string;
  values: LakeRowValues;
}

export type ChangeKind = 'INSERT' | 'MODIFY' | 'REMOVE';

/** Facts about the change itself (from the stream record, or made up by backfill). */
export interface ChangeFacts {
  kind: ChangeKind;
  /** Stream sequence number, already padded (see changeSeq). */
  seq: string;
  time: Date;
}

export interface QuarantineEntry {
  reason: string;
  eventName: string | null;
  /** The item's key attributes only (clinic and event ids); never image content. */
  keys: Record<string, unknown>;
  sequenceNumber: string | null;
  /** UTC date of the change time, when the record carried one. */
  dt: string | null;
}

export type ChangeMapping = { ok: true; rows: LakeRow[] } | { ok: false; quarantine: QuarantineEntry };

export const CHANGE_SEQ_DIGITS = 40;

/** Stream sequence numbers are decimal strings of varying length; padding makes them sort as text. */
export function changeSeq(sequenceNumber: string): string {
  if (!/^\d{1,40}$/.test(sequenceNumber)) {
    throw new MappingError(`SequenceNumber ${JSON.stringify(sequenceNumber)} is not a decimal string of at most 40 digits`);
  }
  return sequenceNumber.padStart(CHANGE_SEQ_DIGITS, '0');
}

/** The change_seq of rows written by backfill: sorts before every real stream change. */
export const BACKFILL_CHANGE_SEQ = '0'.repeat(CHANGE_SEQ_DIGITS);

export function partitionDate(time: Date): string {
  return time.toISOString().slice(0, 10);
}

class MappingError extends Error {
  override name = 'MappingError';
}

/** Stored attribute behind each identity column (clientId never reaches storage: client_key does). */
const IDENTITY_SOURCE: Record<string, string> = {
  event_id: 'eventId',
  version: 'version',
  clinic_id: 'clinicId',
  client_key: 'clientKey',
  episode_id: 'episodeId',
};

/** Maps a DynamoDB stream record to lake rows or a quarantine entry. */
export function mapStreamRecord(record: DynamoDBRecord): ChangeMapping {
  const stream = record.dynamodb;
  const eventName = record.eventName ?? null;
  const sequenceNumber = stream?.SequenceNumber ?? null;
  let keys: Record<string, unknown> = {};
  let dt: string | null = null;
  try {
    keys = stream?.Keys ? unmarshall(stream.Keys as DynamoImage) : {};
    if (!stream) throw new MappingError('record has no dynamodb section');
    if (eventName !== 'INSERT' && eventName !== 'MODIFY' && eventName !== 'REMOVE') {
      throw new MappingError(`eventName ${JSON.stringify(eventName)} is not INSERT, MODIFY or REMOVE`);
    }
    const seconds = stream.ApproximateCreationDateTime;
    if (typeof seconds !== 'number' || !Number.isFinite(seconds)) {
      throw new MappingError('ApproximateCreationDateTime is missing; the stream must carry it');
    }
    const time = new Date(Math.round(seconds * 1000));
    dt = partitionDate(time);
    if (!sequenceNumber) throw new MappingError('SequenceNumber is missing');
    const image = eventName === 'REMOVE' ? stream.OldImage : stream.NewImage;
    if (!image) {
      throw new MappingError(
        `${eventName === 'REMOVE' ? 'OldImage' : 'NewImage'} is missing; the stream view type must be NEW_AND_OLD_IMAGES`,
      );
    }
    const item = unmarshall(image as DynamoImage);
    return { ok: true, rows: rowsOfItem(item, { kind: eventName, seq: changeSeq(sequenceNumber), time }) };
  } catch (error) {
    return { ok: false, quarantine: { reason: reasonOf(error), eventName, keys, sequenceNumber, dt } };
  }
}

/** Maps a stored item (plain JS, as DocumentClient returns it) plus change facts to lake rows. Throws MappingError. */
export function rowsOfItem(item: Record<string, unknown>, change: ChangeFacts): LakeRow[] {
  const type = item.type;
  if (typeof type !== 'string' || !(EVENT_TYPES as readonly string[]).includes(type)) {
    throw new MappingError(`type ${JSON.stringify(type)} is not one of ${EVENT_TYPES.join(', ')}`);
  }
  const eventType = type as EventType;
  for (const required of [...Object.values(IDENTITY_SOURCE), EVENT_DATE_FIELD[eventType]]) {
    if (item[required] === undefined || item[required] === null) {
      throw new MappingError(`${required} is missing from the ${eventType} item`);
    }
  }
  const dt = partitionDate(change.time);
  const table = lakeTable(LAKE_TABLE_OF_TYPE[eventType]);
  const rows: LakeRow[] = [{ table: table.name, dt, values: rowValues(table.columns, item, change, {}) }];
  if (eventType === 'drug_test') {
    const results = item.results ?? [];
    if (!Array.isArray(results)) throw new MappingError('results must be a list');
    const resultTable = lakeTable('drug_test_results');
    results.forEach((entry, index) => {
      if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
        throw new MappingError(`results[${index}] must be a map`);
      }
      const values = rowValues(resultTable.columns, item, change, entry as Record<string, unknown>, `results[${index}].`);
      if (values.substance === null) throw new MappingError(`results[${index}].substance is missing`);
      rows.push({ table: resultTable.name, dt, values });
    });
  }
  return rows;
}

function rowValues(
  columns: LakeColumn[],
  item: Record<string, unknown>,
  change: ChangeFacts,
  result: Record<string, unknown>,
  resultPath = '',
): LakeRowValues {
  const values: LakeRowValues = {};
  for (const column of columns) {
    switch (column.name) {
      case 'change_kind':
        values[column.name] = change.kind;
        continue;
      case 'change_seq':
        values[column.name] = change.seq;
        continue;
      case 'change_time':
        values[column.name] = change.time;
        continue;
      case 'received_at':
        values[column.name] = typed(column, item.receivedAt, 'receivedAt');
        continue;
    }
    if (column.source.startsWith('results[].')) {
      const field = column.source.slice('results[].'.length);
      values[column.name] = typed(column, result[field], `${resultPath}${field}`);
      continue;
    }
    const attribute = IDENTITY_SOURCE[column.name] ?? column.source;
    values[column.name] = typed(column, item[attribute], attribute);
  }
  return values;
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

/** Converts a stored value to the column's lake type; missing → null; wrong type → MappingError naming the field. */
function typed(column: LakeColumn, value: unknown, field: string): LakeValue {
  if (value === undefined || value === null) return null;
  const wrong = (expected: string) =>
    new MappingError(`${field} must be ${expected} for lake column ${column.name} (${column.type}); got ${describe(value)}`);
  const kind: LakeType = column.type;
  switch (kind) {
    case 'STRING':
      if (typeof value !== 'string') throw wrong('a string');
      return value;
    case 'INT':
      if (typeof value !== 'number' || !Number.isInteger(value) || Math.abs(value) > 2 ** 31 - 1) throw wrong('a 32-bit integer');
      return value;
    case 'BOOLEAN':
      if (typeof value !== 'boolean') throw wrong('a boolean');
      return value;
    case 'DATE': {
      if (typeof value !== 'string' || !ISO_DATE.test(value)) throw wrong('a date written YYYY-MM-DD');
      const date = new Date(`${value}T00:00:00Z`);
      if (Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== value) throw wrong('a calendar date');
      return date;
    }
    case 'TIMESTAMP': {
      if (typeof value !== 'string') throw wrong('an ISO timestamp');
      const time = new Date(value);
      if (Number.isNaN(time.getTime()) || !/^\d{4}-\d{2}-\d{2}T/.test(value)) throw wrong('an ISO timestamp');
      return time;
    }
  }
}

/** Describes a bad value without echoing it (it could be anything, even client data). */
function describe(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'string') return `a string of ${value.length} characters`;
  return `a ${typeof value}`;
}

function reasonOf(error: unknown): string {
  if (error instanceof MappingError) return error.message;
  // unmarshall and friends: their messages name attribute types, not values.
  return `unreadable record: ${(error as Error)?.message ?? String(error)}`;
}
