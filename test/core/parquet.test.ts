import { parquetMetadata } from 'hyparquet';
import { type LakeRowValues, mapStreamRecord } from '../../lambdas/core/change-records';
import { LAKE_TABLES, type LakeType, lakeTable } from '../../lambdas/core/lake-columns';
import { decodeLakeParquet, encodeLakeParquet, parquetFileSchema, parquetRowCount } from '../../lambdas/core/parquet';
import { drugTest, enrollment, stored, streamRecord } from '../support/lake-fixtures';

/** What the Glue tables declare, in Parquet terms (independent of the module's own table). */
const EXPECTED: Record<LakeType, { type: string; converted_type?: string; logical?: string }> = {
  STRING: { type: 'BYTE_ARRAY', converted_type: 'UTF8', logical: 'STRING' },
  INT: { type: 'INT32' },
  BOOLEAN: { type: 'BOOLEAN' },
  DATE: { type: 'INT32', converted_type: 'DATE', logical: 'DATE' },
  TIMESTAMP: { type: 'INT64', converted_type: 'TIMESTAMP_MILLIS', logical: 'TIMESTAMP' },
};

function nullRow(tableName: (typeof LAKE_TABLES)[number]['name']): LakeRowValues {
  return Object.fromEntries(lakeTable(tableName).columns.map((column) => [column.name, null]));
}

describe('encodeLakeParquet', () => {
  it.each(LAKE_TABLES.map((table) => [table.name, table] as const))(
    'should write the declared physical and logical types for every column of %s, all OPTIONAL',
    async (_name, table) => {
      // Prepare
      const rows = [nullRow(table.name)];

      // Act
      const schema = parquetFileSchema(encodeLakeParquet(table, rows));

      // Assess
      expect(schema.map((element) => element.name)).toEqual(table.columns.map((column) => column.name));
      schema.forEach((element, index) => {
        const expected = EXPECTED[table.columns[index].type];
        expect(element.repetition_type).toBe('OPTIONAL');
        expect(element.type).toBe(expected.type);
        expect(element.converted_type).toBe(expected.converted_type);
        expect(element.logical_type?.type).toBe(expected.logical);
        if (expected.logical === 'TIMESTAMP') {
          expect(element.logical_type).toMatchObject({ isAdjustedToUTC: true, unit: 'MILLIS' });
        }
      });
    },
  );

  it('should round-trip dates and timestamps exactly, including a leap day and UTC midnight', async () => {
    // Prepare
    const table = lakeTable('enrollments');
    const row = {
      ...nullRow('enrollments'),
      change_seq: '0'.repeat(39) + '1',
      change_time: new Date('2026-01-01T00:00:00.000Z'),
      received_at: new Date('2024-02-29T23:59:59.999Z'),
      admission_date: new Date('2024-02-29T00:00:00.000Z'),
      version: 2_147_483_647,
      birth_year: 1961,
    };
    const secondRow = { ...row, admission_date: new Date('1999-12-31T00:00:00.000Z'), change_time: new Date('1970-01-01T00:00:00.000Z') };

    // Act
    const decoded = await decodeLakeParquet(encodeLakeParquet(table, [row, secondRow]));

    // Assess
    expect(decoded[0]).toMatchObject({
      change_time: new Date('2026-01-01T00:00:00.000Z'),
      received_at: new Date('2024-02-29T23:59:59.999Z'),
      admission_date: new Date('2024-02-29T00:00:00.000Z'),
      version: 2_147_483_647,
      birth_year: 1961,
      primary_substance: null,
    });
    expect(decoded[1]).toMatchObject({ admission_date: new Date('1999-12-31T00:00:00.000Z'), change_time: new Date(0) });
  });

  it('should round-trip mapped stream rows value for value', async () => {
    // Prepare
    const mapped = mapStreamRecord(streamRecord({ kind: 'INSERT', seq: 5, newItem: stored(drugTest()) }));
    if (!mapped.ok) throw new Error(mapped.quarantine.reason);
    const results = mapped.rows.filter((row) => row.table === 'drug_test_results').map((row) => row.values);

    // Act
    const bytes = encodeLakeParquet(lakeTable('drug_test_results'), results);

    // Assess
    expect(parquetRowCount(bytes)).toBe(2);
    expect(await decodeLakeParquet(bytes)).toEqual(results);
  });

  it('should write the same schema whatever the data (no type guessing from values)', () => {
    // Prepare
    const table = lakeTable('enrollments');
    const mapped = mapStreamRecord(streamRecord({ kind: 'INSERT', seq: 5, newItem: stored(enrollment({ birthYear: 1980, sex: 'female' })) }));
    if (!mapped.ok) throw new Error(mapped.quarantine.reason);

    // Act
    const full = parquetFileSchema(encodeLakeParquet(table, [mapped.rows[0].values]));
    const empty = parquetFileSchema(encodeLakeParquet(table, [nullRow('enrollments')]));

    // Assess
    expect(full).toEqual(empty);
  });

  it('should compress every column chunk with snappy', () => {
    // Prepare
    const bytes = encodeLakeParquet(lakeTable('goals'), [nullRow('goals')]);

    // Act
    const metadata = parquetMetadata(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);

    // Assess
    const codecs = metadata.row_groups.flatMap((group) => group.columns.map((chunk) => chunk.meta_data?.codec));
    expect(new Set(codecs)).toEqual(new Set(['SNAPPY']));
  });

  it('should refuse a value of the wrong type and an empty file', () => {
    const table = lakeTable('enrollments');
    expect(() => encodeLakeParquet(table, [{ ...nullRow('enrollments'), version: '2' }])).toThrow(/column version \(INT\) got a string/);
    expect(() => encodeLakeParquet(table, [])).toThrow(/no rows/);
  });
});
