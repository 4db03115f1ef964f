/**
 * Scheduled refresh Lambda (EventBridge Scheduler): runs every metric query on Athena at
 * yesterday's cutoff (or the `asOf` in the event) and writes the materialised documents.
 * The queries read a per-refresh CTAS snapshot of the `_current` views and `episodes`
 * (docs/adr/0122), dropped again when the refresh ends, whether it succeeded or not.
 */
import { readFileSync } from 'node:fs';
import middy from '@middy/core';
import { createAthenaEngine } from '../adapters/athena-engine';
import { S3ObjectStore, s3ClientFromEnv } from '../adapters/object-store';
import { loadQuery, metricNames, QUERIES_DIR, resolveQueryPath } from '../adapters/query-files';
import { METRICS_PREFIX } from '../core/metrics-document';
import { defaultAsOf, definitionsVersion, refreshMetrics, type RefreshSummary } from '../core/refresh';
import { RUNTIME_ENV, requiredEnv } from '../core/runtime-env';

export interface RefreshEvent {
  /** Data cutoff YYYY-MM-DD; yesterday (UTC) when absent. */
  asOf?: string;
}

const log = (message: string) => console.log(JSON.stringify({ level: 'INFO', service: 'refresh', message }));

async function refresh(event: RefreshEvent): Promise<RefreshSummary> {
  // The bundle carries queries/ beside the handler (lib/dashboard.ts copies it there).
  const queriesDir = process.env[RUNTIME_ENV.queriesDir] || QUERIES_DIR;
  const engine = createAthenaEngine({
    workGroup: requiredEnv(RUNTIME_ENV.athenaWorkGroup),
    database: process.env[RUNTIME_ENV.athenaDatabase] || undefined,
    queriesDir,
    snapshot: process.env[RUNTIME_ENV.athenaResultsLocation] ? { resultsLocation: process.env[RUNTIME_ENV.athenaResultsLocation] as string, log } : undefined,
  });
  let summary: RefreshSummary | undefined;
  let failure: unknown;
  try {
    summary = await refreshMetrics({
      engine,
      store: new S3ObjectStore(s3ClientFromEnv(), requiredEnv(RUNTIME_ENV.metricsBucket)),
      prefix: process.env[RUNTIME_ENV.metricsPrefix] || METRICS_PREFIX,
      metricNames: metricNames(queriesDir),
      declaredParams: (name) => loadQuery(name, queriesDir).params.map((param) => param.name),
      querySource: (name) => readFileSync(resolveQueryPath(name, queriesDir), 'utf8'),
      definitionsVersion: definitionsVersion(queriesDir),
      asOf: event?.asOf ?? defaultAsOf(),
      log,
    });
    log(`refreshed ${summary.documents} documents as of ${summary.asOf}`);
  } catch (error) {
    failure = error;
  }
  // Cleanup runs whatever happened. A failed refresh reports its own error; after a good one,
  // a snapshot left behind fails the run so the refresh alarm shows it (the log names what is left).
  try {
    await engine.close();
  } catch (error) {
    console.error(JSON.stringify({ level: 'ERROR', service: 'refresh', message: (error as Error).message }));
    failure ??= error;
  }
  if (failure !== undefined || !summary) throw failure;
  return summary;
}

export const handler = middy<RefreshEvent, RefreshSummary>(refresh);
