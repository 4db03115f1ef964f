import { DeleteObjectsCommand, GetObjectCommand, NoSuchKey, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { S3ObjectStore } from '../../lambdas/adapters/object-store';

const s3 = mockClient(S3Client);

describe('S3ObjectStore faults', () => {
  beforeEach(() => s3.reset());

  it('should fail a delete that S3 partly refused, naming a key and the reason', async () => {
    // Prepare
    s3.on(DeleteObjectsCommand).resolves({ Errors: [{ Key: 'lake/a.parquet', Code: 'AccessDenied', Message: 'Access Denied' }] });
    const store = new S3ObjectStore(new S3Client({ region: 'us-east-1' }), 'lake-bucket');

    // Act / Assess
    await expect(store.delete(['lake/a.parquet', 'lake/b.parquet'])).rejects.toThrow(
      /refused to delete 1 object\(s\) from lake-bucket, e\.g\. lake\/a\.parquet: AccessDenied/,
    );
  });

  it('should send at most 1000 keys per delete request', async () => {
    // Prepare
    s3.on(DeleteObjectsCommand).resolves({});
    const store = new S3ObjectStore(new S3Client({ region: 'us-east-1' }), 'lake-bucket');

    // Act
    await store.delete(Array.from({ length: 2001 }, (_, n) => `k${n}`));

    // Assess
    const sizes = s3.commandCalls(DeleteObjectsCommand).map((call) => call.args[0].input.Delete?.Objects?.length);
    expect(sizes).toEqual([1000, 1000, 1]);
  });

  it('should answer undefined for a missing key but pass other errors on', async () => {
    // Prepare
    s3.on(GetObjectCommand, { Key: 'missing' }).rejects(new NoSuchKey({ message: 'no', $metadata: {} }));
    s3.on(GetObjectCommand, { Key: 'forbidden' }).rejects(Object.assign(new Error('Access Denied'), { name: 'AccessDenied' }));
    const store = new S3ObjectStore(new S3Client({ region: 'us-east-1' }), 'lake-bucket');

    // Act / Assess
    await expect(store.get('missing')).resolves.toBeUndefined();
    await expect(store.get('forbidden')).rejects.toThrow('Access Denied');
  });
});
