/**
 * A managed policy to attach to researchers' roles: run queries in the stack's
 * workgroup over the Glue tables and views, read the lake's Parquet (not the
 * quarantine) and their own query results. Nothing else in the stack.
 */
import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import type { StageConfig } from './stage-config';

export interface ResearcherAccessProps {
  config: StageConfig;
  workGroupName: string;
  databaseName: string;
  lakeBucket: s3.IBucket;
  lakePrefix: string;
  resultsBucket: s3.IBucket;
  dataKey: kms.IKey;
}

export class ResearcherAccess extends Construct {
  readonly policy: iam.ManagedPolicy;

  constructor(scope: Construct, id: string, props: ResearcherAccessProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.policy = new iam.ManagedPolicy(this, 'Policy', {
      managedPolicyName: `${props.config.namePrefix}-researcher`,
      description: 'iop-outcomes: query the pseudonymous lake through the stage workgroup (Athena, Glue read, lake read, own results)',
      statements: [
        new iam.PolicyStatement({
          sid: 'QueryInTheWorkgroup',
          actions: [
            'athena:StartQueryExecution',
            'athena:StopQueryExecution',
            'athena:GetQueryExecution',
            'athena:GetQueryResults',
            'athena:GetQueryResultsStream',
            'athena:ListQueryExecutions',
            'athena:GetWorkGroup',
            'athena:ListNamedQueries',
            'athena:GetNamedQuery',
            'athena:BatchGetNamedQuery',
          ],
          resources: [stack.formatArn({ service: 'athena', resource: 'workgroup', resourceName: props.workGroupName })],
        }),
        new iam.PolicyStatement({
          sid: 'ReadTheCatalog',
          actions: ['glue:GetDatabase', 'glue:GetTable', 'glue:GetTables', 'glue:GetPartition', 'glue:GetPartitions'],
          resources: [
            stack.formatArn({ service: 'glue', resource: 'catalog' }),
            stack.formatArn({ service: 'glue', resource: 'database', resourceName: props.databaseName }),
            stack.formatArn({ service: 'glue', resource: 'table', resourceName: `${props.databaseName}/*` }),
          ],
        }),
        new iam.PolicyStatement({
          sid: 'ReadTheLake',
          actions: ['s3:GetObject'],
          resources: [props.lakeBucket.arnForObjects(`${props.lakePrefix}*`)],
        }),
        new iam.PolicyStatement({
          sid: 'ListTheLake',
          actions: ['s3:ListBucket', 's3:GetBucketLocation'],
          resources: [props.lakeBucket.bucketArn],
          conditions: { StringLike: { 's3:prefix': [`${props.lakePrefix}*`, ''] } },
        }),
        new iam.PolicyStatement({
          sid: 'WriteAndReadQueryResults',
          actions: ['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload'],
          resources: [props.resultsBucket.arnForObjects('results/*')],
        }),
        new iam.PolicyStatement({
          sid: 'LocateQueryResults',
          actions: ['s3:ListBucket', 's3:GetBucketLocation'],
          resources: [props.resultsBucket.bucketArn],
        }),
        new iam.PolicyStatement({
          sid: 'DecryptLakeAndResults',
          actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
          resources: [props.dataKey.keyArn],
        }),
      ],
    });
  }
}
