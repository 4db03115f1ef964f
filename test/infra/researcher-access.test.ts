import { resourceId, synthStack } from './support/synth';

describe('researcher access', () => {
  const { template } = synthStack('dev');
  const policy = Object.values(template.findResources('AWS::IAM::ManagedPolicy'))[0];
  const statements: { Sid: string; Action: string | string[]; Resource: unknown; Condition?: unknown }[] = policy.Properties.PolicyDocument.Statement;
  const lakeBucket = resourceId(template, 'AWS::S3::Bucket', 'LakeBucket');
  const resultsBucket = resourceId(template, 'AWS::S3::Bucket', 'AnalyticsResultsBucket');

  it('should publish one named managed policy and its ARN as an output', () => {
    // Assess
    template.resourceCountIs('AWS::IAM::ManagedPolicy', 1);
    expect(policy.Properties.ManagedPolicyName).toBe('iop-outcomes-dev-researcher');
    template.hasOutput('ResearcherPolicyArn', { Value: { Ref: resourceId(template, 'AWS::IAM::ManagedPolicy', 'ResearchersPolicy') } });
  });

  it('should let researchers read lake objects under lake/ only, never the quarantine', () => {
    // Act
    const lakeReads = statements.filter((statement) => JSON.stringify(statement.Resource).includes(lakeBucket));

    // Assess
    expect(lakeReads.map((statement) => statement.Sid).sort()).toEqual(['ListTheLake', 'ReadTheLake']);
    expect(lakeReads.find((statement) => statement.Sid === 'ReadTheLake')).toEqual({
      Sid: 'ReadTheLake',
      Effect: 'Allow',
      Action: 's3:GetObject',
      Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [lakeBucket, 'Arn'] }, '/lake/*']] },
    });
    expect(JSON.stringify(statements)).not.toContain('quarantine');
    expect(lakeReads.flatMap((statement) => [statement.Action].flat())).not.toContain('s3:PutObject');
  });

  it('should confine Athena actions to the stage workgroup and results to results/', () => {
    // Assess
    const athena = statements.find((statement) => statement.Sid === 'QueryInTheWorkgroup')!;
    expect(athena.Resource).toEqual({
      'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':athena:eu-west-1:123456789012:workgroup/iop-outcomes-dev']],
    });
    const results = statements.find((statement) => statement.Sid === 'WriteAndReadQueryResults')!;
    expect(results.Resource).toEqual({ 'Fn::Join': ['', [{ 'Fn::GetAtt': [resultsBucket, 'Arn'] }, '/results/*']] });
    expect(statements.every((statement) => statement.Resource !== '*')).toBe(true);
  });
});
