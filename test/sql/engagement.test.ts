import fc from 'fast-check';
import { createSqlHarness, type SqlHarness } from '../support/sql-harness';
import { expectRowsClose } from '../support/row-compare';
import { episodeStates } from '../oracles/episode-outcomes';
import { engagement } from '../oracles/retention-family';
import { randomCohort } from '../oracles/random-cohort';

const AS_OF = '2026-06-30';

describe('engagement.sql (IET analogue)', () => {
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

  it('should initiate on day 0-13 and engage with 2 further session days within 34 days of initiation', async () => {
    // Prepare
    // Initiated on day 13 (last day), further days on +1 and +34 (boundary) → engaged.
    await harness.addEpisode({ episodeId: 'edge', admissionDate: '2026-01-31', attended: ['2026-02-13', '2026-02-14', '2026-03-19'] });
    // Initiated day 0; a second session the same day does not count; +35 is too late → not engaged.
    await harness.addEpisode({ episodeId: 'same-day', admissionDate: '2026-01-31', attended: ['2026-01-31', '2026-01-31', '2026-02-10', '2026-03-07'] });
    // First session on day 14 → not initiated (latency 14).
    await harness.addEpisode({ episodeId: 'late', admissionDate: '2026-01-31', attended: ['2026-02-14', '2026-02-15', '2026-02-16'] });

    // Act
    const [all] = await harness.run('engagement', { as_of: AS_OF });

    // Assess
    expect(all).toMatchObject({ admissions: 3, initiation_eligible: 3, initiated: 2, engagement_eligible: 3, engaged: 1, latency_episodes: 3 });
    expect(all).toMatchObject({ latency_median_days: 13, latency_q1_days: 6.5, latency_q3_days: 13.5, latency_mean_days: 9 });
  });

  it('should leave admissions whose windows are still open out of the denominators', async () => {
    // 20 days old: initiation window closed (13), engagement window (47) not.
    await harness.addEpisode({ episodeId: 'young', admissionDate: '2026-06-10', attended: ['2026-06-10', '2026-06-12', '2026-06-15'] });
    const [all] = await harness.run('engagement', { as_of: AS_OF });
    expect(all).toMatchObject({ initiation_eligible: 1, initiated: 1, engagement_eligible: 0, engaged: 0, engagement_rate: null });
  });

  it('should equal the oracle on random cohorts', async () => {
    await fc.assert(
      fc.asyncProperty(randomCohort, fc.constantFrom([13, 34], [7, 30]), async (cohort, [initiationDays, engagementDays]) => {
        await harness.clear();
        for (const episode of cohort.episodes) await harness.addEpisode(episode);
        const rows = await harness.run('engagement', { as_of: cohort.asOf, initiation_days: initiationDays, engagement_days: engagementDays });
        const states = episodeStates(cohort.episodes, { asOf: cohort.asOf, inactivityDays: 30 });
        expectRowsClose(rows, engagement(states, cohort.asOf, initiationDays, engagementDays));
      }),
      { numRuns: 60, seed: 20260704 },
    );
  });
});
