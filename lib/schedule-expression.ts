/**
 * Checks EventBridge Scheduler expressions and time zones at synth time, so a typo in a
 * refresh or funder schedule fails `cdk synth` with the field and the rule it broke
 * instead of failing the deployment half-way (CloudFormation only learns it from the API).
 */

interface CronField {
  name: string;
  min: number;
  max: number;
  names?: readonly string[];
  /** Special characters this field accepts besides `* , - /`. */
  special: 'none' | 'day-of-month' | 'day-of-week';
}

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'] as const;
const WEEKDAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'] as const;

const CRON_FIELDS: readonly CronField[] = [
  { name: 'minutes', min: 0, max: 59, special: 'none' },
  { name: 'hours', min: 0, max: 23, special: 'none' },
  { name: 'day-of-month', min: 1, max: 31, special: 'day-of-month' },
  { name: 'month', min: 1, max: 12, names: MONTHS, special: 'none' },
  { name: 'day-of-week', min: 1, max: 7, names: WEEKDAYS, special: 'day-of-week' },
  { name: 'year', min: 1970, max: 2199, special: 'none' },
];

/** A problem with a recurring Scheduler expression (`cron(…)` or `rate(…)`), or undefined when it is valid. */
export function scheduleExpressionProblem(expression: string): string | undefined {
  const text = expression.trim();
  if (text.startsWith('rate(')) return rateProblem(text);
  if (text.startsWith('cron(')) return cronProblem(text);
  if (text.startsWith('at(')) return `"${text}" runs once; a recurring schedule needs cron(…) or rate(…)`;
  return `"${text}" is not a schedule expression: use cron(minutes hours day-of-month month day-of-week year), e.g. cron(0 6 * * ? *), or rate(1 hour)`;
}

function rateProblem(text: string): string | undefined {
  const match = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/.exec(text);
  if (!match) return `"${text}" is not a rate: write rate(<n> minute[s]|hour[s]|day[s]), e.g. rate(1 hour)`;
  const value = Number(match[1]);
  if (value < 1) return `"${text}": the rate must be at least 1`;
  const plural = match[2].endsWith('s');
  if (value === 1 && plural) return `"${text}": a rate of 1 takes the singular unit (rate(1 ${match[2].slice(0, -1)}))`;
  if (value > 1 && !plural) return `"${text}": a rate above 1 takes the plural unit (rate(${value} ${match[2]}s))`;
  return undefined;
}

function cronProblem(text: string): string | undefined {
  const match = /^cron\((.*)\)$/.exec(text);
  if (!match) return `"${text}" is not a cron expression: write cron(minutes hours day-of-month month day-of-week year)`;
  const values = match[1].trim().split(/\s+/);
  if (values.length !== CRON_FIELDS.length) {
    return `"${text}" has ${values.length} fields; Scheduler cron needs 6 (minutes hours day-of-month month day-of-week year)`;
  }
  const [dayOfMonth, dayOfWeek] = [values[2], values[4]];
  if ((dayOfMonth === '?') === (dayOfWeek === '?')) {
    return `"${text}": exactly one of day-of-month and day-of-week must be ? (e.g. cron(0 6 * * ? *) or cron(0 6 ? * MON *))`;
  }
  for (const [index, field] of CRON_FIELDS.entries()) {
    const problem = fieldProblem(values[index], field);
    if (problem) return `"${text}": ${field.name} "${values[index]}" ${problem}`;
  }
  return undefined;
}

function fieldProblem(value: string, field: CronField): string | undefined {
  if (value === '?') return field.special === 'none' ? 'cannot be ? (only day-of-month or day-of-week can)' : undefined;
  for (const part of value.split(',')) {
    const problem = partProblem(part, field);
    if (problem) return problem;
  }
  return undefined;
}

function partProblem(part: string, field: CronField): string | undefined {
  if (field.special === 'day-of-month' && /^(L|LW|\d{1,2}W)$/.test(part)) {
    return part.endsWith('W') && part !== 'LW' ? rangeProblem(Number(part.slice(0, -1)), field) : undefined;
  }
  if (field.special === 'day-of-week') {
    const nth = /^([A-Z]{3}|\d)#([1-5])$/.exec(part);
    if (nth) return valueProblem(nth[1], field);
    const last = /^([A-Z]{3}|\d)?L$/.exec(part);
    if (last) return last[1] === undefined ? undefined : valueProblem(last[1], field);
  }
  const [base, step, ...extra] = part.split('/');
  if (extra.length > 0) return 'has more than one /';
  if (step !== undefined && !/^\d+$/.test(step)) return `has a step "/${step}" that is not a whole number`;
  if (step !== undefined && Number(step) < 1) return 'has a step of 0';
  if (base === '*') return undefined;
  const bounds = base.split('-');
  if (bounds.length > 2) return `has a range "${base}" with more than one -`;
  for (const bound of bounds) {
    const problem = valueProblem(bound, field);
    if (problem) return problem;
  }
  return undefined;
}

function valueProblem(token: string, field: CronField): string | undefined {
  const named = field.names?.indexOf(token.toUpperCase() as never) ?? -1;
  if (named >= 0) return undefined;
  if (!/^\d+$/.test(token)) {
    const accepted = field.names ? ` or ${field.names[0]}-${field.names[field.names.length - 1]}` : '';
    return `has "${token}", which is not a number ${field.min}-${field.max}${accepted}`;
  }
  return rangeProblem(Number(token), field);
}

function rangeProblem(value: number, field: CronField): string | undefined {
  return value < field.min || value > field.max ? `has ${value}, outside ${field.min}-${field.max}` : undefined;
}

/** A problem with an IANA time zone name (Scheduler's `ScheduleExpressionTimezone`), or undefined. */
export function timeZoneProblem(zone: string): string | undefined {
  if (zone === 'UTC') return undefined;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
  } catch {
    return `"${zone}" is not an IANA time zone (e.g. UTC, America/New_York)`;
  }
  // Abbreviations such as EST are fixed offsets that ignore daylight saving: refuse them.
  return zone.includes('/') ? undefined : `"${zone}" is an abbreviation; use a region name such as America/New_York`;
}
