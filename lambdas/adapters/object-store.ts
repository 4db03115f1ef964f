/**
 * The object store port (what the lake writer, backfill and the local mirror need
 * from S3) and its S3 implementation. Locally the same S3 client talks to the S3
 * server on loopback via the standard AWS_ENDPOINT_URL_S3 variable.
 */
import {
  DeleteObjectsCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  NoSuchKey,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { RUNTIME_ENV } from '../core/runtime-env';

export interface StoredObject {
  key: string;
  size: number;
  /** Entity tag without quotes; changes when the content changes. */
  etag: string;
}

export interface ObjectStore {
  put(key: string, body: Uint8Array | string, contentType?: string): Promise<void>;
  /** The object's bytes, or undefined when there is no such key. */
  get(key: string): Promise<Uint8Array | undefined>;
  /** Every object under the prefix (all pages), in key order. */
  list(prefix: string): Promise<StoredObject[]>;
  delete(keys: string[]): Promise<void>;
}

/** S3 limit for one DeleteObjects request. */
const DELETE_BATCH = 1000;

export class S3ObjectStore implements ObjectStore {
  constructor(
    private readonly client: S3Client,
    readonly bucket: string,
  ) {}

  async put(key: string, body: Uint8Array | string, contentType = 'application/octet-stream'): Promise<void> {
    await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentType: contentType }));
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    try {
      const response = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      return response.Body ? await response.Body.transformToByteArray() : new Uint8Array();
    } catch (error) {
      if (error instanceof NoSuchKey || (error as { name?: string }).name === 'NoSuchKey') return undefined;
      throw error;
    }
  }

  async list(prefix: string): Promise<StoredObject[]> {
    const objects: StoredObject[] = [];
    let ContinuationToken: string | undefined;
    do {
      const page = await this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken }));
      for (const entry of page.Contents ?? []) {
        if (!entry.Key) continue;
        objects.push({ key: entry.Key, size: entry.Size ?? 0, etag: (entry.ETag ?? '').replace(/"/g, '') });
      }
      ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (ContinuationToken);
    return objects.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  async delete(keys: string[]): Promise<void> {
    for (let start = 0; start < keys.length; start += DELETE_BATCH) {
      const chunk = keys.slice(start, start + DELETE_BATCH);
      const response = await this.client.send(
        new DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects: chunk.map((Key) => ({ Key })), Quiet: true } }),
      );
      const failed = response.Errors ?? [];
      if (failed.length > 0) {
        const first = failed[0];
        throw new Error(`S3 refused to delete ${failed.length} object(s) from ${this.bucket}, e.g. ${first.Key}: ${first.Code} ${first.Message}`);
      }
    }
  }
}

/** An S3 client configured from the environment (region, credentials, AWS_ENDPOINT_URL_S3, path style). */
export function s3ClientFromEnv(): S3Client {
  return new S3Client({ forcePathStyle: process.env[RUNTIME_ENV.s3ForcePathStyle] === 'true' });
}
