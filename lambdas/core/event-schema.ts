/**
 * Event contract v1: the one source of truth for what a clinic may send.
 * Types, the published JSON Schema, the data dictionary and the lake columns are
 * all derived from these zod schemas. Objects are strict: an unknown field (a
 * name, a note, a phone number) is rejected, never stored.
 */
import * as z from 'zod';
import { CLINIC_ID_PATTERN, NETWORK_SCOPE } from './clinic-id';

export const CONTRACT_VERSION = 'v1';

/** Enumerations, named once and reused by the lake, SQL fixtures and the generator. */
export const EVENT_TYPES = ['enrollment', 'attendance', 'drug_test', 'goal', 'discharge', 'assessment'] as const;
export const PRIMARY_SUBSTANCES = ['alcohol', 'opioids', 'stimulants', 'cannabis', 'benzodiazepines', 'other'] as const;
export const REFERRAL_SOURCES = [
  'self',
  'sud_provider',
  'healthcare',
  'school',
  'employer',
  'community',
  'court_criminal_justice',
  'other',
] as const;
export const SEXES = ['female', 'male', 'other', 'unknown'] as const;
export const SESSION_TYPES = ['group', 'individual', 'cbt', 'family', 'workshop', 'education', 'other'] as const;
export const ATTENDANCE_STATUSES = ['attended', 'no_show', 'excused', 'cancelled_by_clinic'] as const;
export const DRUG_TEST_STATUSES = ['collected', 'missed', 'refused', 'invalid'] as const;
export const TEST_SUBSTANCES = [
  'alcohol',
  'opioids',
  'fentanyl',
  'buprenorphine',
  'methadone',
  'cocaine',
  'amphetamines',
  'cannabis',
  'benzodiazepines',
] as const;
export const TEST_RESULTS = ['negative', 'positive', 'inconclusive'] as const;
export const GOAL_ACTIONS = ['set', 'completed', 'revised', 'abandoned'] as const;
export const GOAL_DOMAINS = ['sobriety', 'employment', 'housing', 'health', 'family', 'education', 'legal', 'other'] as const;
export const DISCHARGE_REASONS = [
  'completed',
  'transferred',
  'dropped_out',
  'terminated',
  'incarcerated',
  'died',
  'other',
] as const;
export const ASSESSMENT_TIMEPOINTS = ['intake', 'discharge', 'six_month'] as const;
export const ASSESSMENT_STATUSES = ['completed', 'not_located', 'refused', 'incarcerated', 'died'] as const;

export type EventType = (typeof EVENT_TYPES)[number];

const EARLIEST_DATE = '2000-01-01';
const DAY_MS = 86_400_000;

/** Latest acceptable event date: today (UTC) + 1 day, to allow for clinics east of UTC. */
export function latestAcceptableDate(now: Date = new Date()): string {
  return new Date(now.getTime() + DAY_MS).toISOString().slice(0, 10);
}

/** A real calendar date `YYYY-MM-DD` in [2000-01-01, today + 1 day]. Stored as DATE in the lake. */
export const isoDate = z
  .string()
  .check((ctx) => {
    const problem = dateProblem(ctx.value, { latest: latestAcceptableDate() });
    if (problem) ctx.issues.push({ code: 'custom', input: ctx.value, message: problem });
  })
  .meta({ format: 'date', lakeType: 'DATE' });

/** A calendar date that may lie in the future (plans, such as a goal's target date). */
const plannedDate = z
  .string()
  .check((ctx) => {
    const problem = dateProblem(ctx.value, {});
    if (problem) ctx.issues.push({ code: 'custom', input: ctx.value, message: problem });
  })
  .meta({ format: 'date', lakeType: 'DATE' });

/** The first thing wrong with a date string, or undefined. One message per field, most basic first. */
function dateProblem(date: string, bounds: { latest?: string }): string | undefined {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) return 'must be a date written YYYY-MM-DD, e.g. 2026-03-01';
  if (!isRealCalendarDate(date)) return `${JSON.stringify(date)} is not a calendar date; check the day and month`;
  if (date < EARLIEST_DATE) return `must not be before ${EARLIEST_DATE}`;
  if (bounds.latest && date > bounds.latest) return 'must not be in the future (at most one day ahead of today, UTC)';
  return undefined;
}

function isRealCalendarDate(date: string): boolean {
  const parsed = new Date(`${date}T00:00:00Z`);
  return !Number.isNaN(parsed.getTime()) && parsed.toISOString().slice(0, 10) === date;
}

const identifier = (max: number, what: string) =>
  z
    .string()
    .min(1, { error: `must not be empty` })
    .max(max, { error: `must be at most ${max} characters` })
    .regex(/^[A-Za-z0-9._:-]+$/, { error: `${what} may use only letters, digits and . _ : -` });

/**
 * Clinic ids: the one rule, shared by the contract, clinic keys, director groups and
 * stage config. `all` is reserved: every metric's network-wide rows have `scope = 'all'`
 * (NETWORK_SCOPE, clinic-id.ts), so a clinic called `all` would be mixed into
 * the network figures and shown to every director.
 */
export { CLINIC_ID_PATTERN };
export const RESERVED_CLINIC_ID = NETWORK_SCOPE;
const CLINIC_ID_RULE = `2-40 characters of a-z, 0-9 and -, not ${JSON.stringify(RESERVED_CLINIC_ID)}`;
const RESERVED_MESSAGE =
  `must not be ${JSON.stringify(RESERVED_CLINIC_ID)} (got ${JSON.stringify(RESERVED_CLINIC_ID)}): that id is reserved for the network-wide rows of every metric ` +
  `(scope ${JSON.stringify(RESERVED_CLINIC_ID)}); give the clinic another id (${CLINIC_ID_RULE}), e.g. its name`;

export const clinicIdSchema = z
  .string()
  .regex(CLINIC_ID_PATTERN, { error: `must be ${CLINIC_ID_RULE}` })
  // A second pattern, not a refine, so the published JSON Schema carries the reservation too.
  .regex(new RegExp(`^(?!${RESERVED_CLINIC_ID}$)`), { error: RESERVED_MESSAGE });

/** Why `value` cannot be a clinic id, naming the field and the fix; undefined when it can. */
export function clinicIdProblem(value: string, field = 'clinicId'): string | undefined {
  const parsed = clinicIdSchema.safeParse(value);
  if (parsed.success) return undefined;
  const message = parsed.error.issues[0].message;
  return value === RESERVED_CLINIC_ID ? `${field} ${message}` : `${field} ${JSON.stringify(value)} ${message}`;
}

/** A clinic id in configuration (director groups, funder profiles, local directors): errors say `<field> "<value>" …`. */
export function clinicIdField(field = 'clinic id') {
  return z.string().check((ctx) => {
    const problem = clinicIdProblem(ctx.value, field);
    if (problem) ctx.issues.push({ code: 'custom', input: ctx.value, message: problem });
  });
}

const minutes = (min: number) => z.int({ error: 'must be a whole number of minutes' }).min(min).max(600);

const eventType = <T extends EventType>(type: T) => z.literal(type).meta({ description: 'Event type; selects the fields below.' });

/** Fields every event carries. */
const commonFields = {
  eventId: identifier(128, 'eventId').meta({
    description: "The clinic's idempotency key for this fact; unique within the clinic. Re-sending it is safe.",
  }),
  version: z
    .int({ error: 'must be a whole number' })
    .min(1)
    .max(1_000_000)
    .default(1)
    .meta({ description: 'Starts at 1; send the same eventId with a higher version to correct an event.' }),
  clinicId: clinicIdSchema.meta({
    description: `The sending clinic; must match the caller's credentials. ${JSON.stringify(RESERVED_CLINIC_ID)} is reserved (it names the network-wide rows of every metric).`,
  }),
  clientId: z
    .string()
    .min(1, { error: 'must not be empty' })
    .max(64, { error: 'must be at most 64 characters' })
    .regex(/^[\x21-\x7E]+$/, { error: 'must be printable ASCII without spaces (an id, not a name)' })
    .meta({
      description: "The clinic's own client id. Pseudonymised (HMAC-SHA256) on arrival; the raw value is never stored.",
    }),
  episodeId: identifier(64, 'episodeId').meta({
    description: 'One admission of one client to one program; the enrollment event opens it.',
  }),
};

const enrollment = z.strictObject({
  type: eventType('enrollment'),
  ...commonFields,
  admissionDate: isoDate.meta({ description: 'First day of the episode (day 0).' }),
  programId: identifier(64, 'programId').meta({ description: "The clinic's program (track) the client was admitted to." }),
  levelOfCare: z.enum(['1', '2.1', '2.5']).default('2.1').meta({ description: 'ASAM level of care; IOP is 2.1.' }),
  primarySubstance: z.enum(PRIMARY_SUBSTANCES).meta({ description: 'Primary substance problem at admission.' }),
  referralSource: z.enum(REFERRAL_SOURCES).optional().meta({ description: 'Who referred the client (TEDS-style).' }),
  birthYear: z.int().min(1900).max(2100).optional().meta({ description: 'Year of birth (no full date of birth is accepted).' }),
  sex: z.enum(SEXES).optional().meta({ description: 'Sex as recorded by the clinic.' }),
});

const attendance = z
  .strictObject({
    type: eventType('attendance'),
    ...commonFields,
    sessionDate: isoDate.meta({ description: 'Date the session was scheduled for.' }),
    sessionType: z.enum(SESSION_TYPES).meta({ description: 'Kind of session.' }),
    status: z.enum(ATTENDANCE_STATUSES).meta({
      description: 'Scheduled sessions are sent whatever happened; no-shows are what the attendance rate counts.',
    }),
    scheduledMinutes: minutes(1).meta({ description: 'Planned length of the session, 1-600 minutes.' }),
    attendedMinutes: minutes(0).meta({ description: 'Minutes attended: 0 unless attended, at most scheduled + 60.' }),
  })
  .check((ctx) => {
    const session = ctx.value;
    if (session.status === 'attended' && session.attendedMinutes === 0) {
      ctx.issues.push(issue(session, ['attendedMinutes'], 'must be more than 0 when status is attended'));
    }
    if (session.status !== 'attended' && session.attendedMinutes !== 0) {
      ctx.issues.push(issue(session, ['attendedMinutes'], `must be 0 when status is ${session.status}`));
    }
    if (session.attendedMinutes > session.scheduledMinutes + 60) {
      ctx.issues.push(
        issue(session, ['attendedMinutes'], `must be at most scheduledMinutes + 60 (${session.scheduledMinutes + 60})`),
      );
    }
  });

const testResult = z.strictObject({
  substance: z.enum(TEST_SUBSTANCES).meta({ description: 'Analyte of the panel.' }),
  result: z.enum(TEST_RESULTS).meta({ description: 'Lab or point-of-care result.' }),
  prescribed: z
    .boolean()
    .default(false)
    .meta({ description: 'True when a positive is explained by a prescribed medication (e.g. buprenorphine).' }),
});

const drugTest = z
  .strictObject({
    type: eventType('drug_test'),
    ...commonFields,
    scheduledDate: isoDate.meta({ description: 'Date the (random) test was scheduled for; every scheduled test is sent.' }),
    collectedDate: isoDate.optional().meta({ description: 'Date the specimen was collected; required when collected.' }),
    status: z.enum(DRUG_TEST_STATUSES).meta({ description: 'Missed, refused and invalid count as positive by default.' }),
    random: z.boolean().meta({ description: 'Whether the test was random (unannounced).' }),
    results: z
      .array(testResult)
      .max(TEST_SUBSTANCES.length)
      .optional()
      .meta({ description: 'One entry per substance tested; only when collected.' }),
  })
  .check((ctx) => {
    const test = ctx.value;
    if (test.status === 'collected') {
      if (!test.collectedDate) ctx.issues.push(issue(test, ['collectedDate'], 'is required when status is collected'));
      if (!test.results || test.results.length === 0) {
        ctx.issues.push(issue(test, ['results'], 'must list at least one substance result when status is collected'));
      }
    } else {
      if (test.collectedDate) ctx.issues.push(issue(test, ['collectedDate'], `must be absent when status is ${test.status}`));
      if (test.results) ctx.issues.push(issue(test, ['results'], `must be absent when status is ${test.status}`));
    }
    const seen = new Set<string>();
    test.results?.forEach((entry, index) => {
      if (seen.has(entry.substance)) {
        ctx.issues.push(issue(test, ['results', index, 'substance'], `${entry.substance} is listed twice; send one result per substance`));
      }
      seen.add(entry.substance);
    });
  });

const goal = z
  .strictObject({
    type: eventType('goal'),
    ...commonFields,
    goalId: identifier(64, 'goalId').meta({ description: "The treatment-plan goal's id; its set/completed/... events share it." }),
    action: z.enum(GOAL_ACTIONS).meta({ description: 'What happened to the goal.' }),
    domain: z.enum(GOAL_DOMAINS).meta({ description: 'Life domain of the goal.' }),
    actionDate: isoDate.meta({ description: 'Date of the action.' }),
    targetDate: plannedDate
      .optional()
      .meta({ description: 'Planned completion date (may be in the future).' }),
  })
  .check((ctx) => {
    if (ctx.value.targetDate && ctx.value.targetDate < ctx.value.actionDate) {
      ctx.issues.push(issue(ctx.value, ['targetDate'], 'must not be before actionDate'));
    }
  });

const discharge = z.strictObject({
  type: eventType('discharge'),
  ...commonFields,
  dischargeDate: isoDate.meta({ description: 'Date of discharge from the program.' }),
  reason: z.enum(DISCHARGE_REASONS).meta({ description: 'Reason for discharge (TEDS categories).' }),
});

const assessment = z
  .strictObject({
    type: eventType('assessment'),
    ...commonFields,
    timepoint: z.enum(ASSESSMENT_TIMEPOINTS).meta({ description: 'Which outcome interview this is.' }),
    interviewDate: isoDate.meta({ description: 'Date of the interview (or of the attempt).' }),
    status: z.enum(ASSESSMENT_STATUSES).meta({ description: 'Whether the interview was completed.' }),
    daysUsedPast30: z.int().min(0).max(30).optional().meta({ description: 'Days of alcohol or drug use in the past 30 days.' }),
    employedOrInSchool: z.boolean().optional().meta({ description: 'Employed or in school at the interview.' }),
    stablyHoused: z.boolean().optional().meta({ description: 'Stably housed at the interview.' }),
    socialSupport: z.boolean().optional().meta({ description: 'Has social support / is socially connected.' }),
    arrestsPast30: z.int().min(0).max(99).optional().meta({ description: 'Arrests in the past 30 days.' }),
  })
  .check((ctx) => {
    const interview = ctx.value;
    const answerFields = ['daysUsedPast30', 'employedOrInSchool', 'stablyHoused', 'socialSupport', 'arrestsPast30'] as const;
    for (const field of answerFields) {
      if (interview.status === 'completed' && interview[field] === undefined) {
        ctx.issues.push(issue(interview, [field], 'is required when status is completed'));
      }
      if (interview.status !== 'completed' && interview[field] !== undefined) {
        ctx.issues.push(issue(interview, [field], `must be absent when status is ${interview.status}`));
      }
    }
  });

function issue(input: unknown, path: (string | number)[], message: string) {
  return { code: 'custom' as const, input, path, message };
}

/** One schema per event type, keyed by type. */
export const eventSchemas = { enrollment, attendance, drug_test: drugTest, goal, discharge, assessment } as const;

export const eventSchema = z.discriminatedUnion('type', [enrollment, attendance, drugTest, goal, discharge, assessment]);

export type ClinicEvent = z.output<typeof eventSchema>;
export type ClinicEventInput = z.input<typeof eventSchema>;
export type EventOf<T extends EventType> = Extract<ClinicEvent, { type: T }>;
export type Enrollment = EventOf<'enrollment'>;
export type Attendance = EventOf<'attendance'>;
export type DrugTest = EventOf<'drug_test'>;
export type Goal = EventOf<'goal'>;
export type Discharge = EventOf<'discharge'>;
export type Assessment = EventOf<'assessment'>;

/** The date that places each event on the clinic's calendar (indexes, partitions, lateness). */
export const EVENT_DATE_FIELD = {
  enrollment: 'admissionDate',
  attendance: 'sessionDate',
  drug_test: 'scheduledDate',
  goal: 'actionDate',
  discharge: 'dischargeDate',
  assessment: 'interviewDate',
} as const satisfies { [T in EventType]: keyof EventOf<T> };

export function eventDate(event: ClinicEvent): string {
  return (event as unknown as Record<string, string>)[EVENT_DATE_FIELD[event.type]];
}

/** The request body of POST /v1/events. Events are validated one by one (see ingest core). */
export const batchEnvelopeSchema = z.strictObject({
  events: z.array(z.unknown()).min(1, { error: 'must contain at least one event' }),
});
