/**
 * Operators hear of trouble before a funder does: an encrypted SNS alarm topic
 * (e-mail from the stage config), the edge alarms (API 5xx, ingest errors and
 * throttles), every other construct's alarms via `watch()`, and one dashboard.
 */
import { Duration } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { StageConfig } from './stage-config';

export interface MonitoringProps {
  config: StageConfig;
  key: kms.IKey;
  api: apigateway.RestApi;
  ingestFunction: lambda.IFunction;
  authorizerFunction: lambda.IFunction;
  streamToLakeFunction: lambda.IFunction;
  deadLetters: sqs.IQueue;
  workGroupName: string;
}

export class Monitoring extends Construct {
  readonly topic: sns.Topic;
  readonly dashboard: cloudwatch.Dashboard;
  readonly alarms: cloudwatch.Alarm[] = [];

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    const { config, api } = props;
    const period = Duration.minutes(5);

    this.topic = new sns.Topic(this, 'Alarms', {
      displayName: `${config.namePrefix} alarms`,
      masterKey: props.key,
      enforceSSL: true,
    });
    if (config.alarmEmail) this.topic.addSubscription(new subscriptions.EmailSubscription(config.alarmEmail));

    const athenaMetric = (metricName: string, statistic: string) =>
      new cloudwatch.Metric({
        namespace: 'AWS/Athena',
        metricName,
        dimensionsMap: { WorkGroup: props.workGroupName },
        statistic,
        period,
      });

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: config.namePrefix,
      defaultInterval: Duration.days(1),
    });
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Ingest API requests',
        left: [api.metricCount({ period }), api.metricClientError({ period }), api.metricServerError({ period })],
        right: [api.metricLatency({ period, statistic: 'p99' })],
      }),
      new cloudwatch.GraphWidget({
        title: 'Ingest Lambda',
        left: [props.ingestFunction.metricInvocations({ period }), props.ingestFunction.metricErrors({ period }), props.ingestFunction.metricThrottles({ period })],
        right: [props.ingestFunction.metricDuration({ period, statistic: 'p99' })],
      }),
      new cloudwatch.GraphWidget({
        title: 'Lake delivery',
        left: [props.streamToLakeFunction.metric('IteratorAge', { period, statistic: 'Maximum' })],
        right: [props.streamToLakeFunction.metricErrors({ period }), props.deadLetters.metricApproximateNumberOfMessagesVisible({ period })],
      }),
      new cloudwatch.GraphWidget({
        title: 'Athena workgroup',
        left: [athenaMetric('ProcessedBytes', 'Sum')],
        right: [athenaMetric('TotalExecutionTime', 'p90')],
      }),
    );

    this.watch(
      new cloudwatch.Alarm(this, 'AthenaFailures', {
        alarmDescription: 'Several Athena queries failed in the workgroup within 15 minutes (scan cutoff, a broken view after a deploy, or permissions).',
        metric: new cloudwatch.Metric({
          namespace: 'AWS/Athena',
          metricName: 'TotalExecutionTime',
          dimensionsMap: { WorkGroup: props.workGroupName, QueryState: 'FAILED', QueryType: 'DML' },
          statistic: 'SampleCount',
          period: Duration.minutes(15),
        }),
        threshold: 3,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
      new cloudwatch.Alarm(this, 'Api5xx', {
        alarmDescription: 'The ingest API answered 5xx: clinics cannot send data. Check the ingest Lambda logs.',
        metric: api.metricServerError({ period, statistic: 'Sum' }),
        threshold: 0,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
      new cloudwatch.Alarm(this, 'IngestErrors', {
        alarmDescription: 'The ingest Lambda failed (a bug or a DynamoDB outage; client mistakes are 4xx, never errors).',
        metric: props.ingestFunction.metricErrors({ period }),
        threshold: 0,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
      new cloudwatch.Alarm(this, 'IngestThrottles', {
        alarmDescription: 'The ingest Lambda was throttled: raise its reserved concurrency or the account limit.',
        metric: props.ingestFunction.metricThrottles({ period }),
        threshold: 0,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
      new cloudwatch.Alarm(this, 'AuthorizerErrors', {
        alarmDescription: 'The API key authorizer failed: every clinic is locked out. Check the clinic-keys table and the authorizer logs.',
        metric: props.authorizerFunction.metricErrors({ period }),
        threshold: 0,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
    );
  }

  /** One dashboard row for scheduled or user-facing Lambdas: runs and errors on the left, p99 duration on the right. */
  graphFunctions(title: string, functions: lambda.IFunction[]): void {
    const period = Duration.minutes(5);
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title,
        width: 24,
        left: functions.flatMap((fn) => [fn.metricInvocations({ period }), fn.metricErrors({ period })]),
        right: functions.map((fn) => fn.metricDuration({ period, statistic: 'p99' })),
      }),
    );
  }

  /** Sends these alarms to the topic and lists them on the dashboard; later constructs (refresh, reports) call it too. */
  watch(...alarms: cloudwatch.Alarm[]): void {
    for (const alarm of alarms) {
      alarm.addAlarmAction(new actions.SnsAction(this.topic));
      alarm.addOkAction(new actions.SnsAction(this.topic));
      this.alarms.push(alarm);
    }
    this.dashboard.addWidgets(new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms, width: 24 }));
  }
}
