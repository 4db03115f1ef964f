import { EVENT_EXAMPLES } from '../../lambdas/core/event-examples';
import { clinicIdProblem, EVENT_TYPES, eventDate, eventSchema, latestAcceptableDate, RESERVED_CLINIC_ID } from '../../lambdas/core/event-schema';
import { NETWORK_SCOPE } from '../../lambdas/core/metrics-document';
import { describeIssues } from '../../lambdas/core/validation-errors';

const base = { eventId: 'e-1', clinicId: 'riverside', clientId: 'MRN-1', episodeId: 'E1' };
const session = { ...base, type: 'attendance', sessionDate: '2026-03-09', sessionType: 'group', status: 'attended', scheduledMinutes: 180, attendedMinutes: 170 };

function issuesOf(input: unknown) {
  const result = eventSchema.safeParse(input);
  return result.success ? [] : result.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message }));
}

describe('event contract v1', () => {
  it('should accept the documented example of every type', () => {
    for (const type of EVENT_TYPES) expect(issuesOf(EVENT_EXAMPLES[type])).toEqual([]);
  });

  it('should default version to 1 and level of care to 2.1', () => {
    const { version, ...withoutVersion } = EVENT_EXAMPLES.enrollment as Record<string, unknown>;
    void version;
    const parsed = eventSchema.parse({ ...withoutVersion, levelOfCare: undefined });
    expect(parsed.version).toBe(1);
    expect(parsed.type === 'enrollment' && parsed.levelOfCare).toBe('2.1');
  });

  it('should reserve the clinic id "all", the scope of every metric\'s network-wide rows, naming field, value and fix', () => {
    // Act
    const result = eventSchema.safeParse({ ...session, clinicId: 'all' });

    // Assess
    expect(RESERVED_CLINIC_ID).toBe(NETWORK_SCOPE);
    expect(result.success).toBe(false);
    const errors = result.success ? [] : describeIssues(result.error.issues, 'events[0]', { ...session, clinicId: 'all' });
    expect(errors).toEqual([
      {
        path: 'events[0].clinicId',
        message: expect.stringMatching(/^must not be "all" \(got "all"\): that id is reserved for the network-wide rows of every metric .*give the clinic another id/),
      },
    ]);
    // Only the exact word is reserved.
    for (const clinicId of ['all-saints', 'allston', 'mall', 'al']) expect(issuesOf({ ...session, clinicId })).toEqual([]);
  });

  it('should explain a bad clinic id in configuration with the field and value', () => {
    // Act / Assess
    expect(clinicIdProblem('all', 'clinics[1]')).toMatch(/^clinics\[1\] must not be "all" \(got "all"\)/);
    expect(clinicIdProblem('Harbor View')).toBe('clinicId "Harbor View" must be 2-40 characters of a-z, 0-9 and -, not "all"');
    expect(clinicIdProblem('harbor-view')).toBeUndefined();
  });

  it('should reject unknown fields so names and free text cannot slip in', () => {
    expect(issuesOf({ ...session, clientName: 'Jane Doe' })).toEqual([
      expect.objectContaining({ message: expect.stringContaining('clientName') }),
    ]);
  });

  it.each([
    ['2026-02-30', 'not a calendar date'],
    ['2025-02-29', 'not a calendar date'],
    ['1999-12-31', 'before 2000-01-01'],
    ['26-03-01', 'YYYY-MM-DD'],
  ])('should reject the session date %s', (sessionDate, problem) => {
    expect(issuesOf({ ...session, sessionDate })).toEqual([{ path: 'sessionDate', message: expect.stringContaining(problem) }]);
  });

  it('should accept a leap day and reject dates more than a day ahead', () => {
    expect(issuesOf({ ...session, sessionDate: '2024-02-29' })).toEqual([]);
    expect(issuesOf({ ...session, sessionDate: latestAcceptableDate() })).toEqual([]);
    const twoDaysAhead = new Date(Date.now() + 2 * 86_400_000).toISOString().slice(0, 10);
    expect(issuesOf({ ...session, sessionDate: twoDaysAhead })).toEqual([
      { path: 'sessionDate', message: expect.stringContaining('future') },
    ]);
  });

  it('should tie attended minutes to the attendance status', () => {
    expect(issuesOf({ ...session, status: 'no_show', attendedMinutes: 30 })).toEqual([
      { path: 'attendedMinutes', message: 'must be 0 when status is no_show' },
    ]);
    expect(issuesOf({ ...session, attendedMinutes: 0 })).toEqual([
      { path: 'attendedMinutes', message: 'must be more than 0 when status is attended' },
    ]);
    expect(issuesOf({ ...session, attendedMinutes: 241 })).toEqual([
      { path: 'attendedMinutes', message: expect.stringContaining('scheduledMinutes + 60') },
    ]);
    expect(issuesOf({ ...session, attendedMinutes: -5 })).toEqual([expect.objectContaining({ path: 'attendedMinutes' })]);
  });

  it('should require results only for collected drug tests, one per substance', () => {
    const test = { ...base, type: 'drug_test', scheduledDate: '2026-03-11', random: true };
    expect(issuesOf({ ...test, status: 'missed' })).toEqual([]);
    expect(issuesOf({ ...test, status: 'collected' }).map((issue) => issue.path)).toEqual(['collectedDate', 'results']);
    expect(
      issuesOf({ ...test, status: 'missed', results: [{ substance: 'opioids', result: 'negative' }] }).map((issue) => issue.path),
    ).toEqual(['results']);
    const twice = [
      { substance: 'opioids', result: 'negative' },
      { substance: 'opioids', result: 'positive' },
    ];
    expect(issuesOf({ ...test, status: 'collected', collectedDate: '2026-03-11', results: twice })).toEqual([
      { path: 'results.1.substance', message: expect.stringContaining('listed twice') },
    ]);
  });

  it('should require interview answers exactly when the interview was completed', () => {
    const interview = { ...base, type: 'assessment', timepoint: 'six_month', interviewDate: '2026-09-01' };
    expect(issuesOf({ ...interview, status: 'not_located' })).toEqual([]);
    expect(issuesOf({ ...interview, status: 'completed' })).toHaveLength(5);
    expect(issuesOf({ ...interview, status: 'refused', daysUsedPast30: 3 })).toEqual([
      { path: 'daysUsedPast30', message: 'must be absent when status is refused' },
    ]);
  });

  it('should name the allowed event types for an unknown type', () => {
    expect(issuesOf({ ...base, type: 'note' })).toEqual([{ path: 'type', message: expect.stringContaining("'enrollment'") }]);
  });

  it("should place each event on the clinic's calendar by its own date field", () => {
    expect(eventDate(eventSchema.parse(EVENT_EXAMPLES.drug_test))).toBe('2026-03-11');
    expect(eventDate(eventSchema.parse(EVENT_EXAMPLES.assessment))).toBe('2026-09-03');
  });
});
