/**
 * The whole local stack in one process: DynamoDB Local (system of record, with its
 * stream), the S3 API server (lake, metrics, reports), the local event source
 * mapping feeding the stream-to-lake handler, the ingest API and the dashboard.
 * The handlers are the same bundled code Lambda runs; only endpoints differ.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { DynamoDBStreamEvent, Context, DynamoDBBatchResponse } from 'aws-lambda';
import { RUNTIME_ENV } from '../../lambdas/core/runtime-env';
import { startApiServer, type ApiServer } from './api-server';
import { startDashboardServer, type DashboardServer } from './dashboard-server';
import { LOCAL_AWS_CREDENTIALS, LOCAL_REGION, ensureEventsTable, startDynamoDbLocal, type DynamoDbLocal } from './dynamodb-local';
import { loadHandler } from './load-handler';
import { ensureLocalDirectors } from './local-directors';
import { ensureLocalSecrets, type LocalSecrets } from './local-secrets';
import { localDir, localFolder, localPath } from './paths';
import { startS3Server, type S3Server } from './s3-server';
import { startStreamMapping, type StreamMapping } from './stream-mapping';

export const LOCAL_TABLE_NAME = 'iop-outcomes-events';
/** One local bucket holds the lake, quarantine, metrics and reports prefixes. */
export const LOCAL_BUCKET = 'iop-outcomes-local';

export interface LocalStackOptions {
  apiPort?: number;
  dashboardPort?: number;
  /** Clinics that get a local API key (kept when they already have one). */
  clinics?: readonly string[];
  log?: (line: string) => void;
}

/** What `serve` publishes in `.local/stack.json` for the other commands. */
export interface LocalStackInfo {
  pid: number;
  apiUrl: string;
  dashboardUrl: string;
  s3Endpoint: string;
  dynamoEndpoint: string;
  bucket: string;
  tableName: string;
  startedAt: string;
}

export interface LocalStack extends LocalStackInfo {
  secrets: LocalSecrets;
  mapping: StreamMapping;
  /** Resolves once everything written to the table so far is in the lake. */
  lakeCaughtUp(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export function stackInfoPath(): string {
  return localPath('stack.json');
}

/** The running stack's endpoints, or undefined when no `serve` is running. */
export function runningStack(): LocalStackInfo | undefined {
  const path = stackInfoPath();
  if (!existsSync(path)) return undefined;
  try {
    const info = JSON.parse(readFileSync(path, 'utf8')) as LocalStackInfo;
    process.kill(info.pid, 0); // throws when the process is gone
    return info;
  } catch {
    return undefined;
  }
}

/** Environment shared by every local handler: real SDK clients pointed at the local servers. */
export function localHandlerEnv(endpoints: { dynamo: string; s3: string }, secrets: LocalSecrets): Record<string, string> {
  return {
    AWS_REGION: LOCAL_REGION,
    AWS_ACCESS_KEY_ID: LOCAL_AWS_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_AWS_CREDENTIALS.secretAccessKey,
    AWS_ENDPOINT_URL_DYNAMODB: endpoints.dynamo,
    AWS_ENDPOINT_URL_S3: endpoints.s3,
    [RUNTIME_ENV.s3ForcePathStyle]: 'true',
    [RUNTIME_ENV.eventsTable]: LOCAL_TABLE_NAME,
    [RUNTIME_ENV.pseudonymKeyFile]: secrets.pseudonymKeyFile,
    [RUNTIME_ENV.clinicCredentialsFile]: secrets.credentialsFile,
    [RUNTIME_ENV.lakeBucket]: LOCAL_BUCKET,
    [RUNTIME_ENV.metricsBucket]: LOCAL_BUCKET,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? 'WARN',
  };
}

type StreamHandler = (event: DynamoDBStreamEvent, context: Context) => Promise<DynamoDBBatchResponse | void>;

export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const log = options.log ?? (() => {});
  const running = runningStack();
  if (running) {
    throw new Error(`a local stack is already running (pid ${running.pid}, API ${running.apiUrl}); stop it first (Ctrl-C in its terminal)`);
  }
  const secrets = ensureLocalSecrets(options.clinics ?? []);
  ensureLocalDirectors(Object.keys(secrets.credentials));
  const stops: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch(() => {});
    stops.length = 0;
  };
  try {
    log('Starting DynamoDB Local…');
    const dynamo: DynamoDbLocal = await startDynamoDbLocal({ dataDir: localFolder('dynamodb'), log });
    stops.push(() => dynamo.stop());
    await ensureEventsTable(dynamo.client, LOCAL_TABLE_NAME);

    log('Starting the S3 API server…');
    const s3: S3Server = await startS3Server({ dataDir: localFolder('s3'), buckets: [LOCAL_BUCKET] });
    stops.push(() => s3.stop());

    const env = localHandlerEnv({ dynamo: dynamo.endpoint, s3: s3.endpoint }, secrets);
    Object.assign(process.env, env);

    log('Starting the stream → lake mapping…');
    const streamToLake = await loadHandler<StreamHandler>('stream-to-lake');
    const mapping = await startStreamMapping({
      dynamoEndpoint: dynamo.endpoint,
      tableName: LOCAL_TABLE_NAME,
      handler: streamToLake,
      // Few, large files, like the AWS mapping; a short window keeps the demo snappy.
      batchSize: 1000,
      batchingWindowMs: 1000,
      maxRetries: 10,
      bisectOnError: true,
      dlqDir: localFolder('dlq'),
      checkpointFile: localPath('stream-checkpoints.json'),
    });
    stops.push(() => mapping.stop());

    log('Starting the ingest API and the dashboard…');
    const api: ApiServer = await startApiServer({ port: options.apiPort, env });
    stops.push(() => api.stop());
    const dashboard: DashboardServer = await startDashboardServer({ port: options.dashboardPort, env });
    stops.push(() => dashboard.stop());

    const info: LocalStackInfo = {
      pid: process.pid,
      apiUrl: api.url,
      dashboardUrl: dashboard.url,
      s3Endpoint: s3.endpoint,
      dynamoEndpoint: dynamo.endpoint,
      bucket: LOCAL_BUCKET,
      tableName: LOCAL_TABLE_NAME,
      startedAt: new Date().toISOString(),
    };
    writeFileSync(stackInfoPath(), `${JSON.stringify(info, null, 2)}\n`);
    stops.unshift(async () => rmSync(stackInfoPath(), { force: true }));

    return {
      ...info,
      secrets,
      mapping,
      lakeCaughtUp: (timeoutMs = 300_000) => mapping.idle(timeoutMs),
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/** Where `.local/` lives, for messages. */
export function localStateDir(): string {
  return localDir();
}
