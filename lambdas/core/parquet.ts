/**
 * Parquet encoding of lake rows with one explicit schema per table, so every file
 * of a table has identical physical and logical types (Athena raises
 * HIVE_PARTITION_SCHEMA_MISMATCH otherwise), plus a decoder for tests and tools.
 * The bytes come from the project's own writer (parquet-writer.ts, ADR 0100).
 */
import { parquetMetadata, parquetReadObjects, parquetSchema, type SchemaElement } from 'hyparquet';
import type { LakeRowValues, LakeValue } from './change-records';
import type { LakeTable, LakeType } from './lake-columns';
import { ColumnBuffer, type PhysicalValue, type WriterOptions, writeParquet } from './parquet-writer';

const MS_PER_DAY = 86_400_000;

/**
 * The rows of one lake file, column by column. Rows arrive either as lake row objects
 * (appendRow: checked against the column types) or as physical values already checked
 * by the mapping (appendPhysical: DATE as days since 1970, TIMESTAMP as epoch ms).
 */
export class LakeFileBuilder {
  readonly buffers: ColumnBuffer[];
  rows = 0;

  constructor(readonly table: LakeTable) {
    this.buffers = table.columns.map((column) => new ColumnBuffer({ name: column.name, type: column.type }));
  }

  /** Appends one row of physical values, in column order; the caller has checked them. */
  appendPhysical(values: readonly PhysicalValue[]): void {
    const buffers = this.buffers;
    for (let index = 0; index < buffers.length; index += 1) buffers[index].push(values[index]);
    this.rows += 1;
  }

  appendRow(row: LakeRowValues): void {
    const columns = this.table.columns;
    const values = scratchOf(columns.length);
    for (let index = 0; index < columns.length; index += 1) {
      const column = columns[index];
      values[index] = physical(column.name, column.type, row[column.name]);
    }
    this.appendPhysical(values);
  }

  encode(options?: WriterOptions): Uint8Array {
    if (this.rows === 0) throw new Error(`encodeLakeParquet: no rows for ${this.table.name}; write no file instead of an empty one`);
    return writeParquet(this.table.columns, this.buffers, options);
  }
}

let scratch: PhysicalValue[] = [];
function scratchOf(length: number): PhysicalValue[] {
  if (scratch.length < length) scratch = new Array<PhysicalValue>(length).fill(null);
  return scratch;
}

/** A lake value as the file stores it; refuses a value of the wrong type for the column. */
function physical(name: string, type: LakeType, value: LakeValue | undefined): PhysicalValue {
  if (value === undefined || value === null) return null;
  switch (type) {
    case 'STRING':
      if (typeof value === 'string') return value;
      break;
    case 'INT':
      if (typeof value === 'number' && Number.isInteger(value) && value >= -2_147_483_648 && value <= 2_147_483_647) return value;
      break;
    case 'BOOLEAN':
      if (typeof value === 'boolean') return value;
      break;
    case 'DATE':
      if (value instanceof Date && !Number.isNaN(value.getTime())) return Math.floor(value.getTime() / MS_PER_DAY);
      break;
    case 'TIMESTAMP':
      if (value instanceof Date && !Number.isNaN(value.getTime())) return value.getTime();
      break;
  }
  const described = typeof value === 'number' && type === 'INT' && Number.isInteger(value) ? 'number outside INT32' : typeof value;
  throw new Error(`encodeLakeParquet: column ${name} (${type}) got a ${described}`);
}

/** Encodes rows of one lake table (at least one) to a Parquet file (ADR 0100: snappy, one row group). */
export function encodeLakeParquet(table: LakeTable, rows: LakeRowValues[], options?: WriterOptions): Uint8Array {
  if (rows.length === 0) throw new Error(`encodeLakeParquet: no rows for ${table.name}; write no file instead of an empty one`);
  const builder = new LakeFileBuilder(table);
  for (const row of rows) builder.appendRow(row);
  return builder.encode(options);
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
