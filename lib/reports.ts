/**
 * Scheduled funder reports: one EventBridge Scheduler schedule per funder profile (cron in
 * the funder's time zone) invoking the report Lambda, which reads the lake through Athena,
 * writes PDF + CSVs to a KMS-encrypted reports bucket and e-mails (SESv2) or publishes
 * (SNS) a short-lived link. Retries, a dead-letter queue and alarms on both.
 */
import * as path from 'node:path';
import { Duration, Stack, TimeZone } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambdaDestinations from 'aws-cdk-lib/aws-lambda-destinations';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as targets from 'aws-cdk-lib/aws-scheduler-targets';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { parseFunderProfiles, type FunderProfile } from '../lambdas/core/funder-profile';
import { RUNTIME_ENV } from '../lambdas/core/runtime-env';
import { DEFAULT_LINK_SECONDS, DEFAULT_REPORTS_PREFIX, REPORT_ENV } from '../lambdas/report/report-env';
import { HandlerFunction, PROJECT_ROOT } from './handler-function';
import { schedulerRole } from './scheduler-role';
import { DataBucket } from './secure-bucket';
import type { StageConfig } from './stage-config';

/** Lambda environment variables share a 4 KB limit; profiles beyond that belong in a bundled file. */
const MAX_PROFILES_ENV_BYTES = 3000;

export interface ReportsProps {
  config: StageConfig;
  profiles: FunderProfile[];
  dataKey: kms.IKey;
  logKey: kms.IKey;
  accessLogs: s3.IBucket;
  lakeBucket: s3.IBucket;
  lakePrefix: string;
  resultsBucket: s3.IBucket;
  workGroupName: string;
  databaseName: string;
  /** Verified SES identity the e-mails come from; required when a profile delivers by e-mail. */
  senderEmail?: string;
  /** The SES identity that authorises the sender (the address itself, or its verified domain). */
  sesIdentity?: string;
  /** Operators' alarm topic; leave unset when a Monitoring construct watches `alarms` (it adds the actions). */
  alarmTopic?: sns.ITopic;
  linkLifetime?: Duration;
  /** Scheduler retries before the event goes to the dead-letter queue. */
  retryAttempts?: number;
}

export class Reports extends Construct {
  readonly bucket: s3.Bucket;
  readonly function: HandlerFunction;
  readonly deadLetters: sqs.Queue;
  readonly notifications?: sns.Topic;
  readonly schedules: scheduler.Schedule[] = [];
  readonly errorsAlarm: cloudwatch.Alarm;
  readonly deadLetterAlarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: ReportsProps) {
    super(scope, id);
    const { config } = props;
    const stack = Stack.of(this);

    // Validate: the same schema the Lambda applies at cold start, so a bad profile fails synth instead.
    const profiles = parseFunderProfiles(props.profiles, 'funder profiles passed to Reports');
    const mails = profiles.some((profile) => profile.delivery.channel === 'email');
    if (mails && !props.senderEmail) {
      throw new Error('a funder profile delivers by e-mail: pass senderEmail (a verified SES identity) to Reports');
    }
    const profilesJson = JSON.stringify(profiles);
    if (Buffer.byteLength(profilesJson) > MAX_PROFILES_ENV_BYTES) {
      throw new Error(`funder profiles take ${Buffer.byteLength(profilesJson)} bytes; the report Lambda's environment allows ${MAX_PROFILES_ENV_BYTES}`);
    }

    // Build
    this.bucket = new DataBucket(this, 'Bucket', {
      config,
      key: props.dataKey,
      accessLogs: props.accessLogs,
      accessLogPrefix: 'reports/',
      lifecycleRules: [{ id: 'expire-replaced-reports', noncurrentVersionExpiration: Duration.days(30), abortIncompleteMultipartUploadAfter: Duration.days(1) }],
    }).bucket;

    this.deadLetters = new sqs.Queue(this, 'DeadLetters', {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: props.dataKey,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });

    if (profiles.some((profile) => profile.delivery.channel === 'sns')) {
      this.notifications = new sns.Topic(this, 'Notifications', {
        displayName: `${config.namePrefix} funder reports`,
        masterKey: props.dataKey,
        enforceSSL: true,
      });
    }

    const pkg = require(path.join(PROJECT_ROOT, 'package.json')) as { version: string };
    this.function = new HandlerFunction(this, 'Function', {
      config,
      entry: 'lambdas/report/handler.ts',
      description: 'Funder report: metric SQL on Athena → suppressed PDF + CSVs in the reports bucket → e-mail/SNS link',
      logKey: props.logKey,
      memorySize: 1024,
      // A report runs about a dozen Athena queries one after another.
      timeout: Duration.minutes(10),
      reservedConcurrency: config.reports.reservedConcurrency,
      environment: {
        [REPORT_ENV.reportsBucket]: this.bucket.bucketName,
        [REPORT_ENV.reportsPrefix]: DEFAULT_REPORTS_PREFIX,
        [REPORT_ENV.funderProfiles]: profilesJson,
        [REPORT_ENV.linkSeconds]: String((props.linkLifetime ?? Duration.seconds(DEFAULT_LINK_SECONDS)).toSeconds()),
        [REPORT_ENV.softwareVersion]: pkg.version,
        [RUNTIME_ENV.athenaWorkGroup]: props.workGroupName,
        [RUNTIME_ENV.athenaDatabase]: props.databaseName,
        ...(props.senderEmail ? { [REPORT_ENV.senderEmail]: props.senderEmail } : {}),
        ...(this.notifications ? { [REPORT_ENV.topicArn]: this.notifications.topicArn } : {}),
      },
      commandHooks: {
        beforeBundling: () => [],
        beforeInstall: () => [],
        // The PDF needs its TTF fonts (a Lambda has no system fonts) and the metric SQL files.
        afterBundling: (inputDir: string, outputDir: string) => [
          `cp -r "${path.join(inputDir, 'lambdas', 'report', 'fonts')}" "${path.join(outputDir, 'fonts')}"`,
          `cp -r "${path.join(inputDir, 'queries')}" "${path.join(outputDir, 'queries')}"`,
        ],
      },
    });
    const role = this.function.function.role!;
    // Scheduler invokes asynchronously: its retries and DLQ cover failed deliveries only. A run that
    // throws is retried by Lambda itself, then lands in the same dead-letter queue (with the error).
    this.function.function.configureAsyncInvoke({
      retryAttempts: 2,
      maxEventAge: Duration.hours(6),
      onFailure: new lambdaDestinations.SqsDestination(this.deadLetters),
    });

    // Grant: read the lake through the workgroup, write only under reports/, send as one identity.
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'QueryInTheWorkgroup',
        actions: ['athena:StartQueryExecution', 'athena:StopQueryExecution', 'athena:GetQueryExecution', 'athena:GetQueryResults', 'athena:GetWorkGroup'],
        resources: [stack.formatArn({ service: 'athena', resource: 'workgroup', resourceName: props.workGroupName })],
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ReadTheCatalog',
        actions: ['glue:GetDatabase', 'glue:GetTable', 'glue:GetTables', 'glue:GetPartition', 'glue:GetPartitions'],
        resources: [
          stack.formatArn({ service: 'glue', resource: 'catalog' }),
          stack.formatArn({ service: 'glue', resource: 'database', resourceName: props.databaseName }),
          stack.formatArn({ service: 'glue', resource: 'table', resourceName: `${props.databaseName}/*` }),
        ],
      }),
    );
    // Exact actions rather than CDK's grantRead/grantReadWrite (s3:GetObject*, s3:List*, s3:Abort*…).
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({ sid: 'ReadTheLake', actions: ['s3:GetObject'], resources: [props.lakeBucket.arnForObjects(`${props.lakePrefix}*`)] }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ListTheLake',
        actions: ['s3:ListBucket', 's3:GetBucketLocation'],
        resources: [props.lakeBucket.bucketArn],
        conditions: { StringLike: { 's3:prefix': [`${props.lakePrefix}*`, ''] } },
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'WriteAndReadQueryResults',
        actions: ['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload'],
        resources: [props.resultsBucket.arnForObjects('results/*')],
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({ sid: 'LocateQueryResults', actions: ['s3:ListBucket', 's3:GetBucketLocation'], resources: [props.resultsBucket.bucketArn] }),
    );
    // Re-running a period replaces its folder: write, read back for the link, list and delete stale files.
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'WriteReports',
        actions: ['s3:PutObject', 's3:GetObject', 's3:DeleteObject'],
        resources: [this.bucket.arnForObjects(`${DEFAULT_REPORTS_PREFIX}*`)],
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ListReports',
        actions: ['s3:ListBucket'],
        resources: [this.bucket.bucketArn],
        conditions: { StringLike: { 's3:prefix': [`${DEFAULT_REPORTS_PREFIX}*`] } },
      }),
    );
    props.dataKey.grant(role, 'kms:GenerateDataKey', 'kms:Decrypt');
    if (props.senderEmail) {
      const identity = props.sesIdentity ?? props.senderEmail;
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: 'SendReportMail',
          actions: ['ses:SendEmail'],
          resources: [stack.formatArn({ service: 'ses', resource: 'identity', resourceName: identity })],
          conditions: { StringEquals: { 'ses:FromAddress': props.senderEmail } },
        }),
      );
    }
    this.notifications?.grantPublish(role);

    // Wire: one schedule per funder, on the funder's clock, exactly on time.
    const invoker = profiles.length > 0 ? schedulerRole(this, 'ScheduleRole', { description: `${config.namePrefix}: invoke the funder report`, deadLetterKey: props.dataKey }) : undefined;
    for (const profile of profiles) {
      this.schedules.push(
        new scheduler.Schedule(this, `Schedule-${profile.id}`, {
          description: `${profile.name}: ${profile.periodKind}ly report`,
          schedule: scheduler.ScheduleExpression.expression(profile.schedule.cron, TimeZone.of(profile.schedule.timeZone)),
          timeWindow: scheduler.TimeWindow.off(),
          target: new targets.LambdaInvoke(this.function.function, {
            role: invoker,
            input: scheduler.ScheduleTargetInput.fromObject({ funderId: profile.id }),
            retryAttempts: props.retryAttempts ?? 3,
            maxEventAge: Duration.hours(6),
            deadLetterQueue: this.deadLetters,
          }),
        }),
      );
    }

    const alarmActions = props.alarmTopic ? [new actions.SnsAction(props.alarmTopic)] : [];
    this.errorsAlarm = new cloudwatch.Alarm(this, 'ErrorsAlarm', {
      alarmDescription: 'A funder report run failed (the scheduler retries; see the report Lambda logs).',
      metric: this.function.function.metricErrors({ period: Duration.minutes(15), statistic: 'Sum' }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.deadLetterAlarm = new cloudwatch.Alarm(this, 'DeadLetterAlarm', {
      alarmDescription: 'A funder report gave up after its retries: the event is in the dead-letter queue; fix the cause and invoke the report Lambda with it.',
      metric: this.deadLetters.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: 'Maximum' }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    for (const alarm of [this.errorsAlarm, this.deadLetterAlarm]) for (const action of alarmActions) alarm.addAlarmAction(action);
  }

  get alarms(): cloudwatch.Alarm[] {
    return [this.errorsAlarm, this.deadLetterAlarm];
  }
}
