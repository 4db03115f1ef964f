import { Match } from 'aws-cdk-lib/assertions';
import { CLINIC_KEYS_TABLE_KEY } from '../../lambdas/core/clinic-keys';
import { EVENTS_TABLE_INDEXES, EVENTS_TABLE_KEY } from '../../lambdas/core/events-table';
import { resourceId, synthStack } from './support/synth';

describe('events tables', () => {
  const dev = synthStack('dev');
  const prod = synthStack('prod');
  const dataKey = resourceId(dev.template, 'AWS::KMS::Key', 'KeysData');

  it('should key the events table and its two indexes exactly as lambdas/core/events-table.ts says', () => {
    // Assess
    dev.template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      TableName: 'iop-outcomes-dev-events',
      KeySchema: [{ AttributeName: EVENTS_TABLE_KEY.partitionKey, KeyType: 'HASH' }],
      GlobalSecondaryIndexes: EVENTS_TABLE_INDEXES.map((index) => ({
        IndexName: index.indexName,
        KeySchema: [
          { AttributeName: index.partitionKey, KeyType: 'HASH' },
          { AttributeName: index.sortKey, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      })),
      BillingMode: 'PAY_PER_REQUEST',
    });
  });

  it('should stream NEW_AND_OLD_IMAGES, keep PITR and encrypt with the customer data key', () => {
    // Assess
    dev.template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      TableName: 'iop-outcomes-dev-events',
      StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' },
      SSESpecification: { SSEEnabled: true, SSEType: 'KMS' },
      Replicas: [
        Match.objectLike({
          Region: 'eu-west-1',
          PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
          SSESpecification: { KMSMasterKeyId: { 'Fn::GetAtt': [dataKey, 'Arn'] } },
        }),
      ],
    });
  });

  it('should key the clinic-keys table by the key hash, encrypted and recoverable, without a stream', () => {
    // Assess
    dev.template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      TableName: 'iop-outcomes-dev-clinic-keys',
      KeySchema: [{ AttributeName: CLINIC_KEYS_TABLE_KEY.partitionKey, KeyType: 'HASH' }],
      StreamSpecification: Match.absent(),
      Replicas: [Match.objectLike({ PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } })],
    });
  });

  it('should protect and retain both tables in prod but not in dev', () => {
    // Assess
    for (const name of ['iop-outcomes-prod-events', 'iop-outcomes-prod-clinic-keys']) {
      prod.template.hasResource('AWS::DynamoDB::GlobalTable', {
        Properties: Match.objectLike({ TableName: name, Replicas: [Match.objectLike({ DeletionProtectionEnabled: true })] }),
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
      });
    }
    dev.template.hasResource('AWS::DynamoDB::GlobalTable', {
      Properties: Match.objectLike({ TableName: 'iop-outcomes-dev-events', Replicas: [Match.objectLike({ DeletionProtectionEnabled: false })] }),
      DeletionPolicy: 'Delete',
    });
  });

  it('should back up both tables daily into a vault encrypted with the data key', () => {
    // Assess
    prod.template.hasResourceProperties('AWS::Backup::BackupVault', {
      EncryptionKeyArn: { 'Fn::GetAtt': [resourceId(prod.template, 'AWS::KMS::Key', 'KeysData'), 'Arn'] },
    });
    prod.template.hasResourceProperties('AWS::Backup::BackupPlan', {
      BackupPlan: { BackupPlanRule: [Match.objectLike({ ScheduleExpression: 'cron(0 3 * * ? *)', Lifecycle: { DeleteAfterDays: 35 } })] },
    });
    const selection = Object.values(prod.template.findResources('AWS::Backup::BackupSelection'))[0];
    const tableIds = Object.keys(prod.template.findResources('AWS::DynamoDB::GlobalTable'));
    expect(selection.Properties.BackupSelection.Resources).toEqual(tableIds.map((id) => ({ 'Fn::GetAtt': [id, 'Arn'] })));
  });
});
