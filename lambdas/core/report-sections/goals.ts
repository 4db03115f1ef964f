/** Treatment-plan goals by life domain: completed, abandoned, days to completion, revisions. */
import type { ReportTable } from '../report-content';
import { measureTable, pivotRows, type Measure } from '../report-tables';
import type { SectionContext } from './section-context';

export const GOAL_DOMAIN_LABELS: Record<string, string> = {
  all: 'All domains',
  sobriety: 'Sobriety',
  employment: 'Employment',
  housing: 'Housing',
  health: 'Health',
  family: 'Family',
  education: 'Education',
  legal: 'Legal',
  other: 'Other',
};

export function goalsTable(context: SectionContext): ReportTable {
  const pivoted = pivotRows(context.rows('goals'), ['domain']);
  const domains = Object.keys(GOAL_DOMAIN_LABELS);
  const parts = domains.filter((domain) => domain !== 'all');
  const measures: Measure[] = [
    { kind: 'count', label: 'Episodes in the cohort', column: 'episodes:all' },
    { kind: 'count', label: 'Episodes with at least one goal', column: 'episodes_with_goals:all' },
    ...domains.flatMap((domain): Measure[] => [
      {
        kind: 'rate',
        label: `${GOAL_DOMAIN_LABELS[domain]}: goals completed`,
        numerator: `completed:${domain}`,
        denominator: `goals:${domain}`,
        rate: `completion_rate:${domain}`,
        lower: `completion_ci_lower:${domain}`,
        upper: `completion_ci_upper:${domain}`,
      },
      {
        kind: 'rate',
        label: `${GOAL_DOMAIN_LABELS[domain]}: goals abandoned`,
        numerator: `abandoned:${domain}`,
        denominator: `goals:${domain}`,
        rate: `abandoned_rate:${domain}`,
        lower: `abandoned_ci_lower:${domain}`,
        upper: `abandoned_ci_upper:${domain}`,
      },
      {
        kind: 'stat',
        label: `${GOAL_DOMAIN_LABELS[domain]}: median days from set to completed`,
        column: `median_days_to_complete:${domain}`,
        cellKind: 'days',
        basedOn: [`completed:${domain}`],
        base: `completed:${domain}`,
      },
    ]),
  ];
  return measureTable(
    pivoted,
    context.units,
    {
      id: 'goals',
      title: 'Treatment-plan goals by domain',
      measures,
      remainders: [{ name: 'episodes_without_goals', whole: 'episodes:all', parts: ['episodes_with_goals:all'] }],
      columnSums: ['goals', 'completed', 'abandoned'].map((column) => ({ total: `${column}:all`, parts: parts.map((domain) => `${column}:${domain}`) })),
      notes: [
        `Goals set in episodes admitted ${context.cohorts.admissions.from} to ${context.cohorts.admissions.to}, status at ${context.period.asOf}. ` +
          'Revised goals stay one goal; abandoned goals are not completions. Wilson 95% intervals.',
      ],
    },
    context.settings.suppressionMaxCount,
  ).table;
}
