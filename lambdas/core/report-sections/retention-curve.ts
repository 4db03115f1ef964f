/**
 * The retention curve for a funder: the SQL's step estimates read at weekly marks (a
 * coarsened curve hides single-episode steps) and cut where fewer than k episodes remain
 * at risk — a curve's tail over a handful of people is neither private nor reliable.
 */
import type { Row } from '../../adapters/query-engine';
import type { ChartSeries, StepCurveChart } from '../report-content';
import type { ReportUnit } from '../report-tables';

export const ESTIMAND_LABEL: Record<string, string> = {
  not_dropped_out: 'Not dropped out',
  in_treatment: 'Still in treatment',
};

const WEEK = 7;

interface CurveRow {
  day: number;
  atRisk: number;
  estimate: number;
  lower: number | null;
  upper: number | null;
}

function curveRows(rows: readonly Row[], scope: string, estimand: string): CurveRow[] {
  return rows
    .filter((row) => row.scope === scope && row.estimand === estimand)
    .map((row) => ({
      day: Number(row.day),
      atRisk: Number(row.at_risk),
      estimate: Number(row.estimate),
      lower: row.ci_lower === null ? null : Number(row.ci_lower),
      upper: row.ci_upper === null ? null : Number(row.ci_upper),
    }))
    .sort((a, b) => a.day - b.day);
}

/** Number at risk at `day`: episodes whose time is ≥ day, i.e. the first row at or after it. */
function atRiskAt(curve: readonly CurveRow[], day: number): number {
  return curve.find((row) => row.day >= day)?.atRisk ?? 0;
}

/** The last step at or before `day` (the curve starts at 1 with no interval). */
function stepAt(curve: readonly CurveRow[], day: number): CurveRow | undefined {
  let last: CurveRow | undefined;
  for (const row of curve) {
    if (row.day > day) break;
    last = row;
  }
  return last;
}

/** Weekly points while more than `maxCount` episodes are at risk; empty when the cohort itself is small. */
export function publishableCurve(rows: readonly Row[], scope: string, estimand: string, maxCount: number): ChartSeries['points'] {
  const curve = curveRows(rows, scope, estimand);
  if (curve.length === 0 || atRiskAt(curve, 0) <= maxCount) return [];
  // Every curve starts at 100% at admission; a drop on day 0 (never attended) shows as a vertical step there.
  const points: ChartSeries['points'] = [{ x: 0, y: 1 }];
  for (let day = 0; atRiskAt(curve, day) > maxCount; day += WEEK) {
    const step = stepAt(curve, day);
    if (!step) {
      if (day > 0) points.push({ x: day, y: 1 });
      continue;
    }
    points.push({ x: day, y: step.estimate, ...(step.lower !== null && step.upper !== null ? { lower: step.lower, upper: step.upper } : {}) });
  }
  return points;
}

export function retentionChart(rows: readonly Row[], units: readonly ReportUnit[], maxCount: number): StepCurveChart {
  // One clinic: both estimands side by side; several: the headline estimand per clinic.
  const series: ChartSeries[] =
    units.length === 1
      ? Object.entries(ESTIMAND_LABEL).map(([estimand, label]) => ({ label, points: publishableCurve(rows, units[0].id, estimand, maxCount) }))
      : units.map((unit) => ({ label: `${unit.label}: not dropped out`, points: publishableCurve(rows, unit.id, 'not_dropped_out', maxCount) }));
  const shown = series.filter((entry) => entry.points.length > 0);
  const hidden = series.filter((entry) => entry.points.length === 0).map((entry) => entry.label);
  return {
    type: 'step-curve',
    id: 'retention-curve',
    title: 'Retention by days since admission',
    xLabel: 'Days since admission',
    yLabel: 'Share of episodes',
    series: shown,
    markers: [30, 60, 90],
    note: [
      '"Not dropped out": 1 − Aalen–Johansen cumulative incidence of dropout (completion and transfer are competing outcomes). ' +
        '"Still in treatment": Kaplan–Meier, any end of treatment. Shaded: pointwise 95% CI (log–log transform; Greenwood / delta-method variance).',
      `Read at weekly marks; each curve stops when ${maxCount} or fewer episodes remain at risk.`,
      ...(hidden.length > 0 ? [`Not shown (${maxCount} or fewer episodes in the cohort): ${hidden.join(', ')}.`] : []),
    ].join(' '),
  };
}
