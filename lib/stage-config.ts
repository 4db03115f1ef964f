/**
 * One typed, validated configuration per deployment stage (dev, prod). Every
 * construct reads its settings from here; nothing stage-specific is written inline.
 */
import { z } from 'zod';
import { DEFAULT_INGEST_SETTINGS } from '../lambdas/core/settings';

export const STAGES = ['dev', 'prod'] as const;
export type StageName = (typeof STAGES)[number];

/** Log retention periods CloudWatch Logs accepts (days). */
const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653] as const;

const isoDay = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, { error: 'must be a date written YYYY-MM-DD' });

/** A funder's scheduled report (issue 7 fills these in; the shape is fixed now so the stack can iterate them). */
const funderProfileSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9-]{2,40}$/, { error: 'funder profile id must be 2-40 characters of a-z, 0-9 and -' }),
  cadence: z.enum(['monthly', 'quarterly']),
  clinicIds: z.array(z.string().regex(/^[a-z0-9-]{2,40}$/)).min(1),
  recipients: z.array(z.email()).min(1),
});

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
  /** Materialised-metrics refresh (issue 6). */
  refresh: z.strictObject({ scheduleExpression: z.string().min(1) }),
  /** Scheduled funder reports (issue 7). */
  funderProfiles: z.array(funderProfileSchema),
  backup: z.strictObject({ retentionDays: z.int().min(1).max(36_500) }),
});

export type StageConfig = z.output<typeof stageConfigSchema>;
export type FunderProfile = z.output<typeof funderProfileSchema>;

const REGION_DEFAULT = 'us-east-1';

function defaults(stage: StageName): Omit<StageConfig, 'env' | 'alarmEmail'> {
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
    refresh: { scheduleExpression: 'rate(1 hour)' },
    funderProfiles: [],
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
}

/**
 * Builds and validates the config of a stage. Prod refuses to synthesise without
 * an explicit account, region and alarm e-mail: a production stack that pages nobody
 * or lands in whatever account the shell happens to hold is a defect.
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
  const candidate = {
    ...defaults(stageName),
    env: {
      account: overrides.account ?? processEnv.CDK_DEFAULT_ACCOUNT,
      region: overrides.region ?? processEnv.CDK_DEFAULT_REGION ?? REGION_DEFAULT,
    },
    alarmEmail: overrides.alarmEmail,
  };
  const parsed = stageConfigSchema.safeParse(candidate);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');
    throw new Error(`invalid configuration for stage ${stageName}: ${problems}`);
  }
  return parsed.data;
}
