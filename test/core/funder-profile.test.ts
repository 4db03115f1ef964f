import {
  cohortStart,
  followUpDueCohort,
  funderProfileSchema,
  lastCompletePeriod,
  parseFunderProfiles,
  parsePeriod,
  resolvePeriod,
  type FunderProfileInput,
} from '../../lambdas/core/funder-profile';

const PROFILE: FunderProfileInput = {
  id: 'state-sor',
  name: 'State SOR grant',
  clinics: 'all',
  periodKind: 'quarter',
  schedule: { cron: 'cron(0 7 10 1,4,7,10 ? *)', timeZone: 'America/New_York' },
  delivery: { channel: 'email', recipients: ['grants@state.example.org'] },
};

describe('parsePeriod', () => {
  it('should turn a quarter into its first and last day, with as-of = last day', () => {
    // Prepare / Act / Assess
    expect(parsePeriod('2026-Q2')).toEqual({ label: '2026-Q2', kind: 'quarter', start: '2026-04-01', end: '2026-06-30', asOf: '2026-06-30' });
    expect(parsePeriod('2025-Q4')).toMatchObject({ start: '2025-10-01', end: '2025-12-31' });
  });

  it('should turn a month into its days, leap February included', () => {
    // Prepare / Act / Assess
    expect(parsePeriod('2024-02')).toMatchObject({ kind: 'month', start: '2024-02-01', end: '2024-02-29' });
    expect(parsePeriod('2026-02')).toMatchObject({ end: '2026-02-28' });
  });

  it('should explain the accepted forms when the label is neither', () => {
    // Prepare / Act / Assess
    for (const label of ['2026-Q5', '2026-13', '26-Q1', 'Q2-2026', '2026-5']) {
      expect(() => parsePeriod(label)).toThrow(`period "${label}" is not a month (YYYY-MM, e.g. 2026-05) or a quarter (YYYY-Qn, e.g. 2026-Q2)`);
    }
  });
});

describe('lastCompletePeriod', () => {
  it('should use the funder clock: 03:00 UTC on 1 July is still June in New York', () => {
    // Prepare
    const now = new Date('2026-07-01T03:00:00Z');

    // Act / Assess
    expect(lastCompletePeriod('quarter', 'America/New_York', now).label).toBe('2026-Q1');
    expect(lastCompletePeriod('quarter', 'UTC', now).label).toBe('2026-Q2');
    expect(lastCompletePeriod('month', 'America/New_York', now).label).toBe('2026-05');
    expect(lastCompletePeriod('month', 'Asia/Tokyo', now).label).toBe('2026-06');
  });

  it('should roll back across the year boundary', () => {
    // Prepare / Act / Assess
    expect(lastCompletePeriod('quarter', 'UTC', new Date('2026-01-15T00:00:00Z')).label).toBe('2025-Q4');
    expect(lastCompletePeriod('month', 'UTC', new Date('2026-01-15T00:00:00Z')).label).toBe('2025-12');
  });
});

describe('resolvePeriod', () => {
  it('should refuse a period that has not ended yet on the funder clock', () => {
    // Prepare
    const profile = funderProfileSchema.parse(PROFILE);

    // Act / Assess
    expect(() => resolvePeriod(profile, '2026-Q3', new Date('2026-09-30T12:00:00Z'))).toThrow('period "2026-Q3" has not ended yet in America/New_York');
    expect(resolvePeriod(profile, '2026-Q3', new Date('2026-10-01T12:00:00Z')).asOf).toBe('2026-09-30');
  });
});

describe('cohorts', () => {
  it('should take the months ending with the period, and shift them back by the follow-up window for outcomes', () => {
    // Prepare
    const period = parsePeriod('2026-Q2');

    // Act / Assess
    expect(cohortStart(period, 12)).toBe('2025-07-01');
    expect(followUpDueCohort(period, 12, 8)).toEqual({ from: '2024-11-01', to: '2025-10-31' });
    expect(followUpDueCohort(parsePeriod('2026-03'), 1, 8)).toEqual({ from: '2025-07-01', to: '2025-07-31' });
  });
});

describe('funderProfileSchema', () => {
  it('should default to every section and a 12-month cohort', () => {
    // Prepare / Act
    const profile = funderProfileSchema.parse(PROFILE);

    // Assess
    expect(profile.sections).toHaveLength(8);
    expect(profile.cohortMonths).toBe(12);
  });

  it('should name each wrong field (cron shape, time zone, recipients) and a duplicate id', () => {
    // Prepare
    const bad = [
      { ...PROFILE, schedule: { cron: 'cron(0 7 10 * * *)', timeZone: 'Mars/Olympus' } },
      { ...PROFILE, id: 'second', schedule: { cron: '0 7 10 * ?', timeZone: 'UTC' }, delivery: { channel: 'email', recipients: [] } },
    ];

    // Act / Assess
    expect(() => parseFunderProfiles(bad)).toThrow(
      /0\.schedule\.cron: cron: exactly one of day-of-month and day-of-week must be \?; 0\.schedule\.timeZone: must be an IANA time zone.*1\.schedule\.cron: must be an EventBridge Scheduler cron expression.*1\.delivery\.recipients: /,
    );
    expect(() => parseFunderProfiles([PROFILE, PROFILE])).toThrow('1.id: duplicate funder profile id "state-sor"');
  });

  it('should take "all" as the whole network but refuse it as one clinic of a list', () => {
    // Act / Assess
    expect(parseFunderProfiles([PROFILE])[0].clinics).toBe('all');
    expect(() => parseFunderProfiles([{ ...PROFILE, clinics: ['harbor-view', 'all'] }])).toThrow(/0\.clinics: \[1\] clinic id must not be "all" \(got "all"\)/);
  });
});
