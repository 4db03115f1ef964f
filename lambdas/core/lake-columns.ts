/**
 * The lake's tables and typed columns, derived from the event contract so that a
 * new contract field becomes a lake column (and a Glue column, and a data
 * dictionary row) without being written down twice.
 */
import * as z from 'zod';
import { type EventType, eventSchemas } from './event-schema';

/** Column types the Parquet writer, the Glue tables and DuckDB agree on. */
export type LakeType = 'STRING' | 'INT' | 'BOOLEAN' | 'DATE' | 'TIMESTAMP';

export interface LakeColumn {
  name: string;
  type: LakeType;
  description: string;
  /** Where the value comes from: a contract field, or the change record. */
  source: string;
}

export interface LakeTable {
  name: LakeTableName;
  description: string;
  eventType: EventType;
  columns: LakeColumn[];
}

export const LAKE_TABLE_NAMES = [
  'enrollments',
  'attendance',
  'drug_tests',
  'drug_test_results',
  'goals',
  'discharges',
  'assessments',
] as const;
export type LakeTableName = (typeof LAKE_TABLE_NAMES)[number];

export const LAKE_TABLE_OF_TYPE = {
  enrollment: 'enrollments',
  attendance: 'attendance',
  drug_test: 'drug_tests',
  goal: 'goals',
  discharge: 'discharges',
  assessment: 'assessments',
} as const satisfies Record<EventType, LakeTableName>;

/** Glue/Athena type names for each lake type (DuckDB accepts the same names). */
export const SQL_TYPE: Record<LakeType, string> = {
  STRING: 'VARCHAR',
  INT: 'INTEGER',
  BOOLEAN: 'BOOLEAN',
  DATE: 'DATE',
  TIMESTAMP: 'TIMESTAMP',
};

/** Every lake row records one change of the system of record, as the stream saw it. */
export const CHANGE_COLUMNS: LakeColumn[] = [
  { name: 'change_kind', type: 'STRING', source: 'stream eventName', description: 'INSERT, MODIFY or REMOVE (REMOVE = retraction; carries the removed values).' },
  { name: 'change_seq', type: 'STRING', source: 'stream SequenceNumber', description: 'Stream sequence number, zero-padded to 40 digits so that it sorts; orders the changes of one event.' },
  { name: 'change_time', type: 'TIMESTAMP', source: 'stream ApproximateCreationDateTime', description: 'When the change happened in the system of record (UTC).' },
  { name: 'received_at', type: 'TIMESTAMP', source: 'ingest', description: 'When the API accepted this version of the event (UTC).' },
];

/** Fields stored in DynamoDB that every event carries (clientId is replaced by client_key). */
export const IDENTITY_COLUMNS: LakeColumn[] = [
  { name: 'event_id', type: 'STRING', source: 'eventId', description: "The clinic's idempotency key; unique within a clinic." },
  { name: 'version', type: 'INT', source: 'version', description: 'Version of the event; higher versions are corrections.' },
  { name: 'clinic_id', type: 'STRING', source: 'clinicId', description: 'The clinic that sent the event.' },
  { name: 'client_key', type: 'STRING', source: 'clientId (HMAC-SHA256)', description: 'Pseudonymous client key: HMAC-SHA256 of clinicId and the clinic client id under a per-deployment secret.' },
  { name: 'episode_id', type: 'STRING', source: 'episodeId', description: 'One admission of one client to one program.' },
];

const CONTRACT_COMMON_FIELDS = new Set(['type', 'eventId', 'version', 'clinicId', 'clientId', 'episodeId']);

export function snakeCase(field: string): string {
  return field.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`).replace(/(?<=[a-z])(\d+)/g, '_$1');
}

/** Maps a zod field schema to its lake type, unwrapping optional/default wrappers. */
export function lakeTypeOf(field: z.ZodType): LakeType {
  const meta = field.meta() as { lakeType?: LakeType } | undefined;
  if (meta?.lakeType) return meta.lakeType;
  const def = (field as unknown as { def: { type: string; innerType?: z.ZodType } }).def;
  switch (def.type) {
    case 'optional':
    case 'default':
    case 'nullable':
      return lakeTypeOf(def.innerType as z.ZodType);
    case 'boolean':
      return 'BOOLEAN';
    case 'number':
      return 'INT'; // the contract has only z.int() numbers
    case 'string':
    case 'enum':
    case 'literal':
      return 'STRING';
    default:
      throw new Error(`lake-columns: no lake type for a zod ${def.type}; add a lakeType meta to the field`);
  }
}

function descriptionOf(field: z.ZodType): string {
  const meta = field.meta() as { description?: string } | undefined;
  if (meta?.description) return meta.description;
  const inner = (field as unknown as { def: { innerType?: z.ZodType } }).def.innerType;
  return inner ? descriptionOf(inner) : '';
}

function contractColumns(eventType: EventType, skip: Set<string> = new Set()): LakeColumn[] {
  const shape = eventSchemas[eventType].shape as Record<string, z.ZodType>;
  return Object.entries(shape)
    .filter(([field]) => !CONTRACT_COMMON_FIELDS.has(field) && !skip.has(field))
    .map(([field, schema]) => ({
      name: snakeCase(field),
      type: lakeTypeOf(schema),
      description: descriptionOf(schema),
      source: field,
    }));
}

function resultColumns(): LakeColumn[] {
  const results = eventSchemas.drug_test.shape.results as unknown as z.ZodOptional<z.ZodArray<z.ZodObject>>;
  const entry = results.unwrap().element.shape as Record<string, z.ZodType>;
  return Object.entries(entry).map(([field, schema]) => ({
    name: snakeCase(field),
    type: lakeTypeOf(schema),
    description: descriptionOf(schema),
    source: `results[].${field}`,
  }));
}

function table(name: LakeTableName, eventType: EventType, description: string, own: LakeColumn[]): LakeTable {
  return { name, eventType, description, columns: [...CHANGE_COLUMNS, ...IDENTITY_COLUMNS, ...own] };
}

/** All lake tables in a stable order; column order is part of the Parquet contract. */
export const LAKE_TABLES: readonly LakeTable[] = [
  table('enrollments', 'enrollment', 'One row per change of an enrollment (admission) event: opens an episode.', contractColumns('enrollment')),
  table('attendance', 'attendance', 'One row per change of a scheduled session, attended or not.', contractColumns('attendance')),
  table(
    'drug_tests',
    'drug_test',
    'One row per change of a scheduled drug test (collected, missed, refused or invalid).',
    contractColumns('drug_test', new Set(['results'])),
  ),
  table(
    'drug_test_results',
    'drug_test',
    'One row per substance result of a collected drug test, per change of the test.',
    [
      { name: 'scheduled_date', type: 'DATE', source: 'scheduledDate', description: 'Date the test was scheduled for.' },
      ...resultColumns(),
    ],
  ),
  table('goals', 'goal', 'One row per change of a treatment-plan goal action.', contractColumns('goal')),
  table('discharges', 'discharge', 'One row per change of a discharge event: closes an episode.', contractColumns('discharge')),
  table('assessments', 'assessment', 'One row per change of an outcome interview (intake, discharge, 6 months).', contractColumns('assessment')),
];

export function lakeTable(name: LakeTableName): LakeTable {
  const found = LAKE_TABLES.find((candidate) => candidate.name === name);
  if (!found) throw new Error(`unknown lake table ${name}`);
  return found;
}
