import fc from 'fast-check';
import { createSqlHarness, addDays, type SqlHarness } from '../support/sql-harness';
import type { Row } from '../../lambdas/adapters/query-engine';
import { wilsonInterval } from '../oracles/wilson';
import {
  abstinenceRows,
  abstinenceRunRows,
  SUBSTANCES,
  type AbstinenceEpisode,
  type AbstinenceTest,
} from '../oracles/abstinence';

async function load(harness: SqlHarness, episodes: AbstinenceEpisode[], tests: AbstinenceTest[]): Promise<void> {
  for (const episode of episodes) {
    await harness.addEpisode({
      clinicId: episode.clinicId,
      episodeId: episode.episodeId,
      admissionDate: episode.admissionDate,
      primarySubstance: episode.primarySubstance as never,
      discharge: episode.discharge as never,
    });
  }
  await harness.insert(
    'drug_tests',
    tests.map((test) => ({
      clinic_id: test.clinicId,
      episode_id: test.episodeId,
      event_id: test.eventId,
      scheduled_date: test.scheduledDate,
      collected_date: test.status === 'collected' ? test.scheduledDate : null,
      status: test.status,
      random: true,
    })),
  );
  await harness.insert(
    'drug_test_results',
    tests.flatMap((test) =>
      test.results.map((result) => ({
        clinic_id: test.clinicId,
        episode_id: test.episodeId,
        event_id: test.eventId,
        scheduled_date: test.scheduledDate,
        substance: result.substance,
        result: result.result,
        prescribed: result.prescribed,
      })),
    ),
  );
}

const negative = (...substances: string[]) => substances.map((substance) => ({ substance, result: 'negative' as const, prescribed: false }));
const positive = (substance: string, prescribed = false) => ({ substance, result: 'positive' as const, prescribed });
const inconclusive = (substance: string) => ({ substance, result: 'inconclusive' as const, prescribed: false });

/** Hand-built cohort; expected values worked out in the comments. */
const asOf = '2024-05-01';
const episodes: AbstinenceEpisode[] = [
  { clinicId: 'clinic-a', episodeId: 'A', admissionDate: '2024-02-29', primarySubstance: 'opioids', discharge: { date: '2024-04-25', reason: 'completed' } },
  { clinicId: 'clinic-a', episodeId: 'B', admissionDate: '2024-01-31', primarySubstance: 'stimulants', discharge: { date: '2024-05-02', reason: 'completed' } },
  { clinicId: 'clinic-b', episodeId: 'C', admissionDate: '2024-03-01', primarySubstance: 'alcohol', discharge: { date: '2024-03-20', reason: 'dropped_out' } },
  { clinicId: 'clinic-b', episodeId: 'D', admissionDate: '2024-04-01', primarySubstance: 'alcohol' },
];
const weeklyA = (week: number) => addDays('2024-02-29', 7 * week);
const tests: AbstinenceTest[] = [
  // A (opioids): before admission → ignored
  { clinicId: 'clinic-a', episodeId: 'A', eventId: 'a00', scheduledDate: '2024-02-28', status: 'collected', results: [positive('opioids')] },
  // primary outcomes: P N M N M N N N N
  { clinicId: 'clinic-a', episodeId: 'A', eventId: 'a01', scheduledDate: weeklyA(0), status: 'collected', results: [positive('opioids'), ...negative('fentanyl', 'cocaine')] },
  { clinicId: 'clinic-a', episodeId: 'A', eventId: 'a02', scheduledDate: weeklyA(1), status: 'collected', results: [...negative('opioids', 'fentanyl', 'cocaine'), positive('buprenorphine', true)] },
  { clinicId: 'clinic-a', episodeId: 'A', eventId: 'a03', scheduledDate: weeklyA(2), status: 'missed', results: [] },
  { clinicId: 'clinic-a', episodeId: 'A', eventId: 'a04', scheduledDate: weeklyA(3), status: 'collected', results: negative('opioids', 'fentanyl', 'cocaine') },
  // 2024-03-28: exactly 4 weeks before discharge → outside the final 4 weeks
  { clinicId: 'clinic-a', episodeId: 'A', eventId: 'a05', scheduledDate: weeklyA(4), status: 'collected', results: [...negative('opioids', 'cocaine'), inconclusive('fentanyl')] },
  ...[5, 6, 7, 8].map((week) => ({ clinicId: 'clinic-a', episodeId: 'A', eventId: `a0${week + 1}`, scheduledDate: weeklyA(week), status: 'collected' as const, results: negative('opioids', 'fentanyl', 'cocaine') })),
  // after discharge (2024-04-25) → ignored
  { clinicId: 'clinic-a', episodeId: 'A', eventId: 'a10', scheduledDate: '2024-05-02', status: 'collected', results: [positive('opioids')] },
  // B (stimulants, discharge after as_of → open): M M P N, two tests on 2024-02-14 ordered by event id
  { clinicId: 'clinic-a', episodeId: 'B', eventId: 'b1', scheduledDate: '2024-01-31', status: 'missed', results: [] },
  { clinicId: 'clinic-a', episodeId: 'B', eventId: 'b2', scheduledDate: '2024-02-07', status: 'refused', results: [] },
  { clinicId: 'clinic-a', episodeId: 'B', eventId: 'b3a', scheduledDate: '2024-02-14', status: 'collected', results: [positive('cocaine'), ...negative('amphetamines')] },
  { clinicId: 'clinic-a', episodeId: 'B', eventId: 'b3b', scheduledDate: '2024-02-14', status: 'collected', results: negative('cocaine', 'amphetamines') },
  // C (alcohol): never collected → only 'any' and 'primary', all missing
  { clinicId: 'clinic-b', episodeId: 'C', eventId: 'c1', scheduledDate: '2024-03-01', status: 'missed', results: [] },
  { clinicId: 'clinic-b', episodeId: 'C', eventId: 'c2', scheduledDate: '2024-03-08', status: 'invalid', results: [] },
];

describe('abstinence.sql and abstinence-runs.sql', () => {
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

  it('should pool negative tests conservatively and observed-only, with missing tests beside them', async () => {
    // Prepare
    await load(harness, episodes, tests);

    // Act
    const rows = await harness.run('abstinence', { as_of: asOf });

    // Assess: primary = A (6 N of 9, 2 missing) + B (1 N of 4, 2 missing) + C (0 of 2, 2 missing)
    const primary = rows.find((row) => row.scope === 'all' && row.target === 'primary')!;
    expect(primary).toMatchObject({ episodes: 3, scheduled_tests: 15, missing_tests: 6, observed_tests: 9, negative_tests: 7, observed_episodes: 2 });
    expect(primary.negative_rate).toBeCloseTo(7 / 15, 12);
    expect(primary.observed_negative_rate).toBeCloseTo(7 / 9, 12);
    expect(primary.negative_ci_lower).toBeCloseTo(wilsonInterval(7, 15)!.lower, 12);
    expect(primary.mean_client_negative_rate).toBeCloseTo((6 / 9 + 1 / 4 + 0) / 3, 12);
    expect(primary.mean_client_observed_negative_rate).toBeCloseTo((6 / 7 + 1 / 2) / 2, 12);
    // opioids alone: the fentanyl-inconclusive test is negative for opioids; prescribed buprenorphine is not use
    const opioids = rows.find((row) => row.scope === 'clinic-a' && row.target === 'opioids')!;
    expect(opioids).toMatchObject({ episodes: 1, scheduled_tests: 9, missing_tests: 1, negative_tests: 7 });
    // C never gave a specimen: no single-substance row counts it, 'any' does
    const clinicB = rows.filter((row) => row.scope === 'clinic-b');
    expect(clinicB.filter((row) => (row.episodes as number) > 0).map((row) => row.target)).toEqual(['any', 'primary']);
    expect(rows.find((row) => row.scope === 'clinic-b' && row.target === 'any')).toMatchObject({ scheduled_tests: 2, missing_tests: 2, negative_rate: 0, observed_negative_rate: null });
  });

  it('should find the longest abstinence, two consecutive non-negatives and end-of-treatment abstinence', async () => {
    // Prepare
    await load(harness, episodes, tests);

    // Act
    const rows = await harness.run('abstinence-runs', { as_of: asOf, final_weeks: 4 });

    // Assess: longest primary runs A 4 tests (2024-04-04..04-25 = 4 weeks), B 1, C 0
    const primary = rows.find((row) => row.scope === 'all' && row.target === 'primary')!;
    expect(primary).toMatchObject({ episodes: 3, median_longest_run_tests: 1, median_longest_run_weeks: 1, two_consecutive_positive: 2 });
    expect(primary.mean_longest_run_tests).toBeCloseTo(5 / 3, 12);
    expect(primary.mean_longest_run_weeks).toBeCloseTo(5 / 3, 12);
    // A completed with its final-4-week tests all negative; C dropped out (ITT failure); B still open
    expect(primary).toMatchObject({ end_completers: 1, end_abstinent: 1, end_completer_rate: 1, end_discharged: 2, end_itt_rate: 0.5 });
  });

  it('should count a positive exactly on the final-weeks boundary day as inside the window only when later than 4 weeks before', async () => {
    // Prepare: one completer with a positive 27 days before discharge (inside) and one 28 days before (outside)
    const base = { clinicId: 'clinic-a', primarySubstance: 'alcohol' };
    await load(
      harness,
      [
        { ...base, episodeId: 'in', admissionDate: '2024-01-01', discharge: { date: '2024-03-01', reason: 'completed' } },
        { ...base, episodeId: 'out', admissionDate: '2024-01-01', discharge: { date: '2024-03-01', reason: 'completed' } },
      ],
      [
        { ...base, episodeId: 'in', eventId: 'i1', scheduledDate: addDays('2024-03-01', -27), status: 'collected', results: [positive('alcohol')] },
        { ...base, episodeId: 'in', eventId: 'i2', scheduledDate: '2024-03-01', status: 'collected', results: negative('alcohol') },
        { ...base, episodeId: 'out', eventId: 'o1', scheduledDate: addDays('2024-03-01', -28), status: 'collected', results: [positive('alcohol')] },
        { ...base, episodeId: 'out', eventId: 'o2', scheduledDate: '2024-03-01', status: 'collected', results: negative('alcohol') },
      ],
    );

    // Act
    const rows = await harness.run('abstinence-runs', { as_of: '2024-06-30', final_weeks: 4 });

    // Assess
    expect(rows.find((row) => row.scope === 'all' && row.target === 'alcohol')).toMatchObject({ end_completers: 2, end_abstinent: 1 });
  });

  it('should give all-scope rows with zero counts on empty input', async () => {
    // Act
    const pooled = await harness.run('abstinence', { as_of: asOf });
    const runs = await harness.run('abstinence-runs', { as_of: asOf, final_weeks: 4 });

    // Assess
    expect(pooled.map((row) => row.target)).toEqual(['any', 'primary', ...SUBSTANCES]);
    expect(pooled.every((row) => row.scope === 'all' && row.episodes === 0 && row.negative_rate === null)).toBe(true);
    expect(runs.every((row) => row.scope === 'all' && row.episodes === 0 && row.median_longest_run_tests === null)).toBe(true);
  });

  it('should equal the oracle on the hand-built cohort and on random cohorts', async () => {
    const day = (offset: number) => addDays('2024-01-01', offset);
    const resultArb = fc.record({
      substance: fc.constantFrom('opioids', 'fentanyl', 'buprenorphine', 'cocaine', 'alcohol'),
      result: fc.constantFrom('negative', 'negative', 'positive', 'inconclusive'),
      prescribed: fc.boolean(),
    });
    const testArb = fc.record({
      offset: fc.integer({ min: -3, max: 80 }),
      status: fc.constantFrom('collected', 'collected', 'collected', 'missed', 'refused', 'invalid'),
      results: fc.uniqueArray(resultArb, { selector: (result) => result.substance, minLength: 1, maxLength: 3 }),
    });
    const episodeArb = fc.record({
      clinic: fc.constantFrom('clinic-a', 'clinic-b'),
      admission: fc.oneof(fc.integer({ min: 0, max: 60 }).map(day), fc.constant('2024-02-29')),
      primary: fc.constantFrom('alcohol', 'opioids', 'stimulants', 'other'),
      discharge: fc.option(fc.record({ after: fc.integer({ min: 0, max: 90 }), reason: fc.constantFrom('completed', 'completed', 'dropped_out') })),
      tests: fc.array(testArb, { maxLength: 8 }),
    });
    const cohortArb = fc.record({ episodes: fc.array(episodeArb, { maxLength: 6 }), asOf: fc.integer({ min: 20, max: 160 }).map(day), finalWeeks: fc.constantFrom(3, 4) });

    const compare = async (cohortEpisodes: AbstinenceEpisode[], cohortTests: AbstinenceTest[], cutoff: string, finalWeeks: number) => {
      const pooled = await harness.run('abstinence', { as_of: cutoff });
      const runs = await harness.run('abstinence-runs', { as_of: cutoff, final_weeks: finalWeeks });
      const expectedPooled = abstinenceRows(cohortEpisodes, cohortTests, cutoff);
      const expectedRuns = abstinenceRunRows(cohortEpisodes, cohortTests, cutoff, finalWeeks);
      expect(pooled.map(pooledCounts)).toEqual(
        expectedPooled.map((row) => [row.scope, row.target, row.episodes, row.scheduledTests, row.missingTests, row.negativeTests, row.observedEpisodes]),
      );
      pooled.forEach((row, index) => {
        const oracle = expectedPooled[index];
        expectClose(row.mean_client_negative_rate, oracle.meanClientNegativeRate);
        expectClose(row.mean_client_observed_negative_rate, oracle.meanClientObservedNegativeRate);
        expectClose(row.negative_ci_upper, wilsonInterval(oracle.negativeTests, oracle.scheduledTests)?.upper ?? null);
        expectClose(row.observed_negative_ci_lower, wilsonInterval(oracle.negativeTests, oracle.scheduledTests - oracle.missingTests)?.lower ?? null);
      });
      expect(runs.map(runCounts)).toEqual(
        expectedRuns.map((row) => [row.scope, row.target, row.episodes, row.twoConsecutivePositive, row.endCompleters, row.endAbstinent, row.endDischarged]),
      );
      runs.forEach((row, index) => {
        const oracle = expectedRuns[index];
        expectClose(row.mean_longest_run_tests, oracle.meanLongestRunTests);
        expectClose(row.median_longest_run_tests, oracle.medianLongestRunTests);
        expectClose(row.mean_longest_run_weeks, oracle.meanLongestRunWeeks);
        expectClose(row.median_longest_run_weeks, oracle.medianLongestRunWeeks);
        expectClose(row.end_itt_ci_lower, wilsonInterval(oracle.endAbstinent, oracle.endDischarged)?.lower ?? null);
      });
    };

    // Prepare / Act / Assess: the hand-built cohort first
    await load(harness, episodes, tests);
    await compare(episodes, tests, asOf, 4);

    await fc.assert(
      fc.asyncProperty(cohortArb, async (cohort) => {
        await harness.clear();
        const cohortEpisodes: AbstinenceEpisode[] = cohort.episodes.map((episode, index) => ({
          clinicId: episode.clinic,
          episodeId: `r${index}`,
          admissionDate: episode.admission,
          primarySubstance: episode.primary,
          discharge: episode.discharge ? { date: addDays(episode.admission, episode.discharge.after), reason: episode.discharge.reason } : undefined,
        }));
        const cohortTests: AbstinenceTest[] = cohort.episodes.flatMap((episode, index) =>
          episode.tests.map((test, testIndex) => ({
            clinicId: episode.clinic,
            episodeId: `r${index}`,
            eventId: `r${index}-t${testIndex}`,
            // weekly-ish with same-day collisions when offsets repeat
            scheduledDate: addDays(episode.admission, test.offset - (test.offset % 3)),
            status: test.status as AbstinenceTest['status'],
            results: test.status === 'collected' ? (test.results as AbstinenceTest['results']) : [],
          })),
        );
        await load(harness, cohortEpisodes, cohortTests);
        await compare(cohortEpisodes, cohortTests, cohort.asOf, cohort.finalWeeks);
      }),
      { seed: 1337, numRuns: 50 },
    );
  });
});

function pooledCounts(row: Row) {
  return [row.scope, row.target, row.episodes, row.scheduled_tests, row.missing_tests, row.negative_tests, row.observed_episodes];
}

function runCounts(row: Row) {
  return [row.scope, row.target, row.episodes, row.two_consecutive_positive, row.end_completers, row.end_abstinent, row.end_discharged];
}

function expectClose(actual: unknown, expected: number | null): void {
  if (expected === null) {
    expect(actual).toBeNull();
    return;
  }
  expect(Math.abs((actual as number) - expected)).toBeLessThanOrEqual(1e-9);
}
