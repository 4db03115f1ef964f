/**
 * Keeps a local folder in step with the bucket's lake prefix, for DuckDB (which cannot
 * read s3:// offline). Incremental: only new or changed objects (by ETag and size) are
 * downloaded, deleted objects are removed; files appear atomically (write, then rename).
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';
import type { ObjectStore } from '../../lambdas/adapters/object-store';
import { DEFAULT_LAKE_PREFIX } from '../../lambdas/core/runtime-env';

export interface MirrorReport {
  downloaded: number;
  removed: number;
  unchanged: number;
}

/** What the mirror holds: key → "<etag>:<size>". */
type Manifest = Record<string, string>;

const MANIFEST_FILE = '.lake-mirror.json';

/** Mirrors `<prefix>` of the store into `<mirrorDir>/<prefix>`; safe to call as often as wanted. */
export async function syncLakeMirror(store: ObjectStore, mirrorDir: string, prefix = DEFAULT_LAKE_PREFIX): Promise<MirrorReport> {
  const root = resolve(mirrorDir);
  mkdirSync(root, { recursive: true });
  const manifestPath = join(root, MANIFEST_FILE);
  const manifest: Manifest = existsSync(manifestPath) ? (JSON.parse(readFileSync(manifestPath, 'utf8')) as Manifest) : {};
  const listed = await store.list(prefix);
  const report: MirrorReport = { downloaded: 0, removed: 0, unchanged: 0 };
  const next: Manifest = {};
  let completed = false;
  try {
    for (const object of listed) {
      const path = localPathOf(root, object.key);
      const stamp = `${object.etag}:${object.size}`;
      if (manifest[object.key] === stamp && existsSync(path)) {
        next[object.key] = stamp;
        report.unchanged += 1;
        continue;
      }
      const body = await store.get(object.key);
      if (body === undefined) continue; // deleted since the listing: nothing to mirror
      mkdirSync(dirname(path), { recursive: true });
      const partial = `${path}.partial`;
      writeFileSync(partial, body);
      renameSync(partial, path);
      next[object.key] = stamp;
      report.downloaded += 1;
    }
    const present = new Set(listed.map((object) => object.key));
    for (const key of Object.keys(manifest)) {
      if (present.has(key)) continue;
      rmSync(localPathOf(root, key), { force: true });
      report.removed += 1;
    }
    completed = true;
  } finally {
    // Written even after a failure, so what was downloaded is not fetched again; entries not
    // yet handled keep their old stamp and are checked (or removed) on the next sync.
    writeFileSync(manifestPath, `${JSON.stringify(completed ? next : { ...manifest, ...next }, null, 1)}\n`);
  }
  return report;
}

function localPathOf(root: string, key: string): string {
  const path = resolve(root, ...key.split('/'));
  if (!path.startsWith(root + sep)) throw new Error(`object key ${JSON.stringify(key)} would be mirrored outside ${root}; refusing`);
  return path;
}
