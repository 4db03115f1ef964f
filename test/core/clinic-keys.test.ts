import { issueClinicKey } from '../../lambdas/core/clinic-key-issue';
import { apiKeyHash, CLINIC_KEY_PREFIX, clinicKeyId, clinicKeyRefusal, generateClinicKey } from '../../lambdas/core/clinic-keys';

describe('clinic keys', () => {
  it('should make long, distinct, recognisable keys', () => {
    // Act
    const keys = Array.from({ length: 50 }, () => generateClinicKey());

    // Assess
    expect(new Set(keys).size).toBe(50);
    for (const key of keys) expect(key).toMatch(new RegExp(`^${CLINIC_KEY_PREFIX}[A-Za-z0-9_-]{43}$`));
  });

  it('should issue a record holding the hash, never the key, for a valid clinic id only', () => {
    // Act
    const now = new Date('2026-05-01T00:00:00Z');
    const { key, record } = issueClinicKey('harbor-view', now);

    // Assess
    expect(record).toEqual({ keyHash: apiKeyHash(key), clinicId: 'harbor-view', status: 'active', createdAt: '2026-05-01T00:00:00.000Z' });
    expect(clinicKeyId(record.keyHash)).toBe(record.keyHash.slice(0, 12));
    expect(() => issueClinicKey('all')).toThrow(/clinic id must not be "all" \(got "all"\)/);
    expect(() => issueClinicKey('x')).toThrow(/clinic id "x" must be 2-40 characters/);
  });

  it('should refuse disabled keys, and expiring keys from their end on', () => {
    // Prepare
    const now = new Date('2026-05-01T12:00:00Z');

    // Act / Assess
    expect(clinicKeyRefusal({ status: 'active' }, now)).toBeUndefined();
    expect(clinicKeyRefusal({ status: 'disabled' }, now)).toBe('disabled');
    expect(clinicKeyRefusal({ status: 'active', expiresAt: '2026-05-01T12:00:00.001Z' }, now)).toBeUndefined();
    expect(clinicKeyRefusal({ status: 'active', expiresAt: '2026-05-01T12:00:00.000Z' }, now)).toBe('expired');
    expect(clinicKeyRefusal({ status: 'active', expiresAt: 'not a date' }, now)).toBe('expired');
  });
});
