import { eventSchema } from '../../lambdas/core/event-schema';
import { describeIssues, formatPath, MAX_ERRORS_PER_EVENT } from '../../lambdas/core/validation-errors';

const attendance = {
  type: 'attendance',
  eventId: 'riverside-E1-s1',
  clinicId: 'riverside',
  clientId: 'MRN-0048213',
  episodeId: 'E1',
  sessionDate: '2026-02-10',
  sessionType: 'group',
  status: 'attended',
  scheduledMinutes: 180,
  attendedMinutes: 170,
};

function errorsOf(event: unknown) {
  const parsed = eventSchema.safeParse(event);
  if (parsed.success) throw new Error('expected the event to be invalid');
  return describeIssues(parsed.error.issues, 'events[3]', event);
}

describe('describeIssues', () => {
  it('should reject an unknown field by name and say that names and free text are never accepted', () => {
    const errors = errorsOf({ ...attendance, name: 'Jane Doe' });

    expect(errors).toEqual([
      { path: 'events[3].name', message: expect.stringContaining('is not part of the contract (names, contacts and free text are never accepted); remove it') },
    ]);
    expect(JSON.stringify(errors)).not.toContain('Jane Doe');
  });

  it('should suggest the contract field when an unknown field differs only in case or underscores', () => {
    const { sessionDate, ...rest } = attendance;

    const errors = errorsOf({ ...rest, session_date: sessionDate });

    expect(errors.find((error) => error.path === 'events[3].session_date')?.message).toMatch(/did you mean "sessionDate"\?/);
    expect(errors.find((error) => error.path === 'events[3].sessionDate')?.message).toBe('is required for attendance events');
  });

  it('should list the allowed values of an enumeration and show the value sent', () => {
    const [error] = errorsOf({ ...attendance, sessionType: 'zumba' });

    expect(error.path).toBe('events[3].sessionType');
    expect(error.message).toBe('must be one of "group", "individual", "cbt", "family", "workshop", "education", "other" (got "zumba")');
  });

  it('should tell a quoted number to be sent without quotes', () => {
    const [error] = errorsOf({ ...attendance, scheduledMinutes: '180' });

    expect(error).toEqual({ path: 'events[3].scheduledMinutes', message: 'must be a number (got "180"); send numbers without quotes' });
  });

  it('should give the bound and the value for negative minutes', () => {
    const errors = errorsOf({ ...attendance, status: 'no_show', scheduledMinutes: -5, attendedMinutes: 0 });

    expect(errors).toContainEqual({ path: 'events[3].scheduledMinutes', message: 'must be at least 1 (got -5)' });
  });

  it('should clip a 100 kB string instead of echoing it', () => {
    const huge = 'x'.repeat(100_000);

    const errors = errorsOf({ ...attendance, episodeId: huge, sessionType: huge });

    expect(errors).toContainEqual({ path: 'events[3].episodeId', message: 'must be at most 64 characters long (got 100000)' });
    const sessionType = errors.find((error) => error.path === 'events[3].sessionType');
    expect(sessionType?.message).toContain('… (100000 characters)');
    expect(JSON.stringify(errors).length).toBeLessThan(2000);
  });

  it('should never echo a clientId value, whatever is wrong with it', () => {
    const longId = `SECRET-${'9'.repeat(80)}`;

    const tooLong = errorsOf({ ...attendance, clientId: longId });
    const withSpace = errorsOf({ ...attendance, clientId: 'Jane Doe' });
    const wrongType = errorsOf({ ...attendance, clientId: 48213 });

    expect(JSON.stringify(tooLong)).not.toContain('SECRET');
    expect(tooLong).toEqual([{ path: 'events[3].clientId', message: 'must be at most 64 characters long (got 87)' }]);
    expect(JSON.stringify(withSpace)).not.toContain('Jane');
    expect(JSON.stringify(wrongType)).not.toContain('48213');
    expect(wrongType[0].message).toBe('must be text (a JSON string)');
  });

  it('should explain impossible and future dates', () => {
    const impossible = errorsOf({ ...attendance, sessionDate: '2026-02-30' });
    const nextYear = errorsOf({ ...attendance, sessionDate: `${new Date().getUTCFullYear() + 1}-01-15` });

    expect(impossible).toEqual([{ path: 'events[3].sessionDate', message: '"2026-02-30" is not a calendar date; check the day and month' }]);
    expect(nextYear).toEqual([{ path: 'events[3].sessionDate', message: 'must not be in the future (at most one day ahead of today, UTC)' }]);
  });

  it('should name nested fields of drug test results with their index', () => {
    const drugTest = {
      type: 'drug_test',
      eventId: 'riverside-uds-1',
      clinicId: 'riverside',
      clientId: 'MRN-1',
      episodeId: 'E1',
      scheduledDate: '2026-02-10',
      collectedDate: '2026-02-10',
      status: 'collected',
      random: true,
      results: [{ substance: 'alcohol', result: 'maybe' }],
    };

    const errors = errorsOf(drugTest);

    expect(errors).toEqual([{ path: 'events[3].results[0].result', message: 'must be one of "negative", "positive", "inconclusive" (got "maybe")' }]);
  });

  it('should say an event must be an object, and which types exist', () => {
    expect(errorsOf('attendance')).toEqual([{ path: 'events[3]', message: 'must be an object (got "attendance")' }]);
    expect(errorsOf({ ...attendance, type: 'visit' })[0]).toEqual({
      path: 'events[3].type',
      message: 'must be one of "enrollment", "attendance", "drug_test", "goal", "discharge", "assessment" (got "visit")',
    });
    expect(errorsOf({ eventId: 'x' })[0]).toEqual({ path: 'events[3].type', message: expect.stringMatching(/^is required: one of "enrollment"/) });
  });

  it('should cap the list of errors for one event and say how many were left out', () => {
    const junk = Object.fromEntries(Array.from({ length: 50 }, (_, index) => [`note${index}`, 'free text']));

    const errors = errorsOf({ ...attendance, ...junk });

    expect(errors).toHaveLength(MAX_ERRORS_PER_EVENT);
    expect(errors[MAX_ERRORS_PER_EVENT - 1]).toEqual({ path: 'events[3]', message: '41 more problems not listed; fix the ones above and send again' });
  });
});

describe('formatPath', () => {
  it('should quote and clip keys that are not plain identifiers', () => {
    expect(formatPath('events[0]', ['first name'])).toBe('events[0]["first name"]');
    expect(formatPath('events[0]', ['k'.repeat(500)])).toBe(`events[0]["${'k'.repeat(40)}…"]`);
    expect(formatPath('events[0]', ['results', 2, 'substance'])).toBe('events[0].results[2].substance');
  });
});
