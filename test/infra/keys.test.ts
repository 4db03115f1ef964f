import { Match } from 'aws-cdk-lib/assertions';
import { synthStack } from './support/synth';

describe('keys', () => {
  const dev = synthStack('dev');
  const prod = synthStack('prod');

  it('should create two customer keys, both rotated yearly', () => {
    // Assess
    dev.template.resourceCountIs('AWS::KMS::Key', 2);
    dev.template.allResourcesProperties('AWS::KMS::Key', { EnableKeyRotation: true, RotationPeriodInDays: 365 });
  });

  it('should let CloudWatch Logs of this account and region only use the operations key', () => {
    // Assess
    dev.template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Sid: 'AllowCloudWatchLogsOfThisAccount',
            Principal: { Service: 'logs.eu-west-1.amazonaws.com' },
            Condition: {
              ArnLike: {
                'kms:EncryptionContext:aws:logs:arn': { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':logs:eu-west-1:123456789012:log-group:*']] },
              },
            },
          }),
        ]),
      },
    });
  });

  it('should retain keys in prod and schedule their deletion in dev', () => {
    // Assess
    prod.template.allResources('AWS::KMS::Key', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    dev.template.allResources('AWS::KMS::Key', { DeletionPolicy: 'Delete' });
  });

  it('should encrypt every log group with the operations key and give it a retention', () => {
    // Assess
    const opsKey = Object.keys(prod.template.findResources('AWS::KMS::Key')).find((id) => id.startsWith('KeysOperations'));
    prod.template.allResourcesProperties('AWS::Logs::LogGroup', { KmsKeyId: { 'Fn::GetAtt': [opsKey, 'Arn'] }, RetentionInDays: 365 });
  });
});
