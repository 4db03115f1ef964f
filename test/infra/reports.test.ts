import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import { funderProfileSchema, type FunderProfile, type FunderProfileInput } from '../../lambdas/core/funder-profile';
import { Reports, type ReportsProps } from '../../lib/reports';
import { loadStageConfig } from '../../lib/stage-config';
import { TEST_ENV } from './support/synth';

const ROOT = path.join(__dirname, '..', '..');

const profile = (input: Partial<FunderProfileInput> & { id: string }): FunderProfile =>
  funderProfileSchema.parse({
    name: `Funder ${input.id}`,
    clinics: 'all',
    periodKind: 'quarter',
    schedule: { cron: 'cron(0 7 10 1,4,7,10 ? *)', timeZone: 'America/New_York' },
    delivery: { channel: 'email', recipients: ['grants@state.example.org'] },
    ...input,
  });

const PROFILES = [
  profile({ id: 'state-sor' }),
  profile({ id: 'county-fund', periodKind: 'month', schedule: { cron: 'cron(0 8 5 * ? *)', timeZone: 'America/Chicago' }, delivery: { channel: 'sns' } }),
];

function synth(overrides: Partial<ReportsProps> = {}, bundle = false) {
  const app = new App({ context: bundle ? {} : { 'aws:cdk:bundling-stacks': [] } });
  const config = loadStageConfig('dev', TEST_ENV, {});
  const stack = new Stack(app, 'ReportsTest', { env: { account: TEST_ENV.account, region: TEST_ENV.region } });
  const dataKey = new kms.Key(stack, 'DataKey');
  const reports = new Reports(stack, 'Reports', {
    config,
    profiles: PROFILES,
    dataKey,
    logKey: new kms.Key(stack, 'LogKey'),
    accessLogs: new s3.Bucket(stack, 'AccessLogs'),
    lakeBucket: new s3.Bucket(stack, 'Lake', { encryptionKey: dataKey }),
    lakePrefix: 'lake/',
    resultsBucket: new s3.Bucket(stack, 'Results', { encryptionKey: dataKey }),
    workGroupName: 'iop-outcomes-dev',
    databaseName: 'iop_outcomes_dev',
    senderEmail: 'reports@iop.example.org',
    sesIdentity: 'iop.example.org',
    alarmTopic: new sns.Topic(stack, 'Alarms'),
    ...overrides,
  });
  return { app, stack, reports, template: Template.fromStack(stack) };
}

function policyStatements(template: Template): Record<string, unknown>[] {
  return Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
    (policy) => (policy as { Properties: { PolicyDocument: { Statement: Record<string, unknown>[] } } }).Properties.PolicyDocument.Statement,
  );
}

describe('Reports construct', () => {
  it('should schedule each funder on its own cron and time zone, on time, with retries and a dead-letter queue', () => {
    // Prepare / Act
    const { template } = synth();

    // Assess
    template.resourceCountIs('AWS::Scheduler::Schedule', 2);
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(0 7 10 1,4,7,10 ? *)',
      ScheduleExpressionTimezone: 'America/New_York',
      FlexibleTimeWindow: { Mode: 'OFF' },
      State: 'ENABLED',
      Target: {
        Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ReportsFunction'), 'Arn'] },
        Input: JSON.stringify({ funderId: 'state-sor' }),
        RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 21600 },
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ReportsDeadLetters'), 'Arn'] } },
      },
    });
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(0 8 5 * ? *)',
      ScheduleExpressionTimezone: 'America/Chicago',
      Target: Match.objectLike({ Input: JSON.stringify({ funderId: 'county-fund' }) }),
    });
    template.hasResourceProperties('AWS::SQS::Queue', { KmsMasterKeyId: Match.anyValue(), MessageRetentionPeriod: 1209600 });
  });

  it('should run the report Lambda on Node 24 with the profiles, bucket, workgroup and sender in its environment', () => {
    // Prepare / Act
    const { template } = synth();

    // Assess
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Timeout: 600,
      Environment: {
        Variables: Match.objectLike({
          REPORTS_PREFIX: 'reports/',
          ATHENA_WORKGROUP: 'iop-outcomes-dev',
          ATHENA_DATABASE: 'iop_outcomes_dev',
          REPORT_SENDER_EMAIL: 'reports@iop.example.org',
          REPORT_LINK_SECONDS: '43200',
          FUNDER_PROFILES: JSON.stringify(PROFILES),
          REPORT_TOPIC_ARN: { Ref: Match.stringLikeRegexp('^ReportsNotifications') },
        }),
      },
    });
  });

  it('should keep reports in a KMS-encrypted, TLS-only, private bucket', () => {
    // Prepare / Act
    const { template } = synth();

    // Assess
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: { ServerSideEncryptionConfiguration: [Match.objectLike({ ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: Match.anyValue() } })] },
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      LoggingConfiguration: { DestinationBucketName: Match.anyValue(), LogFilePrefix: 'reports/' },
    });
  });

  it('should grant only what a report needs: the workgroup, the catalog read, the reports prefix and one SES identity', () => {
    // Prepare / Act
    const statements = policyStatements(synth().template);
    const bySid = (sid: string) => statements.find((statement) => statement.Sid === sid);

    // Assess
    expect(bySid('QueryInTheWorkgroup')).toMatchObject({
      Action: ['athena:StartQueryExecution', 'athena:StopQueryExecution', 'athena:GetQueryExecution', 'athena:GetQueryResults', 'athena:GetWorkGroup'],
    });
    expect(JSON.stringify(bySid('QueryInTheWorkgroup')?.Resource)).toContain(':workgroup/iop-outcomes-dev');
    expect(bySid('ReadTheCatalog')?.Action).toEqual(['glue:GetDatabase', 'glue:GetTable', 'glue:GetTables', 'glue:GetPartition', 'glue:GetPartitions']);
    expect(bySid('SendReportMail')).toMatchObject({ Action: 'ses:SendEmail', Condition: { StringEquals: { 'ses:FromAddress': 'reports@iop.example.org' } } });
    expect(JSON.stringify(bySid('SendReportMail')?.Resource)).toContain(':identity/iop.example.org');
    const writes = statements.filter((statement) => JSON.stringify(statement.Action).includes('s3:PutObject'));
    const writeTargets = JSON.stringify(writes.map((statement) => statement.Resource));
    expect(writeTargets).toContain('/reports/*');
    expect(writeTargets).toContain('/results/*');
    expect(writeTargets).not.toContain('/lake/');
    expect(statements.some((statement) => statement.Action === 'sns:Publish')).toBe(true);
    expect(JSON.stringify(statements)).not.toMatch(/"(s3|athena|ses|glue):\*"/);
  });

  it('should alarm to the operators on a failed run and on anything in the dead-letter queue', () => {
    // Prepare / Act
    const { template } = synth();

    // Assess
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'Errors',
      Namespace: 'AWS/Lambda',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      AlarmActions: [{ Ref: Match.stringLikeRegexp('^Alarms') }],
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Namespace: 'AWS/SQS',
      Threshold: 1,
      AlarmActions: [{ Ref: Match.stringLikeRegexp('^Alarms') }],
    });
  });

  it('should refuse e-mail profiles without a sender, and invalid profiles, at synth time', () => {
    // Prepare / Act / Assess
    expect(() => synth({ senderEmail: undefined })).toThrow('pass senderEmail (a verified SES identity)');
    expect(() => synth({ profiles: [PROFILES[0], PROFILES[0]] })).toThrow('duplicate funder profile id "state-sor"');
  });

  it('should bundle the handler with its fonts and query files, and the deployed bundle itself should render non-Latin-1 text in the shipped fonts', () => {
    // Prepare
    const { app, template } = synth({}, true);
    const assembly = app.synth();
    const [fn] = Object.values(template.findResources('AWS::Lambda::Function', { Properties: { Handler: 'index.handler' } })) as { Properties: { Code: { S3Key: string } } }[];
    const assetDir = path.join(assembly.directory, `asset.${fn.Properties.Code.S3Key.replace(/\.zip$/, '')}`);
    const dir = mkdtempSync(path.join(tmpdir(), 'report-bundle-'));
    // Beyond Latin-1: ≥ – − Δ (the report's own), Latin Extended, Vietnamese, Greek, Cyrillic.
    const title = 'Fundacja Łódź — Quỹ Hà Nội';
    const paragraph = 'weeks with ≥ 9 h; Δ −3.2 pp (2.1–4.0); Ωμέγα; Привет, мир';
    const model = {
      funder: { id: 'f', name: title },
      period: { label: '2026-Q2', kind: 'quarter', start: '2026-04-01', end: '2026-06-30', asOf: '2026-06-30' },
      cohort: { from: '2025-07-01', to: '2026-06-30' },
      units: [{ id: 'all', label: 'All clinics' }],
      generatedAt: '2026-07-01T00:00:00.000Z',
      softwareVersion: '0',
      suppressionMaxCount: 10,
      sections: [
        {
          id: 'methods',
          title: 'Methods',
          blocks: [
            { type: 'paragraph', text: paragraph },
            { type: 'chart', chart: { type: 'bars', id: 'mix', title: 'Discharge mix', categories: ['Completed', 'Dropped out'], groups: [{ label: 'Network', values: [0.6, 0.4] }], note: 'Share of discharges.' } },
          ],
        },
      ],
    };

    try {
      // Act: the Lambda bundle as deployed (index.js beside its fonts/) loads outside the source tree and draws a PDF.
      const script = path.join(dir, 'run.cjs');
      writeFileSync(
        script,
        `require(${JSON.stringify(path.join(assetDir, 'index.js'))}).renderPdf(${JSON.stringify(model)})` +
          `.then((pdf) => require('fs').writeFileSync(${JSON.stringify(path.join(dir, 'out.pdf'))}, pdf))`,
      );
      const env: NodeJS.ProcessEnv = { ...process.env, AWS_REGION: 'us-east-1', NODE_PATH: path.join(ROOT, 'node_modules') };
      delete env.REPORT_FONT_DIR;
      execFileSync(process.execPath, [script], { cwd: tmpdir(), env });
      const text = execFileSync('pdftotext', ['-enc', 'UTF-8', path.join(dir, 'out.pdf'), '-']).toString('utf8');
      const fonts = execFileSync('pdffonts', [path.join(dir, 'out.pdf')]).toString('utf8');

      // Assess
      expect(existsSync(path.join(assetDir, 'fonts', 'DejaVuSans.ttf'))).toBe(true);
      expect(existsSync(path.join(assetDir, 'fonts', 'DejaVuSans-Bold.ttf'))).toBe(true);
      expect(existsSync(path.join(assetDir, 'fonts', 'LICENSE.txt'))).toBe(true);
      expect(readdirSync(path.join(assetDir, 'queries', 'metrics'))).toContain('outcomes.sql');
      expect(text).toContain(title);
      expect(text).toContain(paragraph);
      expect(text).toContain('Discharge mix');
      // Both DejaVu faces embedded as subset TrueType with a ToUnicode map; nothing else (no Helvetica).
      const embedded = fonts.split('\n').slice(2).filter((line) => line.trim() !== '');
      expect(embedded.map((line) => line.split(/\s+/)[0].replace(/^[A-Z]{6}\+/, '')).sort()).toEqual(['DejaVuSans', 'DejaVuSans-Bold']);
      for (const line of embedded) expect(line).toMatch(/CID TrueType\s+Identity-H\s+yes yes yes/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
