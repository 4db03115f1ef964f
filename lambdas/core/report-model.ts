/**
 * Builds a funder report's model from metric query rows: picks the reported clinics'
 * rows, suppresses every table with the shared module, lays out sections and the
 * methods appendix. No metric is computed here; every number is a query's.
 */
import type { FunderProfile, ReportPeriod, ReportSection } from './funder-profile';
import type { ReportModel, ReportSectionContent } from './report-content';
import type { ReportUnit } from './report-tables';
import type { MetricSettings } from './settings';
import { methodsSection } from './report-sections/methods';
import { followedByScope, followUpTable, intakeVsFollowUpChart, matchedPairsTable, suppressOutcomes } from './report-sections/outcomes';
import { abstinenceBlocks } from './report-sections/abstinence';
import { dataCompletenessTable } from './report-sections/data-completeness';
import { doseBlocks } from './report-sections/dose';
import { goalsTable } from './report-sections/goals';
import { dischargeBlocks, intakeBlocks } from './report-sections/intake-discharge';
import { retentionChart } from './report-sections/retention-curve';
import { retentionSummaryTable } from './report-sections/retention-summary';
import { type CohortKind, type ReportCohorts, type ReportInputs, requireRows, type SectionContext } from './report-sections/section-context';

export type { ReportInputs, CohortKind, ReportCohorts } from './report-sections/section-context';

export const SECTION_TITLES: Record<ReportSection, string> = {
  'intake-discharge': 'Intake coverage and discharge mix',
  retention: 'Retention',
  abstinence: 'Abstinence (drug tests)',
  dose: 'Treatment dose and attendance',
  goals: 'Treatment-plan goals',
  outcomes: 'Six-month outcomes',
  completers: 'Completers and non-completers',
  'data-completeness': 'Data completeness',
};

/** Metric files each section reads, and the cohort each is run for. */
export const SECTION_QUERIES: Record<ReportSection, { name: string; cohort: CohortKind }[]> = {
  'intake-discharge': [
    { name: 'engagement', cohort: 'admissions' },
    { name: 'early-dropout', cohort: 'admissions' },
    { name: 'completion', cohort: 'discharges-in-period' },
  ],
  retention: [
    { name: 'retention', cohort: 'admissions' },
    { name: 'retention-summary', cohort: 'admissions' },
  ],
  abstinence: [
    { name: 'abstinence', cohort: 'admissions' },
    { name: 'abstinence-runs', cohort: 'admissions' },
  ],
  dose: [
    { name: 'dose-weeks', cohort: 'admissions' },
    { name: 'dose', cohort: 'admissions' },
  ],
  goals: [{ name: 'goals', cohort: 'admissions' }],
  outcomes: [
    { name: 'follow-up', cohort: 'follow-up-due' },
    { name: 'outcomes', cohort: 'follow-up-due' },
  ],
  completers: [{ name: 'outcomes', cohort: 'follow-up-due' }],
  'data-completeness': [
    { name: 'data-quality', cohort: 'admissions' },
    { name: 'abstinence', cohort: 'admissions' },
  ],
};

export function queriesForSections(sections: readonly ReportSection[]): { name: string; cohort: CohortKind }[] {
  const seen = new Map<string, CohortKind>();
  for (const section of sections) {
    for (const query of SECTION_QUERIES[section]) {
      const earlier = seen.get(query.name);
      if (earlier && earlier !== query.cohort) throw new Error(`metric ${query.name} is needed for two cohorts; give each its own input key`);
      seen.set(query.name, query.cohort);
    }
  }
  return [...seen].map(([name, cohort]) => ({ name, cohort }));
}

export function reportUnits(profile: FunderProfile): ReportUnit[] {
  if (profile.clinics === 'all') return [{ id: 'all', label: 'All clinics' }];
  return profile.clinics.map((clinic) => ({ id: clinic, label: clinic }));
}

export interface ReportModelContext {
  profile: FunderProfile;
  period: ReportPeriod;
  cohorts: ReportCohorts;
  generatedAt: string;
  softwareVersion: string;
  definitionsVersion: string;
  settings: MetricSettings;
}

export function buildReportModel(inputs: ReportInputs, context: ReportModelContext): ReportModel {
  const units = reportUnits(context.profile);
  const section: SectionContext = {
    profile: context.profile,
    period: context.period,
    cohorts: context.cohorts,
    units,
    settings: context.settings,
    rows: (name) => requireRows(inputs, name),
  };
  const maxCount = context.settings.suppressionMaxCount;
  // Outcomes and completers read one suppression of the outcome rows (their cells share margins).
  let outcomes: ReturnType<typeof suppressOutcomes> | undefined;
  // The follow-up count is tied to the pairs only where the follow-up table is printed.
  const printsFollowUp = context.profile.sections.includes('outcomes');
  const suppressedOutcomes = () =>
    (outcomes ??= suppressOutcomes(section.rows('outcomes'), units, maxCount, printsFollowUp ? followedByScope(section) : undefined));

  const builders: Partial<Record<ReportSection, () => ReportSectionContent['blocks']>> = {
    'intake-discharge': () => [...intakeBlocks(section), ...dischargeBlocks(section)],
    retention: () => [
      { type: 'chart', chart: retentionChart(section.rows('retention'), units, maxCount) },
      { type: 'table', table: retentionSummaryTable(section) },
    ],
    abstinence: () => abstinenceBlocks(section),
    dose: () => doseBlocks(section),
    goals: () => [{ type: 'table', table: goalsTable(section) }],
    'data-completeness': () => [{ type: 'table', table: dataCompletenessTable(section) }],
    outcomes: () => [
      { type: 'table', table: followUpTable(section, suppressedOutcomes()) },
      { type: 'table', table: matchedPairsTable(suppressedOutcomes(), units, ['all'], 'outcomes-matched-pairs', 'Intake vs six-month follow-up (matched pairs)') },
      ...units.map((unit) => ({ type: 'chart' as const, chart: intakeVsFollowUpChart(suppressedOutcomes(), unit) })),
    ],
    completers: () => [
      {
        type: 'table',
        table: matchedPairsTable(suppressedOutcomes(), units, ['completers', 'non_completers'], 'outcomes-completers', 'Six-month outcomes: completers vs non-completers'),
      },
    ],
  };

  const sections: ReportSectionContent[] = context.profile.sections.map((id) => {
    const build = builders[id];
    if (!build) throw new Error(`report section "${id}" has no builder yet; remove it from funder profile "${context.profile.id}"`);
    return { id, title: SECTION_TITLES[id], blocks: build() };
  });
  sections.push(methodsSection(section, context));

  return {
    funder: { id: context.profile.id, name: context.profile.name },
    period: context.period,
    cohort: context.cohorts.admissions,
    units,
    programId: context.profile.programId,
    generatedAt: context.generatedAt,
    softwareVersion: context.softwareVersion,
    suppressionMaxCount: maxCount,
    sections,
  };
}
