/**
 * Treatment dose (ASAM 2.1): share of client-weeks meeting the weekly-hours threshold,
 * hours per week and in the first 30 days; attendance and no-shows by session type.
 */
import type { ReportBlock } from '../report-content';
import { measureTable, pivotRows, type Measure } from '../report-tables';
import type { SectionContext } from './section-context';

const AGE_GROUPS: Record<string, string> = { all: 'All clients', adult: 'Adults', adolescent: 'Adolescents (under 18)' };

export const SESSION_TYPE_LABELS: Record<string, string> = {
  group: 'Group',
  individual: 'Individual',
  cbt: 'CBT',
  family: 'Family',
  workshop: 'Workshop',
  education: 'Education',
  other: 'Other',
};

export function doseBlocks(context: SectionContext): ReportBlock[] {
  const { settings } = context;
  const maxCount = settings.suppressionMaxCount;
  const weeks = pivotRows(context.rows('dose-weeks'), ['age_group']);
  const weekMeasures: Measure[] = Object.entries(AGE_GROUPS).flatMap(([group, label]): Measure[] => [
    {
      kind: 'rate',
      label: `${label}: weeks meeting the ASAM 2.1 dose`,
      numerator: `weeks_meeting_target:${group}`,
      denominator: `client_weeks:${group}`,
      rate: `weeks_meeting_target_rate:${group}`,
      lower: `weeks_meeting_target_ci_lower:${group}`,
      upper: `weeks_meeting_target_ci_upper:${group}`,
    },
    { kind: 'stat', label: `${label}: hours per week, median`, column: `median_weekly_hours:${group}`, cellKind: 'hours', basedOn: [`client_weeks:${group}`, `episodes:${group}`], base: `client_weeks:${group}` },
    { kind: 'stat', label: `${label}: hours per week, mean`, column: `mean_weekly_hours:${group}`, cellKind: 'hours', basedOn: [`client_weeks:${group}`, `episodes:${group}`], base: `client_weeks:${group}` },
    {
      kind: 'stat',
      label: `${label}: hours in the first 30 days, median`,
      column: `median_first_30_days_hours:${group}`,
      cellKind: 'hours',
      basedOn: [`first_30_days_episodes:${group}`],
      base: `first_30_days_episodes:${group}`,
    },
  ]);
  const weeksTable = measureTable(
    weeks,
    context.units,
    {
      id: 'dose-weeks',
      title: 'Weekly treatment hours',
      measures: weekMeasures,
      remainders: Object.keys(AGE_GROUPS).map((group) => ({ name: `no_first_30_days:${group}`, whole: `episodes:${group}`, parts: [`first_30_days_episodes:${group}`] })),
      columnSums: [
        { total: 'client_weeks:all', parts: ['client_weeks:adult', 'client_weeks:adolescent'] },
        { total: 'weeks_meeting_target:all', parts: ['weeks_meeting_target:adult', 'weeks_meeting_target:adolescent'] },
      ],
      notes: [
        `Client-weeks: ISO weeks between admission and min(discharge, as-of); partial first and last weeks are left out. ASAM 2.1 dose: ≥ ${settings.adultWeeklyHours} h a week ` +
          `for adults, ≥ ${settings.adolescentWeeklyHours} h for adolescents. "of N" = client-weeks (hours per week) or episodes (first 30 days).`,
      ],
    },
    maxCount,
  ).table;

  const sessions = pivotRows(context.rows('dose'), ['session_type']);
  const types = Object.keys(SESSION_TYPE_LABELS);
  const sessionMeasures: Measure[] = [
    { kind: 'rate', label: 'All sessions: attended', numerator: 'attended:all', denominator: 'scheduled:all', rate: 'attendance_rate:all', lower: 'attendance_ci_lower:all', upper: 'attendance_ci_upper:all' },
    { kind: 'rate', label: 'All sessions: no-show', numerator: 'no_show:all', denominator: 'scheduled:all', rate: 'no_show_rate:all', lower: 'no_show_ci_lower:all', upper: 'no_show_ci_upper:all' },
    { kind: 'count', label: 'All sessions: excused absences', column: 'excused:all' },
    { kind: 'count', label: 'Sessions cancelled by the clinic (not counted)', column: 'cancelled_by_clinic:all' },
    ...types.map((type): Measure => ({
      kind: 'rate',
      label: `${SESSION_TYPE_LABELS[type]}: attended`,
      numerator: `attended:${type}`,
      denominator: `scheduled:${type}`,
      rate: `attendance_rate:${type}`,
      lower: `attendance_ci_lower:${type}`,
      upper: `attendance_ci_upper:${type}`,
    })),
  ];
  const sessionsTable = measureTable(
    sessions,
    context.units,
    {
      id: 'attendance',
      title: 'Attendance by session type',
      measures: sessionMeasures,
      columnSums: ['scheduled', 'attended', 'no_show', 'excused'].map((column) => ({ total: `${column}:all`, parts: types.map((type) => `${column}:${type}`) })),
      notes: [
        'Attendance rate = attended ÷ scheduled (attended + no-show + excused); sessions the clinic cancelled are left out. Wilson 95% intervals.',
      ],
    },
    maxCount,
  ).table;
  return [
    { type: 'table', table: weeksTable },
    { type: 'table', table: sessionsTable },
  ];
}
