import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { IopOutcomesStack } from '../../lib/iop-outcomes-stack';
import { loadStageConfig } from '../../lib/stage-config';
import { resourceId, synthStack } from './support/synth';

describe('monitoring', () => {
  const { template } = synthStack('dev');
  const topic = resourceId(template, 'AWS::SNS::Topic', 'MonitoringAlarms');
  const opsKey = resourceId(template, 'AWS::KMS::Key', 'KeysOperations');

  it('should send alarms to a KMS-encrypted, TLS-only topic with the configured e-mail subscribed', () => {
    // Assess
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: { 'Fn::GetAtt': [opsKey, 'Arn'] } });
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'ops@example.org', TopicArn: { Ref: topic } });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
  });

  it('should alarm on API 5xx, ingest errors and throttles, authorizer errors, lake delay, dead letters, quarantine, Athena, refresh, metrics API and report failures', () => {
    // Prepare
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')).map((alarm) => alarm.Properties);

    // Act
    const watched = alarms.map((alarm) => `${alarm.Namespace}/${alarm.MetricName}`).sort();

    // Assess
    expect(watched).toEqual(
      [
        'AWS/ApiGateway/5XXError',
        'AWS/Lambda/Errors', // ingest
        'AWS/Lambda/Throttles',
        'AWS/Lambda/Errors', // authorizer
        'AWS/Lambda/IteratorAge',
        'AWS/SQS/ApproximateNumberOfMessagesVisible',
        'AWS/Lambda/Errors', // stream-to-lake
        'iop-outcomes/dev/QuarantinedBatches',
        'AWS/Athena/TotalExecutionTime',
        'AWS/Lambda/Errors', // dashboard refresh
        'AWS/SQS/ApproximateNumberOfMessagesVisible', // refresh dead letters
        'AWS/Lambda/Errors', // metrics API
        'AWS/Lambda/Errors', // funder report
        'AWS/SQS/ApproximateNumberOfMessagesVisible', // report dead letters
      ].sort(),
    );
    for (const alarm of alarms) {
      expect(alarm.AlarmActions).toEqual([{ Ref: topic }]);
      expect(alarm.OKActions).toEqual([{ Ref: topic }]);
      expect(alarm.AlarmDescription.length).toBeGreaterThan(40);
    }
  });

  it('should not create an e-mail subscription when no alarm e-mail is configured', () => {
    // Prepare
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });

    // Act
    const stack = new IopOutcomesStack(app, 'quiet', { config: loadStageConfig('dev', { account: '123456789012', region: 'eu-west-1' }, {}), queries: { queryFiles: [], views: [] } });

    // Assess
    Template.fromStack(stack).resourceCountIs('AWS::SNS::Subscription', 0);
  });

  it('should publish one dashboard with the API, ingest, lake, Athena, refresh and report widgets', () => {
    // Assess
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    const body = JSON.stringify(Object.values(template.findResources('AWS::CloudWatch::Dashboard'))[0].Properties.DashboardBody);
    for (const title of ['Ingest API requests', 'Ingest Lambda', 'Lake delivery', 'Athena workgroup', 'Alarms', 'Dashboard refresh, metrics API and funder reports']) {
      expect(body).toContain(title);
    }
  });
});
