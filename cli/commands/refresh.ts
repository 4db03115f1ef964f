import { readFileSync } from 'node:fs';
import { S3Client } from '@aws-sdk/client-s3';
import type { Command } from '../command';
import { CliError, parseOptions } from '../command';
import { createDuckDbEngine } from '../../lambdas/adapters/duckdb-engine';
import { lakeViewStatements } from '../../lambdas/adapters/lake-tables-duckdb';
import { S3ObjectStore } from '../../lambdas/adapters/object-store';
import { loadQuery, metricNames, QUERIES_DIR, resolveQueryPath } from '../../lambdas/adapters/query-files';
import { indexKey, LATEST_FOLDER, parseMetricsIndex } from '../../lambdas/core/metrics-document';
import { defaultAsOf, definitionsVersion, refreshMetrics } from '../../lambdas/core/refresh';
import { LOCAL_AWS_CREDENTIALS, LOCAL_REGION } from '../local/dynamodb-local';
import { syncLakeMirror } from '../local/lake-mirror';
import { ensureLocalDirectors, localDirectorsPath } from '../local/local-directors';
import { localFolder } from '../local/paths';
import { runningStack } from '../local/stack';

export const command: Command = {
  summary: 'Materialise the dashboard metrics (every metric × filter) from the local lake into metrics/ on the local S3',
  usage: [
    'iop-outcomes refresh [--as-of YYYY-MM-DD]',
    '',
    '  --as-of DATE   data cutoff (default: yesterday, UTC)',
    '',
    'Needs a running `iop-outcomes serve` (in another terminal). Runs the same SQL as the',
    'scheduled refresh Lambda, on DuckDB over a mirror of the local lake, and writes',
    'metrics/<as-of>/… and metrics/latest/… to the local bucket. Page views never run queries.',
  ].join('\n'),
  async run(argv) {
    const { values } = parseOptions(argv, { 'as-of': { type: 'string' } });
    const asOf = values['as-of'] ?? defaultAsOf();
    if (!/^\d{4}-\d{2}-\d{2}$/.test(asOf) || Number.isNaN(Date.parse(`${asOf}T00:00:00Z`))) {
      throw new CliError(`--as-of must be a date written YYYY-MM-DD, got "${asOf}"`, 2);
    }
    const stack = runningStack();
    if (!stack) throw new CliError('no local stack is running: start `iop-outcomes serve` in another terminal first');

    const client = new S3Client({ endpoint: stack.s3Endpoint, region: LOCAL_REGION, forcePathStyle: true, credentials: LOCAL_AWS_CREDENTIALS });
    const store = new S3ObjectStore(client, stack.bucket);
    const mirrorDir = localFolder('lake-mirror');
    const mirror = await syncLakeMirror(store, mirrorDir);
    console.log(`lake mirror: ${mirror.downloaded} new, ${mirror.removed} removed, ${mirror.unchanged} unchanged`);

    const engine = await createDuckDbEngine({ setupStatements: lakeViewStatements(mirrorDir) });
    const started = Date.now();
    try {
      const summary = await refreshMetrics({
        engine,
        store,
        metricNames: metricNames(),
        declaredParams: (name) => loadQuery(name).params.map((param) => param.name),
        querySource: (name) => readFileSync(resolveQueryPath(name), 'utf8'),
        definitionsVersion: definitionsVersion(QUERIES_DIR),
        asOf,
        log: (line) => console.log(line),
      });
      // Every clinic in the data gets a local director, so the dashboard can be opened for it.
      const index = parseMetricsIndex(JSON.parse(Buffer.from((await store.get(indexKey(LATEST_FOLDER)))!).toString('utf8')), 'latest index');
      ensureLocalDirectors(index.clinics.map((clinic) => clinic.id));
      console.log(
        [
          `refreshed ${summary.documents} documents (${summary.queries} queries) as of ${summary.asOf} in ${((Date.now() - started) / 1000).toFixed(1)} s`,
          `definitions ${summary.definitionsVersion}`,
          `dashboard: ${stack.dashboardUrl}  (director keys: ${localDirectorsPath()})`,
        ].join('\n'),
      );
    } finally {
      await engine.close();
    }
  },
};
