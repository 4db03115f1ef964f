/**
 * One typed, validated configuration per deployment stage (dev, prod). Every
 * construct reads its settings from here; nothing stage-specific is written inline.
 * Funder profiles come from config/funders.json and are validated here, at synth.
 */
import { createHash } from 'node:crypto';
import * as z from 'zod';
import { clinicIdField } from '../lambdas/core/event-schema';
import { funderProfileSchema } from '../lambdas/core/funder-profile';
import { DEFAULT_INGEST_SETTINGS } from '../lambdas/core/settings';
import { DEFAULT_FUNDERS_FILE, describeProfilePath, readFundersFile, redirectMailToTopic } from './funders-file';
import { scheduleExpressionProblem, timeZoneProblem } from './schedule-expression';

export type { FunderProfile } from '../lambdas/core/funder-profile';
export { DEFAULT_FUNDERS_FILE } from './funders-file';

export const STAGES = ['dev', 'prod'] as const;
export type StageName = (typeof STAGES)[number];

/** Log retention periods CloudWatch Logs accepts (days). */
const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653] as const;

const isoDay = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, { error: 'must be a date written YYYY-MM-DD' });
/** Director groups `clinic:<id>`: the contract's clinic id rule (`all` is reserved for the network view). */
const clinicId = clinicIdField();

/** A recurring EventBridge Scheduler expression, checked field by field (lib/schedule-expression.ts). */
const scheduleExpression = z.string().check((ctx) => {
  const problem = scheduleExpressionProblem(ctx.value);
  if (problem) ctx.issues.push({ code: 'custom', input: ctx.value, message: problem });
});
const timeZone = z.string().check((ctx) => {
  const problem = timeZoneProblem(ctx.value);
  if (problem) ctx.issues.push({ code: 'custom', input: ctx.value, message: problem });
});

/** Cognito hosted UI domain prefix: unique per region across all AWS accounts; AWS reserves some words. */
const cognitoDomainPrefix = z
  .string()
  .regex(/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/, { error: 'cognitoDomainPrefix must be 1-63 characters of a-z, 0-9 and - (not at either end)' })
  .refine((prefix) => !/aws|amazon|cognito/.test(prefix), { error: 'cognitoDomainPrefix must not contain aws, amazon or cognito (reserved by AWS)' });

export const stageConfigSchema = z.strictObject({
  stage: z.enum(STAGES),
  env: z.strictObject({
    account: z
      .string()
      .regex(/^\d{12}$/, { error: 'account must be a 12-digit AWS account id; pass -c account=123456789012' })
      .optional(),
    region: z.string().regex(/^[a-z]{2}(-gov)?-[a-z]+-\d$/, { error: 'region must look like us-east-1; pass -c region=…' }),
  }),
  /** Prefix of every physical name (stack, tables, workgroup) so stages can share an account. */
  namePrefix: z.string().regex(/^[a-z][a-z0-9-]{2,30}$/, { error: 'namePrefix must be 3-31 characters of a-z, 0-9 and -' }),
  logRetentionDays: z.int().refine((days) => (LOG_RETENTION_DAYS as readonly number[]).includes(days), {
    error: `logRetentionDays must be one of CloudWatch's periods: ${LOG_RETENTION_DAYS.join(', ')}`,
  }),
  /** Prod keeps tables, buckets and keys when the stack is deleted; dev cleans up. */
  retainData: z.boolean(),
  alarmEmail: z.email({ error: 'alarmEmail must be an e-mail address; pass -c alarmEmail=ops@example.org' }).optional(),
  tracing: z.boolean(),
  ingest: z.strictObject({
    maxEventsPerBatch: z.int().min(1).max(10_000),
    maxBodyBytes: z.int().min(1024).max(6_000_000, { error: 'maxBodyBytes must stay under the 6 MB Lambda payload limit' }),
    /** API Gateway stage throttling (steady requests/s and burst). */
    throttleRateLimit: z.number().positive(),
    throttleBurstLimit: z.int().positive(),
    /** How long API Gateway caches an authorizer decision per x-api-key. */
    authorizerCacheSeconds: z.int().min(0).max(3600),
    /** Reserved concurrency protects DynamoDB and the account pool; omitted where new accounts cannot afford it. */
    reservedConcurrency: z.int().positive().optional(),
  }),
  lake: z.strictObject({
    batchSize: z.int().min(1).max(10_000),
    maxBatchingWindowSeconds: z.int().min(0).max(300),
    retryAttempts: z.int().min(0).max(10_000),
    maxRecordAgeHours: z.int().min(1).max(168),
    reservedConcurrency: z.int().positive().optional(),
    /** First day partition projection enumerates (dt is the change date, so the first deployment's year is enough). */
    partitionStartDate: isoDay,
    /** Old object versions (overwritten retries, purged rows) are kept this long, then deleted. */
    noncurrentVersionDays: z.int().min(1).max(3650),
    iteratorAgeAlarmMinutes: z.int().min(1).max(1440),
  }),
  analytics: z.strictObject({
    bytesScannedCutoffPerQuery: z.int().min(10_000_000, { error: 'Athena requires a cutoff of at least 10 MB' }),
    queryResultsExpirationDays: z.int().min(1).max(3650),
  }),
  /** Materialised-metrics refresh (issue 6): when the refresh Lambda runs. */
  refresh: z.strictObject({
    scheduleExpression,
    /** IANA zone the cron is read in (daylight saving included); ignored by rate(…). */
    timeZone,
    /** Prod runs one refresh at a time, so two runs never interleave their documents. */
    reservedConcurrency: z.int().positive().optional(),
  }),
  /** Clinic director dashboard (issue 6). */
  dashboard: z.strictObject({
    /** Clinics whose Cognito group `clinic:<id>` the stack creates (directors are added to it). */
    clinicIds: z.array(clinicId).max(500),
    cognitoDomainPrefix,
    /** Cognito threat protection (Plus plan, billed per active user): compromised-credential and risky sign-in checks. */
    threatProtection: z.boolean(),
    /** Caps the metrics API Lambda (prod); API Gateway throttling is the first line. */
    metricsApiReservedConcurrency: z.int().positive().optional(),
  }),
  /** Scheduled funder reports (issue 7). */
  reports: z.strictObject({
    profiles: z.array(funderProfileSchema),
    /** Verified SES identity the report e-mails come from: the address, and the identity (address or domain) that authorises it. */
    sender: z.strictObject({ email: z.email({ error: 'reportSender must be an e-mail address' }), identity: z.string().min(3) }).optional(),
    /** Dev only: profiles whose e-mail delivery went to the report topic because no sender was configured. */
    mailRedirectedToTopic: z.array(z.string()),
    reservedConcurrency: z.int().positive().optional(),
  }),
  backup: z.strictObject({ retentionDays: z.int().min(1).max(36_500) }),
}).superRefine((config, ctx) => {
  const seen = new Set<string>();
  config.reports.profiles.forEach((profile, index) => {
    const at = ['reports', 'profiles', index];
    if (seen.has(profile.id)) ctx.addIssue({ code: 'custom', path: [...at, 'id'], message: `duplicate funder profile id "${profile.id}"` });
    seen.add(profile.id);
    // The profile schema checks the cron's shape; Scheduler also checks every field's range.
    const problem = scheduleExpressionProblem(profile.schedule.cron);
    if (problem) ctx.addIssue({ code: 'custom', path: [...at, 'schedule', 'cron'], message: problem });
  });
  const mailing = config.reports.profiles.filter((profile) => profile.delivery.channel === 'email').map((profile) => profile.id);
  const { sender } = config.reports;
  if (mailing.length > 0 && !sender) {
    ctx.addIssue({
      code: 'custom',
      path: ['reports', 'sender'],
      message: `funder profile(s) ${mailing.map((id) => `"${id}"`).join(', ')} deliver by e-mail: pass -c reportSender=reports@your-domain (an SES-verified identity)`,
    });
  }
  if (sender && !senderMatchesIdentity(sender.email, sender.identity)) {
    ctx.addIssue({
      code: 'custom',
      path: ['reports', 'sender', 'identity'],
      message: `reportSenderIdentity "${sender.identity}" must be the sender address "${sender.email}" itself or its domain`,
    });
  }
});

export type StageConfig = z.output<typeof stageConfigSchema>;

function senderMatchesIdentity(email: string, identity: string): boolean {
  const domain = email.slice(email.lastIndexOf('@') + 1).toLowerCase();
  const wanted = identity.toLowerCase();
  return wanted === email.toLowerCase() || domain === wanted || domain.endsWith(`.${wanted}`);
}

const REGION_DEFAULT = 'us-east-1';

type StageDefaults = Omit<StageConfig, 'env' | 'alarmEmail' | 'dashboard' | 'reports'> & {
  dashboard: Pick<StageConfig['dashboard'], 'threatProtection' | 'metricsApiReservedConcurrency'>;
  reports: { reservedConcurrency?: number };
};

function defaults(stage: StageName): StageDefaults {
  const shared = {
    namePrefix: `iop-outcomes-${stage}`,
    ingest: {
      maxEventsPerBatch: DEFAULT_INGEST_SETTINGS.maxEventsPerBatch,
      maxBodyBytes: DEFAULT_INGEST_SETTINGS.maxBodyBytes,
      throttleRateLimit: 50,
      throttleBurstLimit: 100,
      authorizerCacheSeconds: 300,
    },
    lake: {
      batchSize: 1000,
      maxBatchingWindowSeconds: 60,
      retryAttempts: 10,
      maxRecordAgeHours: 24,
      // dt is the UTC date of the change in the events table, so nothing precedes the first deployment.
      partitionStartDate: '2024-01-01',
      noncurrentVersionDays: 30,
      iteratorAgeAlarmMinutes: 15,
    },
    analytics: { bytesScannedCutoffPerQuery: 10_000_000_000, queryResultsExpirationDays: 7 },
    // Hourly: data arriving during a clinic day shows up within the hour; each run costs one Athena pass.
    refresh: { scheduleExpression: 'rate(1 hour)', timeZone: 'UTC' },
    dashboard: { threatProtection: false },
    reports: {},
  };
  if (stage === 'prod') {
    return {
      ...shared,
      stage,
      logRetentionDays: 365,
      retainData: true,
      tracing: true,
      ingest: { ...shared.ingest, throttleRateLimit: 100, throttleBurstLimit: 200, reservedConcurrency: 50 },
      lake: { ...shared.lake, reservedConcurrency: 10 },
      refresh: { ...shared.refresh, reservedConcurrency: 1 },
      // Funders on the same cron queue behind two concurrent runs (Lambda retries throttled async events) instead of crowding Athena.
      reports: { reservedConcurrency: 2 },
      // A few dozen directors cost cents a month on the Plus plan; blocking credential stuffing is worth it for treatment data.
      dashboard: { threatProtection: true, metricsApiReservedConcurrency: 10 },
      backup: { retentionDays: 35 },
    };
  }
  return { ...shared, stage, logRetentionDays: 30, retainData: false, tracing: true, backup: { retentionDays: 7 } };
}

/** Values a deployer supplies on the command line (`-c key=value`) or in cdk.json context. */
export interface StageOverrides {
  account?: string;
  region?: string;
  alarmEmail?: string;
  /** Address the funder report e-mails come from (verified in SES). */
  reportSender?: string;
  /** The SES identity that authorises it: the address (default) or its verified domain. */
  reportSenderIdentity?: string;
  /** Clinics whose director group `clinic:<id>` the stack creates: a list, or comma-separated text from `-c`. */
  clinics?: string[] | string;
  refreshSchedule?: string;
  refreshTimeZone?: string;
  /** Funder profiles file (JSON array); default config/funders.json. */
  fundersFile?: string;
  cognitoDomainPrefix?: string;
}

/**
 * Builds and validates the config of a stage. Prod refuses to synthesise without
 * an explicit account, region and alarm e-mail: a production stack that pages nobody
 * or lands in whatever account the shell happens to hold is a defect. Dev never
 * e-mails funders unless a sender is given: their deliveries go to the report topic.
 */
export function loadStageConfig(stage: string, overrides: StageOverrides = {}, processEnv: NodeJS.ProcessEnv = process.env): StageConfig {
  if (!(STAGES as readonly string[]).includes(stage)) {
    throw new Error(`unknown stage "${stage}": use -c stage=dev or -c stage=prod`);
  }
  const stageName = stage as StageName;
  if (stageName === 'prod') {
    const missing = (['account', 'region', 'alarmEmail'] as const).filter((key) => !overrides[key]);
    if (missing.length > 0) {
      throw new Error(`stage prod needs ${missing.map((key) => `-c ${key}=…`).join(' ')} (no defaults for production)`);
    }
  }
  const fundersFile = overrides.fundersFile ?? DEFAULT_FUNDERS_FILE;
  const rawProfiles = readFundersFile(fundersFile);
  // A dev stack holds test data: without an explicit sender it must not mail the (real) addresses in the profiles.
  const { profiles, redirected: mailRedirectedToTopic } =
    stageName === 'dev' && !overrides.reportSender ? redirectMailToTopic(rawProfiles) : { profiles: rawProfiles, redirected: [] };
  const base = defaults(stageName);
  const account = overrides.account ?? processEnv.CDK_DEFAULT_ACCOUNT;
  const candidate = {
    ...base,
    env: { account, region: overrides.region ?? processEnv.CDK_DEFAULT_REGION ?? REGION_DEFAULT },
    alarmEmail: overrides.alarmEmail,
    refresh: {
      ...base.refresh,
      ...(overrides.refreshSchedule ? { scheduleExpression: overrides.refreshSchedule } : {}),
      ...(overrides.refreshTimeZone ? { timeZone: overrides.refreshTimeZone } : {}),
    },
    dashboard: {
      ...base.dashboard,
      clinicIds: clinicList(overrides.clinics),
      cognitoDomainPrefix: overrides.cognitoDomainPrefix ?? defaultDomainPrefix(base.namePrefix, account),
    },
    reports: {
      ...base.reports,
      profiles,
      sender: overrides.reportSender ? { email: overrides.reportSender, identity: overrides.reportSenderIdentity ?? overrides.reportSender } : undefined,
      mailRedirectedToTopic,
    },
  };
  const parsed = stageConfigSchema.safeParse(candidate);
  if (!parsed.success) {
    const where = (issuePath: readonly PropertyKey[]) => describeProfilePath(issuePath, rawProfiles, fundersFile) ?? (issuePath.map(String).join('.') || '(root)');
    const problems = parsed.error.issues.map((issue) => `${where(issue.path)}: ${issue.message}`).join('; ');
    throw new Error(`invalid configuration for stage ${stageName}: ${problems}`);
  }
  return parsed.data;
}

function clinicList(clinics: string[] | string | undefined): string[] {
  if (clinics === undefined) return [];
  const list = Array.isArray(clinics) ? clinics : clinics.split(',');
  return [...new Set(list.map((clinic) => String(clinic).trim()).filter((clinic) => clinic !== ''))];
}

/**
 * Hosted UI prefixes are global per region, so `<namePrefix>-dashboard` would collide between
 * two organisations deploying the same stage; a short digest of the account keeps them apart
 * without printing the account id in every sign-in URL.
 */
function defaultDomainPrefix(namePrefix: string, account: string | undefined): string {
  if (!account) return `${namePrefix}-dashboard`;
  return `${namePrefix}-${createHash('sha256').update(account).digest('hex').slice(0, 8)}`;
}
