import fc from 'fast-check';
import { addDays, createSqlHarness, type SqlHarness } from '../support/sql-harness';
import type { Row } from '../../lambdas/adapters/query-engine';
import { kaplanMeier, type CiTransform } from '../oracles/kaplan-meier';
import { aalenJohansen } from '../oracles/aalen-johansen';
import { byScope, episodeStates } from '../oracles/episode-outcomes';
import { randomCohort } from '../oracles/random-cohort';

const AS_OF = '2026-06-30';

/** One episode that ends (dropout, last session on day t) or is censored at as_of on day t. */
async function addTimedEpisode(harness: SqlHarness, id: string, days: number, event: boolean): Promise<void> {
  if (event) {
    const admission = '2026-01-01';
    const last = addDays(admission, days);
    await harness.addEpisode({ episodeId: id, admissionDate: admission, attended: [admission, last], discharge: { date: last, reason: 'dropped_out' } });
  } else {
    const admission = addDays(AS_OF, -days);
    await harness.addEpisode({ episodeId: id, admissionDate: admission, attended: [admission, AS_OF] });
  }
}

function curveRows(rows: Row[], scope: string, estimand: string) {
  return rows.filter((row) => row.scope === scope && row.estimand === estimand);
}

describe('retention.sql', () => {
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

  it('should reproduce the Bewick, Cheek & Ball 2004 Kaplan–Meier values through the SQL', async () => {
    // Prepare: times 1, 1, 4, 5, 6+, 9, 9+, 22 as fixture episodes
    const times: [number, boolean][] = [[1, true], [1, true], [4, true], [5, true], [6, false], [9, true], [9, false], [22, true]];
    for (const [index, [days, event]] of times.entries()) await addTimedEpisode(harness, `e${index}`, days, event);

    // Act
    const rows = await harness.run('retention', { as_of: AS_OF });

    // Assess
    const kmEvents = curveRows(rows, 'all', 'in_treatment')
      .filter((row) => (row.events as number) > 0)
      .map((row) => [row.day, row.at_risk, row.events, Number((row.estimate as number).toFixed(3))]);
    expect(kmEvents).toEqual([
      [1, 8, 2, 0.75],
      [4, 6, 1, 0.625],
      [5, 5, 1, 0.5],
      [9, 3, 1, 0.333],
      [22, 1, 1, 0],
    ]);
    // Events before censorings at day 9: the censored episode is still at risk (n = 3).
    expect(curveRows(rows, 'all', 'in_treatment').find((row) => row.day === 9)).toMatchObject({ at_risk: 3, events: 1, censored: 1 });
  });

  it('should treat completion as competing for not_dropped_out and as an end for in_treatment', async () => {
    // Prepare: one completes on day 10, one drops out on day 20, one active (censored at as_of).
    await harness.addEpisode({ episodeId: 'done', admissionDate: '2026-03-01', attended: ['2026-03-01', '2026-03-11'], discharge: { date: '2026-03-12', reason: 'completed' } });
    await harness.addEpisode({ episodeId: 'gone', admissionDate: '2026-03-01', attended: ['2026-03-21'], discharge: { date: '2026-04-15', reason: 'terminated' } });
    await harness.addEpisode({ episodeId: 'here', admissionDate: '2026-03-01', attended: ['2026-06-29'] });

    // Act
    const rows = await harness.run('retention', { as_of: AS_OF });

    // Assess
    const inTreatment = curveRows(rows, 'all', 'in_treatment');
    expect(inTreatment.map((row) => [row.day, row.events])).toEqual([
      [10, 1],
      [20, 1],
      [121, 0],
    ]);
    [2 / 3, 1 / 3, 1 / 3].forEach((expected, index) => expect(inTreatment[index].estimate).toBeCloseTo(expected, 12));
    const notDropped = curveRows(rows, 'all', 'not_dropped_out');
    expect(notDropped.map((row) => [row.day, row.events, row.competing, row.censored])).toEqual([
      [10, 0, 1, 0],
      [20, 1, 0, 0],
      [121, 0, 0, 1],
    ]);
    // After the completion 2 remain; the dropout takes half of the 2/3 still in treatment.
    expect(notDropped[1].estimate).toBeCloseTo(2 / 3, 12);
  });

  it('should date an inactivity dropout at the last attended session, only after more than inactivity_days', async () => {
    // Prepare: last attended exactly 30 days before as_of (still active) and 31 days (dropout).
    await harness.addEpisode({ episodeId: 'thirty', admissionDate: '2026-05-01', attended: ['2026-05-01', '2026-05-31'] });
    await harness.addEpisode({ episodeId: 'thirty-one', admissionDate: '2026-05-01', attended: ['2026-05-01', '2026-05-30'] });

    // Act
    const rows = curveRows(await harness.run('retention', { as_of: AS_OF }), 'all', 'not_dropped_out');

    // Assess: dropout at day 29 (last session), censoring at day 60 (as_of − admission).
    expect(rows.map((row) => [row.day, row.events, row.censored])).toEqual([
      [29, 1, 0],
      [60, 0, 1],
    ]);
  });

  it('should take inactivity_days from the caller when given', async () => {
    await harness.addEpisode({ episodeId: 'quiet', admissionDate: '2026-05-01', attended: ['2026-06-10'] });
    const defaultRows = curveRows(await harness.run('retention', { as_of: AS_OF }), 'all', 'in_treatment');
    const strictRows = curveRows(await harness.run('retention', { as_of: AS_OF, inactivity_days: 14 }), 'all', 'in_treatment');
    expect(defaultRows.map((row) => [row.day, row.events])).toEqual([[60, 0]]);
    expect(strictRows.map((row) => [row.day, row.events])).toEqual([[40, 1]]);
  });

  it('should ignore facts dated after as_of: later admissions, sessions and discharges', async () => {
    // Prepare: discharged (dropped out) on 2026-07-05, after as_of: open and active at as_of.
    await harness.addEpisode({ episodeId: 'open', admissionDate: '2026-06-01', attended: ['2026-06-01', '2026-06-28', '2026-07-02'], discharge: { date: '2026-07-05', reason: 'dropped_out' } });
    await harness.addEpisode({ episodeId: 'future', admissionDate: '2026-07-01', attended: ['2026-07-01'] });

    // Act
    const rows = await harness.run('retention', { as_of: AS_OF });

    // Assess: one episode, censored at day 29.
    expect(curveRows(rows, 'all', 'in_treatment').map((row) => [row.day, row.at_risk, row.events, row.censored])).toEqual([[29, 1, 0, 1]]);
  });

  it('should count days across a leap day and month ends exactly', async () => {
    // Prepare: admitted 2024-01-31, last session 2024-03-01 (30 days, 2024 is a leap year), dropped out.
    await harness.addEpisode({ episodeId: 'leap', admissionDate: '2024-01-31', attended: ['2024-01-31', '2024-02-29', '2024-03-01'], discharge: { date: '2024-03-15', reason: 'dropped_out' } });

    // Act
    const rows = await harness.run('retention', { as_of: '2024-12-31' });

    // Assess
    expect(curveRows(rows, 'all', 'in_treatment').map((row) => row.day)).toEqual([30]);
  });

  it('should ignore sessions after the discharge and before the admission', async () => {
    await harness.addEpisode({ episodeId: 'late', admissionDate: '2026-03-10', attended: ['2026-03-09', '2026-03-10', '2026-03-20', '2026-04-01'], discharge: { date: '2026-03-25', reason: 'dropped_out' } });
    const rows = curveRows(await harness.run('retention', { as_of: AS_OF }), 'all', 'in_treatment');
    expect(rows.map((row) => row.day)).toEqual([10]);
  });

  it('should compute per clinic and overall, and filter by clinic, program and admission cohort', async () => {
    // Prepare
    await harness.addEpisode({ episodeId: 'a1', clinicId: 'clinic-a', programId: 'day', admissionDate: '2026-01-15', attended: ['2026-01-20'], discharge: { date: '2026-02-01', reason: 'dropped_out' } });
    await harness.addEpisode({ episodeId: 'b1', clinicId: 'clinic-b', programId: 'evening', admissionDate: '2026-02-15', attended: ['2026-02-25'], discharge: { date: '2026-03-01', reason: 'completed' } });

    // Act
    const all = await harness.run('retention', { as_of: AS_OF });
    const clinicB = await harness.run('retention', { as_of: AS_OF, clinic_id: 'clinic-b' });
    const evening = await harness.run('retention', { as_of: AS_OF, program_id: 'evening' });
    const january = await harness.run('retention', { as_of: AS_OF, cohort_from: '2026-01-01', cohort_to: '2026-01-31' });

    // Assess
    expect([...new Set(all.map((row) => row.scope))]).toEqual(['all', 'clinic-a', 'clinic-b']);
    expect([...new Set(clinicB.map((row) => row.scope))]).toEqual(['all', 'clinic-b']);
    expect(curveRows(evening, 'all', 'in_treatment').map((row) => row.day)).toEqual([10]);
    expect(curveRows(january, 'all', 'in_treatment').map((row) => row.day)).toEqual([5]);
  });

  it('should return no rows for an empty cohort', async () => {
    expect(await harness.run('retention', { as_of: AS_OF })).toEqual([]);
  });

  it('should use the last version of a duplicated enrollment (resolved by the episodes view)', async () => {
    // Prepare: the clinic re-sent the enrollment under a new event id with a corrected admission date.
    await harness.insert('enrollments', [
      { event_id: 'enr-1', episode_id: 'dup', admission_date: '2026-05-01', program_id: 'p', primary_substance: 'alcohol', received_at: '2026-05-01 10:00:00' },
      { event_id: 'enr-2', episode_id: 'dup', admission_date: '2026-05-03', program_id: 'p', primary_substance: 'alcohol', received_at: '2026-05-02 10:00:00' },
    ]);
    await harness.addSessions([{ episodeId: 'dup', sessionDate: '2026-06-20' }]);

    // Act
    const rows = curveRows(await harness.run('retention', { as_of: AS_OF }), 'all', 'in_treatment');

    // Assess: one episode, censored at as_of − 2026-05-03 = 58 days.
    expect(rows.map((row) => [row.day, row.at_risk, row.censored])).toEqual([[58, 1, 1]]);
  });

  it('should switch the interval to the log transform when asked', async () => {
    for (const [index, days] of [3, 5, 8, 13].entries()) await addTimedEpisode(harness, `t${index}`, days, true);
    await addTimedEpisode(harness, 'c', 10, false);
    // Prepare: four events and a censoring between them
    const logRows = curveRows(await harness.run('retention', { as_of: AS_OF, ci_transform: 'log' }), 'all', 'in_treatment');
    const oracle = kaplanMeier([3, 5, 8, 13].map((time) => ({ time, event: true })).concat([{ time: 10, event: false }]), 'log');
    logRows.forEach((row, index) => {
      expect(row.ci_transform).toBe('log');
      if (oracle[index].ciLower === null) expect(row.ci_lower).toBeNull();
      else expect(row.ci_lower).toBeCloseTo(oracle[index].ciLower as number, 12);
    });
  });

  it('should equal the Kaplan–Meier and Aalen–Johansen oracles on random cohorts', async () => {
    await fc.assert(
      fc.asyncProperty(randomCohort, fc.constantFrom<CiTransform>('log-log', 'log'), fc.constantFrom(14, 30, 60), async (cohort, transform, inactivityDays) => {
        // Prepare
        await harness.clear();
        for (const episode of cohort.episodes) await harness.addEpisode(episode);

        // Act
        const rows = await harness.run('retention', { as_of: cohort.asOf, ci_transform: transform, inactivity_days: inactivityDays });

        // Assess
        const states = episodeStates(cohort.episodes, { asOf: cohort.asOf, inactivityDays });
        const expected: Row[] = [];
        if (states.length > 0) {
          for (const [scope, members] of byScope(states)) {
            for (const point of kaplanMeier(members.map((state) => ({ time: state.time, event: state.outcome !== 'active' })), transform)) {
              expected.push({ scope, estimand: 'in_treatment', day: point.day, at_risk: point.atRisk, events: point.events, censored: point.censored, estimate: point.estimate, ci_lower: point.ciLower, ci_upper: point.ciUpper });
            }
          }
          for (const [scope, members] of byScope(states)) {
            const observations = members.map((state) => ({
              time: state.time,
              status: state.outcome === 'dropout' ? ('cause' as const) : state.outcome === 'active' ? ('censored' as const) : ('competing' as const),
            }));
            for (const point of aalenJohansen(observations, transform)) {
              expected.push({ scope, estimand: 'not_dropped_out', day: point.day, at_risk: point.atRisk, events: point.causeEvents, censored: point.censored, estimate: point.complement, ci_lower: point.ciLower, ci_upper: point.ciUpper });
            }
          }
        }
        const sortKey = (row: Row) => `${row.scope === 'all' ? 0 : 1}|${row.scope}|${row.estimand}|${String(row.day).padStart(5, '0')}`;
        expected.sort((a, b) => (sortKey(a) < sortKey(b) ? -1 : 1));
        expect(rows.length).toBe(expected.length);
        rows.forEach((row, index) => {
          const want = expected[index];
          expect([row.scope, row.estimand, row.day, row.at_risk, row.events, row.censored]).toEqual([want.scope, want.estimand, want.day, want.at_risk, want.events, want.censored]);
          for (const column of ['estimate', 'ci_lower', 'ci_upper'] as const) {
            if (want[column] === null) expect(row[column]).toBeNull();
            else expect(Math.abs((row[column] as number) - (want[column] as number))).toBeLessThan(1e-9);
          }
        });
      }),
      { numRuns: 60, seed: 20260630 },
    );
  });
});
