import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import fc from 'fast-check';
import { parquetMetadata, snappyUncompress } from 'hyparquet';
import type { LakeRowValues, LakeValue } from '../../lambdas/core/change-records';
import type { LakeColumn, LakeTable, LakeType } from '../../lambdas/core/lake-columns';
import { decodeLakeParquet, encodeLakeParquet } from '../../lambdas/core/parquet';
import { snappyCompress } from '../../lambdas/core/parquet-snappy';
import { compareUtf8, type ParquetCodec } from '../../lambdas/core/parquet-writer';

/** A table with every lake type, twice for strings: one low-cardinality (dictionary), one unique-ish (plain). */
const COLUMNS: [string, LakeType][] = [
  ['kind', 'STRING'],
  ['text', 'STRING'],
  ['number', 'INT'],
  ['flag', 'BOOLEAN'],
  ['day', 'DATE'],
  ['time', 'TIMESTAMP'],
];
const TABLE = {
  name: 'enrollments',
  description: 'test table',
  eventType: 'enrollment',
  columns: COLUMNS.map(([name, type]): LakeColumn => ({ name, type, description: '', source: name })),
} as LakeTable;

const MS_PER_DAY = 86_400_000;
const CODECS: ParquetCodec[] = ['UNCOMPRESSED', 'SNAPPY', 'GZIP'];

function row(values: Partial<Record<string, LakeValue>>): LakeRowValues {
  return { kind: null, text: null, number: null, flag: null, day: null, time: null, ...values };
}

function metadataOf(bytes: Uint8Array) {
  return parquetMetadata(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
}

describe('the lake Parquet writer, read back by hyparquet and DuckDB', () => {
  let dir: string;
  let instance: DuckDBInstance;
  let connection: DuckDBConnection;
  let fileNumber = 0;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'iop-parquet-writer-'));
    instance = await DuckDBInstance.create(':memory:');
    connection = await instance.connect();
    await connection.run("SET TimeZone = 'UTC'");
  });

  afterAll(() => {
    connection.closeSync();
    instance.closeSync();
    rmSync(dir, { recursive: true, force: true });
  });

  function fileOf(bytes: Uint8Array): string {
    fileNumber += 1;
    const path = join(dir, `file-${fileNumber}.parquet`);
    writeFileSync(path, bytes);
    return path;
  }

  /** DuckDB's reading of a file, as lake row values (DATE and TIMESTAMP as Date), in file order. */
  async function duckRows(bytes: Uint8Array, table: LakeTable = TABLE): Promise<LakeRowValues[]> {
    const select = table.columns.map((column) => {
      const name = `"${column.name}"`;
      if (column.type === 'DATE') return `CAST(${name} - DATE '1970-01-01' AS BIGINT) AS ${name}`;
      if (column.type === 'TIMESTAMP') return `epoch_ms(${name}) AS ${name}`;
      return name;
    });
    const reader = await connection.runAndReadAll(
      `SELECT ${select.join(', ')} FROM read_parquet('${fileOf(bytes)}', file_row_number = true) ORDER BY file_row_number`,
    );
    return reader.getRowObjectsJS().map((found) => {
      const values: LakeRowValues = {};
      for (const column of table.columns) {
        const value = found[column.name];
        if (value === null) values[column.name] = null;
        else if (column.type === 'DATE') values[column.name] = new Date(Number(value) * MS_PER_DAY);
        else if (column.type === 'TIMESTAMP') values[column.name] = new Date(Number(value));
        else values[column.name] = value as LakeValue;
      }
      return values;
    });
  }

  /** hyparquet reads SNAPPY and UNCOMPRESSED only (GZIP needs hyparquet-compressors); DuckDB reads all three. */
  async function expectBothReaders(bytes: Uint8Array, rows: LakeRowValues[], codec: ParquetCodec = 'SNAPPY'): Promise<void> {
    if (codec === 'GZIP') await expect(decodeLakeParquet(bytes)).rejects.toThrow(/unsupported compression codec: GZIP/);
    else expect(await decodeLakeParquet(bytes)).toEqual(rows);
    expect(await duckRows(bytes)).toEqual(rows);
  }

  it.each(CODECS)('should round-trip every type, nulls and edge values with %s', async (codec) => {
    // Prepare
    const rows = [
      row({ kind: 'a', text: '', number: 2_147_483_647, flag: true, day: new Date('1969-12-31T00:00:00Z'), time: new Date('1969-12-31T23:59:59.999Z') }),
      row({ kind: 'a', text: 'naïve 東京 🚑 ü', number: -2_147_483_648, flag: false, day: new Date('1900-03-01T00:00:00Z'), time: new Date('2026-11-29T12:34:56.789Z') }),
      row({}),
      row({ kind: 'b', text: 'x'.repeat(20_000), number: 0, flag: true, day: new Date('2024-02-29T00:00:00Z'), time: new Date(0) }),
      row({ kind: 'a', text: '\u0000 and \uffff and \ud83d\ude91', number: -1, day: new Date('0001-01-01T00:00:00Z'), time: new Date('9999-12-31T23:59:59.999Z') }),
    ];

    // Act
    const bytes = encodeLakeParquet(TABLE, rows, { codec });

    // Assess
    await expectBothReaders(bytes, rows, codec);
    const chunks = metadataOf(bytes).row_groups[0].columns;
    expect(new Set(chunks.map((chunk) => chunk.meta_data?.codec))).toEqual(new Set([codec]));
  });

  it('should write one row, and all-null columns, readable by both', async () => {
    const one = [row({ kind: 'only' })];
    await expectBothReaders(encodeLakeParquet(TABLE, one), one);
    const nulls = Array.from({ length: 40 }, () => row({}));
    await expectBothReaders(encodeLakeParquet(TABLE, nulls), nulls);
  });

  it('should write many rows over several DATA_PAGE (v1) pages with one dictionary, and plain pages for unique strings', async () => {
    // Prepare
    const rows = Array.from({ length: 2_500 }, (_, index) =>
      row({
        kind: index % 97 === 0 ? null : `clinic-${index % 7}`,
        text: `event-${index}`,
        number: index % 13 === 0 ? null : index * 1_000,
        flag: index % 3 === 0,
        day: new Date((index - 1_000) * MS_PER_DAY),
        time: index % 11 === 0 ? null : new Date(1_700_000_000_000 + index * 37),
      }),
    );

    // Act
    const bytes = encodeLakeParquet(TABLE, rows, { pageRows: 300 });

    // Assess
    await expectBothReaders(bytes, rows);
    const chunks = metadataOf(bytes).row_groups[0].columns.map((chunk) => chunk.meta_data!);
    const kind = chunks[0];
    expect(kind.encodings).toContain('RLE_DICTIONARY');
    expect(kind.dictionary_page_offset).toBeDefined();
    expect(chunks[1].encodings).not.toContain('RLE_DICTIONARY');
    for (const chunk of chunks) {
      const pages = pageTypes(bytes, Number(chunk.dictionary_page_offset ?? chunk.data_page_offset), Number(chunk.total_compressed_size));
      const dataPages = Array.from({ length: 9 }, () => 'DATA_PAGE');
      expect(pages).toEqual(chunk === kind ? ['DICTIONARY_PAGE', ...dataPages] : dataPages);
    }
  });

  it('should write column statistics DuckDB reads: null counts, integer, date and timestamp bounds, strings in UTF-8 byte order', async () => {
    // Prepare: U+FF5E sorts before U+1F691 in UTF-8 (and code points), after it in UTF-16 units.
    const rows = [
      row({ kind: '\uff5e', text: 'b', number: 5, day: new Date('2020-01-02T00:00:00Z'), time: new Date(1_000) }),
      row({ kind: '\ud83d\ude91', text: 'a', number: -7, day: new Date('1960-05-06T00:00:00Z'), time: new Date(-5) }),
      row({ kind: 'A', number: 12 }),
      row({}),
    ];
    const bytes = encodeLakeParquet(TABLE, rows);

    // Act
    const reader = await connection.runAndReadAll(
      `SELECT path_in_schema AS name, stats_min_value AS min, stats_max_value AS max, stats_null_count AS nulls FROM parquet_metadata('${fileOf(bytes)}')`,
    );
    const stats = Object.fromEntries(reader.getRowObjectsJS().map((found) => [found.name, found]));

    // Assess
    expect(stats.kind).toMatchObject({ min: 'A', max: '\ud83d\ude91', nulls: 1n });
    expect(stats.text).toMatchObject({ min: 'a', max: 'b', nulls: 2n });
    expect(stats.number).toMatchObject({ min: '-7', max: '12', nulls: 1n });
    expect(stats.day).toMatchObject({ min: '1960-05-06', max: '2020-01-02', nulls: 2n });
    expect(stats.flag).toMatchObject({ nulls: 4n });
    expect(String(stats.time.min)).toMatch(/^1969-12-31 23:59:59\.995/);
    expect(String(stats.time.max)).toMatch(/^1970-01-01 00:00:01/);
    // Pruning: DuckDB skips the file for a predicate outside the bounds and still answers correctly.
    const filtered = await connection.runAndReadAll(`SELECT count(*) AS n FROM read_parquet('${fileOf(bytes)}') WHERE number > 12`);
    expect(Number(filtered.getRowObjectsJS()[0].n)).toBe(0);
  });

  it('should write timestamps DELTA_BINARY_PACKED, and PLAIN when their span is too wide for exact deltas', async () => {
    // Prepare: close timestamps over several blocks (129+ values), with nulls and a step back in time.
    const close = Array.from({ length: 700 }, (_, index) =>
      row({ time: index % 50 === 7 ? null : new Date(1_782_867_600_000 + index * 3 - (index === 300 ? 100_000 : 0) + (index % 97) * 2 ** 40) }),
    );
    const wide = [row({ time: new Date(-8.64e15) }), row({ time: new Date(8.64e15) }), row({ time: new Date(0) })];

    // Act
    const closeBytes = encodeLakeParquet(TABLE, close, { pageRows: 256 });
    const wideBytes = encodeLakeParquet(TABLE, wide);

    // Assess
    await expectBothReaders(closeBytes, close);
    await expectBothReaders(wideBytes, wide);
    const encodingsOf = (bytes: Uint8Array) => metadataOf(bytes).row_groups[0].columns[5].meta_data!.encodings;
    expect(encodingsOf(closeBytes)).toContain('DELTA_BINARY_PACKED');
    expect(encodingsOf(wideBytes)).not.toContain('DELTA_BINARY_PACKED');
  });

  it('should give the same bytes for the same rows', () => {
    const rows = Array.from({ length: 50 }, (_, index) => row({ kind: `k${index % 4}`, text: `t${index}`, number: index }));
    expect(encodeLakeParquet(TABLE, rows)).toEqual(encodeLakeParquet(TABLE, rows.map((entry) => ({ ...entry }))));
  });

  it('should read back any rows exactly, whatever the codec and page size (property)', async () => {
    const text = fc.oneof(fc.constantFrom('', 'a', 'b', 'ü', 'client-1'), fc.string({ unit: 'binary', maxLength: 40 }), fc.string({ maxLength: 400 }));
    const anyRow = fc.record({
      kind: fc.option(fc.constantFrom('INSERT', 'MODIFY', 'REMOVE', ''), { nil: null }),
      text: fc.option(text, { nil: null }),
      number: fc.option(fc.integer({ min: -2_147_483_648, max: 2_147_483_647 }), { nil: null }),
      flag: fc.option(fc.boolean(), { nil: null }),
      day: fc.option(
        fc.integer({ min: -719_162, max: 2_932_896 }).map((days) => new Date(days * MS_PER_DAY)),
        { nil: null },
      ),
      time: fc.option(
        fc.integer({ min: -62_135_596_800_000, max: 253_402_300_799_999 }).map((ms) => new Date(ms)),
        { nil: null },
      ),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.array(anyRow, { minLength: 1, maxLength: 200 }),
        fc.constantFrom(...CODECS),
        fc.integer({ min: 1, max: 64 }),
        async (rows, codec, pageRows) => {
          const bytes = encodeLakeParquet(TABLE, rows, { codec, pageRows });
          await expectBothReaders(bytes, rows, codec);
        },
      ),
      { numRuns: 60 },
    );
  });
});

/** The page types of a column chunk, walking its page headers (Thrift compact; page headers hold only i32 fields and structs). */
function pageTypes(bytes: Uint8Array, start: number, length: number): string[] {
  const types: string[] = [];
  let at = start;
  const varint = () => {
    let value = 0;
    let shift = 0;
    for (;;) {
      const byte = bytes[at++];
      value += (byte & 0x7f) * 2 ** shift;
      shift += 7;
      if (byte < 0x80) return value;
    }
  };
  const fields = (): Map<number, number> => {
    const found = new Map<number, number>();
    let id = 0;
    for (;;) {
      const header = bytes[at++];
      if (header === 0) return found;
      id += header >> 4;
      if ((header & 0x0f) === 5) found.set(id, varint() / 2);
      else if ((header & 0x0f) === 12) fields();
      else throw new Error(`unexpected field type ${header & 0x0f}`);
    }
  };
  while (at < start + length) {
    const header = fields();
    types.push(['DATA_PAGE', 'INDEX_PAGE', 'DICTIONARY_PAGE', 'DATA_PAGE_V2'][header.get(1)!]);
    at += header.get(3)!;
  }
  return types;
}

describe('snappyCompress', () => {
  it('should give what a snappy decoder restores, for any bytes and for long repetitive input', () => {
    const check = (input: Uint8Array) => {
      const compressed = snappyCompress(input);
      const output = new Uint8Array(input.length);
      snappyUncompress(compressed, output);
      expect(output).toEqual(input);
      return compressed;
    };
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 2_000 }), fc.array(fc.constantFrom(0, 1, 48, 49), { maxLength: 3_000 }).map((bytes) => Uint8Array.from(bytes))), (input) => {
        check(input);
      }),
    );
    const repetitive = new TextEncoder().encode('0000000000000000000000000000000000012345,'.repeat(5_000));
    expect(check(repetitive).length).toBeLessThan(repetitive.length / 10);
  });

  it('should restore a back-reference of every length from 4 to 300 (copies of 64, of 60 for 65–67 left, and the rest)', () => {
    // 400 pseudo-random bytes, then their first `length` bytes again, then a byte that ends the match.
    let state = 12345;
    const source = Uint8Array.from({ length: 400 }, () => (state = (Math.imul(state, 1103515245) + 12345) >>> 0) >>> 24);
    for (let length = 4; length <= 300; length += 1) {
      const input = new Uint8Array(400 + length + 20);
      input.set(source);
      input.set(source.subarray(0, length), 400);
      for (let index = 400 + length; index < input.length; index += 1) input[index] = source[(index * 7) % 400] ^ 0x5a;
      input[400 + length] = source[length] ^ 0xff;
      const compressed = snappyCompress(input);
      const output = new Uint8Array(input.length);
      snappyUncompress(compressed, output);
      expect(output).toEqual(input);
      if (length >= 64) expect(compressed.length).toBeLessThan(input.length - length + 40);
    }
  });
});

describe('compareUtf8', () => {
  it('should order strings as their UTF-8 bytes do', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.string({ unit: 'binary' }), (a, b) => {
        const bytes = Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
        expect(Math.sign(compareUtf8(a, b))).toBe(bytes);
      }),
    );
  });
});
