import { Match } from 'aws-cdk-lib/assertions';
import { GATEWAY_MESSAGES } from '../../lambdas/core/clinic-keys';
import { RUNTIME_ENV } from '../../lambdas/core/runtime-env';
import { resourceId, synthStack } from './support/synth';

describe('ingest API', () => {
  const { template } = synthStack('dev');
  const prod = synthStack('prod');
  const authorizerId = resourceId(template, 'AWS::ApiGateway::Authorizer', 'IngestClinicKeyAuthorizer');
  const ingestFunction = resourceId(template, 'AWS::Lambda::Function', 'IngestFunction');
  const eventsTable = resourceId(template, 'AWS::DynamoDB::GlobalTable', 'TablesEvents');
  const clinicKeysTable = resourceId(template, 'AWS::DynamoDB::GlobalTable', 'TablesClinicKeys');
  const dataKey = resourceId(template, 'AWS::KMS::Key', 'KeysData');
  const secret = resourceId(template, 'AWS::SecretsManager::Secret', 'IngestPseudonymSecret');
  const policyOf = (prefix: string) => template.findResources('AWS::IAM::Policy')[resourceId(template, 'AWS::IAM::Policy', prefix)];

  it('should expose exactly POST /v1/events and DELETE /v1/events/{eventId}, both behind the key authorizer', () => {
    // Assess
    const ingestApi = resourceId(template, 'AWS::ApiGateway::RestApi', 'IngestApi');
    // The stack also holds the dashboard's metrics API; only the ingest API's methods count here.
    const methods = Object.values(template.findResources('AWS::ApiGateway::Method')).filter((method) => method.Properties.RestApiId.Ref === ingestApi);
    expect(methods.map((method) => method.Properties.HttpMethod).sort()).toEqual(['DELETE', 'POST']);
    for (const method of methods) {
      expect(method.Properties).toMatchObject({
        AuthorizationType: 'CUSTOM',
        AuthorizerId: { Ref: authorizerId },
        Integration: { Type: 'AWS_PROXY' },
        RequestParameters: expect.objectContaining({ 'method.request.header.x-api-key': true }),
      });
    }
    template.hasResourceProperties('AWS::ApiGateway::Resource', { PathPart: '{eventId}' });
  });

  it('should authorize with a REQUEST authorizer on x-api-key whose decisions are cached', () => {
    // Assess
    template.hasResourceProperties('AWS::ApiGateway::Authorizer', {
      Type: 'REQUEST',
      IdentitySource: 'method.request.header.x-api-key',
      AuthorizerResultTtlInSeconds: 300,
    });
  });

  it('should run the ingest handler on Node 24 ARM with the environment the handler reads', () => {
    // Assess
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      Environment: {
        Variables: {
          [RUNTIME_ENV.eventsTable]: { Ref: eventsTable },
          [RUNTIME_ENV.pseudonymSecretArn]: { Ref: secret },
          [RUNTIME_ENV.maxEventsPerBatch]: '500',
          [RUNTIME_ENV.maxBodyBytes]: '1000000',
          NODE_OPTIONS: '--enable-source-maps',
          POWERTOOLS_SERVICE_NAME: 'ingest',
        },
      },
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ [RUNTIME_ENV.clinicKeysTable]: { Ref: clinicKeysTable } }) },
    });
  });

  it('should let the ingest Lambda put, delete and get items of the events table and nothing else there', () => {
    // Assess
    const statements = policyOf('IngestRoleDefaultPolicy').Properties.PolicyDocument.Statement;
    const dynamo = statements.filter((statement: { Action: string | string[] }) => [statement.Action].flat().some((action) => action.startsWith('dynamodb:')));
    expect(dynamo).toEqual([
      { Action: ['dynamodb:PutItem', 'dynamodb:DeleteItem', 'dynamodb:GetItem'], Effect: 'Allow', Resource: { 'Fn::GetAtt': [eventsTable, 'Arn'] } },
    ]);
    expect(statements).toContainEqual({
      Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
      Effect: 'Allow',
      Resource: { Ref: secret },
    });
  });

  it('should let the authorizer only get items of the clinic-keys table', () => {
    // Assess
    const statements = policyOf('IngestAuthorizerRoleDefaultPolicy').Properties.PolicyDocument.Statement;
    expect(statements).toContainEqual({ Action: 'dynamodb:GetItem', Effect: 'Allow', Resource: { 'Fn::GetAtt': [clinicKeysTable, 'Arn'] } });
    expect(statements).toContainEqual({ Action: 'kms:Decrypt', Effect: 'Allow', Resource: { 'Fn::GetAtt': [dataKey, 'Arn'] } });
    const actions = statements.flatMap((statement: { Action: string | string[] }) => [statement.Action].flat());
    expect(actions.filter((action: string) => action.startsWith('dynamodb:'))).toEqual(['dynamodb:GetItem']);
    expect(actions.some((action: string) => action.startsWith('secretsmanager:'))).toBe(false);
  });

  it('should throttle the stage, log access as JSON to an encrypted group and never log request bodies', () => {
    // Assess
    const accessLogs = resourceId(template, 'AWS::Logs::LogGroup', 'IngestAccessLogs');
    template.hasResourceProperties('AWS::ApiGateway::Stage', {
      StageName: 'dev',
      TracingEnabled: true,
      AccessLogSetting: { DestinationArn: { 'Fn::GetAtt': [accessLogs, 'Arn'] }, Format: Match.stringLikeRegexp('"requestId":"\\$context.requestId"') },
      MethodSettings: [
        { HttpMethod: '*', ResourcePath: '/*', LoggingLevel: 'ERROR', DataTraceEnabled: false, MetricsEnabled: true, ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 },
      ],
    });
    prod.template.hasResourceProperties('AWS::ApiGateway::Stage', {
      StageName: 'prod',
      MethodSettings: [Match.objectLike({ ThrottlingRateLimit: 100, ThrottlingBurstLimit: 200 })],
    });
  });

  it('should answer throttling with 429 and Retry-After, and oversize bodies with 413, in JSON', () => {
    // Assess
    template.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
      ResponseType: 'THROTTLED',
      StatusCode: '429',
      ResponseParameters: { 'gatewayresponse.header.Retry-After': "'1'" },
      ResponseTemplates: { 'application/json': Match.stringLikeRegexp('messageString') },
    });
    template.hasResourceProperties('AWS::ApiGateway::GatewayResponse', { ResponseType: 'REQUEST_TOO_LARGE', StatusCode: '413' });
    template.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
      ResponseType: 'UNAUTHORIZED',
      StatusCode: '401',
      ResponseTemplates: { 'application/json': `{"message":${JSON.stringify(GATEWAY_MESSAGES.unauthorized)},"requestId":"$context.requestId"}` },
    });
    template.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
      ResponseType: 'ACCESS_DENIED',
      StatusCode: '403',
      ResponseTemplates: { 'application/json': Match.stringLikeRegexp('unknown or disabled') },
    });
    template.hasResourceProperties('AWS::ApiGateway::GatewayResponse', { ResponseType: 'DEFAULT_4XX', StatusCode: Match.absent() });
  });

  it('should generate the pseudonym secret encrypted with the data key and reserve concurrency in prod', () => {
    // Assess
    template.hasResourceProperties('AWS::SecretsManager::Secret', {
      KmsKeyId: { 'Fn::GetAtt': [dataKey, 'Arn'] },
      GenerateSecretString: { PasswordLength: 64, ExcludePunctuation: true, IncludeSpace: false },
    });
    prod.template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ POWERTOOLS_SERVICE_NAME: 'ingest' }) },
      ReservedConcurrentExecutions: 50,
    });
    expect(template.findResources('AWS::Lambda::Function')[ingestFunction].Properties.ReservedConcurrentExecutions).toBeUndefined();
  });
});
