/**
 * Intake coverage (admissions, IET-analogue initiation and engagement, no return after
 * intake) and the period's discharge mix and length of stay beside TEDS-D 2004.
 */
import type { Row } from '../../adapters/query-engine';
import type { BarChart, ReportBlock } from '../report-content';
import { measureTable, pivotRows, type Measure, type ReportUnit } from '../report-tables';
import type { SuppressedTable } from '../suppression';
import type { SectionContext } from './section-context';

/** Reasons as reported, with the TEDS groupings that are sums of them. */
export const DISCHARGE_REASON_LABELS: Record<string, string> = {
  completed: 'Completed',
  transferred: 'Transferred',
  completed_or_transferred: 'Completed or transferred',
  dropped_out: 'Dropped out',
  terminated: 'Terminated',
  incarcerated: 'Incarcerated',
  died: 'Died',
  other: 'Other',
  other_teds: 'Other (TEDS: incarcerated, died, other)',
};

const SINGLE_REASONS = ['completed', 'transferred', 'dropped_out', 'terminated', 'incarcerated', 'died', 'other'];

/** TEDS categories drawn in the chart (its "other" is our incarcerated + died + other). */
const CHART_REASONS = ['completed', 'transferred', 'dropped_out', 'terminated', 'other_teds'];

export function intakeBlocks(context: SectionContext): ReportBlock[] {
  const maxCount = context.settings.suppressionMaxCount;
  const { from, to } = context.cohorts.admissions;
  // Both files count the same admissions; they are suppressed together so "admissions" is one number.
  const merged = mergeByScope(context.rows('engagement'), context.rows('early-dropout'));
  const table = measureTable(
    merged,
    context.units,
    {
      id: 'intake-engagement',
      title: 'Admissions, initiation and engagement (IET analogue)',
      measures: [
        { kind: 'count', label: 'Admissions', column: 'admissions' },
        { kind: 'rate', label: `Initiation: first session within ${context.settings.initiationDays} days`, numerator: 'initiated', denominator: 'initiation_eligible', rate: 'initiation_rate', lower: 'initiation_ci_lower', upper: 'initiation_ci_upper' },
        { kind: 'rate', label: `Engagement: ≥ 2 further sessions within ${context.settings.engagementDays} days`, numerator: 'engaged', denominator: 'engagement_eligible', rate: 'engagement_rate', lower: 'engagement_ci_lower', upper: 'engagement_ci_upper' },
        { kind: 'rate', label: 'No return after intake (one session only)', numerator: 'no_return', denominator: 'eligible', rate: 'no_return_rate', lower: 'no_return_ci_lower', upper: 'no_return_ci_upper' },
        { kind: 'rate', label: 'Never attended a session', numerator: 'never_attended', denominator: 'eligible', rate: 'never_attended_rate', lower: 'never_attended_ci_lower', upper: 'never_attended_ci_upper' },
        { kind: 'rate', label: 'Dropped out within 30 days', numerator: 'early_dropouts', denominator: 'eligible', rate: 'early_dropout_rate', lower: 'early_dropout_ci_lower', upper: 'early_dropout_ci_upper' },
      ],
      // Admissions too recent for a measure are a small count a reader could subtract.
      remainders: [
        { name: 'not_yet_initiation_eligible', whole: 'admissions', parts: ['initiation_eligible'] },
        { name: 'not_yet_engagement_eligible', whole: 'admissions', parts: ['engagement_eligible'] },
        { name: 'not_yet_eligible', whole: 'admissions', parts: ['eligible'] },
      ],
      notes: [
        `Admissions ${from} to ${to}. "IET analogue": program data only, not the HEDIS measure (which needs cross-provider claims). ` +
          'Each rate counts only admissions old enough to be fully observed. Wilson 95% intervals.',
      ],
    },
    maxCount,
  ).table;
  return [{ type: 'table', table }];
}

export function dischargeBlocks(context: SectionContext): ReportBlock[] {
  const maxCount = context.settings.suppressionMaxCount;
  const rows = context.rows('completion');
  const pivoted = pivotRows(rows, ['reason']);
  const teds = (reason: string) => benchmark(rows, reason, 'teds_share');
  const columnSums = [
    { total: 'discharges:all', parts: SINGLE_REASONS.map((reason) => `discharges:${reason}`) },
    { total: 'discharges:completed_or_transferred', parts: ['discharges:completed', 'discharges:transferred'] },
    { total: 'discharges:other_teds', parts: ['discharges:incarcerated', 'discharges:died', 'discharges:other'] },
  ];
  const mix: Measure[] = [
    { kind: 'count', label: 'All discharges', column: 'discharges:all' },
    ...Object.entries(DISCHARGE_REASON_LABELS).map(([reason, label]): Measure => ({
      kind: 'rate',
      label,
      numerator: `discharges:${reason}`,
      denominator: 'discharges:all',
      rate: `share:${reason}`,
      lower: `share_ci_lower:${reason}`,
      upper: `share_ci_upper:${reason}`,
      benchmark: teds(reason),
    })),
  ];
  const mixResult = measureTable(
    pivoted,
    context.units,
    {
      id: 'discharge-mix',
      title: `Discharges ${context.period.start} to ${context.period.end} by reason`,
      measures: mix,
      columnSums,
      benchmarkLabel: 'TEDS 2004',
      notes: ['Share of all discharges in the period (TEDS convention; completion rate = "Completed"). Wilson 95% intervals. TEDS-D 2004, IOP discharges, n = 114,440.'],
    },
    maxCount,
  );
  const losReasons = ['all', 'completed', 'transferred', 'dropped_out', 'terminated', 'other_teds'];
  const los = measureTable(
    pivoted,
    context.units,
    {
      id: 'length-of-stay',
      title: 'Length of stay (days), median by discharge reason',
      measures: losReasons.map((reason): Measure => ({
        kind: 'stat',
        label: reason === 'all' ? 'All discharges' : DISCHARGE_REASON_LABELS[reason],
        column: `los_median_days:${reason}`,
        cellKind: 'days',
        basedOn: [`discharges:${reason}`],
        base: `discharges:${reason}`,
      })),
      columnSums,
      notes: [
        'Length of stay (TEDS outpatient) = min(last attended session, discharge) − admission + 1 days. ' +
          `TEDS-D 2004 medians: all ${benchmark(rows, 'all', 'teds_median_los_days') ?? 'n/a'}, completed ${benchmark(rows, 'completed', 'teds_median_los_days') ?? 'n/a'}, dropped out ${benchmark(rows, 'dropped_out', 'teds_median_los_days') ?? 'n/a'} days.`,
      ],
    },
    maxCount,
  );
  return [
    { type: 'table', table: mixResult.table },
    ...context.units.map((unit, index) => ({ type: 'chart' as const, chart: dischargeChart(mixResult.suppressed, unit, index, rows) })),
    { type: 'table', table: los.table },
  ];
}

function dischargeChart(suppressed: SuppressedTable, unit: ReportUnit, index: number, rows: readonly Row[]): BarChart {
  const row = suppressed.rows[index];
  const share = (reason: string) => {
    if (suppressed.reasonOf(unit.id, `share:${reason}`)) return null;
    const value = row[`share:${reason}`];
    return typeof value === 'number' ? value : null;
  };
  return {
    type: 'bars',
    id: `discharge-mix-chart-${unit.id}`,
    title: `Discharge mix vs TEDS 2004 — ${unit.label}`,
    categories: CHART_REASONS.map((reason) => DISCHARGE_REASON_LABELS[reason]),
    groups: [
      { label: unit.label, values: CHART_REASONS.map(share) },
      { label: 'TEDS 2004 IOP', values: CHART_REASONS.map((reason) => benchmark(rows, reason, 'teds_share') ?? null) },
    ],
    note: 'Share of discharges in the period. * = suppressed (small count).',
  };
}

/** Published benchmark values ride along in the query's rows (one value per reason, any scope). */
function benchmark(rows: readonly Row[], reason: string, column: string): number | undefined {
  const value = rows.find((row) => row.reason === reason)?.[column];
  return typeof value === 'number' ? value : undefined;
}

/** Joins two per-scope files on scope; both must agree on columns they share (admissions). */
function mergeByScope(first: readonly Row[], second: readonly Row[]): Row[] {
  const scopes = [...new Set([...first, ...second].map((row) => String(row.scope)))];
  return scopes.map((scope) => {
    const a = first.find((row) => row.scope === scope) ?? {};
    const b = second.find((row) => row.scope === scope) ?? {};
    if (a.admissions !== undefined && b.admissions !== undefined && a.admissions !== b.admissions) {
      throw new Error(`report model: engagement and early-dropout disagree on admissions for scope ${scope} (${a.admissions} vs ${b.admissions})`);
    }
    return { ...b, ...a, scope };
  });
}
