/**
 * Reads the funder profiles file (config/funders.json) for the stage config, keeps dev from
 * e-mailing funders, and names a bad profile by its id and its place in the file.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';

/** Where the funder profiles of every stage live (the report CLI reads the same file). */
export const DEFAULT_FUNDERS_FILE = path.join(__dirname, '..', 'config', 'funders.json');

/** The profiles as written (validated later by the stage config schema). */
export function readFundersFile(file: string): unknown[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new Error(`cannot read the funder profiles ${file}: ${(error as Error).message} (pass -c fundersFile=path/to/funders.json)`, { cause: error });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new Error(`funder profiles ${file} is not valid JSON: ${(error as Error).message}`, { cause: error });
  }
  if (!Array.isArray(parsed)) throw new Error(`funder profiles ${file} must hold a JSON array of profiles ([] for none)`);
  return parsed;
}

/** Turns every e-mail delivery into an SNS publish, and says which profiles it changed. */
export function redirectMailToTopic(profiles: unknown[]): { profiles: unknown[]; redirected: string[] } {
  const redirected: string[] = [];
  const changed = profiles.map((profile) => {
    if (!isRecord(profile) || !isRecord(profile.delivery) || profile.delivery.channel !== 'email') return profile;
    redirected.push(String(profile.id));
    return { ...profile, delivery: { channel: 'sns' } };
  });
  return { profiles: changed, redirected };
}

/**
 * `reports.profiles.1.schedule.cron` → `funder profile "state-sor" (config/funders.json entry 2) schedule.cron`;
 * undefined when the config path is not inside a profile.
 */
export function describeProfilePath(configPath: readonly PropertyKey[], profiles: unknown[], fundersFile: string): string | undefined {
  const [section, list, index, ...rest] = configPath;
  if (section !== 'reports' || list !== 'profiles' || typeof index !== 'number') return undefined;
  const raw = profiles[index];
  const id = isRecord(raw) && typeof raw.id === 'string' ? `"${raw.id}"` : '(no id)';
  const relative = path.relative(process.cwd(), fundersFile);
  const file = relative && !relative.startsWith('..') ? relative : fundersFile;
  return `funder profile ${id} (${file} entry ${index + 1}) ${rest.map(String).join('.') || '(whole profile)'}`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
