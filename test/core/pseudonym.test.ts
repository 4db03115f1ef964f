import { assertUsablePseudonymSecret, clientKeyOf } from '../../lambdas/core/pseudonym';

const SECRET = 'test-secret-0123456789abcdef0123456789';

describe('clientKeyOf', () => {
  it('should equal HMAC-SHA256(secret, clinicId NUL clientId) as computed by openssl', () => {
    // Prepare: printf 'riverside\0MRN-0048213' | openssl dgst -sha256 -hmac "$SECRET"
    const expected = '2a3f1a031f25592bf9c80c9defd938a7ea67279d358bdbc9330e63b3b9a6a896';

    // Act
    const key = clientKeyOf(SECRET, 'riverside', 'MRN-0048213');

    // Assess
    expect(key).toBe(expected);
  });

  it('should give the same client id different keys in different clinics', () => {
    expect(clientKeyOf(SECRET, 'riverside', '1042')).not.toBe(clientKeyOf(SECRET, 'hillcrest', '1042'));
  });

  it('should not confuse ids that only concatenate to the same text', () => {
    expect(clientKeyOf(SECRET, 'ab', 'c1')).not.toBe(clientKeyOf(SECRET, 'a', 'bc1'));
  });

  it('should depend on the secret', () => {
    expect(clientKeyOf(SECRET, 'riverside', '1042')).not.toBe(clientKeyOf(`${SECRET}x`, 'riverside', '1042'));
  });
});

describe('assertUsablePseudonymSecret', () => {
  it('should refuse a short secret without showing it', () => {
    expect(() => assertUsablePseudonymSecret('hunter2', 'key file /x')).toThrow(/key file \/x is 7 characters long/);
    expect(() => assertUsablePseudonymSecret('hunter2', 'key file /x')).not.toThrow(/hunter2/);
  });

  it('should trim a trailing newline from a key file', () => {
    expect(assertUsablePseudonymSecret(`${SECRET}\n`, 'file')).toBe(SECRET);
  });
});
