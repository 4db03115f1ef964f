/**
 * The clinics' edge: REST API `POST /v1/events` and `DELETE /v1/events/{eventId}`
 * behind a Lambda authorizer on `x-api-key`, the ingest Lambda, the pseudonym
 * secret, access logs and stage throttling. Grants are the minimum each handler uses.
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { API_KEY_HEADER, GATEWAY_MESSAGES } from '../lambdas/core/clinic-keys';
import { RUNTIME_ENV } from '../lambdas/core/runtime-env';
import { HandlerFunction } from './handler-function';
import type { StageConfig } from './stage-config';

export interface IngestApiProps {
  config: StageConfig;
  eventsTable: dynamodb.ITableV2;
  clinicKeysTable: dynamodb.ITableV2;
  dataKey: kms.IKey;
  logKey: kms.IKey;
}

export class IngestApi extends Construct {
  readonly api: apigateway.RestApi;
  readonly ingest: HandlerFunction;
  readonly authorizer: HandlerFunction;
  readonly pseudonymSecret: secretsmanager.Secret;
  readonly accessLogs: logs.LogGroup;

  constructor(scope: Construct, id: string, props: IngestApiProps) {
    super(scope, id);
    const { config, eventsTable, clinicKeysTable, dataKey, logKey } = props;
    const retain = config.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;

    // The HMAC key behind every client_key. Rotating it re-keys every client (docs/deploy.md), so it is never rotated automatically.
    this.pseudonymSecret = new secretsmanager.Secret(this, 'PseudonymSecret', {
      description: `${config.namePrefix}: HMAC-SHA256 key that pseudonymises clientId; do not rotate without re-keying the lake`,
      encryptionKey: dataKey,
      generateSecretString: { passwordLength: 64, excludePunctuation: true, includeSpace: false },
      removalPolicy: retain,
    });

    this.ingest = new HandlerFunction(this, 'Ingest', {
      config,
      entry: 'lambdas/ingest/handler.ts',
      description: 'Validates, pseudonymises and stores clinic events (POST/DELETE /v1/events)',
      logKey,
      memorySize: 512,
      timeout: Duration.seconds(20),
      reservedConcurrency: config.ingest.reservedConcurrency,
      environment: {
        POWERTOOLS_SERVICE_NAME: 'ingest',
        [RUNTIME_ENV.eventsTable]: eventsTable.tableName,
        [RUNTIME_ENV.pseudonymSecretArn]: this.pseudonymSecret.secretArn,
        [RUNTIME_ENV.maxEventsPerBatch]: String(config.ingest.maxEventsPerBatch),
        [RUNTIME_ENV.maxBodyBytes]: String(config.ingest.maxBodyBytes),
      },
    });
    // Conditional put (idempotent write), conditional delete (retraction), get (duplicate/stale check). Nothing else.
    // The base table only: the ingest path never reads an index.
    this.ingest.role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['dynamodb:PutItem', 'dynamodb:DeleteItem', 'dynamodb:GetItem'],
        resources: [eventsTable.tableArn],
      }),
    );
    dataKey.grantEncryptDecrypt(this.ingest.function);
    this.pseudonymSecret.grantRead(this.ingest.function);

    this.authorizer = new HandlerFunction(this, 'Authorizer', {
      config,
      entry: 'lambdas/authorizer/handler.ts',
      description: 'Maps an x-api-key to its clinic (SHA-256 lookup in the clinic-keys table)',
      logKey,
      memorySize: 256,
      timeout: Duration.seconds(5),
      reservedConcurrency: config.ingest.reservedConcurrency,
      environment: {
        POWERTOOLS_SERVICE_NAME: 'authorizer',
        [RUNTIME_ENV.clinicKeysTable]: clinicKeysTable.tableName,
      },
    });
    this.authorizer.role.addToPolicy(
      new iam.PolicyStatement({ actions: ['dynamodb:GetItem'], resources: [clinicKeysTable.tableArn] }),
    );
    dataKey.grantDecrypt(this.authorizer.function);

    this.accessLogs = new logs.LogGroup(this, 'AccessLogs', {
      encryptionKey: logKey,
      retention: config.logRetentionDays as logs.RetentionDays,
      removalPolicy: retain,
    });

    this.api = new apigateway.RestApi(this, 'Api', {
      restApiName: `${config.namePrefix}-ingest`,
      description: 'iop-outcomes ingest API (event contract v1)',
      endpointConfiguration: { types: [apigateway.EndpointType.REGIONAL] },
      // Execution logging needs the account-level CloudWatch role; keep it when a stage is deleted, other stages share it.
      cloudWatchRole: true,
      cloudWatchRoleRemovalPolicy: RemovalPolicy.RETAIN,
      deployOptions: {
        stageName: config.stage,
        accessLogDestination: new apigateway.LogGroupLogDestination(this.accessLogs),
        accessLogFormat: apigateway.AccessLogFormat.jsonWithStandardFields({
          caller: false,
          httpMethod: true,
          ip: true,
          protocol: true,
          requestTime: true,
          resourcePath: true,
          responseLength: true,
          status: true,
          user: false,
        }),
        // ERROR only, and never data traces: request bodies carry client ids before pseudonymisation.
        loggingLevel: apigateway.MethodLoggingLevel.ERROR,
        dataTraceEnabled: false,
        metricsEnabled: true,
        tracingEnabled: config.tracing,
        throttlingRateLimit: config.ingest.throttleRateLimit,
        throttlingBurstLimit: config.ingest.throttleBurstLimit,
      },
    });
    this.addJsonGatewayResponses();

    const authorizer = new apigateway.RequestAuthorizer(this, 'ClinicKeyAuthorizer', {
      handler: this.authorizer.function,
      identitySources: [apigateway.IdentitySource.header(API_KEY_HEADER)],
      resultsCacheTtl: Duration.seconds(config.ingest.authorizerCacheSeconds),
    });
    const validator = this.api.addRequestValidator('RequireApiKeyHeader', {
      validateRequestParameters: true,
      validateRequestBody: false, // the ingest handler validates bodies event by event and names each bad field
    });
    const methodOptions: apigateway.MethodOptions = {
      authorizer,
      authorizationType: apigateway.AuthorizationType.CUSTOM,
      requestValidator: validator,
      requestParameters: { [`method.request.header.${API_KEY_HEADER}`]: true },
    };
    const integration = new apigateway.LambdaIntegration(this.ingest.function, { proxy: true });
    const events = this.api.root.addResource('v1').addResource('events');
    events.addMethod('POST', integration, methodOptions);
    events.addResource('{eventId}').addMethod('DELETE', integration, {
      ...methodOptions,
      requestParameters: { ...methodOptions.requestParameters, 'method.request.path.eventId': true },
    });
  }

  /** API Gateway's own refusals answer in the same JSON shape as the handler, with Retry-After on 429. */
  private addJsonGatewayResponses(): void {
    const body = (message: string) => ({ 'application/json': `{"message":${message},"requestId":"$context.requestId"}` });
    const gatewayMessage = body('$context.error.messageString');
    const responses: [string, apigateway.ResponseType, string | undefined, Record<string, string>, Record<string, string>?][] = [
      ['Unauthorized', apigateway.ResponseType.UNAUTHORIZED, '401', body(JSON.stringify(GATEWAY_MESSAGES.unauthorized))],
      ['AccessDenied', apigateway.ResponseType.ACCESS_DENIED, '403', body(JSON.stringify(GATEWAY_MESSAGES.forbidden))],
      ['TooLarge', apigateway.ResponseType.REQUEST_TOO_LARGE, '413', gatewayMessage],
      ['Throttled', apigateway.ResponseType.THROTTLED, '429', gatewayMessage, { 'Retry-After': "'1'" }],
      // Other 4xx keep API Gateway's status code; only the body shape changes.
      ['Default4xx', apigateway.ResponseType.DEFAULT_4XX, undefined, gatewayMessage],
    ];
    for (const [id, type, statusCode, templates, responseHeaders] of responses) {
      this.api.addGatewayResponse(id, { type, statusCode, templates, responseHeaders });
    }
  }
}
