/**
 * Funder profiles (who receives which report, for which clinics, when) and reporting
 * periods (`2026-Q2`, `2026-05`): parsing, the last complete period in a time zone.
 */
import * as z from 'zod';
import { clinicIdField } from './event-schema';

/** Report sections a funder may ask for; the methods appendix is always included. */
export const REPORT_SECTIONS = [
  'intake-discharge',
  'retention',
  'abstinence',
  'dose',
  'goals',
  'outcomes',
  'completers',
  'data-completeness',
] as const;
export type ReportSection = (typeof REPORT_SECTIONS)[number];

export const PERIOD_KINDS = ['month', 'quarter'] as const;
export type PeriodKind = (typeof PERIOD_KINDS)[number];

const slug = /^[a-z0-9-]{2,40}$/;

/** An IANA time zone the runtime knows (EventBridge Scheduler accepts the same names). */
const timeZone = z.string().refine(isKnownTimeZone, { error: 'must be an IANA time zone such as America/New_York' });

/**
 * EventBridge Scheduler cron: six fields `cron(minutes hours day-of-month month day-of-week year)`,
 * exactly one of day-of-month / day-of-week being `?`.
 */
const schedulerCron = z.string().check((ctx) => {
  const problem = cronProblem(ctx.value);
  if (problem) ctx.issues.push({ code: 'custom', input: ctx.value, message: problem });
});

const clinicList = z.array(clinicIdField()).min(1).max(8);

export const funderProfileSchema = z.strictObject({
  id: z.string().regex(slug, { error: 'funder profile id must be 2-40 characters of a-z, 0-9 and -' }),
  name: z.string().min(1).max(120),
  /**
   * `'all'` reports the whole network (the queries' `scope = 'all'` rows); a list reports each
   * named clinic side by side. A combined figure for a subset of clinics is not offered: it would
   * have to be recomputed outside the metric SQL (see docs/adr/0080).
   */
  clinics: z.union([z.literal('all'), clinicList], {
    // A union only says "Invalid input"; name what is wrong inside the list instead.
    error: (issue) => {
      if (!Array.isArray(issue.input)) return 'must be "all" (the whole network) or a list of clinic ids';
      const inList = issue.code === 'invalid_union' ? issue.errors[1]?.[0] : undefined;
      return inList ? `${inList.path.length > 0 ? `[${inList.path.join('.')}] ` : ''}${inList.message}` : undefined;
    },
  }),
  /** Restricts every metric to one program (track); omitted = all programs. */
  programId: z.string().regex(/^[A-Za-z0-9._:-]{1,64}$/).optional(),
  sections: z.array(z.enum(REPORT_SECTIONS)).min(1).default([...REPORT_SECTIONS]),
  periodKind: z.enum(PERIOD_KINDS),
  /** Admission cohort the outcome sections look at: this many months ending with the period. */
  cohortMonths: z.int().min(1).max(60).default(12),
  schedule: z.strictObject({
    cron: schedulerCron,
    timeZone,
  }),
  delivery: z.discriminatedUnion('channel', [
    z.strictObject({ channel: z.literal('email'), recipients: z.array(z.email()).min(1).max(50) }),
    z.strictObject({ channel: z.literal('sns') }),
  ]),
});

export type FunderProfile = z.output<typeof funderProfileSchema>;
export type FunderProfileInput = z.input<typeof funderProfileSchema>;

export const funderProfilesSchema = z.array(funderProfileSchema).superRefine((profiles, ctx) => {
  const seen = new Set<string>();
  profiles.forEach((profile, index) => {
    if (seen.has(profile.id)) ctx.addIssue({ code: 'custom', path: [index, 'id'], message: `duplicate funder profile id "${profile.id}"` });
    seen.add(profile.id);
  });
});

/** Validates a list of profiles; the error names every field that is wrong. */
export function parseFunderProfiles(input: unknown, source = 'funder profiles'): FunderProfile[] {
  const parsed = funderProfilesSchema.safeParse(input);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`).join('; ');
    throw new Error(`invalid ${source}: ${problems}`);
  }
  return parsed.data;
}

export function findFunderProfile(profiles: readonly FunderProfile[], id: string): FunderProfile {
  const profile = profiles.find((candidate) => candidate.id === id);
  if (!profile) {
    const known = profiles.map((candidate) => candidate.id).join(', ') || '(none configured)';
    throw new Error(`unknown funder "${id}"; known funder profiles: ${known}`);
  }
  return profile;
}

/** A reporting period: calendar month or quarter, inclusive dates. `asOf` (data cutoff) is its last day. */
export interface ReportPeriod {
  label: string;
  kind: PeriodKind;
  start: string;
  end: string;
  asOf: string;
}

/** Parses `2026-Q2` or `2026-05`. */
export function parsePeriod(label: string): ReportPeriod {
  const quarter = /^(\d{4})-Q([1-4])$/.exec(label);
  if (quarter) {
    const year = Number(quarter[1]);
    const firstMonth = (Number(quarter[2]) - 1) * 3 + 1;
    return period(label, 'quarter', year, firstMonth, 3);
  }
  const month = /^(\d{4})-(0[1-9]|1[0-2])$/.exec(label);
  if (month) return period(label, 'month', Number(month[1]), Number(month[2]), 1);
  throw new Error(`period "${label}" is not a month (YYYY-MM, e.g. 2026-05) or a quarter (YYYY-Qn, e.g. 2026-Q2)`);
}

function period(label: string, kind: PeriodKind, year: number, firstMonth: number, months: number): ReportPeriod {
  if (year < 2000 || year > 2100) throw new Error(`period "${label}": year must be between 2000 and 2100`);
  const start = isoDay(year, firstMonth, 1);
  const end = isoDay(year, firstMonth + months, 0);
  return { label, kind, start, end, asOf: end };
}

/** UTC calendar arithmetic; day 0 = last day of the previous month. */
function isoDay(year: number, month: number, day: number): string {
  return new Date(Date.UTC(year, month - 1, day)).toISOString().slice(0, 10);
}

/** First day of the admission cohort: `months` calendar months ending with the period. */
export function cohortStart(reportPeriod: ReportPeriod, months: number): string {
  const [year, month] = reportPeriod.end.split('-').map(Number);
  return isoDay(year, month - months + 1, 1);
}

/**
 * Admissions whose six-month follow-up window closed during the same months: the cohort
 * shifted back by the window's end (12 months ending June, window 8 months → admissions
 * from the November before last to October). Follow-up rates are about interviews that
 * fell due, so this is their fair denominator.
 */
export function followUpDueCohort(reportPeriod: ReportPeriod, months: number, windowEndMonths: number): { from: string; to: string } {
  const [year, month] = reportPeriod.end.split('-').map(Number);
  return {
    from: isoDay(year, month - months + 1 - windowEndMonths, 1),
    to: isoDay(year, month + 1 - windowEndMonths, 0),
  };
}

/** The calendar date it is at `now` in `zone`. */
export function localDate(now: Date, zone: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(now);
  const pick = (type: string) => parts.find((part) => part.type === type)?.value ?? '';
  return `${pick('year')}-${pick('month')}-${pick('day')}`;
}

/** The last month or quarter that has fully ended at `now`, on the funder's clock. */
export function lastCompletePeriod(kind: PeriodKind, zone: string, now: Date = new Date()): ReportPeriod {
  const [year, month] = localDate(now, zone).split('-').map(Number);
  if (kind === 'month') {
    const previous = new Date(Date.UTC(year, month - 2, 1));
    return parsePeriod(previous.toISOString().slice(0, 7));
  }
  const currentQuarter = Math.floor((month - 1) / 3) + 1;
  return currentQuarter === 1 ? parsePeriod(`${year - 1}-Q4`) : parsePeriod(`${year}-Q${currentQuarter - 1}`);
}

/** A period label that matches the profile's kind, or the last complete one when omitted. */
export function resolvePeriod(profile: FunderProfile, label: string | undefined, now: Date = new Date()): ReportPeriod {
  if (label === undefined) return lastCompletePeriod(profile.periodKind, profile.schedule.timeZone, now);
  const parsed = parsePeriod(label);
  if (parsed.kind !== profile.periodKind) {
    throw new Error(`funder "${profile.id}" reports by ${profile.periodKind}; period "${label}" is a ${parsed.kind}`);
  }
  if (parsed.end >= localDate(now, profile.schedule.timeZone)) {
    throw new Error(`period "${label}" has not ended yet in ${profile.schedule.timeZone}; a report needs a complete period`);
  }
  return parsed;
}

function isKnownTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return zone.includes('/') || zone === 'UTC';
  } catch {
    return false;
  }
}

function cronProblem(expression: string): string | undefined {
  const match = /^cron\((.+)\)$/.exec(expression.trim());
  if (!match) return 'must be an EventBridge Scheduler cron expression such as cron(0 7 5 * ? *)';
  const fields = match[1].trim().split(/\s+/);
  if (fields.length !== 6) return `cron needs 6 fields (minutes hours day-of-month month day-of-week year), got ${fields.length}`;
  const [, , dayOfMonth, , dayOfWeek] = fields;
  if ((dayOfMonth === '?') === (dayOfWeek === '?')) return 'cron: exactly one of day-of-month and day-of-week must be ?';
  return undefined;
}
