/**
 * Where the local runtime keeps its state. Everything lives under `.local/` in the
 * project (or IOP_LOCAL_DIR), so `--fresh` is one directory removal.
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const PROJECT_ROOT = resolve(__dirname, '..', '..');

export function localDir(): string {
  return resolve(process.env.IOP_LOCAL_DIR ?? join(PROJECT_ROOT, '.local'));
}

/** A path under the local directory; the parent directory is created. */
export function localPath(...parts: string[]): string {
  const full = join(localDir(), ...parts);
  mkdirSync(join(full, '..'), { recursive: true });
  return full;
}

/** Downloaded tools (DynamoDB Local) are cached outside `.local/` so `--fresh` keeps them. */
export function toolCacheDir(): string {
  return resolve(process.env.IOP_TOOL_CACHE ?? join(PROJECT_ROOT, 'node_modules', '.cache', 'iop-outcomes'));
}

/** A folder under the local directory, created if missing. */
export function localFolder(...parts: string[]): string {
  const full = join(localDir(), ...parts);
  mkdirSync(full, { recursive: true });
  return full;
}
