/**
 * The local runtime's secrets under `.local/`: the pseudonymisation key (what
 * Secrets Manager holds in AWS) and one API key per clinic (what the clinic-keys
 * table holds in AWS). Created once and kept, so client keys stay stable.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { issueClinicKey } from '../../lambdas/core/clinic-key-issue';
import { localPath } from './paths';

export function pseudonymKeyPath(): string {
  return localPath('pseudonym.key');
}

export function credentialsPath(): string {
  return localPath('credentials.json');
}

export interface LocalSecrets {
  pseudonymKeyFile: string;
  credentialsFile: string;
  /** clinicId → API key, for the `x-api-key` header. */
  credentials: Record<string, string>;
}

/** Creates what is missing (key file, a key per clinic given) and keeps what exists. */
export function ensureLocalSecrets(clinicIds: readonly string[] = []): LocalSecrets {
  const pseudonymKeyFile = pseudonymKeyPath();
  if (!existsSync(pseudonymKeyFile)) {
    try {
      // 'wx': never overwrite — a new key would give every client a new pseudonym.
      writeFileSync(pseudonymKeyFile, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
  const credentialsFile = credentialsPath();
  const credentials = readCredentials(credentialsFile);
  const missing = clinicIds.filter((clinicId) => !(clinicId in credentials));
  for (const clinicId of missing) {
    credentials[clinicId] = issueClinicKey(clinicId).key;
  }
  if (missing.length > 0 || !existsSync(credentialsFile)) {
    const temporary = `${credentialsFile}.${process.pid}.tmp`;
    writeFileSync(temporary, `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600 });
    renameSync(temporary, credentialsFile);
  }
  return { pseudonymKeyFile, credentialsFile, credentials };
}

export function readCredentials(file: string = credentialsPath()): Record<string, string> {
  if (!existsSync(file)) return {};
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as unknown;
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new Error(`${file} must be a JSON object {"<clinicId>": "<key>"}; fix or delete it`);
  }
  return { ...(parsed as Record<string, string>) };
}
