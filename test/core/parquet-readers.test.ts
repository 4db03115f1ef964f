/**
 * A third, independent reader of the lake's Parquet files: arrow-rs, the Rust Arrow
 * implementation's parquet crate (strict about the spec), through parquet-wasm. The other
 * tests read the files back with hyparquet (JS) and DuckDB (C++); nothing here can run Athena
 * (Trino), so readers that share no code agreeing is the best offline evidence that the files
 * follow the spec.
 *
 * Every check compares what arrow-rs reads with the rows that were written (never with another
 * reader's output), and the Arrow types it derives from the file's schema with the types the
 * lake declares: STRING → Utf8, INT → Int32, BOOLEAN → Bool, DATE → Date32 (days),
 * TIMESTAMP → Timestamp(ms, UTC). Only the public functions of lambdas/core/parquet.ts are
 * used, so this keeps checking whichever writer is committed. The rows come from the real
 * stream mapping (mapStreamRecord), for every lake table; and the files the stream Lambda's
 * delivery writes (deliverChanges, its fast path included) are read and checked the same way.
 */
import { type Data, DataType, DateUnit, type Table as ArrowTable, TimeUnit, tableFromIPC } from 'apache-arrow';
import fc from 'fast-check';
import { readParquet } from 'parquet-wasm';
import { changeSeq, type LakeRowValues, mapStreamRecord, mapStreamRecordPhysical, rowsOfItem } from '../../lambdas/core/change-records';
import { deliverChanges } from '../../lambdas/core/deliver-changes';
import { EVENT_DATE_FIELD, type EventType } from '../../lambdas/core/event-schema';
import { LAKE_TABLES, type LakeColumn, type LakeTable, type LakeTableName, type LakeType, lakeTable } from '../../lambdas/core/lake-columns';
import { encodeLakeParquet } from '../../lambdas/core/parquet';
import { type ChangeSpec, streamRecord } from '../support/lake-fixtures';
import { MemoryObjectStore } from '../support/memory-object-store';

type EncodeOptions = NonNullable<Parameters<typeof encodeLakeParquet>[2]>;
type Codec = NonNullable<EncodeOptions['codec']>;

const MS_PER_DAY = 86_400_000;
const FIRST_DAY = -719_162; // 0001-01-01, the first day a YYYY-MM-DD date can name
const LAST_DAY = 2_932_896; // 9999-12-31
const FIRST_MS = FIRST_DAY * MS_PER_DAY;
const LAST_MS = (LAST_DAY + 1) * MS_PER_DAY - 1;
const INT32_MAX = 2_147_483_647;
const CODECS: Codec[] = ['UNCOMPRESSED', 'SNAPPY', 'GZIP'];

// ---------------------------------------------------------------------------------------
// Reading with arrow-rs, and comparing with the written rows.

/** Reads a Parquet file with arrow-rs (parquet-wasm) into an apache-arrow Table via the Arrow IPC stream. */
function readWithArrowRs(bytes: Uint8Array, what: string, batchSize?: number): ArrowTable {
  let ipc: Uint8Array;
  try {
    ipc = readParquet(bytes, batchSize === undefined ? undefined : { batchSize }).intoIPCStream();
  } catch (error) {
    throw new Error(`arrow-rs (parquet-wasm) rejected the ${what} file (${bytes.length} bytes): ${String(error)}`, { cause: error });
  }
  return tableFromIPC(ipc);
}

/** The Arrow type arrow-rs must derive from each lake type's Parquet schema element; undefined when it does. */
function typeProblem(type: LakeType, arrow: DataType): string | undefined {
  switch (type) {
    case 'STRING':
      return DataType.isUtf8(arrow) ? undefined : 'Utf8 (BYTE_ARRAY annotated STRING/UTF8)';
    case 'INT':
      return DataType.isInt(arrow) && arrow.bitWidth === 32 && arrow.isSigned ? undefined : 'Int32 (INT32 without annotation)';
    case 'BOOLEAN':
      return DataType.isBool(arrow) ? undefined : 'Bool';
    case 'DATE':
      return DataType.isDate(arrow) && arrow.unit === DateUnit.DAY ? undefined : 'Date32 in days (INT32 annotated DATE)';
    case 'TIMESTAMP':
      return DataType.isTimestamp(arrow) && arrow.unit === TimeUnit.MILLISECOND && (arrow.timezone === 'UTC' || arrow.timezone === '+00:00')
        ? undefined
        : 'Timestamp(ms, UTC) (INT64 annotated TIMESTAMP(MILLIS, isAdjustedToUTC=true))';
  }
}

type Stored = string | number | boolean | bigint | null;

/** What the file must hold for a written value, in the Arrow column's storage terms (DATE in days, TIMESTAMP in ms). */
function storedForm(type: LakeType, value: LakeRowValues[string] | undefined): Stored {
  if (value === null || value === undefined) return null;
  if (type === 'DATE') {
    const days = (value as Date).getTime() / MS_PER_DAY;
    if (!Number.isInteger(days)) throw new Error(`the mapping gave a DATE that is not a UTC midnight: ${(value as Date).toISOString()}`);
    return days;
  }
  if (type === 'TIMESTAMP') return BigInt((value as Date).getTime());
  return value as string | number | boolean;
}

/**
 * One value of an Arrow column chunk read from its buffers: the UTF-8 bytes of a string
 * (compared as bytes, so a decoder's replacement character cannot hide a bad byte), the bit
 * of a boolean, the Int32 of an INT or of a Date32 (days), the Int64 of a Timestamp (ms).
 */
function arrowValue(type: LakeType, data: Data, index: number): Buffer | number | boolean | bigint | null {
  if (!data.getValid(index)) return null;
  if (type === 'STRING') {
    const offsets = data.valueOffsets as Int32Array;
    return Buffer.from((data.values as Uint8Array).subarray(offsets[index], offsets[index + 1]));
  }
  if (type === 'BOOLEAN') {
    const bit = data.offset + index;
    return (((data.values as Uint8Array)[bit >> 3] >> (bit & 7)) & 1) === 1;
  }
  return (data.values as ArrayLike<number | bigint>)[index];
}

function sameValue(wrote: Stored, read: ReturnType<typeof arrowValue>): boolean {
  if (typeof wrote === 'string') return Buffer.isBuffer(read) && read.equals(Buffer.from(wrote, 'utf8'));
  return wrote === read;
}

function shown(value: unknown): string {
  if (Buffer.isBuffer(value)) return `${shown(value.toString('utf8'))} (UTF-8 ${value.length} bytes)`;
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'string' && value.length > 60) return `${JSON.stringify(value.slice(0, 60))}… (${value.length} chars)`;
  return JSON.stringify(value) ?? String(value);
}

/**
 * Everything arrow-rs reads differently from what was written: the column names and order,
 * each column's Arrow type and nullability, the row count, then up to five values per column
 * (naming table, column, lake type, row, written and read values). Empty when they agree.
 */
function arrowDisagreements(table: LakeTable, rows: LakeRowValues[], arrow: ArrowTable): string[] {
  const problems: string[] = [];
  const fields = arrow.schema.fields;
  const names = fields.map((field) => field.name);
  const expectedNames = table.columns.map((column) => column.name);
  if (names.join(',') !== expectedNames.join(',')) problems.push(`${table.name}: arrow-rs read the columns [${names}], the table declares [${expectedNames}]`);
  if (arrow.numRows !== rows.length) problems.push(`${table.name}: arrow-rs read ${arrow.numRows} rows, ${rows.length} were written`);
  table.columns.forEach((column: LakeColumn) => {
    const at = names.indexOf(column.name);
    if (at < 0) return;
    const field = fields[at];
    const where = `${table.name}.${column.name} (${column.type})`;
    const wrongType = typeProblem(column.type, field.type);
    if (wrongType) {
      problems.push(`${where}: arrow-rs derived the Arrow type ${String(field.type)}, expected ${wrongType}`);
      return;
    }
    if (!field.nullable) problems.push(`${where}: arrow-rs read a non-nullable field; lake columns are OPTIONAL`);
    const vector = arrow.getChildAt(at)!;
    let row = 0;
    let wrong = 0;
    for (const data of vector.data) {
      for (let index = 0; index < data.length && row < rows.length; index += 1, row += 1) {
        const wrote = storedForm(column.type, rows[row][column.name]);
        const read = arrowValue(column.type, data, index);
        if (sameValue(wrote, read)) continue;
        wrong += 1;
        if (wrong <= 5) problems.push(`${where} row ${row}: wrote ${shown(wrote)}, arrow-rs read ${shown(read)}`);
      }
    }
    if (wrong > 5) problems.push(`${where}: ${wrong - 5} more rows differ`);
  });
  return problems;
}

/** Encodes the rows with encodeLakeParquet and expects arrow-rs to read exactly them, with the declared types. */
function expectArrowRsReads(table: LakeTable, rows: LakeRowValues[], options?: EncodeOptions, batchSize?: number): Uint8Array {
  const bytes = encodeLakeParquet(table, rows, options);
  const what = `${table.name}${options ? ` ${JSON.stringify(options)}` : ''}`;
  expect(arrowDisagreements(table, rows, readWithArrowRs(bytes, what, batchSize))).toEqual([]);
  return bytes;
}

// ---------------------------------------------------------------------------------------
// Stream records whose images hold any value the mapping accepts, for every lake table.

/** Stored attribute of each lake column that is not a contract field (what ingest stores). */
const STORED_FIELD: Record<string, string> = {
  received_at: 'receivedAt',
  event_id: 'eventId',
  version: 'version',
  clinic_id: 'clinicId',
  client_key: 'clientKey',
  episode_id: 'episodeId',
};
const FROM_STREAM = new Set(['change_kind', 'change_seq', 'change_time']);
const RESULT_SOURCE = 'results[].';

/** Attributes the mapping refuses to do without (identity and the event's own date). */
function requiredFields(eventType: EventType): Set<string> {
  return new Set([...Object.values(STORED_FIELD).filter((field) => field !== 'receivedAt'), EVENT_DATE_FIELD[eventType]]);
}

const wellFormed = (text: string) => Buffer.from(text, 'utf8').toString('utf8') === text;

const text: fc.Arbitrary<string> = fc
  .oneof(
    { weight: 3, arbitrary: fc.constantFrom('', 'a', 'clinic-a', 'INSERT', 'naïve 東京 🚑 ü', '\u0000', 'é'.repeat(200)) },
    { weight: 3, arbitrary: fc.string({ maxLength: 24 }) },
    { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 12 }) },
    { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 24 }) },
    // Longer than any statistics cut-off a writer might use.
    { weight: 1, arbitrary: fc.string({ unit: 'grapheme', minLength: 150, maxLength: 1_500 }) },
  )
  .filter(wellFormed);

/** INT32 values the mapping accepts (it refuses -2^31; see the direct test below for that one). */
const int32 = fc.oneof(fc.constantFrom(INT32_MAX, -INT32_MAX, 0, -1, 1), fc.integer({ min: -INT32_MAX, max: INT32_MAX }));

const day = fc.oneof(
  fc.constantFrom(-1, 0, 1, -3_653, -25_567, 19_782), // 1969-12-31, 1970-01-01, 1970-01-02, 1960-01-01, 1900-01-01, 2024-02-29
  fc.integer({ min: -30_000, max: 30_000 }),
  fc.integer({ min: FIRST_DAY, max: LAST_DAY }),
);
const isoDate = day.map((days) => new Date(days * MS_PER_DAY).toISOString().slice(0, 10));

const millis = fc.oneof(
  fc.constantFrom(-1, 0, 1, 999, -86_400_001, 1_709_251_199_999), // around the epoch, and 2024-02-29T23:59:59.999Z
  fc.integer({ min: -3_000_000_000_000, max: 3_000_000_000_000 }),
  fc.integer({ min: FIRST_MS, max: LAST_MS }),
);
/** Timestamps mostly as the API stores them (toISOString), sometimes in other ISO forms the mapping accepts. */
const isoTimestamp = fc.oneof(
  { weight: 4, arbitrary: millis.map((ms) => new Date(ms).toISOString()) },
  {
    weight: 1,
    arbitrary: fc.tuple(millis, fc.constantFrom('seconds', 'micros', '+05:30', '-08:00')).map(([ms, form]) => {
      const inRange = Math.min(Math.max(ms, FIRST_MS + MS_PER_DAY), LAST_MS - MS_PER_DAY); // the local form keeps four year digits
      if (form === 'seconds') return new Date(inRange).toISOString().replace(/\.\d{3}Z$/, 'Z');
      if (form === 'micros') return new Date(inRange).toISOString().replace('Z', '456Z');
      const offsetMinutes = form === '+05:30' ? 330 : -480;
      return new Date(inRange + offsetMinutes * 60_000).toISOString().replace('Z', form);
    }),
  },
);

const VALUE: Record<LakeType, fc.Arbitrary<unknown>> = {
  STRING: text,
  INT: int32,
  BOOLEAN: fc.boolean(),
  DATE: isoDate,
  TIMESTAMP: isoTimestamp,
};

/** A required attribute always holds a value; any other holds a value, NULL or nothing (absent from the image). */
function attribute(type: LakeType, required: boolean): fc.Arbitrary<unknown> {
  return required ? VALUE[type] : fc.oneof({ weight: 3, arbitrary: VALUE[type] }, fc.constant(null), fc.constant(undefined));
}

function eventColumns(eventType: EventType): LakeColumn[] {
  const columns = new Map<string, LakeColumn>();
  for (const table of LAKE_TABLES.filter((candidate) => candidate.eventType === eventType)) {
    for (const column of table.columns) columns.set(column.source.startsWith(RESULT_SOURCE) ? column.source : column.name, column);
  }
  return [...columns.values()];
}

/**
 * A stored item of the event type, every attribute of a lake column typed as the mapping
 * expects; with allSet, every attribute holds a value (and a drug test has results).
 */
function itemArbitrary(eventType: EventType, allSet = false): fc.Arbitrary<Record<string, unknown>> {
  const required = requiredFields(eventType);
  const fields: Record<string, fc.Arbitrary<unknown>> = {};
  const resultFields: Record<string, fc.Arbitrary<unknown>> = {};
  for (const column of eventColumns(eventType)) {
    if (FROM_STREAM.has(column.name)) continue;
    if (column.source.startsWith(RESULT_SOURCE)) {
      const field = column.source.slice(RESULT_SOURCE.length);
      resultFields[field] = attribute(column.type, allSet || field === 'substance');
    } else {
      const field = STORED_FIELD[column.name] ?? column.source;
      fields[field] = attribute(column.type, allSet || required.has(field));
    }
  }
  if (Object.keys(resultFields).length > 0) {
    const results = fc.array(fc.record(resultFields), { minLength: 1, maxLength: 4 });
    fields.results = allSet ? results : fc.oneof({ weight: 6, arbitrary: results }, fc.constantFrom([], null, undefined));
  }
  return fc.record(fields).map((item) => ({ pk: `${eventType}#${String(item.eventId)}`, type: eventType, ...item }));
}

const changeArbitrary = (eventType: EventType): fc.Arbitrary<ChangeSpec> =>
  fc
    .record({
      kind: fc.constantFrom('INSERT', 'MODIFY', 'REMOVE') as fc.Arbitrary<ChangeSpec['kind']>,
      seq: fc.stringMatching(/^[1-9][0-9]{0,39}$/),
      changeMs: millis,
      item: itemArbitrary(eventType),
    })
    .map(({ kind, seq, changeMs, item }) => ({
      kind,
      seq,
      time: changeMs / 1000,
      newItem: kind === 'REMOVE' ? undefined : item,
      oldItem: kind === 'INSERT' ? undefined : item,
    }));

/** The rows of one lake table that the real mapping makes of these changes. */
function mappedRows(tableName: LakeTableName, changes: ChangeSpec[]): LakeRowValues[] {
  return changes.flatMap((change) => {
    const mapped = mapStreamRecord(streamRecord(change));
    if (!mapped.ok) throw new Error(`the mapping quarantined a generated record: ${mapped.quarantine.reason}`);
    return mapped.rows.filter((row) => row.table === tableName).map((row) => row.values);
  });
}

function allNullRow(table: LakeTable): LakeRowValues {
  return Object.fromEntries(table.columns.map((column) => [column.name, null]));
}

const TABLE_CASES = LAKE_TABLES.map((table) => [table.name, table] as const);

// ---------------------------------------------------------------------------------------

describe('lake Parquet files read by arrow-rs (parquet-wasm), a third independent reader', () => {
  it.each(TABLE_CASES)('should read mapped %s rows with the declared Arrow types and the written values (property)', (name, table) => {
    fc.assert(
      fc.property(fc.array(changeArbitrary(table.eventType), { minLength: 1, maxLength: 30 }), (changes) => {
        const rows = mappedRows(name, changes);
        fc.pre(rows.length > 0); // a drug test without results has no drug_test_results rows
        expectArrowRsReads(table, rows);
      }),
      { numRuns: 30 },
    );
  });

  it.each(TABLE_CASES)('should read one %s row, every optional column null (all-null columns)', (name, table) => {
    // Prepare: the mapping's own output for the sparsest item it accepts.
    const dateField = EVENT_DATE_FIELD[table.eventType];
    const item: Record<string, unknown> = { pk: 'p', type: table.eventType, eventId: 'e', version: 1, clinicId: 'c', clientKey: 'k', episodeId: 'ep', [dateField]: '1969-07-20' };
    if (name === 'drug_test_results') item.results = [{ substance: 'opioids' }];
    const rows = mappedRows(name, [{ kind: 'INSERT', seq: '1', time: 0.001, newItem: item }]);
    const given = (column: LakeColumn) =>
      FROM_STREAM.has(column.name) || requiredFields(table.eventType).has(STORED_FIELD[column.name] ?? column.source) || column.source === `${RESULT_SOURCE}substance`;
    expect(rows).toHaveLength(1);
    expect(table.columns.filter((column) => (rows[0][column.name] !== null) !== given(column)).map((column) => column.name)).toEqual([]);

    // Act, Assess
    expectArrowRsReads(table, rows);
    expectArrowRsReads(table, [allNullRow(table)]);
  });

  it('should read every column of every table holding values in all rows (the generators reach every column)', () => {
    for (const table of LAKE_TABLES) {
      // Prepare
      const items = fc.sample(itemArbitrary(table.eventType, true), { numRuns: 20, seed: 7 });
      const changes = items.map((item, index): ChangeSpec => ({ kind: 'INSERT', seq: String(index + 1), time: 1_772_360_100.25, newItem: item }));
      const rows = mappedRows(table.name, changes);

      // Act, Assess
      const unset = table.columns.filter((column) => rows.some((row) => row[column.name] === null)).map((column) => `${table.name}.${column.name}`);
      expect(unset).toEqual([]);
      expectArrowRsReads(table, rows);
    }
  });

  it('should read any mapped rows whatever the codec, data page size and reader batch size (property)', () => {
    const tableAndChanges = fc
      .constantFrom(...LAKE_TABLES)
      .chain((table) => fc.tuple(fc.constant(table), fc.array(changeArbitrary(table.eventType), { minLength: 1, maxLength: 60 })));
    fc.assert(
      fc.property(tableAndChanges, fc.constantFrom(...CODECS), fc.integer({ min: 1, max: 50 }), fc.integer({ min: 1, max: 64 }), ([table, changes], codec, pageRows, batchSize) => {
        const rows = mappedRows(table.name, changes);
        fc.pre(rows.length > 0);
        expectArrowRsReads(table, rows, { codec, pageRows }, batchSize);
      }),
      { numRuns: 40 },
    );
  });

  it('should read every file the stream delivery writes for a batch, each holding its partition\'s mapped rows (property)', async () => {
    const eventTypes = [...new Set(LAKE_TABLES.map((table) => table.eventType))];
    const batch = fc.array(fc.oneof(...eventTypes.map((eventType) => changeArbitrary(eventType))), { minLength: 1, maxLength: 30 });
    let fastPathRecords = 0;
    let files = 0;
    await fc.assert(
      fc.asyncProperty(batch, async (changes) => {
        // Prepare: what each (table, dt) partition must hold, from the general mapping, in stream order.
        const records = changes.map((change) => streamRecord(change));
        const expected = new Map<string, { table: LakeTable; rows: LakeRowValues[] }>();
        for (const record of records) {
          if (mapStreamRecordPhysical(record)) fastPathRecords += 1;
          const mapped = mapStreamRecord(record);
          if (!mapped.ok) throw new Error(`the mapping quarantined a generated record: ${mapped.quarantine.reason}`);
          for (const row of mapped.rows) {
            const key = `${row.table}/dt=${row.dt}`;
            const partition = expected.get(key) ?? { table: lakeTable(row.table), rows: [] };
            partition.rows.push(row.values);
            expected.set(key, partition);
          }
        }
        const store = new MemoryObjectStore();

        // Act
        const report = await deliverChanges(records, { store, lakePrefix: 'lake/', quarantinePrefix: 'quarantine/' });

        // Assess
        expect(report).toMatchObject({ batchItemFailures: [], quarantined: 0 });
        const written = [...store.objects.keys()].map((key) => /^lake\/(.+\/dt=[^/]+)\/[^/]+\.parquet$/.exec(key)?.[1] ?? key);
        expect(written.sort()).toEqual([...expected.keys()].sort());
        for (const [key, bytes] of store.objects) {
          const { table, rows } = expected.get(/^lake\/(.+\/dt=[^/]+)\//.exec(key)![1])!;
          expect(arrowDisagreements(table, rows, readWithArrowRs(bytes, key))).toEqual([]);
          files += 1;
        }
      }),
      { numRuns: 25 },
    );
    // The generated records take the delivery's fast path, not only its fallback.
    expect(fastPathRecords).toBeGreaterThan(0);
    expect(files).toBeGreaterThan(25);
  });

  it('should read a file of many rows at the default settings: dictionary-worthy and unique strings, several data pages', () => {
    // Prepare: 25,000 attendance rows (past a default page of 20,000 rows) from the mapping's core,
    // rowsOfItem (what mapStreamRecord calls on the image; the stream path is covered above).
    const statuses = ['attended', 'no_show', 'excused', 'cancelled_by_clinic'];
    const rows = Array.from({ length: 25_000 }, (_, index) => {
      const item = {
        type: 'attendance',
        eventId: `att-${index}`,
        version: 1 + (index % 3),
        clinicId: `clinic-${index % 5}`,
        clientKey: `key-${index % 900}`,
        episodeId: `ep-${index % 1_200}`,
        receivedAt: new Date(1_772_000_000_000 + index * 1_001).toISOString(),
        sessionDate: new Date(((index % 3_000) - 1_500) * MS_PER_DAY).toISOString().slice(0, 10),
        sessionType: index % 17 === 0 ? null : 'group',
        status: statuses[index % statuses.length],
        scheduledMinutes: index % 7 === 0 ? null : 180,
        attendedMinutes: index % 4 === 0 ? 0 : (index * 7_919) % 181,
      };
      const change = { kind: index % 50 === 0 ? 'MODIFY' : 'INSERT', seq: changeSeq(String(1_000_000_000 + index)), time: new Date(1_772_360_100_000 + index) } as const;
      return rowsOfItem(item, change)[0].values;
    });

    // Act, Assess
    expectArrowRsReads(lakeTable('attendance'), rows);
  });

  it('should read INT32 extremes, dates before 1970 and millisecond timestamps written from row objects', () => {
    // Prepare: -2^31 cannot come through the mapping (it refuses it), but encodeLakeParquet takes it.
    const table = lakeTable('assessments');
    const base = allNullRow(table);
    const rows: LakeRowValues[] = [
      { ...base, version: -2_147_483_648, days_used_past_30: INT32_MAX, interview_date: new Date('1900-03-01T00:00:00Z'), change_time: new Date('1969-12-31T23:59:59.999Z'), stably_housed: true },
      { ...base, version: INT32_MAX, arrests_past_30: -2_147_483_648, interview_date: new Date('0001-01-01T00:00:00Z'), received_at: new Date('9999-12-31T23:59:59.999Z'), stably_housed: false },
      { ...base, event_id: '', clinic_id: 'naïve 東京 🚑', timepoint: 'x'.repeat(20_000), interview_date: new Date('1969-12-31T00:00:00Z'), change_time: new Date(-1) },
    ];

    // Act, Assess
    for (const codec of CODECS) expectArrowRsReads(table, rows, { codec });
  });
});
