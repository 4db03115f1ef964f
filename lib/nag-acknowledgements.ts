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
      reason: `${path} is never invoked asynchronously (API Gateway, stream mapping or CloudFormation call it and handle failures), so an async DLQ would never receive anything.`,
    },
  ];
  if (config.tracing) {
    acks.push({
      path: `${path}/Role/DefaultPolicy`,
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'xray:PutTraceSegments and xray:PutTelemetryRecords (added by CDK for active tracing) do not support resource-level permissions.',
    });
  }
  if (!hasReservedConcurrency(fn)) {
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
  ];
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
