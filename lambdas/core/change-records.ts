/**
 * Maps one change of the events table (a DynamoDB stream record, or a scanned item
 * during backfill) to typed lake rows, or to a quarantine entry saying why it could
 * not be mapped. Pure: no I/O, never throws for bad data.
 */
import type { DynamoDBRecord } from 'aws-lambda';
import { convertToNative, unmarshall } from '@aws-sdk/util-dynamodb';
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

const MS_PER_DAY = 86_400_000;
/** Bounds the per-container caches of this module (a warm Lambda lives for hours). */
const DAY_CACHE_LIMIT = 50_000;
/** Partition strings by UTC day number: a batch spans a few days, so toISOString runs a few times, not per row. */
const partitionOfDay = new Map<number, string>();

export function partitionDate(time: Date): string {
  const day = Math.floor(time.getTime() / MS_PER_DAY);
  const cached = partitionOfDay.get(day);
  if (cached !== undefined) return cached;
  const dt = time.toISOString().slice(0, 10); // throws RangeError for an invalid Date, as before
  if (partitionOfDay.size >= DAY_CACHE_LIMIT) partitionOfDay.clear();
  partitionOfDay.set(day, dt);
  return dt;
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
    keys = stream?.Keys ? imageToItem(stream.Keys as DynamoImage) : {};
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
    const item = imageToItem(image as DynamoImage);
    return { ok: true, rows: rowsOfItem(item, { kind: eventName, seq: changeSeq(sequenceNumber), time }) };
  } catch (error) {
    return { ok: false, quarantine: { reason: reasonOf(error), eventName, keys, sequenceNumber, dt } };
  }
}

/**
 * unmarshall, with a fast path for the attribute types events are stored with (S, N, BOOL,
 * NULL, M, L). Anything else — sets, binaries, numbers beyond the safe integers, malformed
 * attribute values — goes to the SDK's own converter, so results and errors are the SDK's.
 */
function imageToItem(image: DynamoImage): Record<string, unknown> {
  if (typeof image !== 'object' || image === null || Array.isArray(image)) return unmarshall(image);
  return attributeMap(image as unknown as Record<string, AttributeValueLike>);
}

type AttributeValueLike = Record<string, unknown>;
type AttributeValue = Parameters<typeof convertToNative>[0];

function attributeMap(map: Record<string, AttributeValueLike>): Record<string, unknown> {
  const item: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(map)) item[key] = attributeValue(value);
  return item;
}

function attributeValue(value: AttributeValueLike): unknown {
  if (typeof value !== 'object' || value === null) return convertToNative(value as unknown as AttributeValue);
  // The SDK converts the first key whose value is defined; so does this.
  for (const key in value) {
    const inner = value[key];
    if (inner === undefined) continue;
    switch (key) {
      case 'S':
        return inner;
      case 'N': {
        const num = Number(inner);
        if (num <= Number.MAX_SAFE_INTEGER && num >= Number.MIN_SAFE_INTEGER) return num;
        break;
      }
      case 'BOOL':
        return Boolean(inner);
      case 'NULL':
        return null;
      case 'M':
        if (typeof inner === 'object' && inner !== null && !Array.isArray(inner)) {
          return attributeMap(inner as Record<string, AttributeValueLike>);
        }
        break;
      case 'L':
        if (Array.isArray(inner)) return inner.map((entry) => attributeValue(entry as AttributeValueLike));
        break;
    }
    break;
  }
  return convertToNative(value as unknown as AttributeValue);
}

/** Maps a stored item (plain JS, as DocumentClient returns it) plus change facts to lake rows. Throws MappingError. */
export function rowsOfItem(item: Record<string, unknown>, change: ChangeFacts): LakeRow[] {
  const type = item.type;
  if (typeof type !== 'string' || !(EVENT_TYPES as readonly string[]).includes(type)) {
    throw new MappingError(`type ${JSON.stringify(type)} is not one of ${EVENT_TYPES.join(', ')}`);
  }
  const eventType = type as EventType;
  for (const required of REQUIRED_FIELDS[eventType]) {
    if (item[required] === undefined || item[required] === null) {
      throw new MappingError(`${required} is missing from the ${eventType} item`);
    }
  }
  const dt = partitionDate(change.time);
  const table = lakeTable(LAKE_TABLE_OF_TYPE[eventType]);
  const rows: LakeRow[] = [{ table: table.name, dt, values: rowValues(columnPlan(table.name, table.columns), item, change, NO_RESULT) }];
  if (eventType === 'drug_test') {
    const results = item.results ?? [];
    if (!Array.isArray(results)) throw new MappingError('results must be a list');
    const resultTable = lakeTable('drug_test_results');
    const plan = columnPlan(resultTable.name, resultTable.columns);
    results.forEach((entry, index) => {
      if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
        throw new MappingError(`results[${index}] must be a map`);
      }
      const values = rowValues(plan, item, change, entry as Record<string, unknown>, `results[${index}].`);
      if (values.substance === null) throw new MappingError(`results[${index}].substance is missing`);
      rows.push({ table: resultTable.name, dt, values });
    });
  }
  return rows;
}

const REQUIRED_FIELDS = Object.fromEntries(
  EVENT_TYPES.map((eventType) => [eventType, [...Object.values(IDENTITY_SOURCE), EVENT_DATE_FIELD[eventType]]]),
) as Record<EventType, string[]>;

const NO_RESULT: Record<string, unknown> = {};

/** Where one column's value comes from, worked out once per table instead of once per row. */
interface ColumnSource {
  column: LakeColumn;
  from: 'change_kind' | 'change_seq' | 'change_time' | 'item' | 'result';
  /** Item attribute, or result field, the value is read from. */
  field: string;
}

const columnPlans = new Map<LakeTableName, ColumnSource[]>();

function columnPlan(table: LakeTableName, columns: LakeColumn[]): ColumnSource[] {
  let plan = columnPlans.get(table);
  if (!plan) {
    plan = columns.map((column): ColumnSource => {
      switch (column.name) {
        case 'change_kind':
        case 'change_seq':
        case 'change_time':
          return { column, from: column.name, field: '' };
        case 'received_at':
          return { column, from: 'item', field: 'receivedAt' };
      }
      if (column.source.startsWith('results[].')) return { column, from: 'result', field: column.source.slice('results[].'.length) };
      return { column, from: 'item', field: IDENTITY_SOURCE[column.name] ?? column.source };
    });
    columnPlans.set(table, plan);
  }
  return plan;
}

function rowValues(
  plan: ColumnSource[],
  item: Record<string, unknown>,
  change: ChangeFacts,
  result: Record<string, unknown>,
  resultPath = '',
): LakeRowValues {
  const values: LakeRowValues = {};
  for (const { column, from, field } of plan) {
    switch (from) {
      case 'change_kind':
        values[column.name] = change.kind;
        break;
      case 'change_seq':
        values[column.name] = change.seq;
        break;
      case 'change_time':
        values[column.name] = change.time;
        break;
      case 'result':
        values[column.name] = typed(column, result[field], resultPath === '' ? field : `${resultPath}${field}`);
        break;
      case 'item':
        values[column.name] = typed(column, item[field], field);
        break;
    }
  }
  return values;
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

/** Converts a stored value to the column's lake type; missing → null; wrong type → MappingError naming the field. */
function typed(column: LakeColumn, value: unknown, field: string): LakeValue {
  if (value === undefined || value === null) return null;
  const kind: LakeType = column.type;
  switch (kind) {
    case 'STRING':
      if (typeof value !== 'string') throw wrongValue(column, value, field, 'a string');
      return value;
    case 'INT':
      if (typeof value !== 'number' || !Number.isInteger(value) || Math.abs(value) > 2 ** 31 - 1) throw wrongValue(column, value, field, 'a 32-bit integer');
      return value;
    case 'BOOLEAN':
      if (typeof value !== 'boolean') throw wrongValue(column, value, field, 'a boolean');
      return value;
    case 'DATE': {
      if (typeof value !== 'string') throw wrongValue(column, value, field, 'a date written YYYY-MM-DD');
      const known = dateMillis.get(value);
      if (known !== undefined) return new Date(known);
      if (!ISO_DATE.test(value)) throw wrongValue(column, value, field, 'a date written YYYY-MM-DD');
      const date = new Date(`${value}T00:00:00Z`);
      if (Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== value) throw wrongValue(column, value, field, 'a calendar date');
      if (dateMillis.size >= DAY_CACHE_LIMIT) dateMillis.clear();
      dateMillis.set(value, date.getTime());
      return date;
    }
    case 'TIMESTAMP': {
      if (typeof value !== 'string') throw wrongValue(column, value, field, 'an ISO timestamp');
      const time = new Date(value);
      if (Number.isNaN(time.getTime()) || !/^\d{4}-\d{2}-\d{2}T/.test(value)) throw wrongValue(column, value, field, 'an ISO timestamp');
      return time;
    }
  }
}

/** Valid DATE strings already checked, with their UTC midnight: each distinct date is parsed once. */
const dateMillis = new Map<string, number>();

function wrongValue(column: LakeColumn, value: unknown, field: string, expected: string): MappingError {
  return new MappingError(`${field} must be ${expected} for lake column ${column.name} (${column.type}); got ${describe(value)}`);
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

// ---------------------------------------------------------------------------------------
// The delivery fast path: a stream record straight to Parquet column values.

/** A value as the Parquet writer stores it: DATE as days since 1970, TIMESTAMP as epoch ms. */
export type PhysicalLakeValue = string | number | boolean | null;

/**
 * The rows of one stream record as physical column values (in table column order). The
 * arrays are reused by the next call: copy or consume them before mapping another record.
 */
export interface PhysicalRows {
  table: LakeTableName;
  dt: string;
  /** The padded change_seq. */
  seq: string;
  values: PhysicalLakeValue[];
  /** drug_test_results rows (same dt), resultCount of them. */
  results: PhysicalLakeValue[][];
  resultCount: number;
}

/**
 * Maps a stream record to physical column values without building items or row objects,
 * for the records that the general mapping would map (ADR 0101). Returns undefined for
 * anything it does not take on itself — any record mapStreamRecord would quarantine, and
 * any attribute shape outside S, N (safe integers), BOOL, NULL, M and L — so the caller
 * maps those with mapStreamRecord, whose rows and quarantine entries stay the reference.
 * What it returns equals, value for value, mapStreamRecord's rows in physical form.
 */
export function mapStreamRecordPhysical(record: DynamoDBRecord): PhysicalRows | undefined {
  const stream = record.dynamodb;
  if (stream === undefined || stream === null) return undefined;
  const eventName = record.eventName;
  // A Set lookup, not three comparisons: the comparisons a warm-up batch of INSERTs never
  // reaches have no type feedback, and the optimised code deoptimises at the first MODIFY.
  if (eventName === undefined || !CHANGE_KINDS.has(eventName)) return undefined;
  const keys = stream.Keys as unknown;
  if (keys !== undefined && keys !== null && !plainImage(keys)) return undefined;
  const seconds = stream.ApproximateCreationDateTime;
  if (typeof seconds !== 'number' || !Number.isFinite(seconds)) return undefined;
  const millis = Math.round(seconds * 1000);
  if (!(Math.abs(millis) <= MAX_DATE_MS)) return undefined;
  const sequenceNumber = stream.SequenceNumber;
  if (typeof sequenceNumber !== 'string' || !SEQUENCE_NUMBER.test(sequenceNumber)) return undefined;
  // Both images are read whatever the kind, so both loads carry feedback from the first record on.
  const oldImage = stream.OldImage as unknown;
  const newImage = stream.NewImage as unknown;
  const image = eventName === 'REMOVE' ? oldImage : newImage;
  if (typeof image !== 'object' || image === null || Array.isArray(image)) return undefined;
  const attributes = image as Record<string, AttributeValueLike>;
  const typeAttribute = attributes.type;
  if (attributeKind(typeAttribute) !== KIND_S) return undefined;
  const eventType = typeAttribute.S;
  if (typeof eventType !== 'string' || !Object.hasOwn(PHYSICAL_PLANS, eventType)) return undefined;
  const plan = PHYSICAL_PLANS[eventType as EventType];
  const seq = sequenceNumber.length === CHANGE_SEQ_DIGITS ? sequenceNumber : sequenceNumber.padStart(CHANGE_SEQ_DIGITS, '0');
  const out = physicalRows;
  const values = plan.values;
  const columns = plan.columns;
  for (let index = 0; index < columns.length; index += 1) values[index] = null;
  values[plan.kindIndex] = eventName;
  values[plan.seqIndex] = seq;
  values[plan.timeIndex] = millis;
  out.resultCount = 0;
  let results: AttributeValueLike | undefined;
  let requiredSeen = 0;
  // One pass over the image: every attribute must convert on imageToItem's fast path; the
  // ones a column reads are converted to the column's type on the way.
  for (const field in attributes) {
    if (field === '__proto__' || !Object.hasOwn(attributes, field)) return undefined;
    const attribute = attributes[field];
    const kind = attributeKind(attribute);
    const action = plan.actionOf.get(field);
    if (action === undefined) {
      if (!plainKind(kind, attribute)) return undefined;
    } else if (action >= 0) {
      const value = physicalValue(columns[action].type, kind, attribute);
      if (value === undefined) return undefined;
      values[action] = value;
      if (plan.required[action]) {
        if (value === null) return undefined;
        requiredSeen += 1;
      }
    } else if (action === ACTION_RESULTS) {
      if (kind !== KIND_NULL && kind !== KIND_L) return undefined;
      results = attribute;
    } else {
      // A required field no column reads.
      if (kind === KIND_NULL || !plainKind(kind, attribute)) return undefined;
      requiredSeen += 1;
    }
  }
  if (requiredSeen !== plan.requiredCount) return undefined;
  out.table = plan.table;
  out.values = values;
  out.dt = partitionDate(new Date(millis));
  out.seq = seq;
  if (results !== undefined && plan.results && attributeKind(results) === KIND_L) {
    const entries = results.L;
    if (!Array.isArray(entries)) return undefined;
    const resultPlan = plan.results;
    for (let entry = 0; entry < entries.length; entry += 1) {
      const attribute = entries[entry] as AttributeValueLike;
      if (attributeKind(attribute) !== KIND_M) return undefined;
      const fields = attribute.M as Record<string, AttributeValueLike>;
      if (typeof fields !== 'object' || fields === null || Array.isArray(fields)) return undefined;
      if (out.results.length === entry) out.results.push(resultPlan.columns.map(() => null));
      const row = out.results[entry];
      if (!resultRow(resultPlan, row, values, fields)) return undefined;
    }
    out.resultCount = entries.length;
  }
  return out;
}

const CHANGE_KINDS: ReadonlySet<string> = new Set<ChangeKind>(['INSERT', 'MODIFY', 'REMOVE']);
const MAX_DATE_MS = 8.64e15;
const SEQUENCE_NUMBER = /^\d{1,40}$/;
const TIMESTAMP_PREFIX = /^\d{4}-\d{2}-\d{2}T/;
const physicalRows: PhysicalRows = { table: 'enrollments', dt: '', seq: '', values: [], results: [], resultCount: 0 };

/** The attribute type attributeValue converts (its first defined key), as a small integer. */
const KIND_OTHER = 0;
const KIND_S = 1;
const KIND_N = 2;
const KIND_BOOL = 3;
const KIND_NULL = 4;
const KIND_M = 5;
const KIND_L = 6;

function attributeKind(attribute: AttributeValueLike | undefined): number {
  if (typeof attribute !== 'object' || attribute === null) return KIND_OTHER;
  for (const key in attribute) {
    if (attribute[key] === undefined) continue;
    switch (key) {
      case 'S':
        return KIND_S;
      case 'N':
        return KIND_N;
      case 'BOOL':
        return KIND_BOOL;
      case 'NULL':
        return KIND_NULL;
      case 'M':
        return KIND_M;
      case 'L':
        return KIND_L;
      default:
        return KIND_OTHER;
    }
  }
  return KIND_OTHER;
}

interface PhysicalPlan {
  table: LakeTableName;
  columns: LakeColumn[];
  /** The row's values, reused from record to record. */
  values: PhysicalLakeValue[];
  /** Item attribute → index of the column that reads it, ACTION_RESULTS, or ACTION_REQUIRED. */
  actionOf: Map<string, number>;
  kindIndex: number;
  seqIndex: number;
  timeIndex: number;
  /** Per column: its item field must be present and not NULL (rowsOfItem's REQUIRED_FIELDS). */
  required: boolean[];
  /** How many required fields there are (columns or not). */
  requiredCount: number;
  results?: ResultPlan;
}

const ACTION_RESULTS = -1;
const ACTION_REQUIRED = -2;

interface ResultPlan {
  columns: LakeColumn[];
  /** Per column: the main row's column index to copy (item columns), or -1. */
  fromMain: number[];
  /** Result field → index of the column that reads it. */
  columnOf: Map<string, number>;
  kindIndex: number;
  seqIndex: number;
  timeIndex: number;
  substance: number;
}

const PHYSICAL_PLANS = Object.fromEntries(
  EVENT_TYPES.map((eventType): [EventType, PhysicalPlan] => {
    const table = LAKE_TABLE_OF_TYPE[eventType];
    const sources = columnPlan(table, lakeTable(table).columns);
    const columnOf = new Map<string, number>();
    sources.forEach((source, index) => {
      if (source.from !== 'item') return;
      if (columnOf.has(source.field)) throw new Error(`change-records: two columns of ${table} read ${source.field}`);
      columnOf.set(source.field, index);
    });
    const indexOf = (from: ColumnSource['from'], list: ColumnSource[]) => list.findIndex((source) => source.from === from);
    const required = new Set(REQUIRED_FIELDS[eventType]);
    const actionOf = new Map(columnOf);
    for (const field of required) if (!actionOf.has(field)) actionOf.set(field, ACTION_REQUIRED);
    if (eventType === 'drug_test') actionOf.set('results', ACTION_RESULTS);
    const plan: PhysicalPlan = {
      table,
      columns: sources.map((source) => source.column),
      values: sources.map(() => null),
      actionOf,
      kindIndex: indexOf('change_kind', sources),
      seqIndex: indexOf('change_seq', sources),
      timeIndex: indexOf('change_time', sources),
      required: sources.map((source) => source.from === 'item' && required.has(source.field)),
      requiredCount: required.size,
      // Every plan has the same shape (drug_test's sets it below): one hidden class for all plans.
      results: undefined,
    };
    if (eventType === 'drug_test') {
      const resultSources = columnPlan('drug_test_results', lakeTable('drug_test_results').columns);
      plan.results = {
        columns: resultSources.map((source) => source.column),
        fromMain: resultSources.map((source) => {
          if (source.from !== 'item') return -1;
          const index = columnOf.get(source.field);
          if (index === undefined || sources[index].column.type !== source.column.type) {
            throw new Error(`change-records: drug_test_results.${source.column.name} must be a drug_tests column too`);
          }
          return index;
        }),
        columnOf: new Map(resultSources.flatMap((source, index) => (source.from === 'result' ? [[source.field, index] as const] : []))),
        kindIndex: indexOf('change_kind', resultSources),
        seqIndex: indexOf('change_seq', resultSources),
        timeIndex: indexOf('change_time', resultSources),
        substance: resultSources.findIndex((source) => source.column.name === 'substance'),
      };
    }
    return [eventType, plan];
  }),
) as Record<EventType, PhysicalPlan>;

/** One drug_test_results row: item columns copied from the main row, result fields converted; false = not taken here. */
function resultRow(plan: ResultPlan, row: PhysicalLakeValue[], main: PhysicalLakeValue[], fields: Record<string, AttributeValueLike>): boolean {
  const columns = plan.columns;
  for (let index = 0; index < columns.length; index += 1) {
    const from = plan.fromMain[index];
    row[index] = from >= 0 ? main[from] : null;
  }
  row[plan.kindIndex] = main[PHYSICAL_PLANS.drug_test.kindIndex];
  row[plan.seqIndex] = main[PHYSICAL_PLANS.drug_test.seqIndex];
  row[plan.timeIndex] = main[PHYSICAL_PLANS.drug_test.timeIndex];
  // Every field of the entry must convert (attributeMap converts them all); result columns take theirs.
  for (const field in fields) {
    if (field === '__proto__' || !Object.hasOwn(fields, field)) return false;
    const attribute = fields[field];
    const kind = attributeKind(attribute);
    const index = plan.columnOf.get(field);
    if (index !== undefined) {
      const value = physicalValue(columns[index].type, kind, attribute);
      if (value === undefined) return false;
      row[index] = value;
    } else if (!plainKind(kind, attribute)) {
      return false;
    }
  }
  return row[plan.substance] !== null;
}

/**
 * The physical value of an attribute of the given kind for a column type, as attributeValue
 * then typed() would give it; undefined when the general mapping must decide.
 */
function physicalValue(type: LakeType, kind: number, attribute: AttributeValueLike): PhysicalLakeValue | undefined {
  if (kind === KIND_NULL) return null;
  if (kind === KIND_OTHER) return undefined;
  switch (type) {
    case 'STRING': {
      const inner = attribute.S;
      return kind === KIND_S && typeof inner === 'string' ? inner : undefined;
    }
    case 'INT': {
      if (kind !== KIND_N) return undefined;
      const number = Number(attribute.N);
      return Number.isInteger(number) && Math.abs(number) <= 2 ** 31 - 1 ? number : undefined;
    }
    case 'BOOLEAN':
      return kind === KIND_BOOL ? Boolean(attribute.BOOL) : undefined;
    case 'DATE': {
      const inner = attribute.S;
      if (kind !== KIND_S || typeof inner !== 'string') return undefined;
      const known = dateMillis.get(inner);
      if (known !== undefined) return known / MS_PER_DAY;
      if (!ISO_DATE.test(inner)) return undefined;
      const date = new Date(`${inner}T00:00:00Z`);
      if (Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== inner) return undefined;
      if (dateMillis.size >= DAY_CACHE_LIMIT) dateMillis.clear();
      dateMillis.set(inner, date.getTime());
      return date.getTime() / MS_PER_DAY;
    }
    case 'TIMESTAMP': {
      const inner = attribute.S;
      if (kind !== KIND_S || typeof inner !== 'string') return undefined;
      const canonical = canonicalTimestamp(inner);
      if (canonical !== undefined) return canonical;
      const time = Date.parse(inner);
      return Number.isNaN(time) || !TIMESTAMP_PREFIX.test(inner) ? undefined : time;
    }
  }
}

/**
 * Epoch ms of a timestamp written exactly as the API stores them (toISOString: 'YYYY-MM-DDTHH:MM:SS.sssZ',
 * year 1000–9999, day ≤ 28 so no month-length question): what Date.parse gives, without parsing a date
 * string in the engine. Anything else is undefined and goes to Date.parse.
 */
function canonicalTimestamp(text: string): number | undefined {
  if (text.length !== 24 || text.charCodeAt(23) !== 90 /* Z */) return undefined;
  if (text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45 || text.charCodeAt(10) !== 84 || text.charCodeAt(13) !== 58) return undefined;
  if (text.charCodeAt(16) !== 58 || text.charCodeAt(19) !== 46) return undefined;
  const year = digits(text, 0, 4);
  const month = digits(text, 5, 2);
  const day = digits(text, 8, 2);
  const hour = digits(text, 11, 2);
  const minute = digits(text, 14, 2);
  const second = digits(text, 17, 2);
  const milli = digits(text, 20, 3);
  if (year < 1000 || month < 1 || month > 12 || day < 1 || day > 28 || hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59 || milli < 0) {
    return undefined;
  }
  return Date.UTC(year, month - 1, day, hour, minute, second, milli);
}

/** The decimal number of `length` ASCII digits from `at`, or -1 if any is not a digit. */
function digits(text: string, at: number, length: number): number {
  let value = 0;
  for (let index = at; index < at + length; index += 1) {
    const digit = text.charCodeAt(index) - 48;
    if (digit < 0 || digit > 9) return -1;
    value = value * 10 + digit;
  }
  return value;
}

/** True when attributeValue converts an attribute of this kind without the SDK converter. */
function plainKind(kind: number, attribute: AttributeValueLike): boolean {
  switch (kind) {
    case KIND_S:
    case KIND_BOOL:
    case KIND_NULL:
      return true;
    case KIND_N: {
      const number = Number(attribute.N);
      return number <= Number.MAX_SAFE_INTEGER && number >= Number.MIN_SAFE_INTEGER;
    }
    case KIND_M:
      return plainImage(attribute.M);
    case KIND_L: {
      const list = attribute.L;
      if (!Array.isArray(list)) return false;
      for (const entry of list) if (!plainKind(attributeKind(entry as AttributeValueLike), entry as AttributeValueLike)) return false;
      return true;
    }
    default:
      return false;
  }
}

/** True when imageToItem converts `image` on its own fast path (no SDK converter, so no throw). */
function plainImage(image: unknown): boolean {
  if (typeof image !== 'object' || image === null || Array.isArray(image)) return false;
  const map = image as Record<string, AttributeValueLike>;
  for (const key in map) {
    if (key === '__proto__' || !Object.hasOwn(map, key)) return false;
    const attribute = map[key];
    if (!plainKind(attributeKind(attribute), attribute)) return false;
  }
  return true;
}
