/**
 * The clinic director dashboard in AWS: the static site (private S3 + CloudFront with
 * OAC and security headers), a Cognito user pool with one group per clinic, the metrics
 * API (API Gateway + Cognito authorizer → read-only metrics Lambda) and the refresh
 * Lambda on an EventBridge Scheduler schedule with retries and a dead-letter queue.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { Duration, RemovalPolicy, Stack, TimeZone } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambdaDestinations from 'aws-cdk-lib/aws-lambda-destinations';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3deploy from 'aws-cdk-lib/aws-s3-deployment';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as schedulerTargets from 'aws-cdk-lib/aws-scheduler-targets';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { REFRESH_DATABASE_INFIX } from '../lambdas/adapters/athena-engine';
import { CLINIC_GROUP_PREFIX } from '../lambdas/core/dashboard-view';
import { METRICS_PREFIX } from '../lambdas/core/metrics-document';
import { RUNTIME_ENV } from '../lambdas/core/runtime-env';
import { HandlerFunction, PROJECT_ROOT } from './handler-function';
import { schedulerRole } from './scheduler-role';
import type { StageConfig } from './stage-config';

export interface DashboardProps {
  config: StageConfig;
  /** Bucket holding the `metrics/` prefix (the lake bucket): refresh writes it, the API only reads it. */
  metricsBucket: s3.IBucket;
  /** Key the metrics bucket encrypts with. */
  dataKey: kms.IKey;
  logKey: kms.IKey;
  /** Server access logs of the site bucket go here. */
  accessLogs: s3.IBucket;
  /** Athena workgroup and Glue database the refresh runs the metric SQL in. */
  workGroupName: string;
  databaseName: string;
  /** Lets the refresh query: workgroup, catalog, lake read, query results (the researcher policy fits). */
  queryPolicy: iam.IManagedPolicy;
  /**
   * The workgroup's query results location. The workgroup enforces it, so the refresh's
   * per-refresh CTAS snapshot lands under `<prefix>tables/<query id>/` there (docs/adr/0122);
   * the refresh deletes it, and a 1-day lifecycle rule on that prefix is the backstop.
   */
  queryResults: { bucket: s3.Bucket; prefix: string };
  /** Clinics whose directors sign in; one Cognito group `clinic:<id>` each; default the stage's `dashboard.clinicIds`. */
  clinicIds?: string[];
  /** Refresh schedule; default the stage's `refresh` schedule and time zone. */
  schedule?: { expression: string; timeZone?: string };
  /** Hosted UI domain prefix (globally unique per region); default the stage's `dashboard.cognitoDomainPrefix`. */
  cognitoDomainPrefix?: string;
  /** Extra sign-in callback URLs (a custom domain); the CloudFront URL is always allowed. */
  callbackUrls?: string[];
  /** Cognito threat protection (Plus feature plan, billed per user). Default the stage's `dashboard.threatProtection`. */
  threatProtection?: boolean;
  /** Folder of the static site; default dashboard/. */
  siteDir?: string;
}

/** The page's Content-Security-Policy: only this origin, plus the Cognito domain for the token exchange. */
export function contentSecurityPolicy(connectSources: string[] = []): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    `connect-src 'self' ${connectSources.join(' ')}`.trim(),
    "frame-ancestors 'none'",
    "base-uri 'self'",
    "form-action 'self'",
  ].join('; ');
}

export class Dashboard extends Construct {
  readonly siteBucket: s3.Bucket;
  /** CloudFront viewer (standard) logs of the page and the /v1 API. */
  readonly viewerLogs: s3.Bucket;
  readonly distribution: cloudfront.Distribution;
  readonly userPool: cognito.UserPool;
  readonly userPoolClient: cognito.UserPoolClient;
  readonly api: apigateway.RestApi;
  readonly metricsApi: HandlerFunction;
  readonly refresh: HandlerFunction;
  readonly refreshDeadLetters: sqs.Queue;
  readonly schedule: scheduler.Schedule;
  /** Cognito hosted UI (sign-in) domain. */
  readonly signInDomain: cognito.UserPoolDomain;
  /** The page, `https://<distribution>/`. */
  readonly url: string;
  readonly refreshErrorsAlarm: cloudwatch.Alarm;
  readonly refreshDeadLetterAlarm: cloudwatch.Alarm;
  readonly metricsApiErrorsAlarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: DashboardProps) {
    super(scope, id);
    const { config } = props;
    const retain = config.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
    const siteDir = props.siteDir ?? path.join(PROJECT_ROOT, 'dashboard');
    const metricsObjects = props.metricsBucket.arnForObjects(`${METRICS_PREFIX}*`);
    const threatProtection = props.threatProtection ?? config.dashboard.threatProtection;

    // ── the Lambdas ─────────────────────────────────────────────────────────
    const metricsEnvironment = { [RUNTIME_ENV.metricsBucket]: props.metricsBucket.bucketName, [RUNTIME_ENV.metricsPrefix]: METRICS_PREFIX };
    this.metricsApi = new HandlerFunction(this, 'MetricsApi', {
      config,
      entry: 'lambdas/metrics-api/handler.ts',
      description: 'Serves materialised dashboard metrics to clinic directors (read-only; never runs a query)',
      logKey: props.logKey,
      memorySize: 512,
      timeout: Duration.seconds(10),
      reservedConcurrency: config.dashboard.metricsApiReservedConcurrency,
      environment: metricsEnvironment,
    });
    this.metricsApi.role.addToPolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [metricsObjects] }));
    props.dataKey.grantDecrypt(this.metricsApi.function);

    this.refresh = new HandlerFunction(this, 'Refresh', {
      config,
      entry: 'lambdas/refresh/handler.ts',
      description: 'Runs every metric query on Athena and materialises the dashboard documents under metrics/',
      logKey: props.logKey,
      memorySize: 1024,
      timeout: Duration.minutes(15),
      reservedConcurrency: config.refresh.reservedConcurrency,
      environment: {
        ...metricsEnvironment,
        [RUNTIME_ENV.athenaWorkGroup]: props.workGroupName,
        [RUNTIME_ENV.athenaDatabase]: props.databaseName,
        [RUNTIME_ENV.athenaResultsLocation]: `s3://${props.queryResults.bucket.bucketName}/${props.queryResults.prefix}`,
        [RUNTIME_ENV.queriesDir]: '/var/task/queries',
      },
      // The refresh reads the metric SQL at run time (loadQuery), so queries/ ships inside the bundle.
      commandHooks: {
        beforeBundling: () => [],
        beforeInstall: () => [],
        afterBundling: (inputDir: string, outputDir: string) => [`cp -R "${path.join(inputDir, 'queries')}" "${path.join(outputDir, 'queries')}"`],
      },
    });
    this.refresh.role.addManagedPolicy(props.queryPolicy);
    this.refresh.role.addToPolicy(new iam.PolicyStatement({ actions: ['s3:PutObject'], resources: [metricsObjects] }));
    // Writes KMS-encrypted documents (bucket key) and reads them back: no re-encryption rights needed.
    props.dataKey.grant(this.refresh.function, 'kms:GenerateDataKey', 'kms:Decrypt');
    this.grantRefreshSnapshot(props);

    // ── schedule: retries, then a dead-letter queue an alarm can watch ───────
    this.refreshDeadLetters = new sqs.Queue(this, 'RefreshDeadLetters', {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: props.dataKey,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    // Scheduler invokes asynchronously: failures inside the function go through Lambda's own retries.
    this.refresh.function.configureAsyncInvoke({
      retryAttempts: 1,
      maxEventAge: Duration.hours(1),
      onFailure: new lambdaDestinations.SqsDestination(this.refreshDeadLetters),
    });
    const expression = props.schedule?.expression ?? config.refresh.scheduleExpression;
    this.schedule = new scheduler.Schedule(this, 'RefreshSchedule', {
      description: `${config.namePrefix}: materialise dashboard metrics`,
      schedule: scheduler.ScheduleExpression.expression(expression, TimeZone.of(props.schedule?.timeZone ?? (props.schedule ? 'UTC' : config.refresh.timeZone))),
      target: new schedulerTargets.LambdaInvoke(this.refresh.function, {
        role: schedulerRole(this, 'RefreshScheduleRole', { description: `${config.namePrefix}: invoke the dashboard refresh`, deadLetterKey: props.dataKey }),
        input: scheduler.ScheduleTargetInput.fromObject({}),
        retryAttempts: 3,
        maxEventAge: Duration.hours(1),
        deadLetterQueue: this.refreshDeadLetters,
      }),
    });

    // ── directors: Cognito user pool, one group per clinic ──────────────────
    this.userPool = new cognito.UserPool(this, 'Directors', {
      userPoolName: `${config.namePrefix}-directors`,
      selfSignUpEnabled: false, // administrators invite directors and put them in their clinic's group
      signInAliases: { email: true },
      passwordPolicy: { minLength: 12, requireDigits: true, requireLowercase: true, requireUppercase: true, requireSymbols: true, tempPasswordValidity: Duration.days(3) },
      mfa: config.stage === 'prod' ? cognito.Mfa.REQUIRED : cognito.Mfa.OPTIONAL,
      mfaSecondFactor: { otp: true, sms: false },
      accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
      featurePlan: threatProtection ? cognito.FeaturePlan.PLUS : cognito.FeaturePlan.ESSENTIALS,
      standardThreatProtectionMode: threatProtection ? cognito.StandardThreatProtectionMode.FULL_FUNCTION : undefined,
      deletionProtection: config.retainData,
      removalPolicy: retain,
    });
    for (const clinicId of props.clinicIds ?? config.dashboard.clinicIds) {
      new cognito.UserPoolGroup(this, `Clinic-${clinicId}`, {
        userPool: this.userPool,
        groupName: `${CLINIC_GROUP_PREFIX}${clinicId}`,
        description: `Directors of clinic ${clinicId}: see its dashboard and the suppressed network view`,
      });
    }
    const domain = this.userPool.addDomain('HostedUi', { cognitoDomain: { domainPrefix: props.cognitoDomainPrefix ?? config.dashboard.cognitoDomainPrefix } });
    this.signInDomain = domain;

    // ── the metrics API behind the Cognito authorizer ───────────────────────
    const accessLogs = new logs.LogGroup(this, 'ApiAccessLogs', {
      encryptionKey: props.logKey,
      retention: config.logRetentionDays as logs.RetentionDays,
      removalPolicy: retain,
    });
    this.api = new apigateway.RestApi(this, 'Api', {
      restApiName: `${config.namePrefix}-metrics`,
      description: 'iop-outcomes dashboard metrics API (materialised documents, per-clinic access)',
      endpointConfiguration: { types: [apigateway.EndpointType.REGIONAL] },
      // The account-level CloudWatch role is set up once per account by the ingest API.
      cloudWatchRole: false,
      deployOptions: {
        stageName: config.stage,
        accessLogDestination: new apigateway.LogGroupLogDestination(accessLogs),
        accessLogFormat: apigateway.AccessLogFormat.jsonWithStandardFields({
          caller: false, httpMethod: true, ip: true, protocol: true, requestTime: true, resourcePath: true, responseLength: true, status: true, user: true,
        }),
        loggingLevel: apigateway.MethodLoggingLevel.ERROR,
        dataTraceEnabled: false,
        metricsEnabled: true,
        tracingEnabled: config.tracing,
        throttlingRateLimit: 20,
        throttlingBurstLimit: 40,
      },
    });
    const authorizer = new apigateway.CognitoUserPoolsAuthorizer(this, 'DirectorAuthorizer', {
      cognitoUserPools: [this.userPool],
      resultsCacheTtl: Duration.minutes(5),
    });
    const integration = new apigateway.LambdaIntegration(this.metricsApi.function, { proxy: true });
    const validator = this.api.addRequestValidator('ValidateParameters', { validateRequestParameters: true, validateRequestBody: false });
    const methodOptions: apigateway.MethodOptions = { authorizer, authorizationType: apigateway.AuthorizationType.COGNITO, requestValidator: validator };
    const dashboardResource = this.api.root.addResource('v1').addResource('dashboard');
    dashboardResource.addMethod('GET', integration, {
      ...methodOptions,
      // Declared (all optional) so the API documents them; the handler checks their values.
      requestParameters: Object.fromEntries(['clinic', 'program', 'cohort'].map((name) => [`method.request.querystring.${name}`, false])),
    });
    dashboardResource.addResource('index').addMethod('GET', integration, methodOptions);

    // ── the static site: private bucket, CloudFront with OAC, same-origin /v1/* ──
    this.siteBucket = new s3.Bucket(this, 'Site', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      versioned: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: props.accessLogs,
      serverAccessLogsPrefix: 'dashboard-site/',
      lifecycleRules: [{ id: 'expire-old-site-versions', noncurrentVersionExpiration: Duration.days(30) }],
      removalPolicy: RemovalPolicy.DESTROY, // the site is rebuilt from the repository on every deploy
      autoDeleteObjects: true,
    });
    // CloudFront standard logs need a bucket with ACLs (the shared access-log bucket enforces owner-only).
    this.viewerLogs = new s3.Bucket(this, 'ViewerLogs', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      versioned: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
      serverAccessLogsBucket: props.accessLogs,
      serverAccessLogsPrefix: 'dashboard-viewer-logs/',
      lifecycleRules: [{ id: 'expire-viewer-logs', expiration: Duration.days(config.logRetentionDays), noncurrentVersionExpiration: Duration.days(1) }],
      removalPolicy: retain,
      autoDeleteObjects: !config.retainData,
    });
    const cognitoOrigin = domain.baseUrl();
    const headers = new cloudfront.ResponseHeadersPolicy(this, 'SecurityHeaders', {
      comment: 'iop-outcomes dashboard: CSP, HSTS, no framing, no sniffing, no referrer',
      securityHeadersBehavior: {
        contentSecurityPolicy: { contentSecurityPolicy: contentSecurityPolicy([cognitoOrigin]), override: true },
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: cloudfront.HeadersFrameOption.DENY, override: true },
        referrerPolicy: { referrerPolicy: cloudfront.HeadersReferrerPolicy.NO_REFERRER, override: true },
        strictTransportSecurity: { accessControlMaxAge: Duration.days(365), includeSubdomains: true, override: true },
      },
    });
    this.distribution = new cloudfront.Distribution(this, 'Distribution', {
      comment: `${config.namePrefix} clinic director dashboard`,
      defaultRootObject: 'index.html',
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
      enableLogging: true,
      logBucket: this.viewerLogs,
      logFilePrefix: 'dashboard/',
      logIncludesCookies: false,
      defaultBehavior: {
        origin: origins.S3BucketOrigin.withOriginAccessControl(this.siteBucket),
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        responseHeadersPolicy: headers,
        cachePolicy: cloudfront.CachePolicy.CACHING_OPTIMIZED,
      },
      additionalBehaviors: {
        // Same origin for the API: the page's CSP stays connect-src 'self' and no CORS is needed.
        '/v1/*': {
          origin: new origins.RestApiOrigin(this.api),
          viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
          allowedMethods: cloudfront.AllowedMethods.ALLOW_GET_HEAD_OPTIONS,
          // Per-director answers are never cached at the edge; with caching off this policy forwards Authorization.
          cachePolicy: cloudfront.CachePolicy.CACHING_DISABLED,
          originRequestPolicy: cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
          responseHeadersPolicy: headers,
        },
      },
    });
    const siteUrl = `https://${this.distribution.distributionDomainName}/`;
    this.url = siteUrl;

    this.userPoolClient = this.userPool.addClient('DashboardClient', {
      generateSecret: false, // a browser app: authorization code with PKCE
      authFlows: { userSrp: true },
      oAuth: {
        flows: { authorizationCodeGrant: true },
        scopes: [cognito.OAuthScope.OPENID, cognito.OAuthScope.EMAIL],
        callbackUrls: [siteUrl, ...(props.callbackUrls ?? [])],
        logoutUrls: [siteUrl, ...(props.callbackUrls ?? [])],
      },
      preventUserExistenceErrors: true,
      idTokenValidity: Duration.hours(1),
      accessTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.hours(12),
    });

    new s3deploy.BucketDeployment(this, 'SiteContent', {
      destinationBucket: this.siteBucket,
      sources: [
        s3deploy.Source.asset(siteDir, { exclude: ['config.json'] }),
        s3deploy.Source.jsonData('config.json', {
          auth: { mode: 'cognito', domain: cognitoOrigin, clientId: this.userPoolClient.userPoolClientId, redirectUri: siteUrl },
          apiBase: '',
        }),
        // The definitions page renders the same docs/metrics.md the repository holds.
        s3deploy.Source.data('docs/metrics.md', readMetricsDoc()),
      ],
      distribution: this.distribution,
      distributionPaths: ['/*'],
      prune: true,
    });

    // ── alarms: a stale dashboard or a failing API must reach the operators ──
    this.refreshErrorsAlarm = new cloudwatch.Alarm(this, 'RefreshErrorsAlarm', {
      alarmDescription: 'A dashboard refresh failed (Lambda retries once, then the event goes to the dead-letter queue); directors see the previous documents. See the refresh logs.',
      metric: this.refresh.function.metricErrors({ period: Duration.minutes(15), statistic: 'Sum' }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.refreshDeadLetterAlarm = new cloudwatch.Alarm(this, 'RefreshDeadLetterAlarm', {
      alarmDescription: 'A dashboard refresh gave up after its retries (event in the refresh dead-letter queue): the dashboard is stale until the next run succeeds.',
      metric: this.refreshDeadLetters.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: 'Maximum' }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    // Refusals (401/403/404) are answers, not failures; only the Lambda's own errors page someone.
    this.metricsApiErrorsAlarm = new cloudwatch.Alarm(this, 'MetricsApiErrorsAlarm', {
      alarmDescription: 'The dashboard metrics API Lambda failed: directors get errors instead of their metrics. Check the metrics-api logs and the metrics/ documents.',
      metric: this.metricsApi.function.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' }),
      threshold: 3,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
  }

  /**
   * The per-refresh CTAS snapshot (docs/adr/0122): create and drop Glue databases named
   * `<lake db>_refresh_*` and their tables/views only, and delete the CTAS files under the
   * results location's `tables/` (Athena writes them as the caller, with the workgroup's KMS
   * encryption; the query policy already lets the refresh write and read `results/`).
   */
  private grantRefreshSnapshot(props: DashboardProps): void {
    const stack = Stack.of(this);
    const refreshDatabases = `${props.databaseName}${REFRESH_DATABASE_INFIX}*`;
    const snapshotPrefix = `${props.queryResults.prefix}tables/`;
    this.refresh.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'RefreshSnapshotCatalog',
        actions: ['glue:CreateDatabase', 'glue:DeleteDatabase', 'glue:GetDatabase', 'glue:CreateTable', 'glue:DeleteTable', 'glue:BatchDeleteTable', 'glue:GetTable', 'glue:GetTables'],
        resources: [
          stack.formatArn({ service: 'glue', resource: 'catalog' }),
          stack.formatArn({ service: 'glue', resource: 'database', resourceName: refreshDatabases }),
          stack.formatArn({ service: 'glue', resource: 'table', resourceName: `${refreshDatabases}/*` }),
          // DeleteDatabase also authorises the database's (never created) user-defined functions.
          stack.formatArn({ service: 'glue', resource: 'userDefinedFunction', resourceName: `${refreshDatabases}/*` }),
        ],
      }),
    );
    this.refresh.role.addToPolicy(
      new iam.PolicyStatement({ sid: 'RefreshSnapshotFiles', actions: ['s3:DeleteObject'], resources: [props.queryResults.bucket.arnForObjects(`${snapshotPrefix}*`)] }),
    );
    props.queryResults.bucket.addLifecycleRule({
      id: 'expire-refresh-snapshots',
      prefix: snapshotPrefix,
      expiration: Duration.days(1),
      noncurrentVersionExpiration: Duration.days(1),
      abortIncompleteMultipartUploadAfter: Duration.days(1),
    });
  }

  get alarms(): cloudwatch.Alarm[] {
    return [this.refreshErrorsAlarm, this.refreshDeadLetterAlarm, this.metricsApiErrorsAlarm];
  }
}

function readMetricsDoc(): string {
  try {
    return readFileSync(path.join(PROJECT_ROOT, 'docs', 'metrics.md'), 'utf8');
  } catch {
    return '# Metric definitions\n\nThe definitions were not available when this site was deployed.\n';
  }
}
