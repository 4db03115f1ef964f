import fc from 'fast-check';
import { createSqlHarness, addDays, type SqlHarness } from '../support/sql-harness';
import { wilsonInterval } from '../oracles/wilson';
import { goalRows, GOAL_DOMAIN_ROWS, type GoalEpisode, type GoalEvent } from '../oracles/goals';

async function load(harness: SqlHarness, episodes: GoalEpisode[], events: GoalEvent[]): Promise<void> {
  for (const episode of episodes) await harness.addEpisode(episode);
  await harness.insert(
    'goals',
    events.map((event) => ({
      clinic_id: event.clinicId,
      episode_id: event.episodeId,
      event_id: event.eventId,
      goal_id: event.goalId,
      action: event.action,
      domain: event.domain,
      action_date: event.actionDate,
    })),
  );
}

const asOf = '2024-04-30';
const episodes: GoalEpisode[] = [
  { clinicId: 'clinic-a', episodeId: 'A', admissionDate: '2024-01-31' },
  { clinicId: 'clinic-b', episodeId: 'B', admissionDate: '2024-03-01' },
  { clinicId: 'clinic-b', episodeId: 'C', admissionDate: '2024-03-15' },
];
const event = (eventId: string, episodeId: string, goalId: string, action: GoalEvent['action'], domain: string, actionDate: string): GoalEvent => ({
  clinicId: episodeId === 'A' ? 'clinic-a' : 'clinic-b',
  episodeId,
  eventId,
  goalId,
  action,
  domain,
  actionDate,
});
const events: GoalEvent[] = [
  // G1: 30 days across the leap month
  event('e1', 'A', 'G1', 'set', 'sobriety', '2024-02-01'),
  event('e2', 'A', 'G1', 'completed', 'sobriety', '2024-03-02'),
  // G2: revised into another domain, completed on the leap day
  event('e3', 'A', 'G2', 'set', 'employment', '2024-02-01'),
  event('e4', 'A', 'G2', 'revised', 'education', '2024-02-15'),
  event('e5', 'A', 'G2', 'completed', 'education', '2024-02-29'),
  // G3: abandoned
  event('e6', 'A', 'G3', 'set', 'housing', '2024-02-10'),
  event('e7', 'A', 'G3', 'abandoned', 'housing', '2024-03-01'),
  // G4: set and completed the same day
  event('e8', 'A', 'G4', 'completed', 'health', '2024-03-01'),
  event('e9', 'A', 'G4', 'set', 'health', '2024-03-01'),
  // G5: completed after as_of → still open
  event('e10', 'B', 'G5', 'set', 'sobriety', '2024-03-05'),
  event('e11', 'B', 'G5', 'completed', 'sobriety', '2024-05-01'),
];

describe('goals.sql', () => {
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

  it('should count goals by latest status and time set → completed, revisions apart', async () => {
    // Prepare
    await load(harness, episodes, events);

    // Act
    const rows = await harness.run('goals', { as_of: asOf });

    // Assess
    const all = rows.find((row) => row.scope === 'all' && row.domain === 'all')!;
    expect(all).toMatchObject({ episodes: 3, episodes_with_goals: 2, goals: 5, completed: 3, abandoned: 1, open_goals: 1, revised_goals: 1, revisions: 1, median_days_to_complete: 28 });
    expect(all.goals_per_episode).toBeCloseTo(5 / 3, 12);
    expect(all.completion_rate).toBeCloseTo(3 / 5, 12);
    expect(all.completion_ci_lower).toBeCloseTo(wilsonInterval(3, 5)!.lower, 12);
    expect(all.mean_days_to_complete).toBeCloseTo((30 + 28 + 0) / 3, 12);
    const byDomain = Object.fromEntries(rows.filter((row) => row.scope === 'all').map((row) => [row.domain, row]));
    expect(byDomain.education).toMatchObject({ goals: 1, completed: 1, revised_goals: 1, median_days_to_complete: 28 });
    expect(byDomain.employment).toMatchObject({ goals: 0, completion_rate: null });
    expect(byDomain.sobriety).toMatchObject({ goals: 2, completed: 1, open_goals: 1, median_days_to_complete: 30 });
    expect(byDomain.health).toMatchObject({ goals: 1, completed: 1, median_days_to_complete: 0 });
    expect(rows.find((row) => row.scope === 'clinic-b' && row.domain === 'all')).toMatchObject({ episodes: 2, episodes_with_goals: 1, goals: 1, open_goals: 1 });
  });

  it('should give all-scope rows per domain with zero counts on empty input', async () => {
    // Act
    const rows = await harness.run('goals', { as_of: asOf });

    // Assess
    expect(rows.map((row) => row.domain)).toEqual([...GOAL_DOMAIN_ROWS]);
    expect(rows.every((row) => row.scope === 'all' && row.goals === 0 && row.completion_rate === null && row.goals_per_episode === null)).toBe(true);
  });

  it('should equal the oracle on the hand-built cohort and on random cohorts', async () => {
    const compare = async (cohortEpisodes: GoalEpisode[], cohortEvents: GoalEvent[], cutoff: string) => {
      const rows = await harness.run('goals', { as_of: cutoff });
      const expected = goalRows(cohortEpisodes, cohortEvents, cutoff);
      expect(rows.map((row) => [row.scope, row.domain, row.episodes, row.episodes_with_goals, row.goals, row.completed, row.abandoned, row.open_goals, row.revised_goals, row.revisions])).toEqual(
        expected.map((row) => [row.scope, row.domain, row.episodes, row.episodesWithGoals, row.goals, row.completed, row.abandoned, row.openGoals, row.revisedGoals, row.revisions]),
      );
      rows.forEach((row, index) => {
        expectClose(row.mean_days_to_complete, expected[index].meanDaysToComplete);
        expectClose(row.median_days_to_complete, expected[index].medianDaysToComplete);
        expectClose(row.completion_ci_upper, wilsonInterval(expected[index].completed, expected[index].goals)?.upper ?? null);
      });
    };

    await load(harness, episodes, events);
    await compare(episodes, events, asOf);

    const day = (offset: number) => addDays('2024-01-01', offset);
    const goalArb = fc.record({
      actions: fc.array(
        fc.record({
          action: fc.constantFrom('set', 'completed', 'revised', 'abandoned'),
          domain: fc.constantFrom('sobriety', 'employment', 'housing', 'legal'),
          offset: fc.integer({ min: 0, max: 40 }),
        }),
        { minLength: 1, maxLength: 4 },
      ),
    });
    const episodeArb = fc.record({
      clinic: fc.constantFrom('clinic-a', 'clinic-b'),
      admission: fc.oneof(fc.integer({ min: 0, max: 60 }).map(day), fc.constant('2024-02-29')),
      goals: fc.array(goalArb, { maxLength: 4 }),
    });
    const cohortArb = fc.record({ episodes: fc.array(episodeArb, { maxLength: 5 }), asOf: fc.integer({ min: 20, max: 110 }).map(day) });

    await fc.assert(
      fc.asyncProperty(cohortArb, async (cohort) => {
        await harness.clear();
        const cohortEpisodes: GoalEpisode[] = cohort.episodes.map((episode, index) => ({ clinicId: episode.clinic, episodeId: `r${index}`, admissionDate: episode.admission }));
        const cohortEvents: GoalEvent[] = cohort.episodes.flatMap((episode, index) =>
          episode.goals.flatMap((goal, goalIndex) =>
            goal.actions.map((entry, actionIndex) => ({
              clinicId: episode.clinic,
              episodeId: `r${index}`,
              eventId: `r${index}-g${goalIndex}-${actionIndex}`,
              goalId: `g${goalIndex}`,
              action: entry.action as GoalEvent['action'],
              domain: entry.domain,
              actionDate: addDays(episode.admission, entry.offset),
            })),
          ),
        );
        await load(harness, cohortEpisodes, cohortEvents);
        await compare(cohortEpisodes, cohortEvents, cohort.asOf);
      }),
      { seed: 2024, numRuns: 60 },
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
