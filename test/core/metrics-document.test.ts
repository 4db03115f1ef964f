import {
  documentKey,
  indexKey,
  materialisedFilters,
  parseMetricsDocument,
  quarterOf,
  quarterRange,
  rateBasesFromSql,
} from '../../lambdas/core/metrics-document';

const validDocument = () => ({
  schemaVersion: 1,
  definitionsVersion: 'sha256:0123456789abcdef',
  asOf: '2026-06-30',
  generatedAt: '2026-07-01T06:00:00.000Z',
  filter: { program: 'all', cohort: '2026-Q1' },
  metrics: { retention: [{ scope: 'all', day: 0, estimate: 1 }] },
  dataQuality: { lateAfterDays: 7, rejectedEvents: null, scopes: [] },
});

describe('metrics document', () => {
  it('should materialise every quarter across programs and every program across cohorts, not their product', () => {
    // Act
    const filters = materialisedFilters(['iop-b', 'iop-a', 'iop-a'], ['2025-Q4', '2026-Q1']);

    // Assess
    expect(filters).toEqual([
      { program: 'all', cohort: 'all' },
      { program: 'all', cohort: '2025-Q4' },
      { program: 'all', cohort: '2026-Q1' },
      { program: 'iop-a', cohort: 'all' },
      { program: 'iop-b', cohort: 'all' },
    ]);
  });

  it('should turn a quarter into its first and last day, leap years included', () => {
    expect(quarterRange('2024-Q1')).toEqual({ from: '2024-01-01', to: '2024-03-31' });
    expect(quarterRange('2026-Q4')).toEqual({ from: '2026-10-01', to: '2026-12-31' });
    expect(quarterOf('2024-02-29')).toBe('2024-Q1');
    expect(quarterOf('2026-12-31')).toBe('2026-Q4');
    expect(() => quarterRange('2026-Q5')).toThrow(/YYYY-Qn/);
  });

  it('should keep dated and latest documents apart and encode program ids in keys', () => {
    expect(documentKey('2026-06-30', { program: 'all', cohort: '2026-Q1' })).toBe('metrics/2026-06-30/program=all/cohort=2026-Q1.json');
    expect(documentKey('latest', { program: 'iop:adult', cohort: 'all' })).toBe('metrics/latest/program=iop%3Aadult/cohort=all.json');
    expect(indexKey('latest')).toBe('metrics/latest/index.json');
  });

  it('should accept a well-formed document', () => {
    expect(parseMetricsDocument(validDocument(), 'k').filter.cohort).toBe('2026-Q1');
  });

  it('should name the key and the field when a stored document does not fit the format', () => {
    // Prepare
    const broken = { ...validDocument(), filter: { program: 'all', cohort: '2026-3' } };

    // Act
    const parse = () => parseMetricsDocument(broken, 'metrics/latest/program=all/cohort=2026-3.json');

    // Assess
    expect(parse).toThrow(/metrics\/latest\/program=all\/cohort=2026-3\.json .*filter\.cohort/);
  });

  it('should reject a row holding something other than a number, text, boolean or null', () => {
    const nested = { ...validDocument(), metrics: { retention: [{ scope: 'all', curve: [1, 2] }] } };
    expect(() => parseMetricsDocument(nested, 'k')).toThrow(/metrics\.retention\.0\.curve/);
  });
});

describe('rate bases read from the SQL', () => {
  it('should pair each interval with its numerator and denominator columns, and skip expressions', () => {
    // Prepare
    const sql = [
      'wilson_lower(c.no_return, c.eligible) AS no_return_ci_lower,',
      'wilson_lower(COALESCE(st.discharges, 0), t.total_discharges) AS share_ci_lower,',
      'wilson_lower(attended, attended + no_show + excused) AS attendance_ci_lower,',
      'wilson_upper(c.no_return, c.eligible) AS no_return_ci_upper',
    ].join('\n');

    // Act
    const bases = rateBasesFromSql(sql);

    // Assess
    expect(bases).toEqual([
      { prefix: 'no_return', numerator: 'no_return', denominator: 'eligible' },
      { prefix: 'share', numerator: 'discharges', denominator: 'total_discharges' },
    ]);
  });
});
