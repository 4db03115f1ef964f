/**
 * Issuing a clinic API key: the one implementation, used by `iop-outcomes
 * clinic-key` (AWS table) and by the local stack's credentials file. Refuses a
 * clinic id the event contract refuses (so never the reserved `all`).
 */
import { apiKeyHash, type ClinicKeyRecord, generateClinicKey } from './clinic-keys';
import { clinicIdProblem } from './event-schema';

export interface IssuedClinicKey {
  /** The raw key: shown once to the operator, never stored server-side. */
  key: string;
  /** What the table stores. */
  record: ClinicKeyRecord;
}

export class ClinicIdError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ClinicIdError';
  }
}

/** Throws ClinicIdError (naming field, value and fix) when the id cannot be a clinic's. */
export function assertClinicId(clinicId: string, field = 'clinic id'): void {
  const problem = clinicIdProblem(clinicId, field);
  if (problem) throw new ClinicIdError(problem);
}

export function issueClinicKey(clinicId: string, now: Date = new Date(), field = 'clinic id'): IssuedClinicKey {
  assertClinicId(clinicId, field);
  const key = generateClinicKey();
  return { key, record: { keyHash: apiKeyHash(key), clinicId, status: 'active', createdAt: now.toISOString() } };
}
