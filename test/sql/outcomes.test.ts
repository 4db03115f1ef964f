import fc from 'fast-check';
import { createSqlHarness, addDays, type SqlHarness, type FixtureRow } from '../support/sql-harness';
import { wilsonInterval } from '../oracles/wilson';
import { mcnemar, exactTwoSidedBinomialP } from '../oracles/mcnemar';
import {
  addMonthsClamped,
  episodeFollowUps,
  intakeComparison,
  matchedOutcomes,
  type OracleEpisode,
  type OracleInterview,
} from '../oracles/follow-up';

const WINDOW = { follow_up_window_start_months: 5, follow_up_window_end_months: 8 };

function interviewRow(interview: OracleInterview): FixtureRow {
  const completed = interview.status === 'completed';
  const answer = <T>(value: T | null | undefined, fallback: T) => (completed ? (value === undefined ? fallback : value) : null);
  return {
    clinic_id: interview.clinicId,
    episode_id: interview.episodeId,
    timepoint: interview.timepoint,
    interview_date: interview.interviewDate,
    status: interview.status,
    days_used_past_30: answer(interview.daysUsedPast30, 0),
    employed_or_in_school: answer(interview.employedOrInSchool, false),
    arrests_past_30: answer(interview.arrestsPast30, 0),
    stably_housed: answer(interview.stablyHoused, true),
    social_support: answer(interview.socialSupport, true),
  };
}

async function load(harness: SqlHarness, episodes: OracleEpisode[], interviews: OracleInterview[]): Promise<void> {
  for (const episode of episodes) {
    await harness.addEpisode({ clinicId: episode.clinicId, episodeId: episode.episodeId, admissionDate: episode.admissionDate, discharge: episode.discharge as never });
  }
  await harness.insert('assessments', interviews.map(interviewRow));
}

/** n clients admitted on `admission`, each with an intake and an in-window follow-up answering `abstinent` as given. */
function pairs(prefix: string, admission: string, transitions: [boolean, boolean][], reason?: string) {
  const episodes: OracleEpisode[] = [];
  const interviews: OracleInterview[] = [];
  transitions.forEach(([before, after], index) => {
    const episodeId = `${prefix}${index}`;
    episodes.push({ clinicId: 'clinic-a', episodeId, admissionDate: admission, discharge: reason ? { date: addDays(admission, 60), reason } : undefined });
    interviews.push({ clinicId: 'clinic-a', episodeId, timepoint: 'intake', interviewDate: admission, status: 'completed', daysUsedPast30: before ? 0 : 12 });
    interviews.push({ clinicId: 'clinic-a', episodeId, timepoint: 'six_month', interviewDate: addMonthsClamped(admission, 6), status: 'completed', daysUsedPast30: after ? 0 : 3 });
  });
  return { episodes, interviews };
}

describe('McNemar oracle', () => {
  it('should give the exact binomial p for 1 vs 10 discordant pairs (2·12/2048)', () => {
    expect(exactTwoSidedBinomialP(1, 11)).toBe(24 / 2048);
    expect(mcnemar(1, 10).pValue).toBe(24 / 2048);
  });

  it('should give the continuity-corrected statistic of the Agresti presidential-approval table (150 vs 86)', () => {
    // Agresti, Categorical Data Analysis, table 10.1: uncorrected z² = 17.36; corrected (|b − c| − 1)²/(b + c)
    expect(mcnemar(150, 86).statistic).toBeCloseTo(3969 / 236, 12);
    expect(((150 - 86) ** 2 / 236).toFixed(2)).toBe('17.36');
  });

  it('should return no test without discordant pairs and p = 1 when they balance', () => {
    expect(mcnemar(0, 0)).toEqual({ yesToNo: 0, noToYes: 0, statistic: null, pValue: null });
    expect(mcnemar(4, 4)).toMatchObject({ statistic: 0, pValue: 1 });
  });
});

describe('outcomes.sql', () => {
  let harness: SqlHarness;
  beforeAll(async () => {
    harness = await createSqlHarness();
  });
  afterAll(async () => {
    await harness.close();
  });
  beforeEach(async () => {
    await harness.clear();
  });

  it('should compute matched-pair abstinence with McNemar on the discordant pairs', async () => {
    // Prepare: 12 pairs: 1 yes→yes, 1 yes→no, 8 no→yes, 2 no→no (b = 1, c = 8)
    const transitions: [boolean, boolean][] = [
      [true, true],
      [true, false],
      ...Array.from({ length: 8 }, (): [boolean, boolean] => [false, true]),
      [false, false],
      [false, false],
    ];
    const { episodes, interviews } = pairs('m', '2024-02-29', transitions, 'completed');
    await load(harness, episodes, interviews);

    // Act
    const rows = await harness.run('outcomes', { as_of: '2025-06-30', ...WINDOW });

    // Assess
    const abstinent = rows.find((row) => row.scope === 'all' && row.completion_group === 'all' && row.domain === 'abstinent')!;
    expect(abstinent).toMatchObject({ pairs: 12, intake_yes: 2, follow_up_yes: 9, yes_to_no: 1, no_to_yes: 8 });
    expect(abstinent.change_points).toBeCloseTo((100 * 7) / 12, 12);
    expect(abstinent.relative_change_pct).toBeCloseTo(350, 12);
    expect(abstinent.mcnemar_statistic).toBeCloseTo(36 / 9, 12);
    expect(abstinent.mcnemar_p_value).toBeCloseTo(20 / 512, 12);
    expect(abstinent.intake_ci_lower).toBeCloseTo(wilsonInterval(2, 12)!.lower, 12);
    expect(abstinent.follow_up_ci_upper).toBeCloseTo(wilsonInterval(9, 12)!.upper, 12);
    const completers = rows.find((row) => row.scope === 'all' && row.completion_group === 'completers' && row.domain === 'abstinent')!;
    const nonCompleters = rows.find((row) => row.scope === 'all' && row.completion_group === 'non_completers' && row.domain === 'abstinent')!;
    expect(completers.pairs).toBe(12);
    expect(nonCompleters).toMatchObject({ pairs: 0, intake_rate: null, mcnemar_statistic: null, mcnemar_p_value: null });
  });

  it('should reproduce McNemar on the discordant cells of the Agresti presidential-approval table (150 vs 86)', async () => {
    // Prepare: only discordant pairs matter to McNemar; 150 yes→no and 86 no→yes
    const transitions: [boolean, boolean][] = [
      ...Array.from({ length: 150 }, (): [boolean, boolean] => [true, false]),
      ...Array.from({ length: 86 }, (): [boolean, boolean] => [false, true]),
    ];
    const { episodes, interviews } = pairs('g', '2023-08-31', transitions);
    await load(harness, episodes, interviews);

    // Act
    const rows = await harness.run('outcomes', { as_of: '2024-06-30', ...WINDOW });

    // Assess
    const abstinent = rows.find((row) => row.scope === 'all' && row.completion_group === 'all' && row.domain === 'abstinent')!;
    expect(abstinent).toMatchObject({ pairs: 236, yes_to_no: 150, no_to_yes: 86 });
    expect(abstinent.mcnemar_statistic).toBeCloseTo(3969 / 236, 12);
    expect(Math.abs((abstinent.mcnemar_p_value as number) - exactTwoSidedBinomialP(86, 236))).toBeLessThanOrEqual(1e-12);
    expect(abstinent.mcnemar_p_value as number).toBeLessThan(1e-4);
  });

  it('should leave relative change undefined when nobody had the outcome at intake', async () => {
    // Prepare
    const { episodes, interviews } = pairs('z', '2024-01-31', [
      [false, true],
      [false, false],
    ]);
    await load(harness, episodes, interviews);

    // Act
    const rows = await harness.run('outcomes', { as_of: '2025-01-31', ...WINDOW });

    // Assess
    const abstinent = rows.find((row) => row.scope === 'all' && row.completion_group === 'all' && row.domain === 'abstinent')!;
    expect(abstinent).toMatchObject({ pairs: 2, intake_yes: 0, follow_up_yes: 1, relative_change_pct: null, mcnemar_p_value: 1 });
    expect(abstinent.change_points).toBeCloseTo(50, 12);
  });

  it('should not pair a follow-up outside the window, after as_of or without an intake', async () => {
    // Prepare
    const admission = '2024-01-15';
    await load(
      harness,
      ['early', 'late-cutoff', 'no-intake'].map((episodeId) => ({ clinicId: 'clinic-a', episodeId, admissionDate: admission })),
      [
        { clinicId: 'clinic-a', episodeId: 'early', timepoint: 'intake', interviewDate: admission, status: 'completed' },
        { clinicId: 'clinic-a', episodeId: 'early', timepoint: 'six_month', interviewDate: '2024-06-14', status: 'completed' },
        { clinicId: 'clinic-a', episodeId: 'late-cutoff', timepoint: 'intake', interviewDate: admission, status: 'completed' },
        { clinicId: 'clinic-a', episodeId: 'late-cutoff', timepoint: 'six_month', interviewDate: '2024-08-01', status: 'completed' },
        { clinicId: 'clinic-a', episodeId: 'no-intake', timepoint: 'six_month', interviewDate: '2024-07-15', status: 'completed' },
      ],
    );

    // Act
    const rows = await harness.run('outcomes', { as_of: '2024-07-31', ...WINDOW });

    // Assess
    expect(rows.filter((row) => row.pairs !== 0)).toEqual([]);
    expect(rows.filter((row) => row.scope === 'all')).toHaveLength(15);
  });

  it('should compare intake answers of followed and not-followed due clients', async () => {
    // Prepare: 3 followed (2 abstinent at intake), 2 due but not followed (0 abstinent), 1 window still open
    const followed = pairs('f', '2024-01-15', [
      [true, true],
      [true, false],
      [false, true],
    ]);
    const admission = '2024-01-15';
    const notFollowed: OracleEpisode[] = ['n0', 'n1', 'open'].map((episodeId) => ({ clinicId: 'clinic-a', episodeId, admissionDate: episodeId === 'open' ? '2024-06-01' : admission }));
    const notFollowedIntakes: OracleInterview[] = notFollowed.map((episode) => ({ clinicId: 'clinic-a', episodeId: episode.episodeId, timepoint: 'intake', interviewDate: episode.admissionDate, status: 'completed', daysUsedPast30: 5 }));
    await load(harness, [...followed.episodes, ...notFollowed], [...followed.interviews, ...notFollowedIntakes]);

    // Act
    const rows = await harness.run('outcomes-followed-vs-not', { as_of: '2024-12-31', ...WINDOW });

    // Assess
    const abstinent = rows.find((row) => row.scope === 'all' && row.domain === 'abstinent')!;
    expect(abstinent).toMatchObject({ followed_n: 3, followed_yes: 2, not_followed_n: 2, not_followed_yes: 0, not_followed_rate: 0 });
    expect(abstinent.difference_points).toBeCloseTo(200 / 3, 12);
    expect(abstinent.followed_ci_lower).toBeCloseTo(wilsonInterval(2, 3)!.lower, 12);
  });

  it('should give the full all-scope grid with zero pairs on empty input', async () => {
    // Act
    const rows = await harness.run('outcomes', { as_of: '2024-07-31', ...WINDOW });

    // Assess
    expect(rows).toHaveLength(15);
    expect(rows.map((row) => row.domain).slice(0, 5)).toEqual(['abstinent', 'employed_or_in_school', 'no_arrests', 'stably_housed', 'social_support']);
    expect(rows.every((row) => row.scope === 'all' && row.pairs === 0 && row.intake_rate === null)).toBe(true);
  });

  it('should equal the oracle on random cohorts, McNemar p included', async () => {
    const day = (offset: number) => addDays('2023-01-01', offset);
    const answers = fc.record({
      daysUsedPast30: fc.option(fc.constantFrom(0, 0, 2, 30), { nil: null }),
      employedOrInSchool: fc.option(fc.boolean(), { nil: null }),
      arrestsPast30: fc.constantFrom(0, 0, 1),
      stablyHoused: fc.boolean(),
      socialSupport: fc.boolean(),
    });
    const episodeArb = fc.record({
      clinic: fc.constantFrom('clinic-a', 'clinic-b'),
      admission: fc.oneof(fc.integer({ min: 0, max: 400 }).map(day), fc.constantFrom('2024-02-29', '2023-08-31')),
      discharge: fc.option(fc.record({ after: fc.integer({ min: 0, max: 150 }), reason: fc.constantFrom('completed', 'dropped_out', 'transferred') })),
      intake: fc.option(answers),
      followUps: fc.array(fc.record({ monthsAfter: fc.constantFrom(4, 5, 6, 7, 8, 9), shiftDays: fc.integer({ min: -2, max: 2 }), answers }), { maxLength: 2 }),
    });
    const cohortArb = fc.record({ episodes: fc.array(episodeArb, { maxLength: 14 }), asOf: fc.integer({ min: 300, max: 800 }).map(day) });

    await fc.assert(
      fc.asyncProperty(cohortArb, async (cohort) => {
        // Prepare
        await harness.clear();
        const episodes: OracleEpisode[] = cohort.episodes.map((episode, index) => ({
          clinicId: episode.clinic,
          episodeId: `r${index}`,
          admissionDate: episode.admission,
          discharge: episode.discharge ? { date: addDays(episode.admission, episode.discharge.after), reason: episode.discharge.reason } : undefined,
        }));
        const interviews: OracleInterview[] = cohort.episodes.flatMap((episode, index) => [
          ...(episode.intake ? [{ clinicId: episode.clinic, episodeId: `r${index}`, timepoint: 'intake' as const, interviewDate: episode.admission, status: 'completed' as const, ...episode.intake }] : []),
          ...episode.followUps.map((followUp) => ({
            clinicId: episode.clinic,
            episodeId: `r${index}`,
            timepoint: 'six_month' as const,
            interviewDate: addDays(addMonthsClamped(episode.admission, followUp.monthsAfter), followUp.shiftDays),
            status: 'completed' as const,
            ...followUp.answers,
          })),
        ]);
        await load(harness, episodes, interviews);

        // Act
        const rows = await harness.run('outcomes', { as_of: cohort.asOf, ...WINDOW });
        const comparison = await harness.run('outcomes-followed-vs-not', { as_of: cohort.asOf, ...WINDOW });

        // Assess
        const statuses = episodeFollowUps(episodes, interviews, { asOf: cohort.asOf, startMonths: 5, endMonths: 8 });
        const expected = matchedOutcomes(statuses, interviews, cohort.asOf);
        expect(rows.map((row) => [row.scope, row.completion_group, row.domain, row.pairs, row.intake_yes, row.follow_up_yes, row.yes_to_no, row.no_to_yes])).toEqual(
          expected.map((row) => [row.scope, row.completionGroup, row.domain, row.pairs, row.intakeYes, row.followUpYes, row.yesToNo, row.noToYes]),
        );
        rows.forEach((row, index) => {
          const oracle = expected[index];
          expectClose(row.change_points, oracle.changePoints);
          expectClose(row.relative_change_pct, oracle.relativeChangePct);
          expectClose(row.mcnemar_statistic, oracle.mcnemarStatistic);
          expectClose(row.mcnemar_p_value, oracle.mcnemarPValue);
          expectClose(row.intake_ci_lower, wilsonInterval(oracle.intakeYes, oracle.pairs)?.lower ?? null);
          expectClose(row.follow_up_ci_upper, wilsonInterval(oracle.followUpYes, oracle.pairs)?.upper ?? null);
        });
        const expectedComparison = intakeComparison(statuses, interviews, cohort.asOf);
        expect(comparison.map((row) => [row.scope, row.domain, row.followed_n, row.followed_yes, row.not_followed_n, row.not_followed_yes])).toEqual(
          expectedComparison.map((row) => [row.scope, row.domain, row.followedN, row.followedYes, row.notFollowedN, row.notFollowedYes]),
        );
        comparison.forEach((row, index) => expectClose(row.difference_points, expectedComparison[index].differencePoints));
      }),
      { seed: 8080, numRuns: 50 },
    );
  });
});

function expectClose(actual: unknown, expected: number | null): void {
  if (expected === null) {
    expect(actual).toBeNull();
    return;
  }
  expect(Math.abs((actual as number) - expected)).toBeLessThanOrEqual(1e-9);
}
