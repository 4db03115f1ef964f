/**
 * Abstinence from scheduled drug tests: % negative (missing = positive) beside the
 * observed-only rate and the missing tests, per target; longest abstinence, two
 * consecutive positive-or-missing tests and end-of-treatment abstinence.
 */
import type { ReportBlock } from '../report-content';
import { measureTable, pivotRows, type Measure } from '../report-tables';
import type { SectionContext } from './section-context';

export const TARGET_LABELS: Record<string, string> = {
  any: 'Any substance',
  primary: 'Primary substance',
  alcohol: 'Alcohol',
  opioids: 'Opioids',
  fentanyl: 'Fentanyl',
  buprenorphine: 'Buprenorphine (non-prescribed)',
  methadone: 'Methadone (non-prescribed)',
  cocaine: 'Cocaine',
  amphetamines: 'Amphetamines',
  cannabis: 'Cannabis',
  benzodiazepines: 'Benzodiazepines',
};

export function abstinenceBlocks(context: SectionContext): ReportBlock[] {
  const maxCount = context.settings.suppressionMaxCount;
  const tests = pivotRows(context.rows('abstinence'), ['target']);
  const targets = Object.keys(TARGET_LABELS);
  const testMeasures: Measure[] = targets.flatMap((target): Measure[] => [
    {
      kind: 'rate',
      label: `${TARGET_LABELS[target]}: negative, missing = positive`,
      numerator: `negative_tests:${target}`,
      denominator: `scheduled_tests:${target}`,
      rate: `negative_rate:${target}`,
      lower: `negative_ci_lower:${target}`,
      upper: `negative_ci_upper:${target}`,
    },
    {
      kind: 'rate',
      label: `${TARGET_LABELS[target]}: negative, observed tests only`,
      numerator: `negative_tests:${target}`,
      denominator: `observed_tests:${target}`,
      rate: `observed_negative_rate:${target}`,
      lower: `observed_negative_ci_lower:${target}`,
      upper: `observed_negative_ci_upper:${target}`,
    },
    { kind: 'count', label: `${TARGET_LABELS[target]}: missing tests (missed, refused, invalid)`, column: `missing_tests:${target}` },
  ]);
  const testsTable = measureTable(
    tests,
    context.units,
    {
      id: 'abstinence-tests',
      title: 'Negative drug tests (pooled over scheduled tests)',
      measures: testMeasures,
      columnSums: targets.map((target) => ({ total: `scheduled_tests:${target}`, parts: [`observed_tests:${target}`, `missing_tests:${target}`] })),
      notes: [
        `Scheduled tests between admission and min(discharge, as-of) of admissions ${context.cohorts.admissions.from} to ${context.cohorts.admissions.to}. ` +
          'Conservative rule (NIDA CTN): a missed, refused or invalid test counts as positive; observed-only rates beside it. ' +
          'A prescribed medication (buprenorphine, methadone flagged prescribed) is not illicit use. Wilson 95% intervals.',
      ],
    },
    maxCount,
  ).table;

  const runs = pivotRows(context.rows('abstinence-runs'), ['target']);
  const runMeasures: Measure[] = ['any', 'primary'].flatMap((target): Measure[] => [
    {
      kind: 'stat',
      label: `${TARGET_LABELS[target]}: longest abstinence, median weeks`,
      column: `median_longest_run_weeks:${target}`,
      cellKind: 'weeks',
      basedOn: [`episodes:${target}`],
      base: `episodes:${target}`,
    },
    {
      kind: 'stat',
      label: `${TARGET_LABELS[target]}: longest abstinence, mean weeks`,
      column: `mean_longest_run_weeks:${target}`,
      cellKind: 'weeks',
      basedOn: [`episodes:${target}`],
      base: `episodes:${target}`,
    },
    {
      kind: 'rate',
      label: `${TARGET_LABELS[target]}: ≥ 2 consecutive positive-or-missing tests`,
      numerator: `two_consecutive_positive:${target}`,
      denominator: `episodes:${target}`,
      rate: `two_consecutive_positive_rate:${target}`,
      lower: `two_consecutive_positive_ci_lower:${target}`,
      upper: `two_consecutive_positive_ci_upper:${target}`,
    },
    {
      kind: 'rate',
      label: `${TARGET_LABELS[target]}: abstinent in final ${context.settings.finalWeeks} weeks, completers`,
      numerator: `end_abstinent:${target}`,
      denominator: `end_completers:${target}`,
      rate: `end_completer_rate:${target}`,
      lower: `end_completer_ci_lower:${target}`,
      upper: `end_completer_ci_upper:${target}`,
    },
    {
      kind: 'rate',
      label: `${TARGET_LABELS[target]}: abstinent in final ${context.settings.finalWeeks} weeks, all discharged (non-completion = not abstinent)`,
      numerator: `end_abstinent:${target}`,
      denominator: `end_discharged:${target}`,
      rate: `end_itt_rate:${target}`,
      lower: `end_itt_ci_lower:${target}`,
      upper: `end_itt_ci_upper:${target}`,
    },
  ]);
  const runsTable = measureTable(
    runs,
    context.units,
    {
      id: 'abstinence-duration',
      title: 'Longest abstinence and end-of-treatment abstinence',
      measures: runMeasures,
      notes: [
        'Longest abstinence: longest run of consecutive scheduled tests all negative (a missing test breaks the run), in weeks; "of N" = episodes with scheduled tests. ' +
          `End of treatment: every scheduled test in the final ${context.settings.finalWeeks} weeks before discharge negative; open episodes are in neither denominator.`,
      ],
    },
    maxCount,
  ).table;
  return [
    { type: 'table', table: testsTable },
    { type: 'table', table: runsTable },
  ];
}
