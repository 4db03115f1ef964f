/**
 * The lake's own Parquet writer, specialised for its five column types (ADR 0100).
 *
 * What it writes, chosen for the widest reader support (Athena/Trino, DuckDB, hyparquet):
 * - one row group; per column chunk an optional dictionary page and DATA_PAGE (v1) pages;
 * - every column OPTIONAL (max definition level 1, no repetition): definition levels
 *   RLE/bit-packed hybrid with the v1 4-byte length prefix;
 * - STRING: RLE_DICTIONARY indexes over a PLAIN dictionary page when the dictionary is
 *   smaller than the plain values, PLAIN otherwise; INT, DATE, TIMESTAMP and BOOLEAN PLAIN;
 * - column statistics (null_count; min/max of INT32/INT64/BOOLEAN; min_value/max_value of
 *   strings in UTF-8 byte order with TYPE_ORDER column orders);
 * - a Thrift compact-protocol footer written by hand (its shape is fixed).
 * Output is a pure function of the rows: the same rows give the same bytes.
 */
import { gzipSync } from 'node:zlib';
import { snappyCompressInto, snappyMaxLength } from './parquet-snappy';
import type { LakeType } from './lake-columns';

export type ParquetCodec = 'UNCOMPRESSED' | 'SNAPPY' | 'GZIP';

/** A column of the file: name and lake type (physical and logical types follow from the type). */
export interface WriterColumn {
  name: string;
  type: LakeType;
}

export interface WriterOptions {
  codec?: ParquetCodec;
  /** Rows per data page (a column chunk of more rows gets several pages). */
  pageRows?: number;
  createdBy?: string;
}

export const DEFAULT_CODEC: ParquetCodec = 'SNAPPY';
export const DEFAULT_PAGE_ROWS = 20_000;
export const LAKE_WRITER_CREATED_BY = 'iop-outcomes lake writer 1 (ADR 0100)';

/** Parquet enum values (parquet.thrift). */
const PHYSICAL = { BOOLEAN: 0, INT32: 1, INT64: 2, BYTE_ARRAY: 6 } as const;
const CONVERTED = { UTF8: 0, DATE: 6, TIMESTAMP_MILLIS: 9 } as const;
const ENCODING = { PLAIN: 0, RLE: 3, DELTA_BINARY_PACKED: 5, RLE_DICTIONARY: 8 } as const;
const CODEC_ID: Record<ParquetCodec, number> = { UNCOMPRESSED: 0, SNAPPY: 1, GZIP: 2 };
const PAGE_TYPE = { DATA_PAGE: 0, DICTIONARY_PAGE: 2 } as const;
const OPTIONAL = 1;

const PHYSICAL_OF: Record<LakeType, number> = {
  STRING: PHYSICAL.BYTE_ARRAY,
  INT: PHYSICAL.INT32,
  BOOLEAN: PHYSICAL.BOOLEAN,
  DATE: PHYSICAL.INT32,
  TIMESTAMP: PHYSICAL.INT64,
};

/** Strings longer than this (in UTF-8 bytes) get no min/max statistics: a footer stays small. */
const MAX_STAT_BYTES = 256;
/** A dictionary is abandoned once it holds more than this share of a chunk's values (unique-ish columns). */
const DICTIONARY_MAX_SHARE = 0.6;
/** After this many values, a chunk with more than UNIQUE_PROBE_MAX_DISTINCT distinct ones stays PLAIN. */
const UNIQUE_PROBE = 128;
const UNIQUE_PROBE_MAX_DISTINCT = 120;

// ---------------------------------------------------------------------------------------
// Column buffers: values as the file stores them (days for DATE, epoch ms for TIMESTAMP).

/** A physical value: string (STRING), number (INT, DATE days, TIMESTAMP ms), boolean, or null. */
export type PhysicalValue = string | number | boolean | null;

export class ColumnBuffer {
  /**
   * Definition level per row (1 = value present, 0 = null), rows of them. Typed arrays, not
   * number[]: a number[] changes elements kind (SMI → DOUBLE) when the first epoch-ms value
   * arrives, and every such transition deoptimises the code that pushed into it.
   */
  defs: Uint8Array = new Uint8Array(INITIAL_CAPACITY);
  rows = 0;
  /** Non-null values, in row order: strings for STRING, numbers (booleans as 0/1) otherwise. */
  strings: string[] = [];
  /** numberCount of them are set. */
  numbers: Float64Array = NO_NUMBERS;
  numberCount = 0;
  present = 0;

  constructor(readonly column: WriterColumn) {}

  push(value: PhysicalValue): void {
    const row = this.rows;
    if (row === this.defs.length) this.defs = grown(this.defs);
    this.rows = row + 1;
    if (value === null) {
      this.defs[row] = 0;
      return;
    }
    this.defs[row] = 1;
    this.present += 1;
    if (typeof value === 'string') this.strings.push(value);
    else {
      const at = this.numberCount;
      if (at === this.numbers.length) this.numbers = grownNumbers(this.numbers);
      this.numbers[at] = value === true ? 1 : value === false ? 0 : value;
      this.numberCount = at + 1;
    }
  }
}

const INITIAL_CAPACITY = 256;
/** STRING columns never hold numbers: they share this empty array instead of allocating one. */
const NO_NUMBERS = new Float64Array(0);

function grown(bytes: Uint8Array): Uint8Array {
  const next = new Uint8Array(bytes.length * 2);
  next.set(bytes);
  return next;
}

function grownNumbers(numbers: Float64Array): Float64Array {
  const next = new Float64Array(Math.max(INITIAL_CAPACITY, numbers.length * 2));
  next.set(numbers);
  return next;
}

// ---------------------------------------------------------------------------------------
// Bytes.

class ByteWriter {
  bytes = new Uint8Array(4096);
  view = new DataView(this.bytes.buffer);
  pos = 0;
  /** False once utf8() has written a string with a character outside ASCII (reset by the caller). */
  asciiOnly = true;

  reset(): void {
    this.pos = 0;
  }

  ensure(extra: number): void {
    const needed = this.pos + extra;
    if (needed <= this.bytes.length) return;
    let length = this.bytes.length * 2;
    while (length < needed) length *= 2;
    const next = new Uint8Array(length);
    next.set(this.bytes.subarray(0, this.pos));
    this.bytes = next;
    this.view = new DataView(next.buffer);
  }

  u8(value: number): void {
    this.ensure(1);
    this.bytes[this.pos++] = value;
  }

  i32(value: number): void {
    this.ensure(4);
    this.view.setInt32(this.pos, value, true);
    this.pos += 4;
  }

  /** A little-endian INT64 of an integer number within ±2^53. */
  i64(value: number): void {
    this.ensure(8);
    const high = Math.floor(value / 4_294_967_296);
    this.view.setUint32(this.pos, value - high * 4_294_967_296, true);
    this.view.setInt32(this.pos + 4, high, true);
    this.pos += 8;
  }

  varint(value: number): void {
    this.ensure(10);
    let rest = value;
    while (rest >= 0x80) {
      this.bytes[this.pos++] = (rest & 0x7f) | 0x80;
      rest = Math.floor(rest / 128);
    }
    this.bytes[this.pos++] = rest;
  }

  append(bytes: Uint8Array): void {
    this.ensure(bytes.length);
    this.bytes.set(bytes, this.pos);
    this.pos += bytes.length;
  }

  /** UTF-8 of `text` at the current position; returns its byte length. */
  utf8(text: string): number {
    const length = text.length;
    this.ensure(length * 3);
    const bytes = this.bytes;
    const start = this.pos;
    for (let index = 0; index < length; index += 1) {
      const code = text.charCodeAt(index);
      if (code >= 0x80) {
        this.asciiOnly = false;
        const written = textEncoder.encodeInto(text, bytes.subarray(start)).written;
        this.pos = start + written;
        return written;
      }
      bytes[start + index] = code;
    }
    this.pos = start + length;
    return length;
  }

  /** PLAIN BYTE_ARRAY: 4-byte length, then UTF-8. */
  lengthPrefixedUtf8(text: string): void {
    this.ensure(4);
    const at = this.pos;
    this.pos += 4;
    const length = this.utf8(text);
    this.view.setInt32(at, length, true);
  }

  result(): Uint8Array {
    return this.bytes.slice(0, this.pos);
  }
}

const textEncoder = new TextEncoder();

function utf8Bytes(text: string): Uint8Array {
  return textEncoder.encode(text);
}

/** Column names and the like recur in every footer: encode each once. */
const footerStrings = new Map<string, Uint8Array>();
function footerBytes(text: string): Uint8Array {
  let bytes = footerStrings.get(text);
  if (bytes === undefined) {
    bytes = utf8Bytes(text);
    if (footerStrings.size < 10_000) footerStrings.set(text, bytes);
  }
  return bytes;
}

// ---------------------------------------------------------------------------------------
// RLE / bit-packed hybrid (definition levels and dictionary indexes).

/**
 * Appends `count` values of `values` from `from` as an RLE/bit-packed hybrid of `bitWidth`:
 * runs of 8 or more equal values as RLE runs, the rest bit-packed in groups of 8.
 */
function writeHybrid(out: ByteWriter, values: ArrayLike<number>, from: number, count: number, bitWidth: number): void {
  const end = from + count;
  let packedStart = from;
  let index = from;
  while (index < end) {
    const value = values[index];
    let runEnd = index + 1;
    while (runEnd < end && values[runEnd] === value) runEnd += 1;
    const run = runEnd - index;
    if (run >= 8) {
      // Bit-packed runs hold whole groups of 8: borrow from this run to fill the last group.
      const pending = index - packedStart;
      const fill = (8 - (pending % 8)) % 8;
      if (run - fill >= 8) {
        if (pending + fill > 0) writeBitPacked(out, values, packedStart, pending + fill, bitWidth);
        writeRle(out, value, run - fill, bitWidth);
        packedStart = runEnd;
      }
    }
    index = runEnd;
  }
  if (packedStart < end) writeBitPacked(out, values, packedStart, end - packedStart, bitWidth);
}

function writeRle(out: ByteWriter, value: number, count: number, bitWidth: number): void {
  out.varint(count * 2);
  const width = (bitWidth + 7) >>> 3;
  out.ensure(width);
  for (let byte = 0; byte < width; byte += 1) out.bytes[out.pos++] = (value >>> (8 * byte)) & 0xff;
}

/** Bit-packs `count` values (padded with zeros to a multiple of 8), LSB first. */
function writeBitPacked(out: ByteWriter, values: ArrayLike<number>, from: number, count: number, bitWidth: number): void {
  const groups = Math.ceil(count / 8);
  out.varint(groups * 2 + 1);
  out.ensure(groups * bitWidth);
  const bytes = out.bytes;
  let pos = out.pos;
  let buffer = 0;
  let bits = 0;
  const end = from + groups * 8;
  const last = from + count;
  for (let index = from; index < end; index += 1) {
    const value = index < last ? values[index] : 0;
    buffer |= value << bits;
    bits += bitWidth;
    while (bits >= 8) {
      bytes[pos++] = buffer & 0xff;
      buffer >>>= 8;
      bits -= 8;
    }
  }
  out.pos = pos;
}

function bitWidthOf(maxValue: number): number {
  return maxValue === 0 ? 0 : 32 - Math.clz32(maxValue);
}

// ---------------------------------------------------------------------------------------
// Thrift compact protocol (only what the footer and page headers need).

const T = { TRUE: 1, FALSE: 2, I32: 5, I64: 6, BINARY: 8, LIST: 9, STRUCT: 12 } as const;

class ThriftWriter {
  private lastField: number[] = [];
  private last = 0;

  constructor(readonly out: ByteWriter) {}

  private header(id: number, type: number): void {
    const delta = id - this.last;
    if (delta > 0 && delta <= 15) this.out.u8((delta << 4) | type);
    else {
      this.out.u8(type);
      this.out.varint(zigzag(id));
    }
    this.last = id;
  }

  i32(id: number, value: number): void {
    this.header(id, T.I32);
    this.out.varint(zigzag(value));
  }

  i64(id: number, value: number): void {
    this.header(id, T.I64);
    this.out.varint(zigzag(value));
  }

  bool(id: number, value: boolean): void {
    this.header(id, value ? T.TRUE : T.FALSE);
  }

  binary(id: number, bytes: Uint8Array): void {
    this.header(id, T.BINARY);
    this.out.varint(bytes.length);
    this.out.append(bytes);
  }

  string(id: number, text: string): void {
    this.binary(id, footerBytes(text));
  }

  structBegin(id: number): void {
    this.header(id, T.STRUCT);
    this.push();
  }

  /** Begins a struct that is a list element (no field header). */
  elementBegin(): void {
    this.push();
  }

  structEnd(): void {
    this.out.u8(0);
    this.last = this.lastField.pop() ?? 0;
  }

  list(id: number, elementType: number, size: number): void {
    this.header(id, T.LIST);
    if (size < 15) this.out.u8((size << 4) | elementType);
    else {
      this.out.u8(0xf0 | elementType);
      this.out.varint(size);
    }
  }

  listI32(id: number, values: number[]): void {
    this.list(id, T.I32, values.length);
    for (const value of values) this.out.varint(zigzag(value));
  }

  listString(id: number, values: string[]): void {
    this.list(id, T.BINARY, values.length);
    for (const value of values) {
      const bytes = footerBytes(value);
      this.out.varint(bytes.length);
      this.out.append(bytes);
    }
  }

  private push(): void {
    this.lastField.push(this.last);
    this.last = 0;
  }
}

function zigzag(value: number): number {
  return value >= 0 ? value * 2 : -value * 2 - 1;
}

/**
 * zigzag for the delta encoder's values (epoch ms, beyond 31 bits): a function of its own so
 * its type feedback is doubles from the first call, and branch-free so a first negative delta
 * does not reach an operation without feedback (either would deoptimise the encoder).
 */
function zigzagWide(value: number): number {
  return Math.abs(value) * 2 - (value < 0 ? 1 : 0);
}

// ---------------------------------------------------------------------------------------
// Column chunks.

interface Statistics {
  nullCount: number;
  min?: Uint8Array;
  max?: Uint8Array;
  /** Also write the legacy min/max fields (sound for signed integer types only). */
  legacy: boolean;
}

interface ChunkMeta {
  column: WriterColumn;
  encodings: number[];
  numValues: number;
  uncompressed: number;
  compressed: number;
  dataPageOffset: number;
  dictionaryPageOffset: number | undefined;
  statistics: Statistics;
}

/** Scratch buffers reused between pages and files (the writer is synchronous). */
const pageBody = new ByteWriter();
const pageHeader = new ByteWriter();
let compressedScratch = new Uint8Array(4096);

function compress(codec: ParquetCodec, body: Uint8Array): Uint8Array {
  switch (codec) {
    case 'UNCOMPRESSED':
      return body;
    case 'GZIP':
      return gzipSync(body);
    case 'SNAPPY': {
      const bound = snappyMaxLength(body.length);
      if (compressedScratch.length < bound) compressedScratch = new Uint8Array(Math.max(bound, compressedScratch.length * 2));
      return compressedScratch.subarray(0, snappyCompressInto(body, compressedScratch, 0));
    }
  }
}

/** Writes one page (header, then the compressed body held in pageBody); returns [uncompressed, compressed] sizes incl. header. */
function writePage(
  out: ByteWriter,
  codec: ParquetCodec,
  type: number,
  writeSubHeader: (thrift: ThriftWriter) => void,
): [number, number] {
  const body = pageBody.bytes.subarray(0, pageBody.pos);
  const stored = compress(codec, body);
  pageHeader.reset();
  const thrift = new ThriftWriter(pageHeader);
  thrift.i32(1, type);
  thrift.i32(2, body.length);
  thrift.i32(3, stored.length);
  writeSubHeader(thrift);
  pageHeader.u8(0);
  out.append(pageHeader.bytes.subarray(0, pageHeader.pos));
  out.append(stored);
  return [pageHeader.pos + body.length, pageHeader.pos + stored.length];
}

function writeDataPage(out: ByteWriter, codec: ParquetCodec, numValues: number, encoding: number): [number, number] {
  return writePage(out, codec, PAGE_TYPE.DATA_PAGE, (thrift) => {
    thrift.structBegin(5);
    thrift.i32(1, numValues);
    thrift.i32(2, encoding);
    thrift.i32(3, ENCODING.RLE);
    thrift.i32(4, ENCODING.RLE);
    thrift.structEnd();
  });
}

/** Definition levels of rows [from, to) into pageBody, with the v1 length prefix. */
function writeDefinitionLevels(buffer: ColumnBuffer, from: number, to: number): void {
  const at = pageBody.pos;
  pageBody.i32(0);
  writeHybrid(pageBody, buffer.defs, from, to - from, 1);
  pageBody.view.setInt32(at, pageBody.pos - at - 4, true);
}

function writeColumnChunk(out: ByteWriter, buffer: ColumnBuffer, codec: ParquetCodec, pageRows: number): ChunkMeta {
  const { column } = buffer;
  const meta: ChunkMeta = {
    column,
    encodings: [ENCODING.PLAIN, ENCODING.RLE],
    numValues: buffer.rows,
    uncompressed: 0,
    compressed: 0,
    dataPageOffset: out.pos,
    dictionaryPageOffset: undefined,
    statistics: { nullCount: buffer.rows - buffer.present, legacy: false },
  };
  const add = ([uncompressed, compressed]: [number, number]) => {
    meta.uncompressed += uncompressed;
    meta.compressed += compressed;
  };
  const dictionary = column.type === 'STRING' ? dictionaryOf(buffer.strings) : undefined;
  pageBody.asciiOnly = true;
  if (dictionary) {
    meta.dictionaryPageOffset = out.pos;
    meta.encodings = [ENCODING.PLAIN, ENCODING.RLE, ENCODING.RLE_DICTIONARY];
    pageBody.reset();
    for (const value of dictionary.values) pageBody.lengthPrefixedUtf8(value);
    add(
      writePage(out, codec, PAGE_TYPE.DICTIONARY_PAGE, (thrift) => {
        thrift.structBegin(7);
        thrift.i32(1, dictionary.values.length);
        thrift.i32(2, ENCODING.PLAIN);
        thrift.structEnd();
      }),
    );
    meta.dataPageOffset = out.pos;
  }
  const delta = column.type === 'TIMESTAMP' && deltaFits(buffer);
  if (delta) meta.encodings = [ENCODING.PLAIN, ENCODING.RLE, ENCODING.DELTA_BINARY_PACKED];
  let value = 0;
  for (let from = 0; from < buffer.rows || from === 0; from += pageRows) {
    const to = Math.min(from + pageRows, buffer.rows);
    let present = 0;
    for (let row = from; row < to; row += 1) present += buffer.defs[row];
    pageBody.reset();
    writeDefinitionLevels(buffer, from, to);
    let encoding: number = ENCODING.PLAIN;
    if (dictionary) {
      pageBody.u8(dictionary.bitWidth);
      writeHybrid(pageBody, dictionary.indexes, value, present, dictionary.bitWidth);
      encoding = ENCODING.RLE_DICTIONARY;
    } else if (delta && present > 0) {
      writeDeltaBinaryPacked(pageBody, buffer.numbers, value, value + present);
      encoding = ENCODING.DELTA_BINARY_PACKED;
    } else {
      writePlainValues(buffer, value, value + present);
    }
    value += present;
    add(writeDataPage(out, codec, to - from, encoding));
    if (to >= buffer.rows) break;
  }
  meta.statistics = statisticsOf(buffer, dictionary?.values);
  return meta;
}

function writePlainValues(buffer: ColumnBuffer, from: number, to: number): void {
  const numbers = buffer.numbers;
  switch (buffer.column.type) {
    case 'STRING':
      for (let index = from; index < to; index += 1) pageBody.lengthPrefixedUtf8(buffer.strings[index]);
      return;
    case 'INT':
    case 'DATE': {
      pageBody.ensure((to - from) * 4);
      const view = pageBody.view;
      let pos = pageBody.pos;
      for (let index = from; index < to; index += 1, pos += 4) view.setInt32(pos, numbers[index], true);
      pageBody.pos = pos;
      return;
    }
    case 'TIMESTAMP': {
      pageBody.ensure((to - from) * 8);
      const view = pageBody.view;
      let pos = pageBody.pos;
      for (let index = from; index < to; index += 1, pos += 8) {
        const value = numbers[index];
        const high = Math.floor(value / 4_294_967_296);
        view.setUint32(pos, value - high * 4_294_967_296, true);
        view.setInt32(pos + 4, high, true);
      }
      pageBody.pos = pos;
      return;
    }
    case 'BOOLEAN': {
      const count = to - from;
      pageBody.ensure(Math.ceil(count / 8));
      const bytes = pageBody.bytes;
      const start = pageBody.pos;
      bytes.fill(0, start, start + Math.ceil(count / 8));
      for (let index = 0; index < count; index += 1) {
        if (numbers[from + index] !== 0) bytes[start + (index >>> 3)] |= 1 << (index & 7);
      }
      pageBody.pos = start + Math.ceil(count / 8);
      return;
    }
  }
}

// ---------------------------------------------------------------------------------------
// DELTA_BINARY_PACKED (TIMESTAMP columns: epoch ms that follow each other closely).

const DELTA_BLOCK = 128;
const DELTA_MINIBLOCKS = 4;
const DELTA_MINIBLOCK = DELTA_BLOCK / DELTA_MINIBLOCKS;
/** Deltas stay exact in doubles while the chunk's values span less than this. */
const DELTA_MAX_SPAN = 2 ** 51;

/** True when the chunk's values are close enough together for exact delta arithmetic in doubles. */
function deltaFits(buffer: ColumnBuffer): boolean {
  const numbers = buffer.numbers;
  const count = buffer.numberCount;
  if (count === 0) return false;
  let min = numbers[0];
  let max = numbers[0];
  for (let index = 1; index < count; index += 1) {
    const value = numbers[index];
    if (value < min) min = value;
    else if (value > max) max = value;
  }
  return max - min < DELTA_MAX_SPAN;
}

/** values[from, to) (at least one) as DELTA_BINARY_PACKED: blocks of 128 deltas in 4 miniblocks of 32. */
function writeDeltaBinaryPacked(out: ByteWriter, values: Float64Array, from: number, to: number): void {
  out.varint(DELTA_BLOCK);
  out.varint(DELTA_MINIBLOCKS);
  out.varint(to - from);
  out.varint(zigzagWide(values[from]));
  const deltas = deltaScratch;
  const widths = [0, 0, 0, 0];
  for (let start = from + 1; start < to; start += DELTA_BLOCK) {
    const end = Math.min(start + DELTA_BLOCK, to);
    const count = end - start;
    let minDelta = Infinity;
    for (let index = 0; index < count; index += 1) {
      const delta = values[start + index] - values[start + index - 1];
      deltas[index] = delta;
      if (delta < minDelta) minDelta = delta;
    }
    out.varint(zigzagWide(minDelta));
    for (let mini = 0; mini < DELTA_MINIBLOCKS; mini += 1) {
      let max = 0;
      for (let index = mini * DELTA_MINIBLOCK; index < Math.min((mini + 1) * DELTA_MINIBLOCK, count); index += 1) {
        const relative = deltas[index] - minDelta;
        deltas[index] = relative;
        if (relative > max) max = relative;
      }
      widths[mini] = mini * DELTA_MINIBLOCK < count ? bitsOf(max) : 0;
    }
    out.ensure(DELTA_MINIBLOCKS);
    for (let mini = 0; mini < DELTA_MINIBLOCKS; mini += 1) out.bytes[out.pos++] = widths[mini];
    for (let mini = 0; mini < DELTA_MINIBLOCKS && mini * DELTA_MINIBLOCK < count; mini += 1) {
      writeWidePacked(out, deltas, mini * DELTA_MINIBLOCK, Math.min((mini + 1) * DELTA_MINIBLOCK, count), DELTA_MINIBLOCK, widths[mini]);
    }
  }
}

const deltaScratch = new Float64Array(DELTA_BLOCK);

/** Bits needed for a non-negative integer below 2^53. */
function bitsOf(value: number): number {
  if (value < 4_294_967_296) return value === 0 ? 0 : 32 - Math.clz32(value);
  return 32 + bitsOf(Math.floor(value / 4_294_967_296));
}

/** Bit-packs values[from, to) padded with zeros to `slots` values, `width` bits each (up to 53), LSB first. */
function writeWidePacked(out: ByteWriter, values: Float64Array, from: number, to: number, slots: number, width: number): void {
  out.ensure(Math.ceil((slots * width) / 8));
  if (width === 0) return;
  const bytes = out.bytes;
  let pos = out.pos;
  let buffer = 0;
  let bits = 0;
  if (width <= 24) {
    // Narrow deltas (the usual case): each value fits the 32-bit buffer in one step.
    for (let index = from; index < from + slots; index += 1) {
      buffer |= (index < to ? values[index] : 0) << bits;
      bits += width;
      while (bits >= 8) {
        bytes[pos++] = buffer & 0xff;
        buffer >>>= 8;
        bits -= 8;
      }
    }
    out.pos = pos;
    return;
  }
  for (let index = from; index < from + slots; index += 1) {
    let rest = index < to ? values[index] : 0;
    let remaining = width;
    while (remaining > 0) {
      const take = remaining < 16 ? remaining : 16;
      const unit = 2 ** take;
      const part = rest % unit;
      rest = (rest - part) / unit;
      buffer |= part << bits;
      bits += take;
      remaining -= take;
      while (bits >= 8) {
        bytes[pos++] = buffer & 0xff;
        buffer >>>= 8;
        bits -= 8;
      }
    }
  }
  out.pos = pos;
}

const dictionaryPositions = new Map<string, number>();
let dictionaryIndexes = new Uint32Array(1024);

interface Dictionary {
  values: string[];
  indexes: Uint32Array;
  bitWidth: number;
}

/** A dictionary of the chunk's strings, or undefined when PLAIN is smaller (or as small). */
function dictionaryOf(strings: string[]): Dictionary | undefined {
  const count = strings.length;
  if (count < 2) return undefined;
  const maxEntries = Math.max(1, Math.floor(count * DICTIONARY_MAX_SHARE));
  // The map and the index buffer are reused: a dictionary is consumed before the next chunk's is built.
  const positions = dictionaryPositions;
  positions.clear();
  const values: string[] = [];
  if (dictionaryIndexes.length < count) dictionaryIndexes = new Uint32Array(Math.max(count, dictionaryIndexes.length * 2));
  const indexes = dictionaryIndexes;
  let plainBytes = 0;
  let dictionaryBytes = 0;
  for (let index = 0; index < count; index += 1) {
    const value = strings[index];
    plainBytes += 4 + value.length;
    let position = positions.get(value);
    if (position === undefined) {
      if (values.length === maxEntries) return undefined;
      // Unique-ish columns (event ids, change sequence numbers) show it early: stop there.
      if (index === UNIQUE_PROBE && values.length > UNIQUE_PROBE_MAX_DISTINCT) return undefined;
      position = values.length;
      positions.set(value, position);
      values.push(value);
      dictionaryBytes += 4 + value.length;
    }
    indexes[index] = position;
  }
  const bitWidth = Math.max(1, bitWidthOf(values.length - 1));
  // Index bytes before RLE: an upper bound, so a dictionary chosen here is never worse.
  if (dictionaryBytes + Math.ceil((count * bitWidth) / 8) + 8 >= plainBytes) return undefined;
  return { values, indexes, bitWidth };
}

// ---------------------------------------------------------------------------------------
// Statistics.

function statisticsOf(buffer: ColumnBuffer, distinct: string[] | undefined): Statistics {
  const statistics: Statistics = { nullCount: buffer.rows - buffer.present, legacy: false };
  if (buffer.present === 0) return statistics;
  const numbers = buffer.numbers;
  switch (buffer.column.type) {
    case 'STRING': {
      const strings = distinct ?? buffer.strings;
      let min = strings[0];
      let max = strings[0];
      if (pageBody.asciiOnly) {
        // Every string of the chunk went through the writer as ASCII: there UTF-16 order is
        // UTF-8 order, and the engine's own comparison is the fast one.
        for (let index = 1; index < strings.length; index += 1) {
          const value = strings[index];
          if (value < min) min = value;
          else if (value > max) max = value;
        }
      } else {
        for (let index = 1; index < strings.length; index += 1) {
          const value = strings[index];
          if (compareUtf8(value, min) < 0) min = value;
          else if (compareUtf8(value, max) > 0) max = value;
        }
      }
      const minBytes = utf8Bytes(min);
      const maxBytes = utf8Bytes(max);
      if (minBytes.length <= MAX_STAT_BYTES && maxBytes.length <= MAX_STAT_BYTES) {
        statistics.min = minBytes;
        statistics.max = maxBytes;
      }
      return statistics;
    }
    case 'INT':
    case 'DATE':
    case 'TIMESTAMP':
    case 'BOOLEAN': {
      let min = numbers[0];
      let max = numbers[0];
      for (let index = 1; index < buffer.present; index += 1) {
        const value = numbers[index];
        if (value < min) min = value;
        else if (value > max) max = value;
      }
      statistics.min = physicalBytes(buffer.column.type, min);
      statistics.max = physicalBytes(buffer.column.type, max);
      statistics.legacy = buffer.column.type !== 'BOOLEAN';
      return statistics;
    }
  }
}

function physicalBytes(type: LakeType, value: number): Uint8Array {
  if (type === 'BOOLEAN') return Uint8Array.of(value);
  const bytes = new Uint8Array(type === 'TIMESTAMP' ? 8 : 4);
  const view = new DataView(bytes.buffer);
  if (type === 'TIMESTAMP') {
    const high = Math.floor(value / 4_294_967_296);
    view.setUint32(0, value - high * 4_294_967_296, true);
    view.setInt32(4, high, true);
  } else {
    view.setInt32(0, value, true);
  }
  return bytes;
}

/**
 * Compares strings in the order of their UTF-8 bytes (= code point order), which Parquet's
 * TYPE_ORDER prescribes for BYTE_ARRAY; JS `<` compares UTF-16 units and differs on
 * characters above U+FFFF against U+E000–U+FFFF.
 */
export function compareUtf8(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let index = 0; index < length; index += 1) {
    let x = a.charCodeAt(index);
    let y = b.charCodeAt(index);
    if (x === y) continue;
    if (x >= 0xd800 && y >= 0xd800) {
      // Surrogates (D800–DFFF) stand for code points above FFFF: move them above E000–FFFF.
      x = x < 0xe000 ? x + 0x2000 : x - 0x800;
      y = y < 0xe000 ? y + 0x2000 : y - 0x800;
    }
    return x - y;
  }
  return a.length - b.length;
}

// ---------------------------------------------------------------------------------------
// The file.

/** Writes a Parquet file of the given columns (all of the same row count, at least 1). */
export function writeParquet(columns: WriterColumn[], buffers: ColumnBuffer[], options: WriterOptions = {}): Uint8Array {
  const codec = options.codec ?? DEFAULT_CODEC;
  const pageRows = options.pageRows ?? DEFAULT_PAGE_ROWS;
  const rows = buffers[0]?.rows ?? 0;
  if (rows === 0) throw new Error('writeParquet: no rows');
  for (const buffer of buffers) {
    if (buffer.rows !== rows) throw new Error(`writeParquet: column ${buffer.column.name} has ${buffer.rows} rows, not ${rows}`);
  }
  const out = fileWriter;
  out.reset();
  out.ensure(estimateSize(buffers));
  out.append(MAGIC);
  const chunks = buffers.map((buffer) => writeColumnChunk(out, buffer, codec, pageRows));
  const footerStart = out.pos;
  writeFooter(new ThriftWriter(out), columns, chunks, rows, codec, options.createdBy ?? LAKE_WRITER_CREATED_BY);
  out.i32(out.pos - footerStart);
  out.append(MAGIC);
  return out.result();
}

const MAGIC = new Uint8Array([0x50, 0x41, 0x52, 0x31]); // PAR1
/** The file is assembled here, then copied out once (the writer is synchronous). */
const fileWriter = new ByteWriter();

function estimateSize(buffers: ColumnBuffer[]): number {
  let bytes = 1024;
  for (const buffer of buffers) bytes += 64 + buffer.rows + buffer.present * (buffer.column.type === 'STRING' ? 24 : 8);
  return bytes;
}

function writeFooter(
  thrift: ThriftWriter,
  columns: WriterColumn[],
  chunks: ChunkMeta[],
  rows: number,
  codec: ParquetCodec,
  createdBy: string,
): void {
  // FileMetaData
  thrift.i32(1, 1); // version
  thrift.list(2, T.STRUCT, columns.length + 1);
  thrift.elementBegin();
  thrift.string(4, 'root');
  thrift.i32(5, columns.length);
  thrift.structEnd();
  for (const column of columns) writeSchemaElement(thrift, column);
  thrift.i64(3, rows);
  thrift.list(4, T.STRUCT, 1);
  thrift.elementBegin(); // RowGroup
  thrift.list(1, T.STRUCT, chunks.length);
  let totalUncompressed = 0;
  let totalCompressed = 0;
  for (const chunk of chunks) {
    totalUncompressed += chunk.uncompressed;
    totalCompressed += chunk.compressed;
    writeColumnChunkMeta(thrift, chunk, codec);
  }
  thrift.i64(2, totalUncompressed);
  thrift.i64(3, rows);
  const first = chunks[0];
  thrift.i64(5, first.dictionaryPageOffset ?? first.dataPageOffset);
  thrift.i64(6, totalCompressed);
  thrift.structEnd();
  thrift.string(6, createdBy);
  // ColumnOrder: TYPE_ORDER for every leaf, so readers trust min_value/max_value of strings.
  thrift.list(7, T.STRUCT, columns.length);
  for (let index = 0; index < columns.length; index += 1) {
    thrift.elementBegin();
    thrift.structBegin(1);
    thrift.structEnd();
    thrift.structEnd();
  }
  thrift.out.u8(0);
}

function writeSchemaElement(thrift: ThriftWriter, column: WriterColumn): void {
  thrift.elementBegin();
  thrift.i32(1, PHYSICAL_OF[column.type]);
  thrift.i32(3, OPTIONAL);
  thrift.string(4, column.name);
  switch (column.type) {
    case 'STRING':
      thrift.i32(6, CONVERTED.UTF8);
      thrift.structBegin(10); // LogicalType
      thrift.structBegin(1); // STRING
      thrift.structEnd();
      thrift.structEnd();
      break;
    case 'DATE':
      thrift.i32(6, CONVERTED.DATE);
      thrift.structBegin(10);
      thrift.structBegin(6); // DATE
      thrift.structEnd();
      thrift.structEnd();
      break;
    case 'TIMESTAMP':
      thrift.i32(6, CONVERTED.TIMESTAMP_MILLIS);
      thrift.structBegin(10);
      thrift.structBegin(8); // TIMESTAMP
      thrift.bool(1, true); // isAdjustedToUTC
      thrift.structBegin(2); // unit
      thrift.structBegin(1); // MILLIS
      thrift.structEnd();
      thrift.structEnd();
      thrift.structEnd();
      thrift.structEnd();
      break;
    case 'INT':
    case 'BOOLEAN':
      break;
  }
  thrift.structEnd();
}

function writeColumnChunkMeta(thrift: ThriftWriter, chunk: ChunkMeta, codec: ParquetCodec): void {
  thrift.elementBegin(); // ColumnChunk
  thrift.i64(2, chunk.dictionaryPageOffset ?? chunk.dataPageOffset); // file_offset: where the chunk starts
  thrift.structBegin(3); // ColumnMetaData
  thrift.i32(1, PHYSICAL_OF[chunk.column.type]);
  thrift.listI32(2, chunk.encodings);
  thrift.listString(3, [chunk.column.name]);
  thrift.i32(4, CODEC_ID[codec]);
  thrift.i64(5, chunk.numValues);
  thrift.i64(6, chunk.uncompressed);
  thrift.i64(7, chunk.compressed);
  thrift.i64(9, chunk.dataPageOffset);
  if (chunk.dictionaryPageOffset !== undefined) thrift.i64(11, chunk.dictionaryPageOffset);
  const statistics = chunk.statistics;
  thrift.structBegin(12); // Statistics
  if (statistics.legacy && statistics.max && statistics.min) {
    thrift.binary(1, statistics.max);
    thrift.binary(2, statistics.min);
  }
  thrift.i64(3, statistics.nullCount);
  if (statistics.max && statistics.min) {
    thrift.binary(5, statistics.max);
    thrift.binary(6, statistics.min);
  }
  thrift.structEnd();
  thrift.structEnd();
  thrift.structEnd();
}
