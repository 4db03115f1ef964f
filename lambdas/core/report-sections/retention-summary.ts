/**
 * Retention at 30/60/90 days for both estimands with their intervals and numbers at risk,
 * the naive share over fully observed admissions, and the median time in treatment.
 */
import type { ReportTable } from '../report-content';
import { measureTable, pivotRows, type Measure } from '../report-tables';
import { ESTIMAND_LABEL } from './retention-curve';
import type { SectionContext } from './section-context';

const HORIZONS = [30, 60, 90];

export function retentionSummaryTable(context: SectionContext): ReportTable {
  const pivoted = pivotRows(context.rows('retention-summary'), ['estimand', 'day']);
  const measures: Measure[] = [];
  for (const [estimand, label] of Object.entries(ESTIMAND_LABEL)) {
    for (const day of HORIZONS) {
      const at = `${estimand}:${day}`;
      measures.push({
        kind: 'stat',
        label: `${label} at ${day} days`,
        column: `estimate:${at}`,
        cellKind: 'estimate',
        lower: `ci_lower:${at}`,
        upper: `ci_upper:${at}`,
        base: `at_risk:${at}`,
        // An estimate resting on 10 or fewer at risk is hidden, like the curve's tail.
        basedOn: [`episodes:${at}`, `at_risk:${at}`],
      });
    }
    for (const day of HORIZONS) {
      const at = `${estimand}:${day}`;
      measures.push({
        kind: 'rate',
        label: `${label} at ${day} days, naive (admitted ≥ ${day} days before as-of)`,
        numerator: `naive_retained:${at}`,
        denominator: `naive_eligible:${at}`,
        rate: `naive_rate:${at}`,
        lower: `naive_ci_lower:${at}`,
        upper: `naive_ci_upper:${at}`,
      });
    }
    measures.push({
      kind: 'stat',
      label: `Median days, ${label.toLowerCase()}`,
      column: `median_days:${estimand}:30`,
      cellKind: 'days',
      basedOn: [`episodes:${estimand}:30`],
      base: `episodes:${estimand}:30`,
      nullTextColumn: `median_status:${estimand}:30`,
    });
  }
  // Episodes − at risk at 30, at risk at 30 − at 60, …: people who left in between, derivable by subtraction.
  const remainders = Object.keys(ESTIMAND_LABEL).flatMap((estimand) => [
    { name: `left_by:${estimand}:30`, whole: `episodes:${estimand}:30`, parts: [`at_risk:${estimand}:30`] },
    { name: `left_by:${estimand}:60`, whole: `at_risk:${estimand}:30`, parts: [`at_risk:${estimand}:60`] },
    { name: `left_by:${estimand}:90`, whole: `at_risk:${estimand}:60`, parts: [`at_risk:${estimand}:90`] },
    ...HORIZONS.map((day) => ({ name: `too_recent:${estimand}:${day}`, whole: `episodes:${estimand}:${day}`, parts: [`naive_eligible:${estimand}:${day}`] })),
  ]);
  return measureTable(
    pivoted,
    context.units,
    {
      id: 'retention-30-60-90',
      title: 'Retention at 30, 60 and 90 days',
      measures,
      remainders,
      notes: [
        `Admissions ${context.cohorts.admissions.from} to ${context.cohorts.admissions.to}. Estimates: "of N" is the number still at risk at the horizon; ` +
          'intervals are pointwise 95% (log–log). Naive shares use Wilson intervals and only admissions old enough to be fully observed.',
      ],
    },
    context.settings.suppressionMaxCount,
  ).table;
}
