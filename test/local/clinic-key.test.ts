/**
 * `iop-outcomes clinic-key` on a real clinic-keys table (DynamoDB Local, same key
 * schema as the CDK table), judged by the authorizer's own credentials check: an
 * issued key is accepted, a rotated-out key works until its overlap ends, a revoked
 * key is refused at once.
 */
import { CreateTableCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { command } from '../../cli/commands/clinic-key';
import { type DynamoDbLocal, startDynamoDbLocal } from '../../cli/local/dynamodb-local';
import { createDynamoClinicCredentials } from '../../lambdas/adapters/clinic-credentials';
import { apiKeyHash, CLINIC_KEYS_TABLE_KEY } from '../../lambdas/core/clinic-keys';

const TABLE = 'iop-outcomes-test-clinic-keys';
let db: DynamoDbLocal;
let documents: DynamoDBDocumentClient;
let stdout = '';
let stderr = '';

beforeAll(async () => {
  db = await startDynamoDbLocal();
  documents = DynamoDBDocumentClient.from(db.client);
  await db.client.send(
    new CreateTableCommand({
      TableName: TABLE,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: CLINIC_KEYS_TABLE_KEY.partitionKey, AttributeType: 'S' }],
      KeySchema: [{ AttributeName: CLINIC_KEYS_TABLE_KEY.partitionKey, KeyType: 'HASH' }],
    }),
  );
}, 120_000);
afterAll(async () => {
  await db?.stop();
});
beforeEach(() => {
  stdout = '';
  stderr = '';
  jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    stdout += String(chunk);
    return true;
  });
  jest.spyOn(console, 'log').mockImplementation((...args) => {
    stdout += `${args.join(' ')}\n`;
  });
  jest.spyOn(console, 'error').mockImplementation((...args) => {
    stderr += `${args.join(' ')}\n`;
  });
});
afterEach(() => jest.restoreAllMocks());

/** Runs the command on the local table; returns what it printed on stdout. */
async function clinicKey(...args: string[]): Promise<string> {
  stdout = '';
  const code = await command.run([...args, '--table', TABLE, '--endpoint', db.endpoint]);
  expect(code).toBe(0);
  return stdout.trim();
}

/** The authorizer's check, at a chosen moment. */
const checkAt = (at: Date) => createDynamoClinicCredentials(TABLE, documents, () => at);

describe('clinic-key on DynamoDB Local', () => {
  it('should issue a key the authorizer accepts, storing nothing but its hash', async () => {
    // Act
    const key = await clinicKey('issue', '--clinic', 'harbor-view');

    // Assess
    expect(await checkAt(new Date()).check(key)).toEqual({ clinicId: 'harbor-view' });
    const items = (await documents.send(new ScanCommand({ TableName: TABLE }))).Items ?? [];
    expect(items).toEqual([expect.objectContaining({ keyHash: apiKeyHash(key), clinicId: 'harbor-view', status: 'active' })]);
    expect(JSON.stringify(items)).not.toContain(key);
    expect(stderr).toMatch(/Issued key [0-9a-f]{12} for clinic "harbor-view"/);
    expect(stderr).not.toContain(key);
    await expect(clinicKey('issue', '--clinic', 'harbor-view')).rejects.toThrow(/already has 1 working key/);
  });

  it('should keep the old key working for the overlap, then refuse it, while the new key works', async () => {
    // Prepare
    const old = await clinicKey('issue', '--clinic', 'riverside');
    const before = Date.now();

    // Act
    const fresh = await clinicKey('rotate', '--clinic', 'riverside', '--overlap', '1h');

    // Assess
    const inHalfAnHour = new Date(before + 30 * 60_000);
    const inTwoHours = new Date(Date.now() + 2 * 3_600_000);
    expect(await checkAt(inHalfAnHour).check(old)).toEqual({ clinicId: 'riverside' });
    expect(await checkAt(inHalfAnHour).check(fresh)).toEqual({ clinicId: 'riverside' });
    expect(await checkAt(inTwoHours).check(old)).toEqual({ refused: 'expired' });
    expect(await checkAt(inTwoHours).check(fresh)).toEqual({ clinicId: 'riverside' });
    const listed = await clinicKey('list', '--clinic', 'riverside');
    expect(listed.split('\n').slice(1).map((line) => line.split(/\s+/)[2])).toEqual(['expiring', 'active']);
  });

  it('should refuse a revoked key at once, and a rotated-out key at once with --overlap 0', async () => {
    // Prepare
    const first = await clinicKey('issue', '--clinic', 'lakeside');
    const second = await clinicKey('rotate', '--clinic', 'lakeside', '--overlap', '0');
    const now = new Date();
    expect(await checkAt(now).check(first)).toEqual({ refused: 'disabled' });
    expect(await checkAt(now).check(second)).toEqual({ clinicId: 'lakeside' });

    // Act
    await clinicKey('revoke', '--key', apiKeyHash(second).slice(0, 12));

    // Assess
    expect(await checkAt(new Date()).check(second)).toEqual({ refused: 'disabled' });
    expect(await checkAt(new Date()).check('iop_never-issued')).toEqual({ refused: 'unknown' });
    // Other clinics' keys are untouched.
    const listing = await clinicKey('list');
    expect(listing).toMatch(/harbor-view\s+active/);
    await expect(clinicKey('revoke', '--clinic', 'lakeside')).rejects.toThrow(/every key is already disabled/);
  });
});
