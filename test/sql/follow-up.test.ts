import fc from 'fast-check';
import { createSqlHarness, addDays, type SqlHarness, type FixtureRow } from '../support/sql-harness';
import type { Row } from '../../lambdas/adapters/query-engine';
import { wilsonInterval } from '../oracles/wilson';
import {
  addMonthsClamped,
  episodeFollowUps,
  followUpRates,
  type OracleEpisode,
  type OracleInterview,
} from '../oracles/follow-up';

const WINDOW = { follow_up_window_start_months: 5, follow_up_window_end_months: 8 };

function interviewRow(interview: OracleInterview): FixtureRow {
  const completed = interview.status === 'completed';
  return {
    clinic_id: interview.clinicId,
    episode_id: interview.episodeId,
    timepoint: interview.timepoint,
    interview_date: interview.interviewDate,
    status: interview.status,
    days_used_past_30: completed ? (interview.daysUsedPast30 ?? 0) : null,
    employed_or_in_school: completed ? (interview.employedOrInSchool ?? false) : null,
    arrests_past_30: completed ? (interview.arrestsPast30 ?? 0) : null,
    stably_housed: completed ? (interview.stablyHoused ?? true) : null,
    social_support: completed ? (interview.socialSupport ?? true) : null,
  };
}

async function load(harness: SqlHarness, episodes: OracleEpisode[], interviews: OracleInterview[]): Promise<void> {
  for (const episode of episodes) {
    await harness.addEpisode({ clinicId: episode.clinicId, episodeId: episode.episodeId, admissionDate: episode.admissionDate, discharge: episode.discharge as never });
  }
  await harness.insert('assessments', interviews.map(interviewRow));
}

describe('follow-up.sql and follow-up-due.sql', () => {
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

  const asOf = '2024-10-01';
  const episodes: OracleEpisode[] = [
    { clinicId: 'clinic-a', episodeId: 'e1', admissionDate: '2024-01-31', discharge: { date: '2024-03-20', reason: 'completed' } },
    { clinicId: 'clinic-a', episodeId: 'e2', admissionDate: '2024-02-29' },
    { clinicId: 'clinic-a', episodeId: 'e3', admissionDate: '2023-09-30', discharge: { date: '2023-11-01', reason: 'dropped_out' } },
    { clinicId: 'clinic-a', episodeId: 'e4', admissionDate: '2024-03-15', discharge: { date: '2024-04-01', reason: 'died' } },
    { clinicId: 'clinic-b', episodeId: 'e5', admissionDate: '2024-02-01' },
    { clinicId: 'clinic-a', episodeId: 'e6', admissionDate: '2024-04-10' },
    { clinicId: 'clinic-a', episodeId: 'e7', admissionDate: '2024-05-15' },
    { clinicId: 'clinic-a', episodeId: 'e8', admissionDate: '2024-06-20' },
    { clinicId: 'clinic-a', episodeId: 'e9', admissionDate: '2024-10-02' },
  ];
  const interviews: OracleInterview[] = [
    // e1: month-end admission; window opens 2024-06-30 (Jan 31 + 5 months, clamped); interviewed on that first day
    { clinicId: 'clinic-a', episodeId: 'e1', timepoint: 'six_month', interviewDate: '2024-06-30', status: 'completed' },
    // e2: leap-day admission; window opens 2024-07-29; interviewed one day early → not a follow-up
    { clinicId: 'clinic-a', episodeId: 'e2', timepoint: 'six_month', interviewDate: '2024-07-28', status: 'completed' },
    // e3: Sep 30 + 5 months = Feb 29 2024; window closes 2024-05-30; interviewed on the last day
    { clinicId: 'clinic-a', episodeId: 'e3', timepoint: 'six_month', interviewDate: '2024-05-30', status: 'completed' },
    // e5: attempted, not located
    { clinicId: 'clinic-b', episodeId: 'e5', timepoint: 'six_month', interviewDate: '2024-08-01', status: 'not_located' },
    // e6: a completed interview dated after as_of does not count yet
    { clinicId: 'clinic-a', episodeId: 'e6', timepoint: 'six_month', interviewDate: '2024-10-02', status: 'completed' },
  ];

  it('should count in-window interviews over closed windows, month ends and leap day included', async () => {
    // Prepare
    await load(harness, episodes, interviews);

    // Act
    const rows = await harness.run('follow-up', { as_of: asOf, ...WINDOW });

    // Assess
    expect(rows.map((row) => [row.scope, row.episodes, row.due, row.followed, row.deceased_excluded, row.window_open, row.not_yet_open])).toEqual([
      ['all', 8, 3, 2, 1, 2, 2],
      ['clinic-a', 7, 2, 2, 1, 2, 2],
      ['clinic-b', 1, 1, 0, 0, 0, 0],
    ]);
    const all = rows[0];
    const interval = wilsonInterval(2, 3)!;
    expect(all.follow_up_rate).toBeCloseTo(2 / 3, 12);
    expect(all.follow_up_ci_lower).toBeCloseTo(interval.lower, 12);
    expect(all.follow_up_ci_upper).toBeCloseTo(interval.upper, 12);
    expect(all.follow_up_target).toBe(0.8);
    expect(all.meets_target).toBe(false);
    expect(rows[1].meets_target).toBe(true);
  });

  it('should list follow-ups open now or opening within the due days, soonest closing first', async () => {
    // Prepare
    await load(harness, episodes, interviews);

    // Act
    const rows = await harness.run('follow-up-due', { as_of: asOf, ...WINDOW, follow_up_due_days: 30 });

    // Assess
    expect(rows.map((row) => [row.episode_id, row.window_start, row.window_end, row.window_status, row.days_until_opens, row.days_left])).toEqual([
      ['e2', '2024-07-29', '2024-10-29', 'open', 0, 28],
      ['e6', '2024-09-10', '2024-12-10', 'open', 0, 70],
      ['e7', '2024-10-15', '2025-01-15', 'opens_soon', 14, 106],
    ]);
    expect(rows.every((row) => !('client_key' in row))).toBe(true);
  });

  it('should treat a window ending on as_of as closed (counted as due, no longer listed)', async () => {
    // Prepare: admitted 2024-02-01 → window ends 2024-10-01
    await load(harness, [{ clinicId: 'clinic-a', episodeId: 'edge', admissionDate: '2024-02-01' }], []);

    // Act
    const rates = await harness.run('follow-up', { as_of: '2024-10-01', ...WINDOW });
    const dueDayBefore = await harness.run('follow-up-due', { as_of: '2024-09-30', ...WINDOW, follow_up_due_days: 30 });
    const dueOnTheDay = await harness.run('follow-up-due', { as_of: '2024-10-01', ...WINDOW, follow_up_due_days: 30 });

    // Assess
    expect(rates[0]).toMatchObject({ scope: 'all', due: 1, followed: 0, follow_up_rate: 0 });
    expect(dueDayBefore.map((row) => row.days_left)).toEqual([1]);
    expect(dueOnTheDay).toEqual([]);
  });

  it('should give an all row with zero counts and no rate on empty input', async () => {
    // Act
    const rows = await harness.run('follow-up', { as_of: asOf, ...WINDOW });

    // Assess
    expect(rows).toEqual([
      expect.objectContaining({ scope: 'all', episodes: 0, due: 0, followed: 0, follow_up_rate: null, follow_up_ci_lower: null, meets_target: null }),
    ]);
  });

  it('should filter by clinic, program and admission cohort', async () => {
    // Prepare
    await load(harness, episodes, interviews);

    // Act
    const clinicB = await harness.run('follow-up', { as_of: asOf, ...WINDOW, clinic_id: 'clinic-b' });
    const cohort = await harness.run('follow-up', { as_of: asOf, ...WINDOW, cohort_from: '2024-01-01', cohort_to: '2024-01-31' });
    const noProgram = await harness.run('follow-up', { as_of: asOf, ...WINDOW, program_id: 'no-such-program' });

    // Assess
    expect(clinicB.map((row) => [row.scope, row.due, row.followed])).toEqual([
      ['all', 1, 0],
      ['clinic-b', 1, 0],
    ]);
    expect(cohort.map((row) => [row.scope, row.episodes, row.due, row.followed])).toEqual([
      ['all', 1, 1, 1],
      ['clinic-a', 1, 1, 1],
    ]);
    expect(noProgram.map((row) => [row.scope, row.episodes])).toEqual([['all', 0]]);
  });

  it('should equal the oracle on random cohorts', async () => {
    const day = (offset: number) => addDays('2023-01-01', offset);
    const episodeArb = fc.record({
      clinic: fc.constantFrom('clinic-a', 'clinic-b'),
      // month ends and the leap day are over-represented
      admission: fc.oneof(fc.integer({ min: 0, max: 600 }).map(day), fc.constantFrom('2024-02-29', '2023-08-31', '2024-01-31', '2023-09-30')),
      discharge: fc.option(fc.record({ after: fc.integer({ min: 0, max: 200 }), reason: fc.constantFrom('completed', 'dropped_out', 'died', 'transferred') })),
      interviews: fc.array(fc.record({ monthsAfter: fc.integer({ min: 3, max: 10 }), shiftDays: fc.integer({ min: -3, max: 3 }), status: fc.constantFrom('completed', 'completed', 'not_located', 'refused', 'died') }), { maxLength: 3 }),
    });
    const cohortArb = fc.record({ episodes: fc.array(episodeArb, { maxLength: 10 }), asOf: fc.integer({ min: 150, max: 900 }).map(day) });

    await fc.assert(
      fc.asyncProperty(cohortArb, async (cohort) => {
        // Prepare
        await harness.clear();
        const episodesList: OracleEpisode[] = cohort.episodes.map((episode, index) => ({
          clinicId: episode.clinic,
          episodeId: `p${index}`,
          admissionDate: episode.admission,
          discharge: episode.discharge ? { date: addDays(episode.admission, episode.discharge.after), reason: episode.discharge.reason } : undefined,
        }));
        const interviewList: OracleInterview[] = cohort.episodes.flatMap((episode, index) =>
          episode.interviews.map((interview) => ({
            clinicId: episode.clinic,
            episodeId: `p${index}`,
            timepoint: 'six_month' as const,
            interviewDate: addDays(addMonthsClamped(episode.admission, interview.monthsAfter), interview.shiftDays),
            status: interview.status as OracleInterview['status'],
          })),
        );
        await load(harness, episodesList, interviewList);

        // Act
        const rows = await harness.run('follow-up', { as_of: cohort.asOf, ...WINDOW });

        // Assess
        const expected = followUpRates(episodeFollowUps(episodesList, interviewList, { asOf: cohort.asOf, startMonths: 5, endMonths: 8 }));
        expect(rows.map(countsOf)).toEqual(
          expected.map((row) => ({
            scope: row.scope,
            episodes: row.episodes,
            due: row.due,
            followed: row.followed,
            deceased_excluded: row.deceasedExcluded,
            completed_outside_window: row.completedOutsideWindow,
            window_open: row.windowOpen,
            open_followed: row.openFollowed,
            not_yet_open: row.notYetOpen,
          })),
        );
        rows.forEach((row, index) => {
          const { due, followed } = expected[index];
          const interval = wilsonInterval(followed, due);
          expectClose(row.follow_up_rate, due > 0 ? followed / due : null);
          expectClose(row.follow_up_ci_lower, interval?.lower ?? null);
          expectClose(row.follow_up_ci_upper, interval?.upper ?? null);
        });
      }),
      { seed: 4242, numRuns: 60 },
    );
  });
});

function countsOf(row: Row) {
  const { scope, episodes, due, followed, deceased_excluded, completed_outside_window, window_open, open_followed, not_yet_open } = row;
  return { scope, episodes, due, followed, deceased_excluded, completed_outside_window, window_open, open_followed, not_yet_open };
}

function expectClose(actual: unknown, expected: number | null): void {
  if (expected === null) {
    expect(actual).toBeNull();
    return;
  }
  expect(Math.abs((actual as number) - expected)).toBeLessThanOrEqual(1e-9);
}
