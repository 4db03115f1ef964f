import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureLocalSecrets } from '../../cli/local/local-secrets';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'local-secrets-'));
  process.env.IOP_LOCAL_DIR = dir;
});
afterEach(() => {
  delete process.env.IOP_LOCAL_DIR;
  rmSync(dir, { recursive: true, force: true });
});

describe('ensureLocalSecrets', () => {
  it('should create a 32-byte hex key and a key per clinic, readable only by the owner', () => {
    const secrets = ensureLocalSecrets(['riverside', 'hillcrest']);

    expect(readFileSync(secrets.pseudonymKeyFile, 'utf8').trim()).toMatch(/^[0-9a-f]{64}$/);
    expect(statSync(secrets.pseudonymKeyFile).mode & 0o777).toBe(0o600);
    expect(statSync(secrets.credentialsFile).mode & 0o777).toBe(0o600);
    expect(Object.keys(secrets.credentials).sort()).toEqual(['hillcrest', 'riverside']);
    expect(secrets.credentials.riverside).not.toBe(secrets.credentials.hillcrest);
    expect(JSON.parse(readFileSync(secrets.credentialsFile, 'utf8'))).toEqual(secrets.credentials);
  });

  it('should keep the existing key and clinic keys and only add new clinics', () => {
    const first = ensureLocalSecrets(['riverside']);
    const key = readFileSync(first.pseudonymKeyFile, 'utf8');

    const second = ensureLocalSecrets(['riverside', 'lakeside']);

    expect(readFileSync(second.pseudonymKeyFile, 'utf8')).toBe(key);
    expect(second.credentials.riverside).toBe(first.credentials.riverside);
    expect(second.credentials.lakeside).toMatch(/^iop_/);
  });

  it('should refuse a clinic id the contract would refuse', () => {
    expect(() => ensureLocalSecrets(['River Side'])).toThrow(/clinic id "River Side" must be 2-40 characters/);
    expect(() => ensureLocalSecrets(['all'])).toThrow(/clinic id must not be "all" \(got "all"\): that id is reserved/);
  });
});
