/**
 * Pseudonymisation of the clinic's client id: the only form of it that is ever
 * stored. Keyed (HMAC) so that nobody without the deployment's secret can test a
 * guessed id; scoped by clinic so two clinics' "1042" never collide.
 */
import { createHmac } from 'node:crypto';

/** Shortest pseudonymisation secret accepted: below this a key is guessable. */
export const MIN_PSEUDONYM_SECRET_LENGTH = 32;

/**
 * clientKey = hex HMAC-SHA256(secret, clinicId + U+0000 + clientId). The NUL
 * separator cannot occur in either id, so ("ab", "c") and ("a", "bc") differ.
 */
export function clientKeyOf(secret: string | Buffer, clinicId: string, clientId: string): string {
  return createHmac('sha256', secret).update(`${clinicId}\u0000${clientId}`, 'utf8').digest('hex');
}

/** Rejects secrets too short to protect anything, naming the fix without showing the value. */
export function assertUsablePseudonymSecret(secret: string, source: string): string {
  const trimmed = secret.trim();
  if (trimmed.length < MIN_PSEUDONYM_SECRET_LENGTH) {
    throw new Error(
      `the pseudonymisation secret from ${source} is ${trimmed.length} characters long; ` +
        `it must be at least ${MIN_PSEUDONYM_SECRET_LENGTH} (e.g. 32 random bytes written as hex)`,
    );
  }
  return trimmed;
}
