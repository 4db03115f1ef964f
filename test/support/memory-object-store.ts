/** An in-memory ObjectStore for unit tests of code that only needs the port (the S3 adapter is tested against s3rver). */
import { createHash } from 'node:crypto';
import type { ObjectStore, StoredObject } from '../../lambdas/adapters/object-store';

export class MemoryObjectStore implements ObjectStore {
  readonly objects = new Map<string, Uint8Array>();
  readonly deletions: string[] = [];
  /** Called inside list(), after the listing is taken: lets a test write "concurrently". */
  afterList?: () => void;

  async put(key: string, body: Uint8Array | string): Promise<void> {
    this.objects.set(key, typeof body === 'string' ? new TextEncoder().encode(body) : body);
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    return this.objects.get(key);
  }

  async list(prefix: string): Promise<StoredObject[]> {
    const listed = [...this.objects]
      .filter(([key]) => key.startsWith(prefix))
      .map(([key, body]) => ({ key, size: body.byteLength, etag: createHash('md5').update(body).digest('hex') }))
      .sort((a, b) => (a.key < b.key ? -1 : 1));
    const hook = this.afterList;
    this.afterList = undefined;
    hook?.();
    return listed;
  }

  async delete(keys: string[]): Promise<void> {
    for (const key of keys) {
      this.objects.delete(key);
      this.deletions.push(key);
    }
  }
}
