/** An S3 API server (s3rver) on a free loopback port with one bucket, for integration tests. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import { freePort } from '../../cli/local/free-port';

export interface S3TestServer {
  endpoint: string;
  bucket: string;
  client: S3Client;
  /** Environment that points the SDK (and the handlers) at this server. */
  env: Record<string, string>;
  stop(): Promise<void>;
}

export async function startS3TestServer(bucket = 'metrics-test'): Promise<S3TestServer> {
  const S3rver = require('s3rver') as new (options: object) => { run(): Promise<unknown>; close(): Promise<void> };
  const directory = mkdtempSync(join(tmpdir(), 's3rver-'));
  const port = await freePort();
  const server = new S3rver({ port, address: '127.0.0.1', silent: true, directory, configureBuckets: [{ name: bucket }] });
  await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  const credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
  return {
    endpoint,
    bucket,
    client: new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials }),
    env: {
      AWS_ENDPOINT_URL_S3: endpoint,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
      S3_FORCE_PATH_STYLE: 'true',
      METRICS_BUCKET: bucket,
    },
    async stop() {
      await server.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
