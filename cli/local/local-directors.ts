/**
 * Local stand-in for the Cognito user pool: `.local/directors.json` maps a director's
 * name to a sign-in key and the clinics they direct. The local dashboard server turns a
 * valid key into the same claims API Gateway's Cognito authorizer would pass on.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { z } from 'zod';
import { CLINIC_GROUP_PREFIX } from '../../lambdas/core/dashboard-view';
import { clinicIdField } from '../../lambdas/core/event-schema';
import { localPath } from './paths';

const directorsSchema = z.record(
  z.string().regex(/^[A-Za-z0-9._@-]{1,64}$/, { error: 'director names use letters, digits and . _ @ -' }),
  z.strictObject({
    key: z.string().min(16, { error: 'a director key must be at least 16 characters' }),
    clinics: z.array(clinicIdField()).min(1, { error: 'a director needs at least one clinic' }),
  }),
);
export type LocalDirectors = z.infer<typeof directorsSchema>;

export function localDirectorsPath(): string {
  return localPath('directors.json');
}

export function readLocalDirectors(path = localDirectorsPath()): LocalDirectors {
  if (!existsSync(path)) throw new Error(`${path} does not exist; run \`iop-outcomes start\` (or \`refresh\`) to create the local directors`);
  const parsed = directorsSchema.safeParse(JSON.parse(readFileSync(path, 'utf8')));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`${path}: ${issue.path.join('.')} ${issue.message}`);
  }
  return parsed.data;
}

/**
 * Makes sure every clinic has a director (`director-<clinic>`), keeping existing
 * entries and keys; writes the file only when something was added. Returns all directors.
 */
export function ensureLocalDirectors(clinics: readonly string[], path = localDirectorsPath()): LocalDirectors {
  const directors: LocalDirectors = existsSync(path) ? readLocalDirectors(path) : {};
  let added = false;
  for (const clinic of [...new Set(clinics)].sort()) {
    const covered = Object.values(directors).some((director) => director.clinics.includes(clinic));
    if (covered) continue;
    directors[`director-${clinic}`] = { key: randomBytes(18).toString('base64url'), clinics: [clinic] };
    added = true;
  }
  if (added || !existsSync(path)) writeFileSync(path, `${JSON.stringify(directors, null, 2)}\n`, { mode: 0o600 });
  return directors;
}

/** The Cognito-authorizer-shaped claims for a bearer key, or undefined when no director has it. */
export function claimsForKey(directors: LocalDirectors, key: string | undefined): Record<string, string> | undefined {
  if (!key) return undefined;
  const presented = digest(key);
  for (const [name, director] of Object.entries(directors)) {
    // Compare digests so the comparison time does not depend on the key's content.
    if (timingSafeEqual(presented, digest(director.key))) {
      return {
        sub: `local-${name}`,
        'cognito:username': name,
        'cognito:groups': director.clinics.map((clinic) => `${CLINIC_GROUP_PREFIX}${clinic}`).join(','),
      };
    }
  }
  return undefined;
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
