import { scheduleExpressionProblem, timeZoneProblem } from '../../lib/schedule-expression';

describe('schedule expressions', () => {
  it.each([
    'rate(1 hour)',
    'rate(15 minutes)',
    'rate(2 days)',
    'cron(0 6 * * ? *)',
    'cron(0 7 10 1,4,7,10 ? *)',
    'cron(0/30 6-20 ? * MON-FRI *)',
    'cron(15 10 ? * 6L 2026-2030)',
    'cron(0 8 L * ? *)',
    'cron(0 8 15W * ? *)',
    'cron(0 8 ? * 2#1 *)',
    'cron(0 8 ? JAN-MAR sun *)',
  ])('should accept %s', (expression) => {
    // Act / Assess
    expect(scheduleExpressionProblem(expression)).toBeUndefined();
  });

  it.each([
    ['rate(1 hours)', 'a rate of 1 takes the singular unit (rate(1 hour))'],
    ['rate(5 minute)', 'a rate above 1 takes the plural unit (rate(5 minutes))'],
    ['rate(0 minutes)', 'the rate must be at least 1'],
    ['rate(1 week)', 'is not a rate'],
    ['cron(0 6 * * *)', 'has 5 fields; Scheduler cron needs 6'],
    ['cron(0 6 * * * *)', 'exactly one of day-of-month and day-of-week must be ?'],
    ['cron(0 6 ? * ? *)', 'exactly one of day-of-month and day-of-week must be ?'],
    ['cron(60 6 * * ? *)', 'minutes "60" has 60, outside 0-59'],
    ['cron(0 24 * * ? *)', 'hours "24" has 24, outside 0-23'],
    ['cron(0 6 0 * ? *)', 'day-of-month "0" has 0, outside 1-31'],
    ['cron(0 6 32W * ? *)', 'day-of-month "32W" has 32, outside 1-31'],
    ['cron(0 6 ? * 8 *)', 'day-of-week "8" has 8, outside 1-7'],
    ['cron(0 6 ? * FUN *)', 'day-of-week "FUN" has "FUN", which is not a number 1-7 or SUN-SAT'],
    ['cron(0 6 1 * ? 1969)', 'year "1969" has 1969, outside 1970-2199'],
    ['cron(0/0 6 1 * ? *)', 'minutes "0/0" has a step of 0'],
    ['cron(0 1-2-3 1 * ? *)', 'hours "1-2-3" has a range "1-2-3" with more than one -'],
    ['cron(? 6 1 * ? *)', 'minutes "?" cannot be ? (only day-of-month or day-of-week can)'],
    ['cron(0 6 1 * MON *)', 'exactly one of day-of-month and day-of-week must be ?'],
    ['at(2026-12-01T06:00:00)', 'runs once; a recurring schedule needs cron(…) or rate(…)'],
    ['0 6 * * ? *', 'is not a schedule expression'],
  ])('should refuse %s, saying why', (expression, reason) => {
    // Act / Assess
    expect(scheduleExpressionProblem(expression)).toContain(reason);
  });

  it('should accept IANA zones and refuse unknown names and abbreviations', () => {
    // Act / Assess
    expect(timeZoneProblem('UTC')).toBeUndefined();
    expect(timeZoneProblem('America/New_York')).toBeUndefined();
    expect(timeZoneProblem('Mars/Olympus')).toBe('"Mars/Olympus" is not an IANA time zone (e.g. UTC, America/New_York)');
    expect(timeZoneProblem('EST')).toContain('is an abbreviation');
  });
});
