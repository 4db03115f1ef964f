/**
 * The object store port over a local folder: keys are relative paths. Lets the CLI write a
 * funder report to `out/` through the same code that writes to S3 in AWS.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import type { ObjectStore, StoredObject } from '../../lambdas/adapters/object-store';

export class DirectoryObjectStore implements ObjectStore {
  readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
  }

  private pathOf(key: string): string {
    const path = resolve(this.root, key);
    if (!path.startsWith(this.root + sep)) throw new Error(`key "${key}" points outside ${this.root}`);
    return path;
  }

  async put(key: string, body: Uint8Array | string): Promise<void> {
    const path = this.pathOf(key);
    mkdirSync(dirname(path), { recursive: true });
    // Write then rename: a reader never sees half a file.
    writeFileSync(`${path}.partial`, body);
    renameSync(`${path}.partial`, path);
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    const path = this.pathOf(key);
    return existsSync(path) ? readFileSync(path) : undefined;
  }

  async list(prefix: string): Promise<StoredObject[]> {
    const objects: StoredObject[] = [];
    const walk = (dir: string) => {
      if (!existsSync(dir)) return;
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) walk(path);
        else if (!entry.name.endsWith('.partial')) {
          const key = relative(this.root, path).split(sep).join('/');
          if (key.startsWith(prefix)) {
            objects.push({ key, size: statSync(path).size, etag: createHash('md5').update(readFileSync(path)).digest('hex') });
          }
        }
      }
    };
    walk(this.root);
    return objects.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  async delete(keys: string[]): Promise<void> {
    for (const key of keys) rmSync(this.pathOf(key), { force: true });
  }
}
