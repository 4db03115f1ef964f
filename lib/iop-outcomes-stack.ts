/**
 * One stack per stage. It only composes the constructs (ingest, lake, analytics, the
 * director dashboard with its refresh, funder reports, monitoring) and publishes the
 * outputs operators and the CLI need.
 */
import { Annotations, CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { Analytics, type AnalyticsProps, QUERY_RESULTS_PREFIX } from './analytics';
import { TableBackup } from './backup';
import { Dashboard } from './dashboard';
import { EventsTables } from './events-table';
import { IngestApi } from './ingest-api';
import { Keys } from './keys';
import { Lake } from './lake';
import { Monitoring } from './monitoring';
import { acknowledgeFindings } from './nag-acknowledgements';
import { Reports } from './reports';
import { ResearcherAccess } from './researcher-access';
import { AccessLogBucket } from './secure-bucket';
import type { StageConfig } from './stage-config';
import { DEFAULT_REPORTS_PREFIX } from '../lambdas/report/report-env';

/**
 * Feature flags the constructs rely on, set on the stack itself so that the same
 * behaviour holds under `cdk synth`, in tests and in any app that embeds the stack.
 */
export const FEATURE_FLAGS: Record<string, unknown> = {
  // Grant S3 log delivery through a bucket policy, not the legacy LogDeliveryWrite ACL (buckets enforce owner-only ACLs).
  '@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy': true,
};

export function applyFeatureFlags(scope: Construct): void {
  for (const [flag, value] of Object.entries(FEATURE_FLAGS)) scope.node.setContext(flag, value);
}

export interface IopOutcomesStackProps extends StackProps {
  config: StageConfig;
  /** Tests pass fixed query files and views; by default queries/ is read at synth time. */
  queries?: Pick<AnalyticsProps, 'queryFiles' | 'views'>;
}

export class IopOutcomesStack extends Stack {
  readonly config: StageConfig;
  readonly keys: Keys;
  readonly tables: EventsTables;
  readonly ingest: IngestApi;
  readonly lake: Lake;
  readonly analytics: Analytics;
  readonly dashboard: Dashboard;
  readonly reports: Reports;
  readonly monitoring: Monitoring;

  constructor(scope: Construct, id: string, props: IopOutcomesStackProps) {
    const { config } = props;
    super(scope, id, { ...props, env: config.env, description: `iop-outcomes (${config.stage}): ingest API, events table, Parquet lake, Athena, director dashboard, funder reports` });
    applyFeatureFlags(this);
    this.config = config;

    this.keys = new Keys(this, 'Keys', { config });
    const accessLogs = new AccessLogBucket(this, 'AccessLogs', { config }).bucket;
    this.tables = new EventsTables(this, 'Tables', { config, key: this.keys.data });
    new TableBackup(this, 'Backup', { config, key: this.keys.data, tables: [this.tables.events, this.tables.clinicKeys] });

    this.ingest = new IngestApi(this, 'Ingest', {
      config,
      eventsTable: this.tables.events,
      clinicKeysTable: this.tables.clinicKeys,
      dataKey: this.keys.data,
      logKey: this.keys.operations,
    });

    this.lake = new Lake(this, 'Lake', {
      config,
      eventsTable: this.tables.events,
      dataKey: this.keys.data,
      logKey: this.keys.operations,
      accessLogs,
    });

    this.analytics = new Analytics(this, 'Analytics', {
      config,
      lakeBucket: this.lake.bucket,
      lakePrefix: this.lake.lakePrefix,
      dataKey: this.keys.data,
      logKey: this.keys.operations,
      accessLogs,
      ...props.queries,
    });

    const researchers = new ResearcherAccess(this, 'Researchers', {
      config,
      workGroupName: this.analytics.workGroupName,
      databaseName: this.analytics.databaseName,
      lakeBucket: this.lake.bucket,
      lakePrefix: this.lake.lakePrefix,
      resultsBucket: this.analytics.resultsBucket,
      dataKey: this.keys.data,
    });

    // The materialised documents live beside the lake (metrics/), readable by the API only.
    this.dashboard = new Dashboard(this, 'Dashboard', {
      config,
      metricsBucket: this.lake.bucket,
      dataKey: this.keys.data,
      logKey: this.keys.operations,
      accessLogs,
      workGroupName: this.analytics.workGroupName,
      databaseName: this.analytics.databaseName,
      // The refresh queries exactly what a researcher may: workgroup, catalog read, lake read, results.
      queryPolicy: researchers.policy,
      queryResults: { bucket: this.analytics.resultsBucket, prefix: QUERY_RESULTS_PREFIX },
    });

    this.reports = new Reports(this, 'Reports', {
      config,
      profiles: config.reports.profiles,
      dataKey: this.keys.data,
      logKey: this.keys.operations,
      accessLogs,
      lakeBucket: this.lake.bucket,
      lakePrefix: this.lake.lakePrefix,
      resultsBucket: this.analytics.resultsBucket,
      workGroupName: this.analytics.workGroupName,
      databaseName: this.analytics.databaseName,
      senderEmail: config.reports.sender?.email,
      sesIdentity: config.reports.sender?.identity,
    });
    if (config.reports.mailRedirectedToTopic.length > 0) {
      Annotations.of(this.reports).addWarningV2(
        'iop-outcomes:reports-mail-redirected',
        `dev has no reportSender: funder profile(s) ${config.reports.mailRedirectedToTopic.join(', ')} publish to the report topic instead of e-mailing their recipients (pass -c reportSender=… to mail them)`,
      );
    }

    this.monitoring = new Monitoring(this, 'Monitoring', {
      config,
      key: this.keys.operations,
      api: this.ingest.api,
      ingestFunction: this.ingest.ingest.function,
      authorizerFunction: this.ingest.authorizer.function,
      streamToLakeFunction: this.lake.streamToLake.function,
      deadLetters: this.lake.deadLetters,
      workGroupName: this.analytics.workGroupName,
    });
    this.monitoring.watch(...this.lake.alarms, ...this.dashboard.alarms, ...this.reports.alarms);
    this.monitoring.graphFunctions('Dashboard refresh, metrics API and funder reports', [
      this.dashboard.refresh.function,
      this.dashboard.metricsApi.function,
      this.reports.function.function,
    ]);

    new CfnOutput(this, 'ApiUrl', { value: this.ingest.api.urlForPath('/v1/events'), description: 'POST clinic event batches here' });
    new CfnOutput(this, 'LakeBucket', { value: this.lake.bucket.bucketName });
    new CfnOutput(this, 'AthenaWorkGroup', { value: this.analytics.workGroupName });
    new CfnOutput(this, 'GlueDatabase', { value: this.analytics.databaseName });
    new CfnOutput(this, 'EventsTable', { value: this.tables.events.tableName });
    new CfnOutput(this, 'ClinicKeysTable', { value: this.tables.clinicKeys.tableName });
    new CfnOutput(this, 'PseudonymSecretArn', { value: this.ingest.pseudonymSecret.secretArn });
    new CfnOutput(this, 'ResearcherPolicyArn', {
      value: researchers.policy.managedPolicyArn,
      description: "Attach to researchers' IAM roles: Athena in this workgroup, read-only lake",
    });
    new CfnOutput(this, 'AlarmTopicArn', { value: this.monitoring.topic.topicArn });
    new CfnOutput(this, 'DashboardUrl', { value: this.dashboard.url, description: 'Clinic directors open this page and sign in (Cognito hosted UI)' });
    new CfnOutput(this, 'DirectorsUserPoolId', {
      value: this.dashboard.userPool.userPoolId,
      description: 'Invite directors here and add each to the group clinic:<clinicId> (docs/deploy.md)',
    });
    new CfnOutput(this, 'DirectorsSignInDomain', { value: this.dashboard.signInDomain.baseUrl(), description: 'Cognito hosted UI the dashboard signs in through' });
    new CfnOutput(this, 'MetricsApiUrl', {
      value: this.dashboard.api.urlForPath('/v1/dashboard'),
      description: 'Metrics API (Cognito ID token); the page reaches it through the dashboard URL at /v1/dashboard',
    });
    new CfnOutput(this, 'RefreshFunctionName', { value: this.dashboard.refresh.function.functionName, description: 'Invoke to refresh the dashboard now' });
    new CfnOutput(this, 'ReportsLocation', {
      value: `s3://${this.reports.bucket.bucketName}/${DEFAULT_REPORTS_PREFIX}`,
      description: 'Funder reports: <funderId>/<period>/report.pdf, csv/, manifest.json',
    });
    new CfnOutput(this, 'ReportFunctionName', {
      value: this.reports.function.function.functionName,
      description: 'Invoke with {"funderId": "…", "period": "2026-Q2"} to (re)send a report',
    });
    if (this.reports.notifications) {
      new CfnOutput(this, 'ReportTopicArn', { value: this.reports.notifications.topicArn, description: 'Subscribe the people of SNS-delivered funder profiles here' });
    }

    acknowledgeFindings(this, config);
  }
}
