/**
 * Parquet encoding of lake rows with one explicit schema per table, so every file
 * of a table has identical physical and logical types (Athena raises
 * HIVE_PARTITION_SCHEMA_MISMATCH otherwise), plus a decoder for tests and tools.
 */
import { parquetWriteBuffer } from 'hyparquet-writer';
import { parquetMetadata, parquetReadObjects, parquetSchema, type SchemaElement } from 'hyparquet';
import type { LakeRowValues, LakeValue } from './change-records';
import type { LakeColumn, LakeTable, LakeType } from './lake-columns';

type WriterSchema = NonNullable<Parameters<typeof parquetWriteBuffer>[0]['schema']>;

/** Physical and logical Parquet types of each lake type (what the Glue tables declare). */
const PARQUET_TYPE: Record<LakeType, Omit<SchemaElement, 'name'>> = {
  STRING: { type: 'BYTE_ARRAY', converted_type: 'UTF8', logical_type: { type: 'STRING' } },
  INT: { type: 'INT32' },
  BOOLEAN: { type: 'BOOLEAN' },
  DATE: { type: 'INT32', converted_type: 'DATE', logical_type: { type: 'DATE' } },
  TIMESTAMP: {
    type: 'INT64',
    converted_type: 'TIMESTAMP_MILLIS',
    logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: true, unit: 'MILLIS' },
  },
};

export const PARQUET_CREATED_BY = 'iop-outcomes stream-to-lake (hyparquet-writer)';

/** The explicit Parquet schema of a lake table: root, then every column OPTIONAL, in table order. */
export function parquetSchemaOf(table: LakeTable): SchemaElement[] {
  return [
    { name: 'root', num_children: table.columns.length },
    ...table.columns.map((column) => ({ name: column.name, repetition_type: 'OPTIONAL' as const, ...PARQUET_TYPE[column.type] })),
  ];
}

/** Encodes rows of one lake table (at least one) to a snappy-compressed Parquet file. */
export function encodeLakeParquet(table: LakeTable, rows: LakeRowValues[]): Uint8Array {
  if (rows.length === 0) throw new Error(`encodeLakeParquet: no rows for ${table.name}; write no file instead of an empty one`);
  const columnData = table.columns.map((column) => ({ name: column.name, data: columnValues(column, rows) }));
  const buffer = parquetWriteBuffer({
    columnData,
    // hyparquet-writer bundles its own hyparquet; the element shape is the same.
    schema: parquetSchemaOf(table) as WriterSchema,
    codec: 'SNAPPY',
    // Lake files are small batches; one row group keeps readers simple.
    rowGroupSize: Math.max(rows.length, 1),
    createdBy: PARQUET_CREATED_BY,
  });
  return new Uint8Array(buffer);
}

/** The check each lake type's values must pass; chosen once per column, not once per value. */
const ACCEPTS: Record<LakeType, (value: LakeValue) => boolean> = {
  STRING: (value) => typeof value === 'string',
  INT: (value) => typeof value === 'number' && Number.isInteger(value),
  BOOLEAN: (value) => typeof value === 'boolean',
  DATE: isValidDate,
  TIMESTAMP: isValidDate,
};

function isValidDate(value: LakeValue): boolean {
  return value instanceof Date && !Number.isNaN(value.getTime());
}

function columnValues(column: LakeColumn, rows: LakeRowValues[]): LakeValue[] {
  const accepts = ACCEPTS[column.type];
  const name = column.name;
  const values: LakeValue[] = new Array(rows.length);
  for (let index = 0; index < rows.length; index += 1) {
    const value = rows[index][name];
    if (value === undefined || value === null) {
      values[index] = null;
      continue;
    }
    if (!accepts(value)) throw new Error(`encodeLakeParquet: column ${name} (${column.type}) got a ${typeof value}`);
    values[index] = value;
  }
  return values;
}

/** Decodes a lake Parquet file to row objects (DATE and TIMESTAMP as Date, INT as number). */
export async function decodeLakeParquet(bytes: Uint8Array): Promise<Record<string, unknown>[]> {
  const file = toArrayBuffer(bytes);
  return parquetReadObjects({ file, utf8: true }) as Promise<Record<string, unknown>[]>;
}

/** The schema elements stored in a Parquet file's footer (leaf columns only). */
export function parquetFileSchema(bytes: Uint8Array): SchemaElement[] {
  const metadata = parquetMetadata(toArrayBuffer(bytes));
  return parquetSchema(metadata).children.map((child) => child.element);
}

export function parquetRowCount(bytes: Uint8Array): number {
  return Number(parquetMetadata(toArrayBuffer(bytes)).num_rows);
}

function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}
