import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import {
  clinicCredentialsFromEnv,
  createDynamoClinicCredentials,
  createFileClinicCredentials,
} from '../../lambdas/adapters/clinic-credentials';
import { apiKeyHash } from '../../lambdas/core/clinic-keys';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'credentials-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('file clinic credentials (local runtime)', () => {
  it('should map a known key to its clinic and refuse anything else', async () => {
    const file = join(dir, 'credentials.json');
    writeFileSync(file, JSON.stringify({ riverside: 'key-r', hillcrest: 'key-h' }));
    const credentials = createFileClinicCredentials(file);

    expect(await credentials.check('key-h')).toEqual({ clinicId: 'hillcrest' });
    expect(await credentials.check('key-x')).toEqual({ refused: 'unknown' });
    expect(await credentials.check('')).toEqual({ refused: 'unknown' });
  });

  it('should pick up keys added to the file without a restart', async () => {
    const file = join(dir, 'credentials.json');
    writeFileSync(file, JSON.stringify({ riverside: 'key-r' }));
    const credentials = createFileClinicCredentials(file);
    await credentials.check('key-r');

    writeFileSync(file, JSON.stringify({ riverside: 'key-r', lakeside: 'key-l' }));
    utimesSync(file, new Date(), new Date(Date.now() + 5000));

    expect(await credentials.check('key-l')).toEqual({ clinicId: 'lakeside' });
  });

  it('should name the file and the fix when it is not usable', async () => {
    const file = join(dir, 'credentials.json');
    writeFileSync(file, '{"riverside": 42}');

    await expect(createFileClinicCredentials(file).check('x')).rejects.toThrow(/no usable key for clinic "riverside"/);
  });
});

describe('DynamoDB clinic credentials (AWS)', () => {
  const documents = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } }));
  const dynamo = mockClient(documents);
  beforeEach(() => dynamo.reset());

  it('should look the key up by its SHA-256 and accept only active keys', async () => {
    dynamo
      .on(GetCommand, { TableName: 'keys', Key: { keyHash: apiKeyHash('good') } })
      .resolves({ Item: { keyHash: apiKeyHash('good'), clinicId: 'riverside', status: 'active' } })
      .on(GetCommand, { TableName: 'keys', Key: { keyHash: apiKeyHash('old') } })
      .resolves({ Item: { keyHash: apiKeyHash('old'), clinicId: 'riverside', status: 'disabled' } })
      .on(GetCommand, { TableName: 'keys', Key: { keyHash: apiKeyHash('nope') } })
      .resolves({});
    const credentials = createDynamoClinicCredentials('keys', documents);

    expect(await credentials.check('good')).toEqual({ clinicId: 'riverside' });
    expect(await credentials.check('old')).toEqual({ refused: 'disabled' });
    expect(await credentials.check('nope')).toEqual({ refused: 'unknown' });
    expect(JSON.stringify(dynamo.calls().map((call) => call.args[0].input))).not.toContain('"good"');
  });

  it('should accept a rotated-out key until its end and refuse it from then on, failing closed on a bad date', async () => {
    dynamo
      .on(GetCommand, { TableName: 'keys', Key: { keyHash: apiKeyHash('rotated') } })
      .resolves({ Item: { keyHash: apiKeyHash('rotated'), clinicId: 'riverside', status: 'active', expiresAt: '2026-05-01T12:00:00.000Z' } })
      .on(GetCommand, { TableName: 'keys', Key: { keyHash: apiKeyHash('garbled') } })
      .resolves({ Item: { keyHash: apiKeyHash('garbled'), clinicId: 'riverside', status: 'active', expiresAt: 'soon' } });
    const at = (iso: string) => createDynamoClinicCredentials('keys', documents, () => new Date(iso));

    expect(await at('2026-05-01T11:59:59.999Z').check('rotated')).toEqual({ clinicId: 'riverside' });
    expect(await at('2026-05-01T12:00:00.000Z').check('rotated')).toEqual({ refused: 'expired' });
    expect(await at('2026-01-01T00:00:00.000Z').check('garbled')).toEqual({ refused: 'expired' });
  });
});

describe('clinicCredentialsFromEnv', () => {
  it('should say which variables to set when neither is', () => {
    expect(() => clinicCredentialsFromEnv({})).toThrow(/set CLINIC_KEYS_TABLE_NAME \(AWS\) or CLINIC_CREDENTIALS_FILE/);
  });
});
