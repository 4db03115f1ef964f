/**
 * Resolves a clinic API key to the clinic it belongs to. AWS: a DynamoDB table of
 * SHA-256 key hashes (CLINIC_KEYS_TABLE_NAME). Local: the JSON file
 * `{"<clinicId>": "<key>"}` that `start` writes (CLINIC_CREDENTIALS_FILE).
 * Keys are never logged or echoed.
 */
import { timingSafeEqual } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { apiKeyHash, CLINIC_KEYS_TABLE_KEY, clinicKeyRefusal, type ClinicKeyRecord } from '../core/clinic-keys';
import { RUNTIME_ENV } from '../core/runtime-env';

export type CredentialCheck = { clinicId: string } | { refused: 'unknown' | 'disabled' | 'expired' };

export interface ClinicCredentials {
  check(apiKey: string): Promise<CredentialCheck>;
}

export function createDynamoClinicCredentials(tableName: string, client?: DynamoDBDocumentClient, clock: () => Date = () => new Date()): ClinicCredentials {
  const documents = client ?? DynamoDBDocumentClient.from(new DynamoDBClient({}));
  return {
    async check(apiKey) {
      const found = await documents.send(
        new GetCommand({ TableName: tableName, Key: { [CLINIC_KEYS_TABLE_KEY.partitionKey]: apiKeyHash(apiKey) } }),
      );
      const record = found.Item as { clinicId?: unknown; status?: unknown; expiresAt?: unknown } | undefined;
      if (!record || typeof record.clinicId !== 'string') return { refused: 'unknown' };
      const refusal = clinicKeyRefusal(
        { status: record.status === 'active' ? 'active' : 'disabled', expiresAt: record.expiresAt === undefined ? undefined : String(record.expiresAt) },
        clock(),
      );
      return refusal ? { refused: refusal } : { clinicId: record.clinicId };
    },
  };
}

/**
 * The operator's side of the clinic-keys table (`iop-outcomes clinic-key`): add, list,
 * end and disable keys. Works on hashes only; the raw key never reaches the table.
 */
export interface ClinicKeyStore {
  /** Adds a new key; fails if the hash exists (a collision means a broken generator, never overwrite). */
  add(record: ClinicKeyRecord): Promise<void>;
  /** Every key of one clinic, or of all clinics (the table is small: one item per key). */
  list(clinicId?: string): Promise<ClinicKeyRecord[]>;
  /** Makes an active key stop working at `expiresAt` (rotation overlap). */
  expire(keyHash: string, expiresAt: string): Promise<void>;
  /** Disables a key now (revocation). */
  disable(keyHash: string, at: string): Promise<void>;
}

export function createDynamoClinicKeyStore(tableName: string, documents: DynamoDBDocumentClient): ClinicKeyStore {
  const key = (keyHash: string) => ({ [CLINIC_KEYS_TABLE_KEY.partitionKey]: keyHash });
  return {
    async add(record) {
      await documents.send(
        new PutCommand({ TableName: tableName, Item: { ...record }, ConditionExpression: 'attribute_not_exists(#key)', ExpressionAttributeNames: { '#key': CLINIC_KEYS_TABLE_KEY.partitionKey } }),
      );
    },
    async list(clinicId) {
      const records: ClinicKeyRecord[] = [];
      let start: Record<string, unknown> | undefined;
      do {
        const page = await documents.send(
          new ScanCommand({
            TableName: tableName,
            ExclusiveStartKey: start,
            ...(clinicId ? { FilterExpression: 'clinicId = :clinic', ExpressionAttributeValues: { ':clinic': clinicId } } : {}),
          }),
        );
        for (const item of page.Items ?? []) records.push(item as ClinicKeyRecord);
        start = page.LastEvaluatedKey;
      } while (start);
      return records.sort((a, b) => a.clinicId.localeCompare(b.clinicId) || String(a.createdAt ?? '').localeCompare(String(b.createdAt ?? '')));
    },
    async expire(keyHash, expiresAt) {
      await documents.send(
        new UpdateCommand({
          TableName: tableName,
          Key: key(keyHash),
          UpdateExpression: 'SET expiresAt = :end',
          // Only shortens: an earlier end the operator already set stays.
          ConditionExpression: '#status = :active AND (attribute_not_exists(expiresAt) OR expiresAt > :end)',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':end': expiresAt, ':active': 'active' },
        }),
      );
    },
    async disable(keyHash, at) {
      await documents.send(
        new UpdateCommand({
          TableName: tableName,
          Key: key(keyHash),
          UpdateExpression: 'SET #status = :disabled, disabledAt = :at',
          ConditionExpression: 'attribute_exists(#key)',
          ExpressionAttributeNames: { '#status': 'status', '#key': CLINIC_KEYS_TABLE_KEY.partitionKey },
          ExpressionAttributeValues: { ':disabled': 'disabled', ':at': at },
        }),
      );
    },
  };
}

/** Reads the file again only when it changed, so keys added by `start` work without a restart. */
export function createFileClinicCredentials(path: string): ClinicCredentials {
  let loaded: { mtimeMs: number; hashes: { clinicId: string; hash: Buffer }[] } | undefined;
  const entries = () => {
    const mtimeMs = statSync(path).mtimeMs;
    if (!loaded || loaded.mtimeMs !== mtimeMs) loaded = { mtimeMs, hashes: parseCredentialsFile(path) };
    return loaded.hashes;
  };
  return {
    async check(apiKey) {
      const candidate = Buffer.from(apiKeyHash(apiKey), 'hex');
      let match: string | undefined;
      // Compare against every entry, in constant time each, so timing reveals neither the key nor where it matched.
      for (const entry of entries()) {
        if (timingSafeEqual(entry.hash, candidate) && match === undefined) match = entry.clinicId;
      }
      return match === undefined ? { refused: 'unknown' } : { clinicId: match };
    },
  };
}

function parseCredentialsFile(path: string): { clinicId: string; hash: Buffer }[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`cannot read the clinic credentials file ${path}: it must be JSON {"<clinicId>": "<key>"}`, { cause: error });
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new Error(`the clinic credentials file ${path} must be a JSON object {"<clinicId>": "<key>"}`);
  }
  return Object.entries(parsed as Record<string, unknown>).map(([clinicId, key]) => {
    if (typeof key !== 'string' || key.length === 0) {
      throw new Error(`the clinic credentials file ${path} has no usable key for clinic "${clinicId}" (a non-empty string is needed)`);
    }
    return { clinicId, hash: Buffer.from(apiKeyHash(key), 'hex') };
  });
}

/** AWS table when CLINIC_KEYS_TABLE_NAME is set, else the local file. */
export function clinicCredentialsFromEnv(env: Record<string, string | undefined> = process.env): ClinicCredentials {
  const tableName = env[RUNTIME_ENV.clinicKeysTable];
  if (tableName) return createDynamoClinicCredentials(tableName);
  const file = env[RUNTIME_ENV.clinicCredentialsFile];
  if (file) return createFileClinicCredentials(file);
  throw new Error(
    `no clinic credentials configured: set ${RUNTIME_ENV.clinicKeysTable} (AWS) or ${RUNTIME_ENV.clinicCredentialsFile} (local runtime)`,
  );
}
