/**
 * The lake's views (`<table>_current`, `episodes`, …) from queries/views/*.sql,
 * created through Athena by a custom resource at deploy time (ADR 0031): Athena
 * parses and types each view itself, and a view that does not compile fails the deploy.
 */
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { CustomResource, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { HandlerFunction, PROJECT_ROOT } from './handler-function';
import type { StageConfig } from './stage-config';
import { type ViewDefinition, viewDefinition } from './athena-views/view-statements';

/** Reads every view file, in file-name order; the custom resource sorts out dependencies. */
export function readViewDefinitions(viewsDir = path.join(PROJECT_ROOT, 'queries', 'views')): ViewDefinition[] {
  let files: string[];
  try {
    files = readdirSync(viewsDir).filter((file) => file.endsWith('.sql')).sort();
  } catch {
    return [];
  }
  const views = files.map((file) => viewDefinition(readFileSync(path.join(viewsDir, file), 'utf8'), `queries/views/${file}`));
  const seen = new Set<string>();
  for (const view of views) {
    if (seen.has(view.name)) throw new Error(`queries/views: two files create the view ${view.name}`);
    seen.add(view.name);
  }
  return views;
}

export interface AthenaViewsProps {
  config: StageConfig;
  databaseName: string;
  workGroupName: string;
  resultsBucket: s3.IBucket;
  dataKey: kms.IKey;
  logKey: kms.IKey;
  views: ViewDefinition[];
}

export class AthenaViews extends Construct {
  readonly resource: CustomResource;
  readonly function: HandlerFunction;

  constructor(scope: Construct, id: string, props: AthenaViewsProps) {
    super(scope, id);
    const { config } = props;
    const stack = Stack.of(this);

    this.function = new HandlerFunction(this, 'CreateViews', {
      config,
      entry: 'lib/athena-views/handler.ts',
      description: 'Deploy time: CREATE OR REPLACE VIEW for queries/views/*.sql through Athena',
      logKey: props.logKey,
      memorySize: 256,
      timeout: Duration.minutes(10),
    });
    const fn = this.function.function;
    const workGroupArn = stack.formatArn({ service: 'athena', resource: 'workgroup', resourceName: props.workGroupName });
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['athena:StartQueryExecution', 'athena:GetQueryExecution'],
        resources: [workGroupArn],
      }),
    );
    // A view is a Glue table of type VIRTUAL_VIEW; Athena reads the tables it selects from.
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['glue:GetDatabase', 'glue:GetTable', 'glue:GetTables', 'glue:CreateTable', 'glue:UpdateTable', 'glue:DeleteTable'],
        resources: [
          stack.formatArn({ service: 'glue', resource: 'catalog' }),
          stack.formatArn({ service: 'glue', resource: 'database', resourceName: props.databaseName }),
          stack.formatArn({ service: 'glue', resource: 'table', resourceName: `${props.databaseName}/*` }),
        ],
      }),
    );
    // Athena writes each statement's (empty) result under the workgroup's output location as the caller.
    fn.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['s3:GetBucketLocation', 's3:ListBucket'], resources: [props.resultsBucket.bucketArn] }),
    );
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload'],
        resources: [props.resultsBucket.arnForObjects('results/*')],
      }),
    );
    props.dataKey.grant(fn, 'kms:GenerateDataKey', 'kms:Decrypt');

    const providerLogs = new logs.LogGroup(this, 'ProviderLogs', {
      encryptionKey: props.logKey,
      retention: config.logRetentionDays as logs.RetentionDays,
      removalPolicy: config.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    const provider = new cr.Provider(this, 'Provider', { onEventHandler: fn, logGroup: providerLogs });

    this.resource = new CustomResource(this, 'Views', {
      serviceToken: provider.serviceToken,
      resourceType: 'Custom::AthenaViews',
      properties: { WorkGroup: props.workGroupName, Database: props.databaseName, Views: props.views },
    });
  }
}
