import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Dashboard } from '../../lib/dashboard';
import { loadStageConfig } from '../../lib/stage-config';

function synth(stage: 'dev' | 'prod' = 'dev', extra: Partial<ConstructorParameters<typeof Dashboard>[2]> = {}) {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const config = loadStageConfig(stage, { account: '123456789012', region: 'eu-west-1', alarmEmail: 'ops@example.org', reportSender: 'reports@example.org' }, {});
  const stack = new Stack(app, 'DashboardTest', { env: config.env });
  const dataKey = new kms.Key(stack, 'DataKey');
  const logKey = new kms.Key(stack, 'LogKey');
  const lake = new s3.Bucket(stack, 'Lake', { encryption: s3.BucketEncryption.KMS, encryptionKey: dataKey });
  const accessLogs = new s3.Bucket(stack, 'AccessLogs');
  const results = new s3.Bucket(stack, 'Results', { encryption: s3.BucketEncryption.KMS, encryptionKey: dataKey, versioned: true });
  const queryPolicy = new iam.ManagedPolicy(stack, 'QueryPolicy', {
    statements: [new iam.PolicyStatement({ actions: ['athena:StartQueryExecution'], resources: ['*'] })],
  });
  const dashboard = new Dashboard(stack, 'Dashboard', {
    config,
    metricsBucket: lake,
    dataKey,
    logKey,
    accessLogs,
    workGroupName: 'iop-outcomes-dev',
    databaseName: 'iop_outcomes_dev',
    queryPolicy,
    queryResults: { bucket: results, prefix: 'results/' },
    clinicIds: ['clinic-a', 'clinic-b'],
    schedule: { expression: 'cron(15 5 * * ? *)', timeZone: 'America/Chicago' },
    ...extra,
  });
  return { template: Template.fromStack(stack), stack, dashboard, config };
}

/** Every IAM statement attached (inline) to a role whose logical id starts with the prefix. */
function statementsOf(template: Template, rolePrefix: string): { Action: string | string[]; Resource: unknown }[] {
  const policies = template.findResources('AWS::IAM::Policy');
  return Object.values(policies)
    .filter((policy) => (policy.Properties.Roles as { Ref: string }[]).some((role) => role.Ref.startsWith(rolePrefix)))
    .flatMap((policy) => policy.Properties.PolicyDocument.Statement);
}

const actionsOf = (statements: { Action: string | string[] }[]) => statements.flatMap((statement) => [statement.Action].flat());

describe('dashboard construct', () => {
  const { template, config } = synth();

  it('should keep the site bucket private, encrypted and TLS-only', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      LoggingConfiguration: Match.objectLike({ LogFilePrefix: 'dashboard-site/' }),
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: Match.objectLike({
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          Match.objectLike({ Effect: 'Allow', Principal: { Service: 'cloudfront.amazonaws.com' }, Action: 's3:GetObject' }),
        ]),
      }),
    });
  });

  it('should serve the site through CloudFront with origin access control, HTTPS and security headers', () => {
    template.resourceCountIs('AWS::CloudFront::OriginAccessControl', 1);
    template.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        DefaultRootObject: 'index.html',
        DefaultCacheBehavior: Match.objectLike({ ViewerProtocolPolicy: 'redirect-to-https' }),
        Origins: Match.arrayWith([Match.objectLike({ OriginAccessControlId: Match.anyValue(), S3OriginConfig: { OriginAccessIdentity: '' } })]),
        CacheBehaviors: [
          Match.objectLike({
            PathPattern: '/v1/*',
            ViewerProtocolPolicy: 'https-only',
            CachePolicyId: '4135ea2d-6df8-44a3-9df3-4b5a84be39ad', // CachingDisabled
            OriginRequestPolicyId: 'b689b0a8-53d0-40ab-baf2-68738e2966ac', // AllViewerExceptHostHeader
          }),
        ],
      }),
    });
    template.hasResourceProperties('AWS::CloudFront::ResponseHeadersPolicy', {
      ResponseHeadersPolicyConfig: Match.objectLike({
        SecurityHeadersConfig: Match.objectLike({
          ContentSecurityPolicy: { ContentSecurityPolicy: Match.anyValue(), Override: true },
          FrameOptions: { FrameOption: 'DENY', Override: true },
          StrictTransportSecurity: Match.objectLike({ AccessControlMaxAgeSec: 31536000, IncludeSubdomains: true }),
          ContentTypeOptions: { Override: true },
        }),
      }),
    });
  });

  it('should let only invited directors sign in, with one group per clinic and a hosted UI', () => {
    template.hasResourceProperties('AWS::Cognito::UserPool', {
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
      MfaConfiguration: 'OPTIONAL',
      Policies: { PasswordPolicy: Match.objectLike({ MinimumLength: 12 }) },
    });
    template.hasResourceProperties('AWS::Cognito::UserPoolGroup', { GroupName: 'clinic:clinic-a' });
    template.hasResourceProperties('AWS::Cognito::UserPoolGroup', { GroupName: 'clinic:clinic-b' });
    template.hasResourceProperties('AWS::Cognito::UserPoolDomain', { Domain: config.dashboard.cognitoDomainPrefix });
    template.hasResourceProperties('AWS::Cognito::UserPoolClient', {
      GenerateSecret: false,
      AllowedOAuthFlows: ['code'],
      AllowedOAuthScopes: ['openid', 'email'],
      PreventUserExistenceErrors: 'ENABLED',
    });
  });

  it('should require MFA in prod', () => {
    const { template: prod } = synth('prod');
    prod.hasResourceProperties('AWS::Cognito::UserPool', { MfaConfiguration: 'ON', DeletionProtection: 'ACTIVE' });
  });

  it('should put both API routes behind the Cognito authorizer', () => {
    template.hasResourceProperties('AWS::ApiGateway::Authorizer', { Type: 'COGNITO_USER_POOLS' });
    const methods = template.findResources('AWS::ApiGateway::Method', { Properties: { HttpMethod: 'GET' } });
    expect(Object.keys(methods)).toHaveLength(2);
    for (const method of Object.values(methods)) expect(method.Properties.AuthorizationType).toBe('COGNITO_USER_POOLS');
    template.hasResourceProperties('AWS::ApiGateway::Stage', {
      MethodSettings: [Match.objectLike({ DataTraceEnabled: false, LoggingLevel: 'ERROR', ThrottlingRateLimit: 20 })],
      AccessLogSetting: Match.objectLike({ DestinationArn: Match.anyValue() }),
    });
  });

  it('should run both Lambdas on Node 24 with the metrics bucket in their environment', () => {
    const functions = Object.values(template.findResources('AWS::Lambda::Function')).filter((fn) => fn.Properties.Environment?.Variables?.METRICS_BUCKET);
    expect(functions).toHaveLength(2);
    for (const fn of functions) {
      expect(fn.Properties.Runtime).toBe('nodejs24.x');
      expect(fn.Properties.Environment.Variables.METRICS_PREFIX).toBe('metrics/');
    }
    template.hasResourceProperties('AWS::Lambda::Function', {
      Timeout: 900,
      Environment: { Variables: Match.objectLike({ ATHENA_WORKGROUP: 'iop-outcomes-dev', ATHENA_DATABASE: 'iop_outcomes_dev', QUERIES_DIR: '/var/task/queries' }) },
    });
  });

  it('should give the metrics API read-only access to metrics/ and the refresh write access to metrics/ only', () => {
    const apiActions = actionsOf(statementsOf(template, 'DashboardMetricsApiRole'));
    expect(apiActions).toContain('s3:GetObject');
    expect(apiActions.filter((action) => /^s3:(Put|Delete)/.test(action))).toEqual([]);
    const apiS3 = statementsOf(template, 'DashboardMetricsApiRole').filter((statement) => [statement.Action].flat().includes('s3:GetObject'));
    expect(JSON.stringify(apiS3)).toContain('/metrics/*');

    const refreshS3 = statementsOf(template, 'DashboardRefreshRole').filter((statement) => [statement.Action].flat().includes('s3:PutObject'));
    expect(refreshS3).toHaveLength(1);
    expect(JSON.stringify(refreshS3[0].Resource)).toContain('/metrics/*');
    template.hasResourceProperties('AWS::IAM::Role', {
      ManagedPolicyArns: Match.arrayWith([{ Ref: Match.stringLikeRegexp('^QueryPolicy') }]),
    });
  });

  it('should let the refresh create and drop only <lake db>_refresh_* Glue databases and delete only CTAS files under results/tables/', () => {
    const refresh = statementsOf(template, 'DashboardRefreshRole');
    const glue = refresh.filter((statement) => actionsOf([statement]).some((action) => action.startsWith('glue:')));
    expect(glue).toHaveLength(1);
    expect(actionsOf(glue)).toEqual(expect.arrayContaining(['glue:CreateDatabase', 'glue:DeleteDatabase', 'glue:CreateTable', 'glue:DeleteTable']));
    const glueResources = JSON.stringify(glue[0].Resource);
    expect(glueResources).toContain(':database/iop_outcomes_dev_refresh_*');
    expect(glueResources).toContain(':table/iop_outcomes_dev_refresh_*/*');
    // Never the lake database itself, nor every database.
    expect(glueResources).not.toMatch(/database\/iop_outcomes_dev"|database\/\*/);

    const deletes = refresh.filter((statement) => actionsOf([statement]).includes('s3:DeleteObject'));
    expect(deletes).toHaveLength(1);
    expect(actionsOf(deletes)).toEqual(['s3:DeleteObject']);
    expect(JSON.stringify(deletes[0].Resource)).toMatch(/Results[A-Z0-9]*","Arn"\]\},"\/results\/tables\/\*"/);

    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ ATHENA_RESULTS_LOCATION: { 'Fn::Join': ['', ['s3://', { Ref: Match.stringLikeRegexp('^Results') }, '/results/']] } }) },
    });
  });

  it('should expire the refresh snapshot files after a day as the backstop of the cleanup', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: {
        Rules: Match.arrayWith([
          Match.objectLike({ Id: 'expire-refresh-snapshots', Prefix: 'results/tables/', Status: 'Enabled', ExpirationInDays: 1, NoncurrentVersionExpiration: { NoncurrentDays: 1 } }),
        ]),
      },
    });
  });

  it('should schedule the refresh with a time zone, bounded retries and a dead-letter queue', () => {
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(15 5 * * ? *)',
      ScheduleExpressionTimezone: 'America/Chicago',
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: Match.objectLike({
        RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 3600 },
        DeadLetterConfig: { Arn: Match.anyValue() },
      }),
    });
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      MaximumRetryAttempts: 1,
      MaximumEventAgeInSeconds: 3600,
      DestinationConfig: { OnFailure: { Destination: Match.anyValue() } },
    });
    template.hasResourceProperties('AWS::SQS::Queue', { KmsMasterKeyId: Match.anyValue(), MessageRetentionPeriod: 1209600 });
  });

  it('should default the schedule to the stage config in UTC', () => {
    const { template: defaults } = synth('dev', { schedule: undefined });
    defaults.hasResourceProperties('AWS::Scheduler::Schedule', { ScheduleExpression: 'rate(1 hour)', ScheduleExpressionTimezone: 'UTC' });
  });

  it('should deploy the page with a Cognito config and the metric definitions', () => {
    const deployments = Object.values(template.findResources('Custom::CDKBucketDeployment'));
    expect(deployments).toHaveLength(1);
    const deployment = deployments[0].Properties;
    expect(deployment).toMatchObject({ Prune: true, DistributionPaths: ['/*'] });
    // config.json carries the hosted UI client id and the CloudFront URL, filled in at deploy time.
    const markers = JSON.stringify(deployment.SourceMarkers);
    expect(markers).toMatch(/DashboardDirectorsDashboardClient/);
    expect(markers).toMatch(/DashboardDistribution/);
    expect(deployment.SourceObjectKeys).toHaveLength(3);
  });
});
