import type { Row } from '../../lambdas/adapters/query-engine';
import { funderProfileSchema, parsePeriod, type FunderProfileInput } from '../../lambdas/core/funder-profile';
import { buildReportModel, queriesForSections, type ReportInputs } from '../../lambdas/core/report-model';
import { reportTables, type ReportModel, type ReportTable } from '../../lambdas/core/report-content';
import { DEFAULT_METRIC_SETTINGS } from '../../lambdas/core/settings';

const PERIOD = parsePeriod('2026-Q2');

function profile(overrides: Partial<FunderProfileInput> = {}) {
  return funderProfileSchema.parse({
    id: 'state-sor',
    name: 'State SOR grant',
    clinics: 'all',
    sections: ['retention', 'outcomes', 'completers'],
    periodKind: 'quarter',
    schedule: { cron: 'cron(0 7 10 1,4,7,10 ? *)', timeZone: 'America/New_York' },
    delivery: { channel: 'sns' },
    ...overrides,
  });
}

function followUpRow(scope: string, due: number, followed: number, extra: Partial<Row> = {}): Row {
  return {
    scope,
    episodes: due + 5,
    due,
    followed,
    deceased_excluded: 0,
    completed_outside_window: 0,
    follow_up_rate: due === 0 ? null : followed / due,
    follow_up_ci_lower: due === 0 ? null : followed / due - 0.1,
    follow_up_ci_upper: due === 0 ? null : followed / due + 0.05,
    ...extra,
  };
}

const DOMAINS = ['abstinent', 'employed_or_in_school', 'no_arrests', 'stably_housed', 'social_support'];

/** Outcome rows of one scope where group 'all' = completers + non-completers (no open episodes). */
function outcomeRows(scope: string, completers: number[], nonCompleters: number[]): Row[] {
  // [pairs, intake_yes, follow_up_yes, yes_to_no, no_to_yes]
  const row = (group: string, domain: string, [pairs, intakeYes, followYes, yesToNo, noToYes]: number[]): Row => ({
    scope,
    completion_group: group,
    domain,
    pairs,
    intake_yes: intakeYes,
    follow_up_yes: followYes,
    intake_rate: pairs ? intakeYes / pairs : null,
    intake_ci_lower: pairs ? 0.1 : null,
    intake_ci_upper: pairs ? 0.9 : null,
    follow_up_rate: pairs ? followYes / pairs : null,
    follow_up_ci_lower: pairs ? 0.2 : null,
    follow_up_ci_upper: pairs ? 0.95 : null,
    change_points: pairs ? (100 * (followYes - intakeYes)) / pairs : null,
    relative_change_pct: intakeYes ? (100 * (followYes - intakeYes)) / intakeYes : null,
    yes_to_no: yesToNo,
    no_to_yes: noToYes,
    mcnemar_statistic: 1.5,
    mcnemar_p_value: 0.0123,
  });
  return DOMAINS.flatMap((domain) => {
    const total = completers.map((value, index) => value + nonCompleters[index]);
    return [row('all', domain, total), row('completers', domain, completers), row('non_completers', domain, nonCompleters)];
  });
}

function retentionRows(scope: string, n: number): Row[] {
  // One dropout per day for n days: estimate falls linearly, at_risk = n − day + 1.
  return Array.from({ length: n }, (_, index) => {
    const day = index + 1;
    const atRisk = n - index;
    const estimate = (n - day) / n;
    return { scope, estimand: 'not_dropped_out', day, at_risk: atRisk, events: 1, competing: 0, censored: 0, estimate, ci_lower: Math.max(0, estimate - 0.1), ci_upper: Math.min(1, estimate + 0.1), ci_transform: 'log-log' };
  });
}

function retentionSummaryRows(scope: string, episodes: number, atRisk: [number, number, number]): Row[] {
  return ['in_treatment', 'not_dropped_out'].flatMap((estimand) =>
    [30, 60, 90].map((day, index) => ({
      scope,
      estimand,
      day,
      episodes,
      at_risk: atRisk[index],
      estimate: 0.9 - index * 0.2,
      ci_lower: 0.8 - index * 0.2,
      ci_upper: 0.95 - index * 0.2,
      naive_eligible: episodes - 5,
      naive_retained: Math.round((episodes - 5) * (0.9 - index * 0.2)),
      naive_rate: Math.round((episodes - 5) * (0.9 - index * 0.2)) / (episodes - 5),
      naive_ci_lower: 0.5,
      naive_ci_upper: 0.95,
      median_days: null,
      median_status: 'not reached',
      ci_transform: 'log-log',
    })),
  );
}

function build(inputs: ReportInputs, overrides: Partial<FunderProfileInput> = {}): ReportModel {
  return buildReportModel(inputs, {
    profile: profile(overrides),
    period: PERIOD,
    cohorts: { admissions: { from: '2025-07-01', to: '2026-06-30' }, 'follow-up-due': { from: '2024-11-01', to: '2025-10-31' } },
    generatedAt: '2026-07-10T11:00:00.000Z',
    softwareVersion: '0.1.0',
    definitionsVersion: 'abc123',
    settings: DEFAULT_METRIC_SETTINGS,
  });
}

function table(model: ReportModel, id: string): ReportTable {
  const found = reportTables(model).find((candidate) => candidate.id === id);
  if (!found) throw new Error(`no table ${id}`);
  return found;
}

const inputs: ReportInputs = {
  retention: [...retentionRows('all', 60), ...retentionRows('clinic-a', 40)],
  'retention-summary': [...retentionSummaryRows('all', 60, [45, 30, 8]), ...retentionSummaryRows('clinic-a', 40, [30, 20, 5])],
  'follow-up': [followUpRow('all', 120, 90), followUpRow('clinic-a', 60, 50), followUpRow('clinic-b', 8, 5)],
  outcomes: [
    ...outcomeRows('all', [40, 20, 30, 4, 14], [30, 12, 15, 6, 9]),
    ...outcomeRows('clinic-a', [25, 12, 20, 3, 11], [15, 6, 9, 2, 5]),
  ],
};

describe('buildReportModel', () => {
  it('should show the follow-up rate of the network exactly as the query returned it, beside the 80% target', () => {
    // Prepare / Act
    const model = build(inputs);

    // Assess
    const followUp = table(model, 'follow-up-rate');
    const [rateRow] = followUp.rows;
    expect(rateRow.map((cell) => cell.value)).toEqual(['Follow-ups completed in window', 90, 120, 0.75, [0.65, 0.8], 0.8]);
    expect(rateRow[3].text).toBe('75.0%');
    expect(rateRow[5].text).toBe('80.0%');
  });

  it('should suppress a clinic whose follow-up counts are 1-10, rate and interval included, and explain the mark', () => {
    // Prepare / Act
    const model = build(inputs, { clinics: ['clinic-a', 'clinic-b'] });

    // Assess
    const followUp = table(model, 'follow-up-rate');
    const clinicB = followUp.rows.find((row) => row[0].text === 'Follow-ups completed in window' && row[1].text === 'clinic-b')!;
    expect(clinicB.slice(2, 6).map((cell) => cell.suppressed)).toEqual(['primary', 'primary', 'primary', 'primary']);
    expect(clinicB.slice(2, 6).map((cell) => cell.text)).toEqual(['*', '*', '*', '*']);
    expect(followUp.notes.some((note) => note.includes('1–10'))).toBe(true);
  });

  it('should never show a count from 1 to 10 in any count column of any table', () => {
    // Prepare / Act
    const models = [build(inputs), build(inputs, { clinics: ['clinic-a', 'clinic-b'] })];

    // Assess
    for (const model of models) {
      for (const reportTable of reportTables(model)) {
        reportTable.columns.forEach((column, index) => {
          if (column.kind !== 'count') return;
          for (const row of reportTable.rows) {
            const value = row[index].value;
            if (typeof value === 'number') expect(value === 0 || value > DEFAULT_METRIC_SETTINGS.suppressionMaxCount).toBe(true);
          }
        });
      }
    }
  });

  it('should protect non-completers when everyone = completers + non-completers would reveal a suppressed cell', () => {
    // Prepare: clinic-a non-completers have 2 yes→no pairs and 5 no→yes; pairs 15.
    const model = build(inputs, { clinics: ['clinic-a'] });

    // Act
    const completers = table(model, 'outcomes-completers');
    const everyone = table(model, 'outcomes-matched-pairs');

    // Assess: McNemar p of non-completers rests on counts 2 and 5: suppressed as primary.
    const abstinentNonCompleters = completers.rows.find((row) => row[0].text.startsWith('Abstinent') && row[1].text === 'Non-completers')!;
    expect(abstinentNonCompleters[8].suppressed).toBe('primary');
    // Non-completers' intake-yes count of 6 is small, so its rate is hidden; "everyone" minus completers must not give it back.
    expect(abstinentNonCompleters[3].suppressed).toBe('primary');
    const abstinentEveryone = everyone.rows.find((row) => row[0].text.startsWith('Abstinent'))!;
    const abstinentCompleters = completers.rows.find((row) => row[0].text.startsWith('Abstinent') && row[1].text === 'Completers')!;
    const intakeShownForBoth = abstinentEveryone[2].suppressed === undefined && abstinentCompleters[3].suppressed === undefined &&
      abstinentEveryone[1].suppressed === undefined && abstinentCompleters[2].suppressed === undefined;
    expect(intakeShownForBoth).toBe(false);
  });

  it('should protect followed − pairs across the follow-up and matched-pair tables when it is 1-10', () => {
    // Prepare: 75 follow-ups completed, 70 matched pairs per domain: 5 followed episodes have no pair.
    const model = build({ ...inputs, 'follow-up': [followUpRow('all', 120, 75)] });

    // Act
    const followUp = table(model, 'follow-up-rate');
    const pairs = table(model, 'outcomes-matched-pairs');

    // Assess: in every domain, the reader cannot subtract the two printed counts.
    const followedShown = followUp.rows[0][1].suppressed === undefined;
    for (const row of pairs.rows) {
      const pairsShown = row[1].suppressed === undefined;
      expect(followedShown && pairsShown).toBe(false);
    }
  });

  it('should stop the retention curve when 10 or fewer episodes remain at risk and read it at weekly marks', () => {
    // Prepare / Act
    const model = build(inputs, { sections: ['retention'] });

    // Assess
    const chart = model.sections[0].blocks.find((block) => block.type === 'chart');
    if (chart?.type !== 'chart' || chart.chart.type !== 'step-curve') throw new Error('no curve');
    const points = chart.chart.series.find((series) => series.label === 'Not dropped out')!.points;
    expect(points.map((point) => point.x)).toEqual([0, 7, 14, 21, 28, 35, 42, 49]);
    // At day 49, 60 − 49 + 1 = 12 episodes are at risk (> 10); at day 56 only 5, so the curve stops at 49.
    expect(points[1]).toEqual({ x: 7, y: 53 / 60, lower: 53 / 60 - 0.1, upper: Math.min(1, 53 / 60 + 0.1) });
  });

  it('should hide a 90-day estimate resting on 10 or fewer episodes at risk, and say "not reached" for an unreached median', () => {
    // Prepare / Act
    const model = build(inputs, { sections: ['retention'] });

    // Assess
    const summary = table(model, 'retention-30-60-90');
    const at90 = summary.rows.find((row) => row[0].text === 'Not dropped out at 90 days')!;
    expect(at90.slice(2, 5).map((cell) => cell.text)).toEqual(['*', '*', '*']);
    const at30 = summary.rows.find((row) => row[0].text === 'Not dropped out at 30 days')!;
    expect(at30.slice(2, 5).map((cell) => cell.text)).toEqual(['45', '90.0%', '80.0–95.0']);
    const median = summary.rows.find((row) => row[0].text === 'Median days, not dropped out')!;
    expect(median[3].text).toBe('not reached');
  });

  it('should leave out a curve whose whole cohort is 10 or fewer and say so under the chart', () => {
    // Prepare / Act
    const model = build({ ...inputs, retention: retentionRows('all', 8) }, { sections: ['retention'] });

    // Assess
    const chart = model.sections[0].blocks[0];
    if (chart.type !== 'chart') throw new Error('no chart');
    expect(chart.chart.id).toBe('retention-curve');
    expect(chart.chart.type === 'step-curve' && chart.chart.series).toEqual([]);
    expect(chart.chart.note).toContain('Not shown');
  });

  it('should report a listed clinic that has no rows as zeros rather than drop it', () => {
    // Prepare / Act
    const model = build(inputs, { clinics: ['clinic-a', 'clinic-z'] });

    // Assess
    const clinicZ = table(model, 'follow-up-rate').rows.find((row) => row[1].text === 'clinic-z')!;
    expect(clinicZ.slice(2, 5).map((cell) => cell.text)).toEqual(['0', '0', 'n/a']);
  });

  it('should always end with the methods appendix naming the as-of date, suppression rule and versions', () => {
    // Prepare / Act
    const model = build(inputs);

    // Assess
    const methods = model.sections.at(-1)!;
    expect(methods.id).toBe('methods');
    const text = methods.blocks.map((block) => (block.type === 'paragraph' ? block.text : '')).join(' ');
    expect(text).toContain('2026-06-30');
    expect(text).toContain('ResDAC');
    expect(text).toContain('abc123');
    expect(text).toContain('0.1.0');
  });

  it('should fail with the metric name when a section needs rows that were not run', () => {
    // Prepare / Act / Assess
    expect(() => build({ retention: [] }, { sections: ['outcomes'] })).toThrow(/metric "outcomes" was not run/);
  });

  it('should run each metric file once even when two sections read it', () => {
    // Prepare / Act
    const queries = queriesForSections(['outcomes', 'completers']);

    // Assess
    expect(queries.map((query) => query.name)).toEqual(['follow-up', 'outcomes']);
  });
});
