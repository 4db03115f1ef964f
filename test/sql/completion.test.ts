import fc from 'fast-check';
import { createSqlHarness, type SqlHarness } from '../support/sql-harness';
import { expectRowsClose } from '../support/row-compare';
import { episodeStates } from '../oracles/episode-outcomes';
import { completion } from '../oracles/retention-family';
import { randomCohort } from '../oracles/random-cohort';

const AS_OF = '2026-06-30';

describe('completion.sql', () => {
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

  /** `completed` of `total` discharges, inserted in bulk. */
  async function addDischarges(clinicId: string, completed: number, total: number): Promise<void> {
    const ids = Array.from({ length: total }, (_unused, index) => `${clinicId}-${index}`);
    await harness.insert('enrollments', ids.map((id) => ({ clinic_id: clinicId, episode_id: id, admission_date: '2026-01-05', program_id: 'p', primary_substance: 'alcohol' })));
    await harness.insert('discharges', ids.map((id, index) => ({ clinic_id: clinicId, episode_id: id, discharge_date: '2026-03-01', reason: index < completed ? 'completed' : 'dropped_out' })));
  }

  it.each([
    [81, 263, 0.2553, 0.3662],
    [15, 148, 0.0624, 0.1605],
    [0, 20, 0.0, 0.1611],
    [1, 29, 0.0061, 0.1718],
  ])('should reproduce the Newcombe 1998 Wilson interval for %i/%i through the SQL', async (completed, total, lower, upper) => {
    // Prepare
    await addDischarges('clinic-w', completed, total);

    // Act
    const rows = await harness.run('completion', { as_of: AS_OF });

    // Assess
    const row = rows.find((candidate) => candidate.scope === 'all' && candidate.reason === 'completed');
    expect(row).toMatchObject({ discharges: completed, total_discharges: total });
    expect(Number((row?.share_ci_lower as number).toFixed(4))).toBe(lower);
    expect(Number((row?.share_ci_upper as number).toFixed(4))).toBe(upper);
  });

  it('should count TEDS length of stay from admission to the earlier of last session and discharge, both days included', async () => {
    // Prepare: admitted on leap day, last session 2024-03-31, discharged 2024-04-10 → 32 days.
    await harness.addEpisode({ episodeId: 'leap', admissionDate: '2024-02-29', attended: ['2024-02-29', '2024-03-31'], discharge: { date: '2024-04-10', reason: 'completed' } });
    // Same-day admission and discharge without a session → 1 day.
    await harness.addEpisode({ episodeId: 'same-day', admissionDate: '2024-05-31', discharge: { date: '2024-05-31', reason: 'other' } });

    // Act
    const rows = await harness.run('completion', { as_of: '2024-12-31' });

    // Assess
    expect(rows.find((row) => row.scope === 'all' && row.reason === 'completed')).toMatchObject({ los_median_days: 32, los_mean_days: 32, teds_share: 0.377 });
    expect(rows.find((row) => row.scope === 'all' && row.reason === 'other_teds')).toMatchObject({ discharges: 1, los_median_days: 1, teds_share: 0.072 });
    expect(rows.find((row) => row.scope === 'all' && row.reason === 'all')).toMatchObject({ los_median_days: 16.5, total_discharges: 2 });
  });

  it('should count only discharges on or before as_of and inside the period', async () => {
    await harness.addEpisode({ episodeId: 'march', admissionDate: '2026-01-01', discharge: { date: '2026-03-31', reason: 'completed' } });
    await harness.addEpisode({ episodeId: 'april', admissionDate: '2026-01-01', discharge: { date: '2026-04-01', reason: 'transferred' } });
    await harness.addEpisode({ episodeId: 'july', admissionDate: '2026-01-01', discharge: { date: '2026-07-01', reason: 'completed' } });

    const all = await harness.run('completion', { as_of: AS_OF });
    const april = await harness.run('completion', { as_of: AS_OF, period_from: '2026-04-01', period_to: '2026-04-30' });

    expect(all.find((row) => row.scope === 'all' && row.reason === 'completed_or_transferred')).toMatchObject({ discharges: 2, total_discharges: 2, share: 1 });
    expect(april.find((row) => row.scope === 'all' && row.reason === 'completed')).toMatchObject({ discharges: 0, total_discharges: 1, share: 0 });
  });

  it('should emit all-scope rows with zero discharges for an empty cohort', async () => {
    const rows = await harness.run('completion', { as_of: AS_OF });
    expect(rows).toHaveLength(10);
    expect(rows[0]).toMatchObject({ scope: 'all', reason: 'all', discharges: 0, total_discharges: 0, share: null, share_ci_lower: null, los_median_days: null });
  });

  it('should equal the oracle on random cohorts', async () => {
    await fc.assert(
      fc.asyncProperty(randomCohort, async (cohort) => {
        await harness.clear();
        for (const episode of cohort.episodes) await harness.addEpisode(episode);
        const rows = await harness.run('completion', { as_of: cohort.asOf });
        expectRowsClose(rows, completion(episodeStates(cohort.episodes, { asOf: cohort.asOf, inactivityDays: 30 })));
      }),
      { numRuns: 60, seed: 20260702 },
    );
  });
});
