import { LAKE_TABLES, lakeTable, snakeCase } from '../../lambdas/core/lake-columns';

describe('lake columns derived from the event contract', () => {
  it('should type dates as DATE, booleans as BOOLEAN and integers as INT', () => {
    const attendance = lakeTable('attendance');
    const typeOf = (name: string) => attendance.columns.find((column) => column.name === name)?.type;
    expect(typeOf('session_date')).toBe('DATE');
    expect(typeOf('scheduled_minutes')).toBe('INT');
    expect(typeOf('status')).toBe('STRING');
    expect(lakeTable('drug_tests').columns.find((column) => column.name === 'random')?.type).toBe('BOOLEAN');
  });

  it('should never carry the raw client id, only the pseudonymous key', () => {
    for (const table of LAKE_TABLES) {
      const names = table.columns.map((column) => column.name);
      expect(names).toContain('client_key');
      expect(names).not.toContain('client_id');
    }
  });

  it('should flatten drug test results into their own table', () => {
    expect(lakeTable('drug_tests').columns.map((column) => column.name)).not.toContain('results');
    expect(lakeTable('drug_test_results').columns.map((column) => column.name)).toEqual(
      expect.arrayContaining(['substance', 'result', 'prescribed', 'scheduled_date']),
    );
  });

  it('should snake_case contract fields, digits included', () => {
    expect(snakeCase('daysUsedPast30')).toBe('days_used_past_30');
    expect(snakeCase('employedOrInSchool')).toBe('employed_or_in_school');
  });
});
