/**
 * Data completeness: how much was recorded, corrected, retracted or sent late, and how many
 * scheduled drug tests have no result — what a funder needs to judge the other numbers.
 */
import type { ReportTable } from '../report-content';
import { measureTable, pivotRows } from '../report-tables';
import type { SectionContext } from './section-context';

export function dataCompletenessTable(context: SectionContext): ReportTable {
  const quality = context.rows('data-quality');
  const tests = pivotRows(context.rows('abstinence'), ['target']);
  const merged = quality.map((row) => ({ ...(tests.find((candidate) => candidate.scope === row.scope) ?? {}), ...row }));
  return measureTable(
    merged,
    context.units,
    {
      id: 'data-completeness',
      title: 'Data completeness and corrections',
      measures: [
        { kind: 'count', label: 'Events on record (latest versions)', column: 'events' },
        { kind: 'count', label: 'Events corrected at least once', column: 'corrections' },
        { kind: 'count', label: 'Events retracted by the clinic', column: 'retractions' },
        { kind: 'count', label: 'Events received late', column: 'late_events' },
        { kind: 'count', label: 'Scheduled drug tests', column: 'scheduled_tests:any' },
        { kind: 'count', label: 'Scheduled drug tests without a result (missed, refused, invalid)', column: 'missing_tests:any' },
      ],
      columnSums: [{ total: 'scheduled_tests:any', parts: ['observed_tests:any', 'missing_tests:any'] }],
      notes: [
        `Events of every kind received up to ${context.period.asOf}. A late event arrived more than the configured number of days after the date it describes; ` +
          'corrections and retractions are kept in the lake, and every figure in this report uses the latest version.',
      ],
    },
    context.settings.suppressionMaxCount,
  ).table;
}
