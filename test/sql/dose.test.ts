import fc from 'fast-check';
import { createSqlHarness, addDays, type SqlHarness } from '../support/sql-harness';
import { wilsonInterval } from '../oracles/wilson';
import { doseRows, doseWeekRows, SESSION_TYPE_ROWS, type DoseEpisode, type DoseSession } from '../oracles/dose';

const THRESHOLDS = { adult_weekly_hours: 9, adolescent_weekly_hours: 6 };

async function load(harness: SqlHarness, episodes: DoseEpisode[], sessions: DoseSession[]): Promise<void> {
  await harness.insert(
    'enrollments',
    episodes.map((episode) => ({
      clinic_id: episode.clinicId,
      episode_id: episode.episodeId,
      admission_date: episode.admissionDate,
      program_id: 'iop-adult',
      level_of_care: '2.1',
      primary_substance: 'alcohol',
      birth_year: episode.birthYear ?? null,
    })),
  );
  await harness.insert(
    'discharges',
    episodes.filter((episode) => episode.discharge).map((episode) => ({
      clinic_id: episode.clinicId,
      episode_id: episode.episodeId,
      discharge_date: episode.discharge!.date,
      reason: episode.discharge!.reason,
    })),
  );
  await harness.addSessions(
    sessions.map((session) => ({
      clinicId: session.clinicId,
      episodeId: session.episodeId,
      sessionDate: session.sessionDate,
      sessionType: session.sessionType as never,
      status: session.status,
      scheduledMinutes: Math.max(session.attendedMinutes, 180),
      attendedMinutes: session.attendedMinutes,
    })),
  );
}

const session = (episodeId: string, sessionDate: string, sessionType: string, status: DoseSession['status'], attendedMinutes = 0, clinicId = 'clinic-a'): DoseSession => ({
  clinicId,
  episodeId,
  sessionDate,
  sessionType,
  status,
  attendedMinutes: status === 'attended' ? attendedMinutes : 0,
});

/** E1: adult, Thursday leap-day admission, 3 full weeks of 9, 3 and 9 hours; E2: adolescent, weeks of 6 and 0 hours; E3: unknown birth year, only a partial week. */
const asOf = '2024-04-14';
const episodes: DoseEpisode[] = [
  { clinicId: 'clinic-a', episodeId: 'E1', admissionDate: '2024-02-29', birthYear: 1990, discharge: { date: '2024-03-24', reason: 'completed' } },
  { clinicId: 'clinic-b', episodeId: 'E2', admissionDate: '2024-04-01', birthYear: 2008 },
  { clinicId: 'clinic-b', episodeId: 'E3', admissionDate: '2024-04-10', birthYear: null },
];
const sessions: DoseSession[] = [
  session('E1', '2024-02-29', 'group', 'attended', 180),
  session('E1', '2024-03-04', 'group', 'attended', 180),
  session('E1', '2024-03-06', 'group', 'attended', 180),
  session('E1', '2024-03-08', 'individual', 'attended', 180),
  session('E1', '2024-03-11', 'group', 'attended', 180),
  session('E1', '2024-03-13', 'group', 'no_show'),
  session('E1', '2024-03-15', 'group', 'excused'),
  session('E1', '2024-03-18', 'cbt', 'attended', 240),
  session('E1', '2024-03-20', 'group', 'cancelled_by_clinic'),
  session('E1', '2024-03-22', 'family', 'attended', 300),
  session('E1', '2024-03-25', 'group', 'attended', 180), // after discharge
  session('E2', '2024-04-02', 'group', 'attended', 360, 'clinic-b'),
];

describe('dose.sql and dose-weeks.sql', () => {
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

  it('should rate attendance over scheduled sessions without clinic cancellations, excused shown apart', async () => {
    // Prepare
    await load(harness, episodes, sessions);

    // Act
    const rows = await harness.run('dose', { as_of: asOf, ...THRESHOLDS });

    // Assess
    const all = rows.find((row) => row.scope === 'all' && row.session_type === 'all')!;
    expect(all).toMatchObject({ scheduled: 10, attended: 8, no_show: 1, excused: 1, cancelled_by_clinic: 1, client_weeks: 5 });
    expect(all.attendance_rate).toBeCloseTo(0.8, 12);
    expect(all.no_show_rate).toBeCloseTo(0.1, 12);
    expect(all.excused_rate).toBeCloseTo(0.1, 12);
    expect(all.attendance_rate_excluding_excused).toBeCloseTo(8 / 9, 12);
    expect(all.attendance_ci_lower).toBeCloseTo(wilsonInterval(8, 10)!.lower, 12);
    expect(all.hours_attended).toBeCloseTo(30, 12);
    expect(all.hours_per_client_week).toBeCloseTo(27 / 5, 12);
    const group = rows.find((row) => row.scope === 'all' && row.session_type === 'group')!;
    expect(group).toMatchObject({ attended: 5, no_show: 1, excused: 1, cancelled_by_clinic: 1 });
    expect(group.hours_per_client_week).toBeCloseTo(15 / 5, 12);
    expect(rows.filter((row) => row.scope === 'all').map((row) => row.session_type)).toEqual([...SESSION_TYPE_ROWS]);
  });

  it('should count full ISO weeks only and hold adolescents to their own threshold', async () => {
    // Prepare
    await load(harness, episodes, sessions);

    // Act
    const rows = await harness.run('dose-weeks', { as_of: asOf, ...THRESHOLDS });

    // Assess: weeks E1 [9, 3, 9] (adult, 9 h), E2 [6, 0] (adolescent, 6 h); E1 and E3 have one partial week each
    const byGroup = Object.fromEntries(rows.filter((row) => row.scope === 'all').map((row) => [row.age_group, row]));
    expect(byGroup.all).toMatchObject({ episodes: 3, client_weeks: 5, partial_weeks_excluded: 2, weeks_meeting_target: 3, median_weekly_hours: 6 });
    expect(byGroup.all.mean_weekly_hours).toBeCloseTo(27 / 5, 12);
    expect(byGroup.all.weeks_meeting_target_rate).toBeCloseTo(3 / 5, 12);
    expect(byGroup.adolescent).toMatchObject({ episodes: 1, client_weeks: 2, weeks_meeting_target: 1 });
    expect(byGroup.adult).toMatchObject({ episodes: 2, client_weeks: 3, weeks_meeting_target: 2 });
    // first 30 days: only E1 is old enough (E2 admitted 13 days before as_of); 24 h attended up to its discharge
    expect(byGroup.all).toMatchObject({ first_30_days_episodes: 1, mean_first_30_days_hours: 24, median_first_30_days_hours: 24 });
  });

  it('should give all-scope rows with zero counts on empty input', async () => {
    // Act
    const sessionsRows = await harness.run('dose', { as_of: asOf, ...THRESHOLDS });
    const weekRows = await harness.run('dose-weeks', { as_of: asOf, ...THRESHOLDS });

    // Assess
    expect(sessionsRows).toHaveLength(SESSION_TYPE_ROWS.length);
    expect(sessionsRows.every((row) => row.scope === 'all' && row.scheduled === 0 && row.attendance_rate === null && row.hours_per_client_week === null)).toBe(true);
    expect(weekRows.map((row) => [row.scope, row.age_group, row.client_weeks, row.mean_weekly_hours])).toEqual([
      ['all', 'all', 0, null],
      ['all', 'adult', 0, null],
      ['all', 'adolescent', 0, null],
    ]);
  });

  it('should equal the oracle on the hand-built cohort and on random cohorts', async () => {
    const compare = async (cohortEpisodes: DoseEpisode[], cohortSessions: DoseSession[], cutoff: string) => {
      const settings = { asOf: cutoff, adultWeeklyHours: 9, adolescentWeeklyHours: 6 };
      const sessionRows = await harness.run('dose', { as_of: cutoff, ...THRESHOLDS });
      const weekRows = await harness.run('dose-weeks', { as_of: cutoff, ...THRESHOLDS });
      const expectedSessions = doseRows(cohortEpisodes, cohortSessions, settings);
      const expectedWeeks = doseWeekRows(cohortEpisodes, cohortSessions, settings);
      expect(sessionRows.map((row) => [row.scope, row.session_type, row.attended, row.no_show, row.excused, row.cancelled_by_clinic, row.client_weeks])).toEqual(
        expectedSessions.map((row) => [row.scope, row.sessionType, row.attended, row.noShow, row.excused, row.cancelledByClinic, row.clientWeeks]),
      );
      sessionRows.forEach((row, index) => {
        expectClose(row.hours_attended, expectedSessions[index].hoursAttended);
        expectClose(row.hours_per_client_week, expectedSessions[index].hoursPerClientWeek);
      });
      expect(weekRows.map((row) => [row.scope, row.age_group, row.episodes, row.client_weeks, row.partial_weeks_excluded, row.weeks_meeting_target, row.first_30_days_episodes])).toEqual(
        expectedWeeks.map((row) => [row.scope, row.ageGroup, row.episodes, row.clientWeeks, row.partialWeeksExcluded, row.weeksMeetingTarget, row.first30DaysEpisodes]),
      );
      weekRows.forEach((row, index) => {
        const oracle = expectedWeeks[index];
        expectClose(row.mean_weekly_hours, oracle.meanWeeklyHours);
        expectClose(row.median_weekly_hours, oracle.medianWeeklyHours);
        expectClose(row.mean_first_30_days_hours, oracle.meanFirst30DaysHours);
        expectClose(row.median_first_30_days_hours, oracle.medianFirst30DaysHours);
        expectClose(row.weeks_meeting_target_ci_upper, wilsonInterval(oracle.weeksMeetingTarget, oracle.clientWeeks)?.upper ?? null);
      });
    };

    // the hand-built cohort first
    await load(harness, episodes, sessions);
    await compare(episodes, sessions, asOf);

    const day = (offset: number) => addDays('2023-12-25', offset);
    const sessionArb = fc.record({
      offset: fc.integer({ min: -2, max: 60 }),
      sessionType: fc.constantFrom('group', 'individual', 'cbt', 'family'),
      status: fc.constantFrom('attended', 'attended', 'attended', 'no_show', 'excused', 'cancelled_by_clinic'),
      minutes: fc.constantFrom(60, 90, 180, 240),
    });
    const episodeArb = fc.record({
      clinic: fc.constantFrom('clinic-a', 'clinic-b'),
      admission: fc.oneof(fc.integer({ min: 0, max: 60 }).map(day), fc.constant('2024-02-29')),
      birthYear: fc.option(fc.constantFrom(1980, 2007, 2008, 2010), { nil: null }),
      discharge: fc.option(fc.record({ after: fc.integer({ min: 0, max: 50 }), reason: fc.constant('completed') })),
      sessions: fc.array(sessionArb, { maxLength: 14 }),
    });
    const cohortArb = fc.record({ episodes: fc.array(episodeArb, { maxLength: 5 }), asOf: fc.integer({ min: 10, max: 120 }).map(day) });

    await fc.assert(
      fc.asyncProperty(cohortArb, async (cohort) => {
        await harness.clear();
        const cohortEpisodes: DoseEpisode[] = cohort.episodes.map((episode, index) => ({
          clinicId: episode.clinic,
          episodeId: `r${index}`,
          admissionDate: episode.admission,
          birthYear: episode.birthYear,
          discharge: episode.discharge ? { date: addDays(episode.admission, episode.discharge.after), reason: episode.discharge.reason } : undefined,
        }));
        const cohortSessions: DoseSession[] = cohort.episodes.flatMap((episode, index) =>
          episode.sessions.map((entry) =>
            session(`r${index}`, addDays(episode.admission, entry.offset), entry.sessionType, entry.status as DoseSession['status'], entry.minutes, episode.clinic),
          ),
        );
        await load(harness, cohortEpisodes, cohortSessions);
        await compare(cohortEpisodes, cohortSessions, cohort.asOf);
      }),
      { seed: 777, numRuns: 50 },
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
