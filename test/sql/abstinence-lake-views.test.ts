import { LAKE_TABLES, SQL_TYPE, type LakeTableName } from '../../lambdas/core/lake-columns';
import { currentViewStatements } from '../../lambdas/adapters/lake-tables-duckdb';
import { createDuckDbEngine, type DuckDbEngine } from '../../lambdas/adapters/duckdb-engine';

/**
 * The abstinence and follow-up metrics read the `_current` views; here the raw change
 * tables hold corrections, a retraction and a duplicate delivery, and the real views
 * (queries/views/) resolve them before the metric SQL runs.
 */
type Value = string | number | boolean | null;

describe('abstinence and follow-up metrics over the lake change tables and current views', () => {
  let engine: DuckDbEngine;
  let sequence = 0;

  async function insertChange(table: LakeTableName, row: Record<string, Value>): Promise<void> {
    const columns = LAKE_TABLES.find((candidate) => candidate.name === table)!.columns;
    sequence += 1;
    const filled: Record<string, Value> = {
      change_kind: 'INSERT',
      change_seq: String(sequence).padStart(40, '0'),
      change_time: '2024-06-01 00:00:00',
      received_at: '2024-06-01 00:00:00',
      version: 1,
      clinic_id: 'clinic-a',
      client_key: 'k1',
      episode_id: 'E1',
      ...row,
    };
    const unknown = Object.keys(filled).filter((name) => !columns.some((column) => column.name === name));
    if (unknown.length > 0) throw new Error(`${table} has no column(s) ${unknown.join(', ')}`);
    await engine.runSql(
      `INSERT INTO ${table} (${columns.map((column) => column.name).join(', ')}) VALUES (${columns.map((column) => `CAST(? AS ${SQL_TYPE[column.type]})`).join(', ')})`,
      columns.map((column) => filled[column.name] ?? null),
    );
  }

  beforeAll(async () => {
    const createRaw = LAKE_TABLES.map(
      (table) => `CREATE TABLE ${table.name} (${table.columns.map((column) => `${column.name} ${SQL_TYPE[column.type]}`).join(', ')})`,
    );
    engine = await createDuckDbEngine({ setupStatements: [...createRaw, ...currentViewStatements()] });
  });
  afterAll(async () => {
    await engine.close();
  });

  it('should score the corrected result, drop the retracted test and count a twice-delivered change once', async () => {
    // Prepare: one episode; t1 positive then corrected to negative (version 2); t2 retracted; t3 delivered twice
    await insertChange('enrollments', { event_id: 'en1', admission_date: '2024-02-29', program_id: 'p', level_of_care: '2.1', primary_substance: 'opioids' });
    const test = (eventId: string, version: number, kind = 'INSERT') => ({
      event_id: eventId,
      version,
      change_kind: kind,
      scheduled_date: eventId === 't1' ? '2024-03-07' : eventId === 't2' ? '2024-03-14' : '2024-03-21',
      collected_date: eventId === 't1' ? '2024-03-07' : eventId === 't2' ? '2024-03-14' : '2024-03-21',
      status: 'collected',
      random: true,
    });
    const result = (eventId: string, version: number, value: string, changeSeq: number) => ({
      event_id: eventId,
      version,
      change_seq: String(changeSeq).padStart(40, '0'),
      scheduled_date: eventId === 't1' ? '2024-03-07' : eventId === 't2' ? '2024-03-14' : '2024-03-21',
      substance: 'opioids',
      result: value,
      prescribed: false,
    });
    await insertChange('drug_tests', test('t1', 1));
    await insertChange('drug_test_results', result('t1', 1, 'positive', sequence));
    await insertChange('drug_tests', test('t1', 2, 'MODIFY'));
    await insertChange('drug_test_results', result('t1', 2, 'negative', sequence));
    await insertChange('drug_tests', test('t2', 1));
    await insertChange('drug_test_results', result('t2', 1, 'positive', sequence));
    await insertChange('drug_tests', test('t2', 1, 'REMOVE'));
    await insertChange('drug_tests', test('t3', 1));
    const t3Seq = sequence;
    await insertChange('drug_test_results', result('t3', 1, 'negative', t3Seq));
    await insertChange('drug_tests', { ...test('t3', 1), change_seq: String(t3Seq).padStart(40, '0') });
    await insertChange('drug_test_results', result('t3', 1, 'negative', t3Seq));

    // Act
    const rows = await engine.runQuery('abstinence', { as_of: '2024-06-30' });

    // Assess: two current tests (t1 corrected to negative, t3 once), both negative
    expect(rows.find((row) => row.scope === 'all' && row.target === 'opioids')).toMatchObject({ episodes: 1, scheduled_tests: 2, negative_tests: 2, missing_tests: 0 });
  });

  it('should use the corrected interview date when deciding whether a follow-up is in the window', async () => {
    // Prepare: six-month interview first dated outside the window, then corrected into it
    await insertChange('assessments', { event_id: 'six', episode_id: 'E1', timepoint: 'six_month', interview_date: '2024-07-28', status: 'completed', days_used_past_30: 0, employed_or_in_school: true, stably_housed: true, social_support: true, arrests_past_30: 0 });
    await insertChange('assessments', { event_id: 'six', episode_id: 'E1', version: 2, change_kind: 'MODIFY', timepoint: 'six_month', interview_date: '2024-07-29', status: 'completed', days_used_past_30: 0, employed_or_in_school: true, stably_housed: true, social_support: true, arrests_past_30: 0 });

    // Act
    const rows = await engine.runQuery('follow-up', { as_of: '2024-10-29' });

    // Assess: admitted 2024-02-29 → window 2024-07-29..2024-10-29, closed on as_of
    expect(rows[0]).toMatchObject({ scope: 'all', due: 1, followed: 1, completed_outside_window: 0 });
  });
});
