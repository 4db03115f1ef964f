/**
 * Loads the deployment's pseudonymisation secret once per container: from Secrets
 * Manager in AWS (PSEUDONYM_SECRET_ARN), from a key file locally (PSEUDONYM_KEY_FILE).
 * The value is never logged; errors name where it came from, not what it is.
 */
import { readFile } from 'node:fs/promises';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { assertUsablePseudonymSecret } from '../core/pseudonym';
import { RUNTIME_ENV } from '../core/runtime-env';

export type PseudonymKeySource = { kind: 'secrets-manager'; secretArn: string } | { kind: 'file'; path: string };

/** Picks the source from the environment; AWS wins when both are set. */
export function pseudonymKeySourceFromEnv(env: Record<string, string | undefined> = process.env): PseudonymKeySource {
  const secretArn = env[RUNTIME_ENV.pseudonymSecretArn];
  if (secretArn) return { kind: 'secrets-manager', secretArn };
  const path = env[RUNTIME_ENV.pseudonymKeyFile];
  if (path) return { kind: 'file', path };
  throw new Error(
    `no pseudonymisation secret configured: set ${RUNTIME_ENV.pseudonymSecretArn} (AWS) or ${RUNTIME_ENV.pseudonymKeyFile} (local runtime)`,
  );
}

/**
 * The secret string. A Secrets Manager value may be the key itself or JSON
 * `{"key": "..."}` (what `generateSecretString` with a template produces).
 */
export async function readPseudonymKey(source: PseudonymKeySource, secretsManager?: SecretsManagerClient): Promise<string> {
  if (source.kind === 'file') {
    let text: string;
    try {
      text = await readFile(source.path, 'utf8');
    } catch (error) {
      throw new Error(`cannot read the pseudonymisation key file ${source.path}; run \`iop-outcomes start\` to create it`, { cause: error });
    }
    return assertUsablePseudonymSecret(text, `key file ${source.path}`);
  }
  const client = secretsManager ?? new SecretsManagerClient({});
  const answer = await client.send(new GetSecretValueCommand({ SecretId: source.secretArn }));
  const value = answer.SecretString;
  if (!value) throw new Error(`secret ${source.secretArn} has no SecretString; store the key as text`);
  return assertUsablePseudonymSecret(keyInsideSecret(value), `secret ${source.secretArn}`);
}

function keyInsideSecret(value: string): string {
  if (!value.trimStart().startsWith('{')) return value;
  try {
    const parsed = JSON.parse(value) as { key?: unknown };
    if (typeof parsed.key === 'string') return parsed.key;
  } catch {
    // not JSON after all: the whole string is the key
  }
  return value;
}

let cached: Promise<string> | undefined;

/** The secret for this container's lifetime (a failed load is not cached, so the next request retries). */
export function pseudonymKey(): Promise<string> {
  if (!cached) {
    cached = readPseudonymKey(pseudonymKeySourceFromEnv()).catch((error: unknown) => {
      cached = undefined;
      throw error;
    });
  }
  return cached;
}
