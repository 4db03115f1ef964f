/**
 * A project Lambda with the house defaults: Node 24 on ARM, a local esbuild bundle
 * (lib/bundling/lambda-bundling.ts: CommonJS, minified, source maps), its own KMS-encrypted log group with retention,
 * structured JSON logs, optional X-Ray tracing.
 */
import * as path from 'node:path';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { type ICommandHooks, NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { cdkBundling } from './bundling/lambda-bundling';
import type { StageConfig } from './stage-config';

export const PROJECT_ROOT = path.join(__dirname, '..');

export interface HandlerFunctionProps {
  config: StageConfig;
  /** Path of the handler module relative to the project root, e.g. `lambdas/ingest/handler.ts`. */
  entry: string;
  description: string;
  logKey: kms.IKey;
  memorySize: number;
  timeout: Duration;
  environment?: Record<string, string>;
  reservedConcurrency?: number;
  /** Extra files for the bundle (e.g. queries/ for a Lambda that runs metric SQL). */
  commandHooks?: ICommandHooks;
}

export class HandlerFunction extends Construct {
  readonly function: NodejsFunction;
  readonly logGroup: logs.LogGroup;
  readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: HandlerFunctionProps) {
    super(scope, id);
    const { config } = props;

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      encryptionKey: props.logKey,
      retention: config.logRetentionDays as logs.RetentionDays,
      removalPolicy: config.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });

    // Its own role, allowed to write to its own log group only (not the managed basic-execution policy's every log group).
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: props.description,
    });
    this.role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [this.logGroup.logGroupArn],
      }),
    );

    this.function = new NodejsFunction(this, 'Function', {
      role: this.role,
      entry: path.join(PROJECT_ROOT, props.entry),
      handler: 'handler',
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: path.join(PROJECT_ROOT, 'package-lock.json'),
      description: props.description,
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize,
      timeout: props.timeout,
      reservedConcurrentExecutions: props.reservedConcurrency,
      logGroup: this.logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      tracing: config.tracing ? lambda.Tracing.ACTIVE : lambda.Tracing.DISABLED,
      environment: {
        // Stack traces point at the TypeScript sources.
        NODE_OPTIONS: '--enable-source-maps',
        ...props.environment,
      },
      // One bundling definition for the stack and the bundle benchmark (lib/bundling/lambda-bundling.ts).
      bundling: cdkBundling(props.commandHooks),
    });
  }
}
