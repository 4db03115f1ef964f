import { App } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { IopOutcomesStack } from '../../lib/iop-outcomes-stack';
import { type StageOverrides, loadStageConfig } from '../../lib/stage-config';
import { TEST_ENV, resourceId } from './support/synth';

const NO_QUERIES = { queryFiles: [], views: [] };

function compose(stage: 'dev' | 'prod', overrides: StageOverrides = TEST_ENV) {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const config = loadStageConfig(stage, overrides, {});
  const stack = new IopOutcomesStack(app, config.namePrefix, { config, queries: NO_QUERIES });
  return { stack, config, template: Template.fromStack(stack) };
}

/** Logical id of a HandlerFunction's Lambda, by construct path below the stack. */
function functionId(stack: IopOutcomesStack, path: string): string {
  const fn = path.split('/').reduce((scope, id) => scope.node.findChild(id), stack as never as import('constructs').IConstruct);
  return stack.getLogicalId(fn.node.defaultChild as never);
}

describe('the composed stack (dev)', () => {
  const { stack, config, template } = compose('dev', { ...TEST_ENV, clinics: 'harbor-view,riverside' });
  const topic = resourceId(template, 'AWS::SNS::Topic', 'MonitoringAlarms');
  const refreshFn = functionId(stack, 'Dashboard/Refresh/Function');
  const reportFn = functionId(stack, 'Reports/Function/Function');

  it('should hold one dashboard: one distribution, one directors pool and sign-in domain, one metrics API beside the ingest API', () => {
    // Assess
    template.resourceCountIs('AWS::CloudFront::Distribution', 1);
    template.resourceCountIs('AWS::Cognito::UserPool', 1);
    template.resourceCountIs('AWS::Cognito::UserPoolDomain', 1);
    template.hasResourceProperties('AWS::Cognito::UserPoolDomain', { Domain: config.dashboard.cognitoDomainPrefix });
    template.resourceCountIs('AWS::ApiGateway::RestApi', 2);
    template.hasResourceProperties('AWS::Cognito::UserPoolGroup', { GroupName: 'clinic:harbor-view' });
    template.hasResourceProperties('AWS::Cognito::UserPoolGroup', { GroupName: 'clinic:riverside' });
  });

  it('should schedule the refresh once and each funder profile once, each through its own scheduler role', () => {
    // Prepare
    const schedules = Object.values(template.findResources('AWS::Scheduler::Schedule')).map((schedule) => schedule.Properties);
    const targetOf = (fn: string) => schedules.filter((schedule) => JSON.stringify(schedule.Target.Arn) === JSON.stringify({ 'Fn::GetAtt': [fn, 'Arn'] }));

    // Assess
    expect(schedules).toHaveLength(1 + config.reports.profiles.length);
    expect(targetOf(refreshFn)).toEqual([
      expect.objectContaining({ ScheduleExpression: 'rate(1 hour)', ScheduleExpressionTimezone: 'UTC', Target: expect.objectContaining({ RoleArn: { 'Fn::GetAtt': [expect.stringMatching(/^DashboardRefreshScheduleRole/), 'Arn'] } }) }),
    ]);
    const reportSchedules = targetOf(reportFn);
    expect(reportSchedules.map((schedule) => [JSON.parse(schedule.Target.Input).funderId, schedule.ScheduleExpression, schedule.ScheduleExpressionTimezone])).toEqual([
      ['state-sor-grant', 'cron(0 7 10 1,4,7,10 ? *)', 'America/New_York'],
      ['county-foundation', 'cron(0 8 5 * ? *)', 'America/Chicago'],
    ]);
    for (const schedule of reportSchedules) expect(schedule.Target.RoleArn).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^ReportsScheduleRole/), 'Arn'] });
  });

  it('should let each scheduler role put failed events into its KMS-encrypted dead-letter queue', () => {
    // Prepare
    const dataKey = resourceId(template, 'AWS::KMS::Key', 'KeysData');
    const policies = Object.values(template.findResources('AWS::IAM::Policy'));
    const statementsOfRole = (prefix: string) =>
      policies
        .filter((policy) => policy.Properties.Roles.some((role: { Ref: string }) => role.Ref.startsWith(prefix)))
        .flatMap((policy) => policy.Properties.PolicyDocument.Statement);

    // Assess
    for (const [role, queue] of [['DashboardRefreshScheduleRole', 'DashboardRefreshDeadLetters'], ['ReportsScheduleRole', 'ReportsDeadLetters']]) {
      const statements = statementsOfRole(role);
      expect(statements).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ Action: ['kms:GenerateDataKey', 'kms:Decrypt'], Resource: { 'Fn::GetAtt': [dataKey, 'Arn'] } }),
          expect.objectContaining({ Action: 'sqs:SendMessage', Resource: { 'Fn::GetAtt': [expect.stringMatching(new RegExp(`^${queue}`)), 'Arn'] } }),
        ]),
      );
    }
  });

  it('should send failed report runs (not only failed deliveries) to the report dead-letter queue', () => {
    // Assess
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: reportFn },
      MaximumRetryAttempts: 2,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ReportsDeadLetters'), 'Arn'] } } },
    });
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: refreshFn },
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [Match.stringLikeRegexp('^DashboardRefreshDeadLetters'), 'Arn'] } } },
    });
  });

  it('should route the refresh, metrics API and report alarms to the operators topic exactly once each', () => {
    // Prepare
    const alarms = Object.entries(template.findResources('AWS::CloudWatch::Alarm'));
    const ours = alarms.filter(([id]) => /^(DashboardRefreshErrors|DashboardRefreshDeadLetter|DashboardMetricsApiErrors|ReportsErrors|ReportsDeadLetter)Alarm/.test(id));

    // Assess
    expect(ours).toHaveLength(5);
    for (const [, alarm] of ours) {
      expect(alarm.Properties.AlarmActions).toEqual([{ Ref: topic }]);
      expect(alarm.Properties.OKActions).toEqual([{ Ref: topic }]);
    }
    const dashboardBody = JSON.stringify(Object.values(template.findResources('AWS::CloudWatch::Dashboard'))[0].Properties.DashboardBody);
    for (const [id] of ours) expect(dashboardBody).toContain(id);
  });

  it('should refresh with the researcher query policy into metrics/ of the lake bucket, and report from the same workgroup', () => {
    // Prepare
    const lake = resourceId(template, 'AWS::S3::Bucket', 'LakeBucket');
    const researcherPolicy = resourceId(template, 'AWS::IAM::ManagedPolicy', 'ResearchersPolicy');

    // Assess
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ METRICS_BUCKET: { Ref: lake }, ATHENA_WORKGROUP: 'iop-outcomes-dev', ATHENA_DATABASE: 'iop_outcomes_dev', QUERIES_DIR: '/var/task/queries' }) },
    });
    template.hasResourceProperties('AWS::IAM::Role', { ManagedPolicyArns: Match.arrayWith([{ Ref: researcherPolicy }]) });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          FUNDER_PROFILES: JSON.stringify(config.reports.profiles),
          ATHENA_WORKGROUP: 'iop-outcomes-dev',
          ATHENA_DATABASE: 'iop_outcomes_dev',
          REPORT_SENDER_EMAIL: 'reports@iop.example.org',
        }),
      },
    });
  });

  it('should publish the dashboard, sign-in, metrics API and report outputs next to the ingest ones', () => {
    // Prepare
    const outputs = template.findOutputs('*');

    // Assess
    // (CDK adds each REST API's own `…Endpoint…` output as well.)
    expect(Object.keys(outputs)).toEqual(
      expect.arrayContaining([
        'AlarmTopicArn', 'ApiUrl', 'AthenaWorkGroup', 'ClinicKeysTable', 'DashboardUrl', 'DirectorsSignInDomain', 'DirectorsUserPoolId', 'EventsTable',
        'GlueDatabase', 'LakeBucket', 'MetricsApiUrl', 'PseudonymSecretArn', 'RefreshFunctionName', 'ReportFunctionName', 'ReportTopicArn',
        'ReportsLocation', 'ResearcherPolicyArn',
      ]),
    );
    expect(JSON.stringify(outputs.DashboardUrl.Value)).toContain(resourceId(template, 'AWS::CloudFront::Distribution', 'DashboardDistribution'));
    expect(JSON.stringify(outputs.DirectorsUserPoolId.Value)).toContain(resourceId(template, 'AWS::Cognito::UserPool', 'DashboardDirectors'));
    expect(JSON.stringify(outputs.MetricsApiUrl.Value)).toContain('/v1/dashboard');
    expect(JSON.stringify(outputs.ReportsLocation.Value)).toContain('/reports/');
  });
});

describe('the composed stack without a report sender (dev)', () => {
  it('should publish every funder report to the report topic and warn which profiles it redirected', () => {
    // Prepare / Act
    const { stack, template } = compose('dev', { account: TEST_ENV.account, region: TEST_ENV.region });

    // Assess
    const reportEnv = Object.values(template.findResources('AWS::Lambda::Function')).find((fn) => fn.Properties.Environment?.Variables?.FUNDER_PROFILES)!.Properties.Environment.Variables;
    expect(reportEnv.REPORT_SENDER_EMAIL).toBeUndefined();
    expect(JSON.parse(reportEnv.FUNDER_PROFILES).map((profile: { delivery: unknown }) => profile.delivery)).toEqual([{ channel: 'sns' }, { channel: 'sns' }]);
    const statements = JSON.stringify(template.findResources('AWS::IAM::Policy'));
    expect(statements).not.toContain('ses:SendEmail');
    Annotations.fromStack(stack).hasWarning('/iop-outcomes-dev/Reports', Match.stringLikeRegexp('state-sor-grant publish to the report topic instead of e-mailing'));
  });
});

describe('the composed stack (prod)', () => {
  const { stack, template } = compose('prod');

  it('should reserve concurrency for the refresh, the report and the metrics API', () => {
    // Prepare
    const reserved = (path: string) => template.toJSON().Resources[functionId(stack, path)].Properties.ReservedConcurrentExecutions;

    // Assess
    expect([reserved('Dashboard/Refresh/Function'), reserved('Reports/Function/Function'), reserved('Dashboard/MetricsApi/Function')]).toEqual([1, 2, 10]);
  });

  it('should require MFA and turn on threat protection for directors, and keep the user pool', () => {
    // Assess
    template.hasResourceProperties('AWS::Cognito::UserPool', {
      MfaConfiguration: 'ON',
      DeletionProtection: 'ACTIVE',
      UserPoolTier: 'PLUS',
      UserPoolAddOns: { AdvancedSecurityMode: 'ENFORCED' },
    });
    template.hasResource('AWS::Cognito::UserPool', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
  });

  it('should let the report Lambda mail only as the configured sender', () => {
    // Prepare
    const statements = Object.values(template.findResources('AWS::IAM::Policy')).flatMap((policy) => policy.Properties.PolicyDocument.Statement);

    // Assess
    expect(statements.filter((statement) => statement.Action === 'ses:SendEmail')).toEqual([
      expect.objectContaining({ Condition: { StringEquals: { 'ses:FromAddress': 'reports@iop.example.org' } } }),
    ]);
  });

  it('should keep CloudFront viewer logs for the log retention period and retain them in prod', () => {
    // Assess
    template.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({ Logging: { Bucket: Match.anyValue(), IncludeCookies: false, Prefix: 'dashboard/' } }),
    });
    template.hasResource('AWS::S3::Bucket', {
      DeletionPolicy: 'Retain',
      Properties: Match.objectLike({
        OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerPreferred' }] },
        LifecycleConfiguration: { Rules: [Match.objectLike({ ExpirationInDays: 365 })] },
        LoggingConfiguration: Match.objectLike({ LogFilePrefix: 'dashboard-viewer-logs/' }),
      }),
    });
  });
});
