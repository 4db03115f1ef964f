import fc from 'fast-check';
import { addDays, createSqlHarness, type SqlHarness } from '../support/sql-harness';
import type { Row } from '../../lambdas/adapters/query-engine';
import { episodeStates } from '../oracles/episode-outcomes';
import { retentionSummary } from '../oracles/retention-summary';
import { randomCohort } from '../oracles/random-cohort';
import type { CiTransform } from '../oracles/kaplan-meier';

const AS_OF = '2026-06-30';
const NUMERIC = ['estimate', 'ci_lower', 'ci_upper', 'naive_rate', 'naive_ci_lower', 'naive_ci_upper'] as const;
const EXACT = ['scope', 'estimand', 'day', 'episodes', 'at_risk', 'naive_eligible', 'naive_retained', 'median_days', 'median_status'] as const;

function pick(rows: Row[], scope: string, estimand: string, day: number): Row | undefined {
  return rows.find((row) => row.scope === scope && row.estimand === estimand && row.day === day);
}

describe('retention-summary.sql', () => {
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

  it('should read the Bewick 2004 curve at its median and report "not reached" when it stays above 0.5', async () => {
    // Prepare: times 1, 1, 4, 5, 6+, 9, 9+, 22 (Ŝ reaches 0.500 at day 5)
    const times: [number, boolean][] = [[1, true], [1, true], [4, true], [5, true], [6, false], [9, true], [9, false], [22, true]];
    for (const [index, [days, event]] of times.entries()) {
      const admission = event ? '2026-01-01' : addDays(AS_OF, -days);
      const last = addDays(admission, days);
      await harness.addEpisode({ episodeId: `e${index}`, admissionDate: admission, attended: [admission, last], discharge: event ? { date: last, reason: 'dropped_out' } : undefined });
    }
    await harness.addEpisode({ episodeId: 'other-clinic', clinicId: 'clinic-z', admissionDate: '2026-06-01', attended: ['2026-06-29'] });

    // Act
    const rows = await harness.run('retention-summary', { as_of: AS_OF });

    // Assess
    expect(pick(rows, 'clinic-a', 'in_treatment', 30)).toMatchObject({ median_days: 5, median_status: 'reached', estimate: 0 });
    expect(pick(rows, 'clinic-z', 'in_treatment', 30)).toMatchObject({ median_days: null, median_status: 'not reached', estimate: null });
  });

  it('should give 30/60/90-day retention with intervals and naive rates only over fully observed admissions', async () => {
    // Prepare: 4 admissions on 2026-01-01 (fully observed for 90 days) and one 40 days before as_of.
    await harness.addEpisode({ episodeId: 'd20', admissionDate: '2026-01-01', attended: ['2026-01-21'], discharge: { date: '2026-01-25', reason: 'dropped_out' } });
    await harness.addEpisode({ episodeId: 'c45', admissionDate: '2026-01-01', attended: ['2026-02-15'], discharge: { date: '2026-02-16', reason: 'completed' } });
    await harness.addEpisode({ episodeId: 'd70', admissionDate: '2026-01-01', attended: ['2026-03-12'], discharge: { date: '2026-03-20', reason: 'terminated' } });
    await harness.addEpisode({ episodeId: 'open', admissionDate: '2026-01-01', attended: ['2026-06-20'] });
    await harness.addEpisode({ episodeId: 'young', admissionDate: addDays(AS_OF, -40), attended: [AS_OF] });

    // Act
    const rows = await harness.run('retention-summary', { as_of: AS_OF });

    // Assess: naive not-dropped-out at 60 days: eligible 4 (the young one is 40 days old), retained 3.
    expect(pick(rows, 'all', 'not_dropped_out', 60)).toMatchObject({ naive_eligible: 4, naive_retained: 3, naive_rate: 0.75 });
    expect(pick(rows, 'all', 'not_dropped_out', 30)).toMatchObject({ naive_eligible: 5, naive_retained: 4 });
    // in_treatment at 90: the completer has ended too → 4 eligible, 1 retained.
    expect(pick(rows, 'all', 'in_treatment', 90)).toMatchObject({ naive_eligible: 4, naive_retained: 1, at_risk: 1 });
    // KM at 30: one event in 5 → 0.8; CI present and around it.
    const km30 = pick(rows, 'all', 'in_treatment', 30) as Row;
    expect(km30.estimate).toBeCloseTo(0.8, 12);
    expect(km30.ci_lower as number).toBeLessThan(0.8);
    expect(km30.ci_upper as number).toBeGreaterThan(0.8);
  });

  it('should emit an all row with no data for an empty cohort', async () => {
    const rows = await harness.run('retention-summary', { as_of: AS_OF });
    expect(rows).toHaveLength(6);
    expect(rows.every((row) => row.scope === 'all' && row.episodes === 0 && row.estimate === null && row.median_status === 'no data')).toBe(true);
  });

  it('should equal the oracle on random cohorts', async () => {
    await fc.assert(
      fc.asyncProperty(randomCohort, fc.constantFrom<CiTransform>('log-log', 'log'), async (cohort, transform) => {
        // Prepare
        await harness.clear();
        for (const episode of cohort.episodes) await harness.addEpisode(episode);

        // Act
        const rows = await harness.run('retention-summary', { as_of: cohort.asOf, ci_transform: transform });

        // Assess
        const expected = retentionSummary(episodeStates(cohort.episodes, { asOf: cohort.asOf, inactivityDays: 30 }), cohort.asOf, transform);
        expect(rows.length).toBe(expected.length);
        rows.forEach((row, index) => {
          const want = expected[index] as unknown as Row;
          expect(EXACT.map((column) => row[column])).toEqual(EXACT.map((column) => want[column]));
          for (const column of NUMERIC) {
            if (want[column] === null) expect(row[column]).toBeNull();
            else expect(Math.abs((row[column] as number) - (want[column] as number))).toBeLessThan(1e-9);
          }
        });
      }),
      { numRuns: 60, seed: 20260701 },
    );
  });
});
