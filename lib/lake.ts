/**
 * The lake: a KMS-encrypted, versioned bucket fed by the stream-to-lake Lambda from
 * the events table's DynamoDB stream. The mapping is tuned for few, large Parquet
 * objects, and nothing can block a shard forever: partial batch failures, bisect,
 * finite retries and record age, then an encrypted on-failure queue.
 */
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { DynamoEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { DEFAULT_LAKE_PREFIX, DEFAULT_QUARANTINE_PREFIX, RUNTIME_ENV } from '../lambdas/core/runtime-env';
import { HandlerFunction } from './handler-function';
import { DataBucket } from './secure-bucket';
import type { StageConfig } from './stage-config';

/** What deliverChanges logs when a batch had unmappable records (lambdas/core/deliver-changes.ts); a test keeps the two in step. */
export const QUARANTINE_LOG_MESSAGE = 'records quarantined';

export interface LakeProps {
  config: StageConfig;
  eventsTable: dynamodb.ITableV2;
  dataKey: kms.IKey;
  logKey: kms.IKey;
  accessLogs: s3.IBucket;
}

export class Lake extends Construct {
  readonly bucket: s3.Bucket;
  readonly streamToLake: HandlerFunction;
  /** Receives the stream positions of batches that exhausted their retries (replay them with backfill). */
  readonly deadLetters: sqs.Queue;
  readonly lakePrefix = DEFAULT_LAKE_PREFIX;
  readonly quarantinePrefix = DEFAULT_QUARANTINE_PREFIX;
  readonly iteratorAgeAlarm: cloudwatch.Alarm;
  readonly deadLetterAlarm: cloudwatch.Alarm;
  readonly errorsAlarm: cloudwatch.Alarm;
  readonly quarantineAlarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: LakeProps) {
    super(scope, id);
    const { config, eventsTable, dataKey, logKey } = props;

    this.bucket = new DataBucket(this, 'Lake', {
      config,
      key: dataKey,
      accessLogs: props.accessLogs,
      accessLogPrefix: 'lake/',
      lifecycleRules: [
        {
          id: 'expire-overwritten-and-purged-versions',
          // Retried batches overwrite their object and compaction purges rows; old versions must not keep data forever.
          noncurrentVersionExpiration: Duration.days(config.lake.noncurrentVersionDays),
          abortIncompleteMultipartUploadAfter: Duration.days(1),
        },
      ],
    }).bucket;

    this.deadLetters = new sqs.Queue(this, 'DeadLetters', {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: dataKey,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });

    this.streamToLake = new HandlerFunction(this, 'StreamToLake', {
      config,
      entry: 'lambdas/stream-to-lake/handler.ts',
      description: 'Writes DynamoDB stream changes of the events table to the Parquet lake',
      logKey,
      memorySize: 1024,
      timeout: Duration.minutes(2),
      reservedConcurrency: config.lake.reservedConcurrency,
      environment: {
        POWERTOOLS_SERVICE_NAME: 'stream-to-lake',
        [RUNTIME_ENV.lakeBucket]: this.bucket.bucketName,
        [RUNTIME_ENV.lakePrefix]: this.lakePrefix,
        [RUNTIME_ENV.quarantinePrefix]: this.quarantinePrefix,
      },
    });
    // Deterministic object keys make a retried batch overwrite its own objects: writing is all it needs.
    this.streamToLake.role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['s3:PutObject'],
        resources: [this.bucket.arnForObjects(`${this.lakePrefix}*`), this.bucket.arnForObjects(`${this.quarantinePrefix}*`)],
      }),
    );
    dataKey.grant(this.streamToLake.function, 'kms:GenerateDataKey', 'kms:Decrypt');

    this.streamToLake.function.addEventSource(
      new DynamoEventSource(eventsTable, {
        startingPosition: lambda.StartingPosition.TRIM_HORIZON,
        batchSize: config.lake.batchSize,
        maxBatchingWindow: Duration.seconds(config.lake.maxBatchingWindowSeconds),
        reportBatchItemFailures: true,
        bisectBatchOnError: true,
        retryAttempts: config.lake.retryAttempts,
        maxRecordAge: Duration.hours(config.lake.maxRecordAgeHours),
        // One batch per shard at a time keeps the changes of an event in order.
        parallelizationFactor: 1,
        onFailure: new SqsDlq(this.deadLetters),
      }),
    );

    this.iteratorAgeAlarm = new cloudwatch.Alarm(this, 'IteratorAgeAlarm', {
      alarmDescription: `The lake is more than ${config.lake.iteratorAgeAlarmMinutes} minutes behind the events table (stream-to-lake failing or throttled).`,
      metric: this.streamToLake.function.metric('IteratorAge', { statistic: 'Maximum', period: Duration.minutes(5) }),
      threshold: config.lake.iteratorAgeAlarmMinutes * 60_000,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.deadLetterAlarm = new cloudwatch.Alarm(this, 'DeadLetterAlarm', {
      alarmDescription: 'Stream batches gave up after all retries; their changes are not in the lake. Run backfill, then purge the queue.',
      metric: this.deadLetters.metricApproximateNumberOfMessagesVisible({ statistic: 'Maximum', period: Duration.minutes(5) }),
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.errorsAlarm = new cloudwatch.Alarm(this, 'ErrorsAlarm', {
      alarmDescription: 'stream-to-lake invocations failed (S3 errors or a bug); the mapping retries, watch iterator age.',
      metric: this.streamToLake.function.metricErrors({ period: Duration.minutes(5) }),
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    // A term match works whatever the log format (plain or JSON-wrapped by the Lambda runtime).
    const quarantined = new logs.MetricFilter(this, 'QuarantinedBatches', {
      logGroup: this.streamToLake.logGroup,
      filterPattern: logs.FilterPattern.literal(`"${QUARANTINE_LOG_MESSAGE}"`),
      metricNamespace: `iop-outcomes/${config.stage}`,
      metricName: 'QuarantinedBatches',
      metricValue: '1',
      defaultValue: 0,
    });
    this.quarantineAlarm = new cloudwatch.Alarm(this, 'QuarantineAlarm', {
      alarmDescription: `Stream records could not be mapped to lake rows; they are under ${this.quarantinePrefix} in the lake bucket with the reason. Fix the mapper, then backfill.`,
      metric: quarantined.metric({ statistic: 'Sum', period: Duration.minutes(5) }),
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
  }

  get alarms(): cloudwatch.Alarm[] {
    return [this.iteratorAgeAlarm, this.deadLetterAlarm, this.errorsAlarm, this.quarantineAlarm];
  }
}
