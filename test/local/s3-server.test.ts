/** The S3 adapter against the local S3 server (s3rver in its child process), as the handlers use it. */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import { S3ObjectStore } from '../../lambdas/adapters/object-store';
import { LOCAL_AWS_CREDENTIALS, LOCAL_REGION } from '../../cli/local/dynamodb-local';
import { type S3Server, startS3Server } from '../../cli/local/s3-server';

describe('local S3 server and the S3 object store', () => {
  let work: string;
  let server: S3Server;
  let client: S3Client;
  let store: S3ObjectStore;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 's3-server-'));
    server = await startS3Server({ dataDir: work, buckets: ['lake-bucket'] });
    client = new S3Client({ endpoint: server.endpoint, forcePathStyle: true, region: LOCAL_REGION, credentials: LOCAL_AWS_CREDENTIALS });
    store = new S3ObjectStore(client, 'lake-bucket');
  }, 60_000);

  afterAll(async () => {
    client?.destroy();
    await server?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it('should store bytes and text, and answer undefined for a missing key', async () => {
    // Prepare
    const bytes = new Uint8Array([0, 255, 1, 254]);

    // Act
    await store.put('lake/goals/dt=2026-03-01/a.parquet', bytes);
    await store.put('quarantine/dt=2026-03-01/b.json', '{"reason":"x"}', 'application/json');

    // Assess
    expect(await store.get('lake/goals/dt=2026-03-01/a.parquet')).toEqual(bytes);
    expect(new TextDecoder().decode(await store.get('quarantine/dt=2026-03-01/b.json'))).toBe('{"reason":"x"}');
    expect(await store.get('lake/goals/none.parquet')).toBeUndefined();
    expect(existsSync(join(work, 'lake-bucket', 'lake', 'goals', 'dt=2026-03-01', 'a.parquet._S3rver_object'))).toBe(true);
  });

  it('should list every page of a prefix and delete more than one request holds', async () => {
    // Prepare: more keys than one ListObjectsV2 page (1000) or one DeleteObjects request.
    const keys = Array.from({ length: 1003 }, (_, n) => `many/${String(n).padStart(4, '0')}.txt`);
    for (let start = 0; start < keys.length; start += 50) {
      await Promise.all(keys.slice(start, start + 50).map((key) => store.put(key, 'x')));
    }

    // Act
    const listed = await store.list('many/');
    await store.delete(listed.map((object) => object.key));

    // Assess
    expect(listed.map((object) => object.key)).toEqual(keys);
    expect(listed[0]).toEqual({ key: keys[0], size: 1, etag: expect.stringMatching(/^[0-9a-f]{32}$/) });
    expect(await store.list('many/')).toEqual([]);
  }, 120_000);

  it('should stop the child process and free the port', async () => {
    // Prepare
    const extra = await startS3Server({ dataDir: join(work, 'extra') });

    // Act
    await extra.stop();

    // Assess
    const probe = new S3ObjectStore(
      new S3Client({ endpoint: extra.endpoint, forcePathStyle: true, region: LOCAL_REGION, credentials: LOCAL_AWS_CREDENTIALS, maxAttempts: 1 }),
      'lake-bucket',
    );
    await expect(probe.list('')).rejects.toThrow(/ECONNREFUSED/);
  });
});
