/**
 * How clinic API keys are stored: only a SHA-256 hash of each key, so a copy of
 * the table (or a backup) does not let anyone send data as a clinic. The CDK
 * table and the credentials adapter both read these names.
 */
import { createHash } from 'node:crypto';

/** DynamoDB table of clinic keys: partition key `keyHash` (S) → `clinicId` (S), `status` (S). */
export const CLINIC_KEYS_TABLE_KEY = { partitionKey: 'keyHash' } as const;

export const CLINIC_KEY_STATUSES = ['active', 'disabled'] as const;
export type ClinicKeyStatus = (typeof CLINIC_KEY_STATUSES)[number];

export interface ClinicKeyRecord {
  keyHash: string;
  clinicId: string;
  status: ClinicKeyStatus;
  /** ISO timestamp, for audits and rotation. */
  createdAt?: string;
}

/** Hex SHA-256 of the key as sent in `x-api-key`. Keys are long random strings, so no salt is needed. */
export function apiKeyHash(apiKey: string): string {
  return createHash('sha256').update(apiKey, 'utf8').digest('hex');
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
