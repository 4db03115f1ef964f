/**
 * Customer-managed KMS keys, rotated yearly: one for treatment data (tables, lake,
 * query results, secrets, queues, backups) and one for operations (logs, alarms).
 */
import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import type { StageConfig } from './stage-config';

export interface KeysProps {
  config: StageConfig;
}

export class Keys extends Construct {
  /** Encrypts the system of record, the lake, query results and the pseudonym secret. */
  readonly data: kms.Key;
  /** Encrypts log groups and the alarm topic; separate so log readers never need the data key. */
  readonly operations: kms.Key;

  constructor(scope: Construct, id: string, props: KeysProps) {
    super(scope, id);
    const { config } = props;
    const removalPolicy = config.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
    const stack = Stack.of(this);

    this.data = new kms.Key(this, 'Data', {
      description: `${config.namePrefix}: treatment data (events table, lake, query results, pseudonym secret)`,
      enableKeyRotation: true,
      rotationPeriod: Duration.days(365),
      pendingWindow: Duration.days(config.retainData ? 30 : 7),
      removalPolicy,
    });

    this.operations = new kms.Key(this, 'Operations', {
      description: `${config.namePrefix}: operations (log groups, alarm topic)`,
      enableKeyRotation: true,
      rotationPeriod: Duration.days(365),
      pendingWindow: Duration.days(config.retainData ? 30 : 7),
      removalPolicy,
    });
    // CloudWatch Logs encrypts log groups of this account and region only.
    this.operations.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchLogsOfThisAccount',
        principals: [new iam.ServicePrincipal(`logs.${stack.region}.amazonaws.com`)],
        actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
        resources: ['*'],
        conditions: {
          ArnLike: { 'kms:EncryptionContext:aws:logs:arn': `arn:${stack.partition}:logs:${stack.region}:${stack.account}:log-group:*` },
        },
      }),
    );
    // CloudWatch alarms publish to the KMS-encrypted alarm topic.
    this.operations.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchAlarmsToPublish',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
      }),
    );
  }
}
