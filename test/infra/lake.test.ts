import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { Match } from 'aws-cdk-lib/assertions';
import { PROJECT_ROOT } from '../../lib/handler-function';
import { QUARANTINE_LOG_MESSAGE } from '../../lib/lake';
import { DEFAULT_LAKE_PREFIX, DEFAULT_QUARANTINE_PREFIX, RUNTIME_ENV } from '../../lambdas/core/runtime-env';
import { resourceId, synthStack } from './support/synth';

describe('lake', () => {
  const { template } = synthStack('dev');
  const prod = synthStack('prod');
  const lakeBucket = resourceId(template, 'AWS::S3::Bucket', 'LakeBucket');
  const deadLetters = resourceId(template, 'AWS::SQS::Queue', 'LakeDeadLetters');
  const dataKey = resourceId(template, 'AWS::KMS::Key', 'KeysData');
  const eventsTable = resourceId(template, 'AWS::DynamoDB::GlobalTable', 'TablesEvents');
  const streamToLake = resourceId(template, 'AWS::Lambda::Function', 'LakeStreamToLakeFunction');

  it('should map the events stream with partial failures, bisect, finite retries, a record age and a DLQ', () => {
    // Assess
    template.resourceCountIs('AWS::Lambda::EventSourceMapping', 1);
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [eventsTable, 'StreamArn'] },
      FunctionName: { Ref: streamToLake },
      StartingPosition: 'TRIM_HORIZON',
      BatchSize: 1000,
      MaximumBatchingWindowInSeconds: 60,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: 10,
      MaximumRecordAgeInSeconds: 86_400,
      ParallelizationFactor: 1,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [deadLetters, 'Arn'] } } },
    });
  });

  it('should keep the dead letters 14 days, encrypted with the data key, TLS only', () => {
    // Assess
    template.hasResourceProperties('AWS::SQS::Queue', {
      KmsMasterKeyId: { 'Fn::GetAtt': [dataKey, 'Arn'] },
      MessageRetentionPeriod: 1_209_600,
    });
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [{ Ref: deadLetters }],
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]),
      },
    });
  });

  it('should encrypt the lake with the data key, version it, log access and refuse plain HTTP', () => {
    // Assess
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [
          { ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: { 'Fn::GetAtt': [dataKey, 'Arn'] } }, BucketKeyEnabled: true },
        ],
      },
      VersioningConfiguration: { Status: 'Enabled' },
      LoggingConfiguration: { DestinationBucketName: { Ref: resourceId(template, 'AWS::S3::Bucket', 'AccessLogsBucket') }, LogFilePrefix: 'lake/' },
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      LifecycleConfiguration: { Rules: [Match.objectLike({ NoncurrentVersionExpiration: { NoncurrentDays: 30 } })] },
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: lakeBucket },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
    prod.template.hasResource('AWS::S3::Bucket', { DeletionPolicy: 'Retain', Properties: Match.objectLike({ LoggingConfiguration: Match.objectLike({ LogFilePrefix: 'lake/' }) }) });
  });

  it('should tell stream-to-lake where to write and let it only put objects under the lake and quarantine prefixes', () => {
    // Assess
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Environment: {
        Variables: Match.objectLike({
          [RUNTIME_ENV.lakeBucket]: { Ref: lakeBucket },
          [RUNTIME_ENV.lakePrefix]: DEFAULT_LAKE_PREFIX,
          [RUNTIME_ENV.quarantinePrefix]: DEFAULT_QUARANTINE_PREFIX,
        }),
      },
    });
    const policy = template.findResources('AWS::IAM::Policy')[resourceId(template, 'AWS::IAM::Policy', 'LakeStreamToLakeRoleDefaultPolicy')];
    const s3Statements = policy.Properties.PolicyDocument.Statement.filter((statement: { Action: string | string[] }) =>
      [statement.Action].flat().some((action) => action.startsWith('s3:')),
    );
    const objects = (prefix: string) => ({ 'Fn::Join': ['', [{ 'Fn::GetAtt': [lakeBucket, 'Arn'] }, `/${prefix}*`]] });
    expect(s3Statements).toEqual([{ Action: 's3:PutObject', Effect: 'Allow', Resource: [objects(DEFAULT_LAKE_PREFIX), objects(DEFAULT_QUARANTINE_PREFIX)] }]);
  });

  it('should alarm when the lake falls behind, batches are given up or deliveries fail', () => {
    // Assess
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'IteratorAge',
      Namespace: 'AWS/Lambda',
      Statistic: 'Maximum',
      Threshold: 15 * 60_000,
      ComparisonOperator: 'GreaterThanThreshold',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: streamToLake } }],
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Namespace: 'AWS/SQS',
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [deadLetters, 'QueueName'] } }],
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'Errors',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: streamToLake } }],
    });
  });

  it('should count quarantined batches from the message stream-to-lake really logs', () => {
    // Prepare
    const delivery = readFileSync(path.join(PROJECT_ROOT, 'lambdas/core/deliver-changes.ts'), 'utf8');

    // Assess
    expect(delivery).toContain(`log('${QUARANTINE_LOG_MESSAGE}'`);
    template.hasResourceProperties('AWS::Logs::MetricFilter', {
      LogGroupName: { Ref: resourceId(template, 'AWS::Logs::LogGroup', 'LakeStreamToLakeLogs') },
      FilterPattern: `"${QUARANTINE_LOG_MESSAGE}"`,
      MetricTransformations: [{ MetricNamespace: 'iop-outcomes/dev', MetricName: 'QuarantinedBatches', MetricValue: '1', DefaultValue: 0 }],
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { Namespace: 'iop-outcomes/dev', MetricName: 'QuarantinedBatches', Threshold: 0 });
  });
});
