import fc from 'fast-check';
import { createSqlHarness, type SqlHarness } from '../support/sql-harness';
import { expectRowsClose } from '../support/row-compare';
import { episodeStates } from '../oracles/episode-outcomes';
import { earlyDropout } from '../oracles/retention-family';
import { randomCohort } from '../oracles/random-cohort';

const AS_OF = '2026-06-30';

describe('early-dropout.sql', () => {
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

  it('should count no return after intake, never attended and dropout before day 30 over admissions at least 30 days old', async () => {
    // Prepare
    await harness.addEpisode({ episodeId: 'one-session', admissionDate: '2026-03-01', attended: ['2026-03-01'], noShows: ['2026-03-03'] });
    await harness.addEpisode({ episodeId: 'never', admissionDate: '2026-03-01', noShows: ['2026-03-01'] });
    await harness.addEpisode({ episodeId: 'day-29', admissionDate: '2026-03-01', attended: ['2026-03-01', '2026-03-30'], discharge: { date: '2026-04-02', reason: 'dropped_out' } });
    await harness.addEpisode({ episodeId: 'day-30', admissionDate: '2026-03-01', attended: ['2026-03-01', '2026-03-31'], discharge: { date: '2026-04-02', reason: 'dropped_out' } });
    await harness.addEpisode({ episodeId: 'stays', admissionDate: '2026-03-01', attended: ['2026-03-01', '2026-03-02', '2026-06-29'] });
    // Exactly 30 days old: eligible; 29 days old: not yet.
    await harness.addEpisode({ episodeId: 'age-30', admissionDate: '2026-05-31', attended: ['2026-05-31'] });
    await harness.addEpisode({ episodeId: 'age-29', admissionDate: '2026-06-01', attended: ['2026-06-01'] });

    // Act
    const [all] = await harness.run('early-dropout', { as_of: AS_OF });

    // Assess: dropouts: one-session (inactivity, T=0), never (inactivity, T=0), day-29, day-30.
    expect(all).toMatchObject({ admissions: 7, eligible: 6, no_return: 2, never_attended: 1, early_dropouts: 3, dropouts: 4 });
    // Sessions attended by the 4 dropouts: 0, 1, 2, 2 → median 1.5, Q1 0.75, Q3 2 (type 7).
    expect(all).toMatchObject({ sessions_median: 1.5, sessions_q1: 0.75, sessions_q3: 2, sessions_mean: 1.25 });
  });

  it('should take the horizon from the early_dropout_days parameter', async () => {
    await harness.addEpisode({ episodeId: 'd20', admissionDate: '2026-03-01', attended: ['2026-03-21'], discharge: { date: '2026-03-25', reason: 'terminated' } });
    const [strict] = await harness.run('early-dropout', { as_of: AS_OF, early_dropout_days: 14 });
    expect(strict).toMatchObject({ eligible: 1, early_dropouts: 0 });
  });

  it('should emit an all row with zero counts and NULL rates for an empty cohort', async () => {
    expect(await harness.run('early-dropout', { as_of: AS_OF })).toEqual([
      expect.objectContaining({ scope: 'all', admissions: 0, eligible: 0, no_return_rate: null, no_return_ci_lower: null, dropouts: 0, sessions_median: null }),
    ]);
  });

  it('should equal the oracle on random cohorts', async () => {
    await fc.assert(
      fc.asyncProperty(randomCohort, fc.constantFrom(14, 30), async (cohort, horizon) => {
        await harness.clear();
        for (const episode of cohort.episodes) await harness.addEpisode(episode);
        const rows = await harness.run('early-dropout', { as_of: cohort.asOf, early_dropout_days: horizon });
        expectRowsClose(rows, earlyDropout(episodeStates(cohort.episodes, { asOf: cohort.asOf, inactivityDays: 30 }), cohort.asOf, horizon));
      }),
      { numRuns: 60, seed: 20260703 },
    );
  });
});
