/**
 * Opens the local query engine: DuckDB over a mirror of the local lake. When a
 * stack is running (or given), the mirror is first brought up to date from its
 * S3 server, so read commands see what was ingested seconds ago.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import { createDuckDbEngine, type DuckDbEngine } from '../../lambdas/adapters/duckdb-engine';
import { lakeViewStatements } from '../../lambdas/adapters/lake-tables-duckdb';
import { S3ObjectStore } from '../../lambdas/adapters/object-store';
import { DEFAULT_LAKE_PREFIX } from '../../lambdas/core/runtime-env';
import { LOCAL_AWS_CREDENTIALS, LOCAL_REGION } from './dynamodb-local';
import { syncLakeMirror, type MirrorReport } from './lake-mirror';
import { localFolder } from './paths';
import { runningStack, type LocalStackInfo } from './stack';

export class NoLocalLakeError extends Error {
  constructor(mirrorDir: string) {
    super(
      `no local lake at ${join(mirrorDir, DEFAULT_LAKE_PREFIX)}. Start the local stack and load data first ` +
        '(`npm start`), then run the command again; or use --engine athena against a deployed stack.',
    );
    this.name = 'NoLocalLakeError';
  }
}

/** An S3 object store on the running local stack's bucket; `close()` releases the client. */
export function localObjectStore(stack: Pick<LocalStackInfo, 's3Endpoint' | 'bucket'>): S3ObjectStore & { close(): void } {
  const client = new S3Client({ endpoint: stack.s3Endpoint, region: LOCAL_REGION, credentials: LOCAL_AWS_CREDENTIALS, forcePathStyle: true });
  return Object.assign(new S3ObjectStore(client, stack.bucket), { close: () => client.destroy() });
}

/** Brings `.local/lake-mirror` up to date from the stack (the running one unless given). */
export async function syncLocalLake(stack: Pick<LocalStackInfo, 's3Endpoint' | 'bucket'> | undefined = runningStack()): Promise<{ mirrorDir: string; report?: MirrorReport }> {
  const mirrorDir = localFolder('lake-mirror');
  if (!stack) return { mirrorDir };
  const store = localObjectStore(stack);
  try {
    return { mirrorDir, report: await syncLakeMirror(store, mirrorDir) };
  } finally {
    store.close();
  }
}

/**
 * DuckDB with the lake's tables and `_current` views over the (synced) local mirror,
 * prepared (`DuckDbEngine.prepare`): the lake tables, `_current` views and `episodes` are
 * computed once into memory, so a read session (one `query`, a whole `refresh`) sees one
 * consistent state of the lake and ~170 refresh queries stop re-reading and re-deriving
 * them (docs/adr/0105). The SQL is unchanged: the same names point at the copies.
 */
export async function openLocalLakeEngine(stack?: Pick<LocalStackInfo, 's3Endpoint' | 'bucket'>, options: LakeEngineOptions = {}): Promise<DuckDbEngine> {
  const { mirrorDir } = await syncLocalLake(stack ?? runningStack());
  if (!existsSync(join(mirrorDir, DEFAULT_LAKE_PREFIX))) throw new NoLocalLakeError(mirrorDir);
  return openLakeEngine(mirrorDir, options);
}

export interface LakeEngineOptions {
  /** Queries the session runs at once: 1 for one query (`query`), REFRESH_CONNECTIONS for a refresh. */
  connections?: number;
  /**
   * Compute the inputs once at open (default). A session that runs one query (`query`) passes
   * false: one statement already reads one state of the files, and preparing would read every
   * table, not only the ones the query needs.
   */
  prepare?: boolean;
}

/** The product's DuckDB session over a lake folder (the mirror, or a benchmark lake), prepared. */
export async function openLakeEngine(mirrorDir: string, options: LakeEngineOptions = {}): Promise<DuckDbEngine> {
  const engine = await createDuckDbEngine({ setupStatements: lakeViewStatements(mirrorDir), connections: options.connections ?? 1 });
  try {
    if (options.prepare !== false) await engine.prepare();
    return engine;
  } catch (error) {
    await engine.close();
    throw error;
  }
}

/**
 * Queries a refresh runs at once: one per core, each on its share of the cores
 * (docs/adr/0106). A refresh's queries are many and mid-sized; side by side they keep the
 * cores busier, for less CPU, than one at a time split over every core.
 */
export const REFRESH_CONNECTIONS = Math.max(2, availableParallelism());
