/**
 * Every cdk-nag finding the stack accepts, each with the reason it is acceptable,
 * attached to the narrowest construct that produces it. A finding not listed here
 * fails synth; an entry whose construct no longer exists fails synth too, so the
 * list cannot rot. test/infra/nag.test.ts prints the whole list.
 */
import { type Stack, Token, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { HandlerFunction } from './handler-function';
import type { StageConfig } from './stage-config';

export interface NagAcknowledgement {
  /** Construct path below the stack. */
  path: string;
  id: string;
  reason: string;
}

const LAMBDA_NO_VPC =
  'Runs outside a VPC: it reaches only AWS APIs (DynamoDB, S3, Secrets Manager, KMS, Athena) over TLS with IAM auth, ' +
  'there is no network-attached resource to isolate, and NAT or interface endpoints would add cost without reducing exposure (ADR 0030).';

function handlerAcknowledgements(path: string, fn: HandlerFunction, config: StageConfig): NagAcknowledgement[] {
  const acks: NagAcknowledgement[] = [
    {
      path,
      id: 'HIPAA.Security-IAMNoInlinePolicy',
      reason: `The inline policy of ${path}'s own role holds only this function's grants (its log group, its table/bucket/key actions); it lives and dies with the function.`,
    },
    { path, id: 'HIPAA.Security-LambdaInsideVPC', reason: LAMBDA_NO_VPC },
    {
      path,
      id: 'HIPAA.Security-LambdaDLQ',
      reason: hasOnFailureDestination(fn)
        ? `${path} is invoked asynchronously by EventBridge Scheduler; runs that fail after Lambda's retries go to its on-failure destination (an encrypted SQS queue with an alarm), which records the error too, unlike a classic DLQ.`
        : `${path} is never invoked asynchronously (API Gateway, stream mapping or CloudFormation call it and handle failures), so an async DLQ would never receive anything.`,
    },
  ];
  if (config.tracing) {
    acks.push({
      path: `${path}/Role/DefaultPolicy`,
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'xray:PutTraceSegments and xray:PutTelemetryRecords (added by CDK for active tracing) do not support resource-level permissions.',
    });
  }
  // Prod reserves concurrency for every runtime handler; only the deploy-time view creator is exempt.
  if (!hasReservedConcurrency(fn) && (config.stage === 'dev' || path === DEPLOY_TIME_HANDLER)) {
    acks.push({
      path,
      id: 'HIPAA.Security-LambdaConcurrency',
      reason:
        config.stage === 'dev'
          ? `Dev leaves ${path} unreserved: new accounts have a 10-execution concurrency quota and Lambda refuses reservations that leave fewer than 10 unreserved.`
          : `${path} runs only during deployments (one invocation per stack update); reserving concurrency for it would take capacity from the ingest path.`,
    });
  }
  return acks;
}

const DEPLOY_TIME_HANDLER = 'Analytics/Views/CreateViews';

/** configureAsyncInvoke with an onFailure destination (the refresh and report Lambdas). */
function hasOnFailureDestination(fn: HandlerFunction): boolean {
  const config = fn.function.node.tryFindChild('EventInvokeConfig')?.node.defaultChild as { destinationConfig?: { onFailure?: unknown } } | undefined;
  return config?.destinationConfig?.onFailure !== undefined;
}

function hasReservedConcurrency(fn: HandlerFunction): boolean {
  const cfn = fn.function.node.defaultChild as { reservedConcurrentExecutions?: number } | undefined;
  return cfn?.reservedConcurrentExecutions !== undefined;
}

function stackAcknowledgements(stack: Stack, config: StageConfig): NagAcknowledgement[] {
  const ref = (path: string) => stack.getLogicalId(findConstruct(stack, path).node.defaultChild as never);
  return [
    // Ingest edge.
    { path: 'Ingest/Api', id: 'AwsSolutions-APIG2', reason: 'Request bodies are validated event by event by the ingest handler against the zod contract, which names each bad field; an API Gateway model would reject whole batches with a vaguer message.' },
    { path: 'Ingest/Api', id: 'AwsSolutions-APIG3', reason: 'No WAF on the ingest API: every method needs a clinic key checked by the Lambda authorizer, the stage is throttled, and payload limits are enforced by the handler; WAF is a per-deployment option (docs/deploy.md).' },
    { path: 'Ingest/Api', id: 'AwsSolutions-COG4', reason: 'Clinics are machine clients authenticated by per-clinic API keys (x-api-key, SHA-256 lookup) in a REQUEST Lambda authorizer, not by Cognito user pools.' },
    { path: 'Ingest/Api', id: 'HIPAA.Security-APIGWCacheEnabledAndEncrypted', reason: 'The ingest API stage has no response cache at all: POST and DELETE write to the system of record and must never be served from a cache.' },
    { path: 'Ingest/Api', id: 'HIPAA.Security-APIGWSSLEnabled', reason: 'The ingest API backend is Lambda (AWS_PROXY), not an HTTP endpoint, so there is no backend TLS connection for a client certificate to authenticate.' },
    { path: 'Ingest/Api/CloudWatchRole', id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]', reason: 'The API Gateway account-level CloudWatch role needs the AWS managed push-to-logs policy; API Gateway documents no narrower equivalent for execution logging.' },
    { path: 'Ingest/Ingest/Role/DefaultPolicy', id: 'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]', reason: 'CDK grantEncryptDecrypt/grantRead on the data key for the ingest Lambda: DynamoDB (customer-managed key) and Secrets Manager use it on the caller\'s behalf; scoped to that one key.' },
    { path: 'Ingest/Ingest/Role/DefaultPolicy', id: 'AwsSolutions-IAM5[Action::kms:ReEncrypt*]', reason: 'CDK grantEncryptDecrypt on the data key for the ingest Lambda (DynamoDB customer-managed key); the wildcard covers ReEncryptFrom/To on that one key only.' },
    { path: 'Ingest/PseudonymSecret', id: 'AwsSolutions-SMG4', reason: 'The pseudonym HMAC key must not rotate automatically: a new key changes every client_key and splits each client\'s history; rotation is a planned re-keying (docs/deploy.md).' },
    { path: 'Ingest/PseudonymSecret', id: 'HIPAA.Security-SecretsManagerRotationEnabled', reason: 'The pseudonym HMAC key must not rotate automatically: a new key changes every client_key and splits each client\'s history; rotation is a planned re-keying (docs/deploy.md).' },
    // Lake.
    { path: 'Lake/DeadLetters', id: 'AwsSolutions-SQS3', reason: 'Lake/DeadLetters is itself the on-failure destination of the stream mapping; its messages are stream positions replayed by backfill, not re-driven.' },
    { path: 'Lake/StreamToLake/Role/DefaultPolicy', id: 'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]', reason: 'Added by CDK when the encrypted Lake/DeadLetters queue becomes the mapping\'s on-failure destination (SqsDlq grant); scoped to the data key only.' },
    { path: 'Lake/StreamToLake/Role/DefaultPolicy', id: 'AwsSolutions-IAM5[Action::kms:ReEncrypt*]', reason: 'Added by CDK when the encrypted Lake/DeadLetters queue becomes the mapping\'s on-failure destination (SqsDlq grant); scoped to the data key only.' },
    { path: 'Lake/StreamToLake/Role/DefaultPolicy', id: `AwsSolutions-IAM5[Resource::<${ref('Lake/Lake/Bucket')}.Arn>/lake/*]`, reason: 'stream-to-lake writes one Parquet object per table partition per batch under lake/<table>/dt=…/; object keys are only known at run time, so s3:PutObject is scoped to the lake/ prefix.' },
    { path: 'Lake/StreamToLake/Role/DefaultPolicy', id: `AwsSolutions-IAM5[Resource::<${ref('Lake/Lake/Bucket')}.Arn>/quarantine/*]`, reason: 'stream-to-lake writes unmappable stream records as JSON under quarantine/dt=…/; keys are known only at run time, so s3:PutObject is scoped to the quarantine/ prefix.' },
    // Analytics: the deploy-time view creator and its provider framework.
    { path: 'Analytics/Views/CreateViews/Role/DefaultPolicy', id: `AwsSolutions-IAM5[Resource::<${ref('Analytics/Results/Bucket')}.Arn>/results/*]`, reason: 'Athena writes each CREATE VIEW statement\'s result object under results/ with a generated name, so the view creator may put/get objects under that prefix only.' },
    { path: 'Analytics/Views/CreateViews/Role/DefaultPolicy', id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:glue:${literal(stack.region, 'AWS::Region')}:${literal(stack.account, 'AWS::AccountId')}:table/${config.namePrefix.replace(/-/g, '_')}/*]`, reason: 'The view creator creates, replaces and drops views (Glue VIRTUAL_VIEW tables) named in queries/views and reads the lake tables they select from, all inside this stack\'s Glue database only.' },
    { path: 'Analytics/Views/Provider', id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]', reason: 'The CDK custom-resource provider framework Lambda (Analytics/Views/Provider) is created with the basic execution managed policy; CDK exposes no way to replace it.' },
    { path: 'Analytics/Views/Provider', id: `AwsSolutions-IAM5[Resource::<${ref('Analytics/Views/CreateViews/Function')}.Arn>:*]`, reason: 'The CDK provider framework may invoke any version of the view-creator function it fronts (lambda:InvokeFunction on <fn>:*), and nothing else.' },
    { path: 'Analytics/Views/Provider', id: 'HIPAA.Security-IAMNoInlinePolicy', reason: 'The CDK provider framework role\'s inline policy only lets it invoke the view-creator function; CDK generates it with the framework.' },
    { path: 'Analytics/Views/Provider', id: 'HIPAA.Security-LambdaInsideVPC', reason: LAMBDA_NO_VPC },
    { path: 'Analytics/Views/Provider', id: 'HIPAA.Security-LambdaDLQ', reason: 'The provider framework Lambda is invoked synchronously by CloudFormation during deployments; CloudFormation reports and rolls back its failures.' },
    { path: 'Analytics/Views/Provider', id: 'HIPAA.Security-LambdaConcurrency', reason: 'The provider framework Lambda runs once per stack deployment; reserving concurrency for it would take capacity from the ingest path.' },
    // Researchers' managed policy.
    { path: 'Researchers/Policy', id: `AwsSolutions-IAM5[Resource::<${ref('Lake/Lake/Bucket')}.Arn>/lake/*]`, reason: 'Researchers read every Parquet object of the lake tables under lake/ (Athena reads as the caller); the quarantine/ prefix stays out of reach.' },
    { path: 'Researchers/Policy', id: `AwsSolutions-IAM5[Resource::<${ref('Analytics/Results/Bucket')}.Arn>/results/*]`, reason: 'Athena writes each researcher query result under results/ with a generated name and reads it back for the caller; nothing else in the results bucket.' },
    { path: 'Researchers/Policy', id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:glue:${literal(stack.region, 'AWS::Region')}:${literal(stack.account, 'AWS::AccountId')}:table/${config.namePrefix.replace(/-/g, '_')}/*]`, reason: 'Researchers read the definitions of every lake table and view in this stack\'s Glue database (read-only Get* actions); no other database is reachable.' },
    // Buckets and backup.
    ...['AccessLogs/Bucket', 'Lake/Lake/Bucket', 'Analytics/Results/Bucket'].map((path) => ({
      path,
      id: 'HIPAA.Security-S3BucketReplicationEnabled',
      reason: `${path} is versioned and encrypted at rest in one region; cross-region replication of treatment data is a data-residency decision per deployment, and the lake is rebuildable from the backed-up events table.`,
    })),
    { path: 'AccessLogs/Bucket', id: 'HIPAA.Security-S3DefaultEncryptionKMS', reason: 'S3 server access logging delivers only to buckets encrypted with SSE-S3 (not SSE-KMS); the access log bucket holds request metadata, no treatment data.' },
    { path: 'Backup/Plan/Tables/Role', id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup]', reason: 'AWS Backup\'s service role for the events and clinic-keys table backups uses the AWS managed backup policy, as AWS Backup documents.' },
    ...dashboardAcknowledgements(stack, config, ref),
    ...reportsAcknowledgements(stack, config, ref),
  ];
}

type LogicalIdOf = (path: string) => string;

/** Same finding on the Lambda role when CDK grants an encrypted SQS queue as its on-failure destination. */
function asyncDestinationKeyGrant(path: string, queue: string): NagAcknowledgement[] {
  return ['kms:GenerateDataKey*', 'kms:ReEncrypt*'].map((action) => ({
    path,
    id: `AwsSolutions-IAM5[Action::${action}]`,
    reason: `Added by CDK (SqsDestination grant) so Lambda can put failed async events into the encrypted ${queue} queue; scoped to the data key only.`,
  }));
}

/** What EventBridge Scheduler's invoke role needs: the function and its versions, in an inline policy CDK writes. */
function schedulerRoleAcknowledgements(path: string, functionId: string, what: string): NagAcknowledgement[] {
  return [
    { path, id: `AwsSolutions-IAM5[Resource::<${functionId}.Arn>:*]`, reason: `CDK's grantInvoke lets the scheduler role of ${what} invoke that one function and its versions (<fn>:*), nothing else.` },
    { path, id: 'HIPAA.Security-IAMNoInlinePolicy', reason: `${path} exists only for the ${what} schedule; its inline policy (invoke one function, send to its encrypted DLQ) lives and dies with it.` },
  ];
}

/** The refresh's per-refresh CTAS snapshot (ADR 0122): Glue databases it names itself, and their files. */
function refreshSnapshotAcknowledgements(stack: Stack, config: StageConfig, ref: LogicalIdOf): NagAcknowledgement[] {
  const path = 'Dashboard/Refresh/Role/DefaultPolicy';
  const databases = `${config.namePrefix.replace(/-/g, '_')}_refresh_*`;
  const glue = (resource: string) => `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:glue:${literal(stack.region, 'AWS::Region')}:${literal(stack.account, 'AWS::AccountId')}:${resource}]`;
  return [
    {
      path,
      id: glue(`database/${databases}`),
      reason: `Each refresh creates and drops its own Glue database ${databases} (a UTC stamp and a random part follow); the name is chosen at run time, so the grant is that prefix, never the lake database or any other.`,
    },
    {
      path,
      id: glue(`table/${databases}/*`),
      reason: 'The refresh creates the snapshot tables (CTAS) and lake views in its own refresh database and drops them with it; only databases under the refresh prefix.',
    },
    {
      path,
      id: glue(`userDefinedFunction/${databases}/*`),
      reason: 'glue:DeleteDatabase authorises the dropped database\'s user-defined functions too; the refresh creates none, and the grant is limited to refresh databases.',
    },
    {
      path,
      id: `AwsSolutions-IAM5[Resource::<${ref('Analytics/Results/Bucket')}.Arn>/results/tables/*]`,
      reason: 'Athena writes each CTAS table of the refresh snapshot under results/tables/<query id>/ (the workgroup enforces its results location); the refresh deletes those files after the run (s3:DeleteObject only, nothing else in the results bucket).',
    },
  ];
}

function dashboardAcknowledgements(stack: Stack, config: StageConfig, ref: LogicalIdOf): NagAcknowledgement[] {
  const metricsObjects = `AwsSolutions-IAM5[Resource::<${ref('Lake/Lake/Bucket')}.Arn>/metrics/*]`;
  const acks: NagAcknowledgement[] = [
    { path: 'Dashboard/MetricsApi/Role/DefaultPolicy', id: metricsObjects, reason: 'The metrics API reads the materialised documents (s3:GetObject only) under metrics/; their keys encode the filters, so the grant is the prefix.' },
    { path: 'Dashboard/Refresh/Role/DefaultPolicy', id: metricsObjects, reason: 'The refresh writes one JSON document per filter combination plus an index under metrics/ (s3:PutObject only); keys are known only at run time.' },
    ...asyncDestinationKeyGrant('Dashboard/Refresh/Role/DefaultPolicy', 'Dashboard/RefreshDeadLetters'),
    ...refreshSnapshotAcknowledgements(stack, config, ref),
    { path: 'Dashboard/RefreshDeadLetters', id: 'AwsSolutions-SQS3', reason: 'Dashboard/RefreshDeadLetters is itself the dead-letter queue of the refresh schedule and of the refresh Lambda\'s async invocations.' },
    ...schedulerRoleAcknowledgements('Dashboard/RefreshScheduleRole', ref('Dashboard/Refresh/Function'), 'dashboard refresh'),
    { path: 'Dashboard/Api', id: 'AwsSolutions-APIG2', reason: 'The metrics API validates its declared query parameters (clinic, program, cohort) with a request validator; its routes are GET only, so there is no body to validate.' },
    { path: 'Dashboard/Api', id: 'AwsSolutions-APIG3', reason: 'No WAF on the metrics API: every method needs a Cognito ID token of an invited director, the stage is throttled (20 req/s) and answers come from small S3 documents; WAF is a per-deployment option.' },
    { path: 'Dashboard/Api', id: 'HIPAA.Security-APIGWCacheEnabledAndEncrypted', reason: 'The metrics API has no response cache on purpose: answers depend on the caller\'s clinic groups, and a stage cache keyed on the URL could serve one director\'s clinic to another.' },
    { path: 'Dashboard/Api', id: 'HIPAA.Security-APIGWSSLEnabled', reason: 'The metrics API backend is a Lambda proxy integration, not an HTTP endpoint, so there is no backend TLS connection for a client certificate to authenticate.' },
    { path: 'Dashboard/Distribution', id: 'AwsSolutions-CFR1', reason: 'No geo restriction on the dashboard: directors sign in from wherever they travel, and every request past the static page needs a Cognito token; restrict per deployment if policy requires.' },
    { path: 'Dashboard/Distribution', id: 'AwsSolutions-CFR2', reason: 'No WAF on the dashboard distribution: a CloudFront web ACL must live in us-east-1 (a second stack); the page is static and the /v1 API needs a Cognito token. Optional per deployment (docs/deploy.md).' },
    { path: 'Dashboard/Distribution', id: 'AwsSolutions-CFR4', reason: 'The dashboard uses the *.cloudfront.net default certificate, whose minimum protocol CloudFront fixes at TLSv1; a custom domain with an ACM certificate sets TLSv1.2_2021 (docs/deploy.md).' },
    ...['Dashboard/Site', 'Dashboard/ViewerLogs'].flatMap((path) => [
      {
        path,
        id: 'HIPAA.Security-S3BucketReplicationEnabled',
        reason: `${path} holds ${path.endsWith('Site') ? 'the static page, rebuilt from the repository on every deploy' : 'CloudFront request logs, no treatment data'}; cross-region replication adds nothing a redeploy does not restore.`,
      },
      {
        path,
        id: 'HIPAA.Security-S3DefaultEncryptionKMS',
        reason: path.endsWith('Site')
          ? 'Dashboard/Site holds only the public page code (HTML, JS, CSS, docs/metrics.md), no treatment data; SSE-S3 keeps the OAC origin free of KMS key-policy coupling.'
          : 'CloudFront standard logging delivers only to SSE-S3 buckets with ACLs; Dashboard/ViewerLogs holds request metadata (IP, path, status), no treatment data.',
      },
    ]),
  ];
  if (!config.dashboard.threatProtection) {
    acks.push({ path: 'Dashboard/Directors', id: 'AwsSolutions-COG8', reason: `${config.stage} runs the directors' user pool on the Essentials plan (threat protection is billed per user and holds no real directors); prod turns it on.` });
  }
  if (config.stage !== 'prod') {
    acks.push({ path: 'Dashboard/Directors', id: 'AwsSolutions-COG2', reason: 'Dev offers MFA (TOTP) without requiring it so test directors can sign in quickly; prod requires MFA for every director.' });
  }
  return [...acks, ...bucketDeploymentAcknowledgements(stack)];
}

/** CDK's singleton Lambda behind s3deploy.BucketDeployment, which copies the page into the site bucket at deploy time. */
function bucketDeploymentAcknowledgements(stack: Stack): NagAcknowledgement[] {
  const singleton = stack.node.children.find((child) => child.node.id.startsWith('Custom::CDKBucketDeployment'));
  if (!singleton) return [];
  const path = singleton.node.id;
  const policy = `${path}/ServiceRole/DefaultPolicy`;
  const qualifier = String(stack.node.tryGetContext('@aws-cdk/core:bootstrapQualifier') ?? 'hnb659fds');
  const assets = `arn:<AWS::Partition>:s3:::cdk-${qualifier}-assets-${literal(stack.account, 'AWS::AccountId')}-${literal(stack.region, 'AWS::Region')}/*`;
  const why = 'CDK\'s BucketDeployment Lambda, run by CloudFormation at deploy time to copy the dashboard page from the CDK asset bucket into Dashboard/Site';
  return [
    { path: `${path}/ServiceRole`, id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]', reason: `${why}, is created by CDK with the basic execution managed policy; CDK exposes no way to replace it.` },
    ...['s3:GetObject*', 's3:GetBucket*', 's3:List*', 's3:DeleteObject*', 's3:Abort*'].map((action) => ({
      path: policy,
      id: `AwsSolutions-IAM5[Action::${action}]`,
      reason: `${why}, gets CDK's grantRead/grantReadWrite (${action}) on the asset bucket and the site bucket only; it syncs and prunes whole folders.`,
    })),
    { path: policy, id: `AwsSolutions-IAM5[Resource::${assets}]`, reason: `${why}, reads the zipped page from the CDK bootstrap asset bucket, whose object keys are content hashes.` },
    { path: policy, id: `AwsSolutions-IAM5[Resource::<${stack.getLogicalId(findConstruct(stack, 'Dashboard/Site').node.defaultChild as never)}.Arn>/*]`, reason: `${why}, writes and prunes every object of the site bucket (prune: true removes files the new page no longer has).` },
    { path: policy, id: 'AwsSolutions-IAM5[Resource::*]', reason: `${why}, invalidates the distribution after the copy; cloudfront:CreateInvalidation/GetInvalidation are granted by CDK on * for this deployment Lambda.` },
    { path, id: 'AwsSolutions-L1', reason: `${why}, runs on the Python runtime CDK pins for BucketDeployment; it is upgraded with aws-cdk-lib, not configurable here.` },
    { path, id: 'HIPAA.Security-IAMNoInlinePolicy', reason: `${why}, holds its S3 and invalidation grants in the inline policy CDK generates for it.` },
    { path, id: 'HIPAA.Security-LambdaConcurrency', reason: `${why}, runs once per deployment; reserving concurrency for it would take capacity from the ingest path.` },
    { path, id: 'HIPAA.Security-LambdaDLQ', reason: `${why}, is invoked synchronously by CloudFormation, which reports and rolls back its failures.` },
    { path, id: 'HIPAA.Security-LambdaInsideVPC', reason: `${why}, reaches only S3 and CloudFront APIs; ${LAMBDA_NO_VPC}` },
  ];
}

function reportsAcknowledgements(stack: Stack, config: StageConfig, ref: LogicalIdOf): NagAcknowledgement[] {
  const policy = 'Reports/Function/Role/DefaultPolicy';
  const acks: NagAcknowledgement[] = [
    ...asyncDestinationKeyGrant(policy, 'Reports/DeadLetters'),
    { path: policy, id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:glue:${literal(stack.region, 'AWS::Region')}:${literal(stack.account, 'AWS::AccountId')}:table/${config.namePrefix.replace(/-/g, '_')}/*]`, reason: 'The report Lambda reads (Get* only) the lake tables and views its metric SQL selects from, inside this stack\'s Glue database only.' },
    { path: policy, id: `AwsSolutions-IAM5[Resource::<${ref('Lake/Lake/Bucket')}.Arn>/lake/*]`, reason: 'Athena reads the lake\'s Parquet as the report Lambda (s3:GetObject under lake/ only); the quarantine/ and metrics/ prefixes stay out of reach.' },
    { path: policy, id: `AwsSolutions-IAM5[Resource::<${ref('Analytics/Results/Bucket')}.Arn>/results/*]`, reason: 'Athena writes each report query\'s result under results/ with a generated name and the Lambda reads it back; nothing else in the results bucket.' },
    { path: policy, id: `AwsSolutions-IAM5[Resource::<${ref('Reports/Bucket/Bucket')}.Arn>/reports/*]`, reason: 'The report Lambda writes, reads back and prunes reports/<funder>/<period>/ (PDF, CSVs, manifest); keys depend on the funder and period of each run.' },
    { path: 'Reports/DeadLetters', id: 'AwsSolutions-SQS3', reason: 'Reports/DeadLetters is itself the dead-letter queue of the report schedules and of the report Lambda\'s async invocations.' },
    { path: 'Reports/Bucket/Bucket', id: 'HIPAA.Security-S3BucketReplicationEnabled', reason: 'Reports/Bucket holds suppressed funder reports that can be regenerated from the lake for any period; cross-region replication is a per-deployment data-residency decision.' },
  ];
  if (stack.node.tryFindChild('Reports')?.node.tryFindChild('ScheduleRole')) {
    acks.push(...schedulerRoleAcknowledgements('Reports/ScheduleRole', ref('Reports/Function/Function'), 'funder report'));
  }
  return acks;
}

/** How cdk-nag writes a value in a finding id: the literal, or `<AWS::AccountId>` for a pseudo parameter. */
function literal(value: string, pseudo: string): string {
  return Token.isUnresolved(value) ? `<${pseudo}>` : value;
}

function findConstruct(stack: Stack, path: string): IConstruct {
  const found = path.split('/').reduce<IConstruct | undefined>((scope, id) => scope?.node.tryFindChild(id), stack);
  if (!found) throw new Error(`nag acknowledgement for "${path}", but the stack has no such construct; remove or fix the entry`);
  return found;
}

/** All acknowledgements of this stack (also what the test lists). */
export function nagAcknowledgements(stack: Stack, config: StageConfig): NagAcknowledgement[] {
  const handlers = stack.node
    .findAll()
    .filter((construct): construct is HandlerFunction => construct instanceof HandlerFunction)
    .flatMap((fn) => handlerAcknowledgements(fn.node.path.slice(stack.node.path.length + 1), fn, config));
  return [...handlers, ...stackAcknowledgements(stack, config)];
}

export function acknowledgeFindings(stack: Stack, config: StageConfig): void {
  for (const ack of nagAcknowledgements(stack, config)) {
    Validations.of(findConstruct(stack, ack.path)).acknowledge({ id: ack.id, reason: ack.reason });
  }
}
