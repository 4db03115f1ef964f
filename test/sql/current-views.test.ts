import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { lakeViewStatements } from '../../lambdas/adapters/lake-tables-duckdb';
import { BACKFILL_CHANGE_SEQ, type LakeRowValues, changeSeq, mapStreamRecord } from '../../lambdas/core/change-records';
import { LAKE_TABLES, SQL_TYPE, lakeTable } from '../../lambdas/core/lake-columns';
import { encodeLakeParquet } from '../../lambdas/core/parquet';
import { type ChangeSpec, drugTest, enrollment, stored, streamRecord, writeLake } from '../support/lake-fixtures';

describe('<table>_current views on DuckDB', () => {
  let dir: string;
  let instance: DuckDBInstance;
  let connection: DuckDBConnection;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'current-views-'));
    instance = await DuckDBInstance.create(':memory:');
    connection = await instance.connect();
    await connection.run("SET TimeZone = 'UTC'");
  });

  afterEach(() => {
    connection.closeSync();
    instance.closeSync();
    rmSync(dir, { recursive: true, force: true });
  });

  async function load(batches: ChangeSpec[][]): Promise<void> {
    writeLake(dir, batches);
    for (const statement of lakeViewStatements(dir)) await connection.run(statement);
  }

  async function rows(sql: string): Promise<Record<string, unknown>[]> {
    return (await connection.runAndReadAll(sql)).getRowObjectsJson() as Record<string, unknown>[];
  }

  it('should keep the latest version, collapse duplicate deliveries, drop retractions and bring back re-created events', async () => {
    // Prepare
    const v1 = stored(enrollment({ eventId: 'corrected' }));
    const v2 = stored(enrollment({ eventId: 'corrected', version: 2, primarySubstance: 'alcohol' }));
    const retracted = stored(enrollment({ eventId: 'retracted' }));
    const recreated = stored(enrollment({ eventId: 'recreated', primarySubstance: 'cannabis' }));
    const duplicated = stored(enrollment({ eventId: 'duplicated' }));
    const otherClinic = stored(enrollment({ eventId: 'corrected', clinicId: 'clinic-b' }));
    const batchA: ChangeSpec[] = [
      { kind: 'INSERT', seq: 101, newItem: v1 },
      { kind: 'INSERT', seq: 102, newItem: retracted },
      { kind: 'INSERT', seq: 103, newItem: recreated },
      { kind: 'INSERT', seq: 104, newItem: duplicated },
      { kind: 'INSERT', seq: 105, newItem: otherClinic },
    ];
    const batchB: ChangeSpec[] = [
      { kind: 'MODIFY', seq: 1001, oldItem: v1, newItem: v2, time: 1_772_409_600 },
      { kind: 'REMOVE', seq: 1002, oldItem: retracted },
      { kind: 'REMOVE', seq: 1003, oldItem: recreated },
      { kind: 'INSERT', seq: 1004, newItem: { ...recreated, primarySubstance: 'stimulants' } },
    ];

    // Act: batch A is delivered twice (at-least-once).
    await load([batchA, batchB, batchA]);
    const current = await rows('SELECT clinic_id, event_id, version, primary_substance, change_seq FROM enrollments_current ORDER BY clinic_id, event_id');

    // Assess
    expect(current).toEqual([
      { clinic_id: 'clinic-a', event_id: 'corrected', version: 2, primary_substance: 'alcohol', change_seq: changeSeq('1001') },
      { clinic_id: 'clinic-a', event_id: 'duplicated', version: 1, primary_substance: 'opioids', change_seq: changeSeq('104') },
      { clinic_id: 'clinic-a', event_id: 'recreated', version: 1, primary_substance: 'stimulants', change_seq: changeSeq('1004') },
      { clinic_id: 'clinic-b', event_id: 'corrected', version: 1, primary_substance: 'opioids', change_seq: changeSeq('105') },
    ]);
    expect(await rows('SELECT count(*)::INTEGER AS n FROM enrollments')).toEqual([{ n: 14 }]);
  });

  it('should order changes by stream sequence, not by digits count or version', async () => {
    // Prepare: sequence 99 vs 100 (text order without padding would pick 99); a lower version written last wins.
    const v3 = stored(enrollment({ version: 3 }));
    const v2 = stored(enrollment({ version: 2, primarySubstance: 'alcohol' }));

    // Act
    await load([[{ kind: 'INSERT', seq: 99, newItem: v3 }], [{ kind: 'MODIFY', seq: 100, oldItem: v3, newItem: v2 }]]);

    // Assess
    expect(await rows('SELECT version FROM enrollments_current')).toEqual([{ version: 2 }]);
  });

  it('should let any stream change win over a backfilled row of the same event', async () => {
    // Prepare
    const dir2 = join(dir, 'lake', 'enrollments', 'dt=2026-02-01');
    mkdirSync(dir2, { recursive: true });
    const backfilled = { ...mapStream({ kind: 'INSERT', seq: 1, newItem: stored(enrollment({ version: 2 })) }), change_seq: BACKFILL_CHANGE_SEQ };
    writeFileSync(join(dir2, 'backfill.parquet'), encodeLakeParquet(lakeTable('enrollments'), [backfilled]));

    // Act
    await load([[{ kind: 'REMOVE', seq: 5, oldItem: stored(enrollment({ version: 2 })) }]]);

    // Assess
    expect(await rows('SELECT * FROM enrollments_current')).toEqual([]);
  });

  it('should expose only the results of the current version of a current drug test, once per substance', async () => {
    // Prepare
    const v1 = stored(drugTest({ eventId: 'corrected' }));
    const v2 = stored(drugTest({ eventId: 'corrected', version: 2, results: [{ substance: 'fentanyl', result: 'positive' }] }));
    const retracted = stored(drugTest({ eventId: 'retracted' }));
    const recreatedOld = stored(drugTest({ eventId: 'recreated', results: [{ substance: 'cocaine', result: 'positive' }, { substance: 'alcohol', result: 'negative' }] }));
    const recreatedNew = stored(drugTest({ eventId: 'recreated', results: [{ substance: 'cocaine', result: 'negative' }] }));
    const missed = stored(drugTest({ eventId: 'missed', status: 'missed', collectedDate: undefined, results: undefined }));
    const batch: ChangeSpec[] = [
      { kind: 'INSERT', seq: 201, newItem: v1 },
      { kind: 'INSERT', seq: 202, newItem: retracted },
      { kind: 'INSERT', seq: 203, newItem: recreatedOld },
      { kind: 'INSERT', seq: 204, newItem: missed },
    ];

    // Act
    await load([
      batch,
      batch,
      [
        { kind: 'MODIFY', seq: 301, oldItem: v1, newItem: v2 },
        { kind: 'REMOVE', seq: 302, oldItem: retracted },
        { kind: 'REMOVE', seq: 303, oldItem: recreatedOld },
        { kind: 'INSERT', seq: 304, newItem: recreatedNew },
      ],
    ]);

    // Assess
    expect(await rows('SELECT event_id, version, substance, result, prescribed FROM drug_test_results_current ORDER BY event_id, substance')).toEqual([
      { event_id: 'corrected', version: 2, substance: 'fentanyl', result: 'positive', prescribed: false },
      { event_id: 'recreated', version: 1, substance: 'cocaine', result: 'negative', prescribed: false },
    ]);
    expect(await rows('SELECT event_id, status FROM drug_tests_current ORDER BY event_id')).toEqual([
      { event_id: 'corrected', status: 'collected' },
      { event_id: 'missed', status: 'missed' },
      { event_id: 'recreated', status: 'collected' },
    ]);
  });

  it('should give every table and view its declared columns and types, even on an empty lake', async () => {
    // Prepare: nothing written at all.

    // Act
    await load([]);

    // Assess
    for (const table of LAKE_TABLES) {
      const described = await rows(`DESCRIBE ${table.name}_current`);
      expect(described.map((column) => [column.column_name, column.column_type])).toEqual(
        table.columns.filter((column) => column.name !== 'change_kind').map((column) => [column.name, SQL_TYPE[column.type]]),
      );
      expect(await rows(`SELECT * FROM ${table.name}_current`)).toEqual([]);
      const base = await rows(`DESCRIBE ${table.name}`);
      expect(base.map((column) => column.column_name)).toEqual([...table.columns.map((column) => column.name), 'dt']);
    }
  });

  it('should read the files with the declared types and keep dt a string, as Athena projects it', async () => {
    // Prepare
    await load([[{ kind: 'INSERT', seq: 7, newItem: stored(enrollment()), time: 1_709_251_199 }]]);

    // Act: in a non-UTC session the timestamps must still read as UTC wall time.
    await connection.run("SET TimeZone = 'America/New_York'");
    const described = await rows('DESCRIBE enrollments');
    const [row] = await rows("SELECT dt, admission_date, change_time FROM enrollments WHERE dt = '2024-02-29'");

    // Assess
    expect(described.map((column) => [column.column_name, column.column_type])).toEqual([
      ...lakeTable('enrollments').columns.map((column) => [column.name, SQL_TYPE[column.type]]),
      ['dt', 'VARCHAR'],
    ]);
    expect(row).toEqual({ dt: '2024-02-29', admission_date: '2024-02-29', change_time: '2024-02-29 23:59:59' });
  });

  it('should be read by DuckDB straight from the files with the types Athena declares (timestamps UTC-adjusted)', async () => {
    // Prepare
    writeLake(dir, [[{ kind: 'INSERT', seq: 7, newItem: stored(drugTest()) }]]);
    const glob = join(dir, 'lake', 'drug_tests', '*', '*.parquet');

    // Act
    const described = await rows(`DESCRIBE SELECT * FROM read_parquet('${glob}', hive_partitioning = false)`);

    // Assess
    const duckType = { STRING: 'VARCHAR', INT: 'INTEGER', BOOLEAN: 'BOOLEAN', DATE: 'DATE', TIMESTAMP: 'TIMESTAMP WITH TIME ZONE' };
    expect(described.map((column) => [column.column_name, column.column_type])).toEqual(
      lakeTable('drug_tests').columns.map((column) => [column.name, duckType[column.type]]),
    );
  });
});

function mapStream(change: ChangeSpec): LakeRowValues {
  const mapped = mapStreamRecord(streamRecord(change));
  if (!mapped.ok) throw new Error(mapped.quarantine.reason);
  return mapped.rows[0].values;
}
