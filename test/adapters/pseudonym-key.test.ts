import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { pseudonymKeySourceFromEnv, readPseudonymKey } from '../../lambdas/adapters/pseudonym-key';

const KEY = 'a'.repeat(64);
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'pseudonym-key-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('pseudonym key', () => {
  it('should read and trim the local key file', async () => {
    const path = join(dir, 'pseudonym.key');
    writeFileSync(path, `${KEY}\n`);
    chmodSync(path, 0o600);

    expect(await readPseudonymKey({ kind: 'file', path })).toBe(KEY);
  });

  it('should say how to create a missing key file', async () => {
    await expect(readPseudonymKey({ kind: 'file', path: join(dir, 'missing.key') })).rejects.toThrow(/run `iop-outcomes start` to create it/);
  });

  it('should refuse a short key without printing it', async () => {
    const path = join(dir, 'weak.key');
    writeFileSync(path, 'password1');

    const failure = readPseudonymKey({ kind: 'file', path });

    await expect(failure).rejects.toThrow(/is 9 characters long; it must be at least 32/);
    await expect(readPseudonymKey({ kind: 'file', path })).rejects.not.toThrow(/password1/);
  });

  it('should read the secret from Secrets Manager, plain or as {"key": ...}', async () => {
    const client = new SecretsManagerClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
    const secrets = mockClient(client);
    secrets.on(GetSecretValueCommand, { SecretId: 'plain' }).resolves({ SecretString: KEY });
    secrets.on(GetSecretValueCommand, { SecretId: 'json' }).resolves({ SecretString: JSON.stringify({ key: `${KEY}b` }) });

    expect(await readPseudonymKey({ kind: 'secrets-manager', secretArn: 'plain' }, client)).toBe(KEY);
    expect(await readPseudonymKey({ kind: 'secrets-manager', secretArn: 'json' }, client)).toBe(`${KEY}b`);
  });

  it('should prefer Secrets Manager in AWS and name both variables when neither is set', () => {
    expect(pseudonymKeySourceFromEnv({ PSEUDONYM_SECRET_ARN: 'arn:x', PSEUDONYM_KEY_FILE: '/k' })).toEqual({ kind: 'secrets-manager', secretArn: 'arn:x' });
    expect(pseudonymKeySourceFromEnv({ PSEUDONYM_KEY_FILE: '/k' })).toEqual({ kind: 'file', path: '/k' });
    expect(() => pseudonymKeySourceFromEnv({})).toThrow(/set PSEUDONYM_SECRET_ARN \(AWS\) or PSEUDONYM_KEY_FILE/);
  });
});
