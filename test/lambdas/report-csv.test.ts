import { csvField, tableCsv, renderCsvFiles } from '../../lambdas/report/render-csv';
import { textCell, valueCell } from '../../lambdas/core/report-cells';
import type { ReportModel, ReportTable } from '../../lambdas/core/report-content';

const TABLE: ReportTable = {
  id: 'follow-up-rate',
  title: 'Six-month follow-up rate',
  columns: [
    { key: 'measure', label: 'Measure', kind: 'label' },
    { key: 'n', label: 'n', kind: 'count' },
    { key: 'value', label: 'Value', kind: 'text' },
    { key: 'ci', label: '95% CI', kind: 'interval' },
  ],
  rows: [
    [textCell('Follow-ups, "in window", all'), valueCell('count', 251), valueCell('percent', 0.6802168021680217), valueCell('interval', [0.63098, 0.72573])],
    [textCell('Deceased'), { text: '*', kind: 'count', value: null, suppressed: 'primary' }, { text: '**', kind: 'percent', value: null, suppressed: 'complementary' }, { text: '*', kind: 'interval', value: null, suppressed: 'primary' }],
    [textCell('Median days'), textCell('', 'text'), valueCell('days', null), valueCell('interval', null)],
  ],
  notes: [],
};

describe('render-csv', () => {
  it('should quote fields with commas, quotes or line breaks and double inner quotes (RFC 4180)', () => {
    // Prepare / Act / Assess
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
  });

  it('should write unrounded values, split intervals, name units, and carry the suppression marks', () => {
    // Prepare / Act
    const csv = tableCsv(TABLE);

    // Assess
    expect(csv.split('\r\n')).toEqual([
      'Measure,n,Value,Value unit,95% CI lower (proportion),95% CI upper (proportion)',
      '"Follow-ups, ""in window"", all",251,0.6802168021680217,proportion,0.63098,0.72573',
      'Deceased,*,**,proportion,*,*',
      'Median days,,,,,',
      '',
    ]);
  });

  it('should add a README with the legend and one file per table', () => {
    // Prepare
    const model = {
      funder: { id: 'f', name: 'Funder' },
      period: { label: '2026-Q2', kind: 'quarter', start: '2026-04-01', end: '2026-06-30', asOf: '2026-06-30' },
      cohort: { from: '2025-07-01', to: '2026-06-30' },
      units: [{ id: 'all', label: 'All clinics' }],
      generatedAt: '2026-07-10T00:00:00.000Z',
      softwareVersion: '0.1.0',
      suppressionMaxCount: 10,
      sections: [{ id: 'outcomes', title: 'Outcomes', blocks: [{ type: 'table', table: TABLE }] }],
    } satisfies ReportModel;

    // Act
    const files = renderCsvFiles(model);

    // Assess
    expect(files.map((file) => file.name)).toEqual(['follow-up-rate.csv', 'README.txt']);
    expect(files[1].content).toContain('*  suppressed: the count is between 1 and 10');
    expect(files[1].content).toContain('follow-up-rate.csv — Six-month follow-up rate');
  });
});
