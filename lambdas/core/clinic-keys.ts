/**
 * How clinic API keys are stored: only a SHA-256 hash of each key, so a copy of
 * the table (or a backup) does not let anyone send data as a clinic. The CDK
 * table, the credentials adapter and `iop-outcomes clinic-key` all read these names.
 * Kept free of zod (the authorizer bundles this file): issuing, which validates the
 * clinic id, is in clinic-key-issue.ts.
 */
import { createHash, randomBytes } from 'node:crypto';

/** DynamoDB table of clinic keys: partition key `keyHash` (S) → `clinicId` (S), `status` (S), optional `expiresAt` (S). */
export const CLINIC_KEYS_TABLE_KEY = { partitionKey: 'keyHash' } as const;

export const CLINIC_KEY_STATUSES = ['active', 'disabled'] as const;
export type ClinicKeyStatus = (typeof CLINIC_KEY_STATUSES)[number];

export interface ClinicKeyRecord {
  keyHash: string;
  clinicId: string;
  status: ClinicKeyStatus;
  /** ISO timestamp, for audits and rotation. */
  createdAt?: string;
  /** ISO timestamp: a rotated-out key works until then (the overlap the operator chose), then is refused. */
  expiresAt?: string;
  /** ISO timestamp of the revocation, for audits. */
  disabledAt?: string;
}

/** Every clinic key starts with this, so a leaked one is recognisable (secret scanners, logs). */
export const CLINIC_KEY_PREFIX = 'iop_';

/** A new random key: 32 bytes (256 bits) of randomness, base64url. The one way keys are made, locally and in AWS. */
export function generateClinicKey(): string {
  return `${CLINIC_KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
}

/** Hex SHA-256 of the key as sent in `x-api-key`. Keys are long random strings, so no salt is needed. */
export function apiKeyHash(apiKey: string): string {
  return createHash('sha256').update(apiKey, 'utf8').digest('hex');
}

/** What operators call a key: the first 12 hex digits of its hash (not secret: the table holds the whole hash). */
export function clinicKeyId(keyHash: string): string {
  return keyHash.slice(0, 12);
}

/** Why a stored key must be refused at `now`, or undefined when it is usable. */
export function clinicKeyRefusal(record: Pick<ClinicKeyRecord, 'status' | 'expiresAt'>, now: Date): 'disabled' | 'expired' | undefined {
  if (record.status !== 'active') return 'disabled';
  if (record.expiresAt !== undefined) {
    const end = Date.parse(record.expiresAt);
    // An unreadable end date fails closed.
    if (Number.isNaN(end) || end <= now.getTime()) return 'expired';
  }
  return undefined;
}

/** The header the clinic sends its key in (API Gateway passes header names as the client wrote them). */
export const API_KEY_HEADER = 'x-api-key';

/** Finds a header regardless of case. */
export function headerValue(headers: Record<string, string | undefined> | null | undefined, name: string): string | undefined {
  if (!headers) return undefined;
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) if (key.toLowerCase() === wanted) return value;
  return undefined;
}

/** Bodies API Gateway answers with when the authorizer refuses (configure the gateway responses with these). */
export const GATEWAY_MESSAGES = {
  /** 401: no x-api-key header. */
  unauthorized: 'Unauthorized: send your clinic API key in the x-api-key header',
  /** 403: the key is unknown or disabled. */
  forbidden: 'Forbidden: the API key in x-api-key is unknown or disabled; ask the operator for a valid clinic key',
} as const;
