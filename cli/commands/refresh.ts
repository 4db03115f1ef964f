import { readFileSync } from 'node:fs';
import type { Command } from '../command';
import { CliError, parseOptions } from '../command';
import type { QueryEngine } from '../../lambdas/adapters/query-engine';
import { loadQuery, metricNames, QUERIES_DIR, resolveQueryPath } from '../../lambdas/adapters/query-files';
import { indexKey, LATEST_FOLDER, parseMetricsIndex } from '../../lambdas/core/metrics-document';
import { defaultAsOf, definitionsVersion, refreshMetrics, type MetricsWriter, type RefreshSummary } from '../../lambdas/core/refresh';
import { REFRESH_CONNECTIONS, localObjectStore, openLocalLakeEngine } from '../local/lake-engine';
import { ensureLocalDirectors, localDirectorsPath } from '../local/local-directors';
import { runningStack } from '../local/stack';

/**
 * Runs the same refresh as the scheduled Lambda over a local engine and store (what
 * `npm start` calls too), and gives every clinic in the data a local director.
 */
export async function refreshLocalMetrics(options: {
  engine: Pick<QueryEngine, 'runQuery'>;
  store: MetricsWriter & { get(key: string): Promise<Uint8Array | undefined> };
  asOf: string;
  log?: (line: string) => void;
}): Promise<RefreshSummary> {
  const summary = await refreshMetrics({
    engine: options.engine,
    store: options.store,
    metricNames: metricNames(),
    declaredParams: (name) => loadQuery(name).params.map((param) => param.name),
    // Rate bases for network-view suppression are read from the SQL itself.
    querySource: (name) => readFileSync(resolveQueryPath(name), 'utf8'),
    definitionsVersion: definitionsVersion(QUERIES_DIR),
    asOf: options.asOf,
    // As many queries in flight as the session has connections: more would only queue.
    concurrency: REFRESH_CONNECTIONS,
    log: options.log,
  });
  const index = parseMetricsIndex(JSON.parse(Buffer.from((await options.store.get(indexKey(LATEST_FOLDER)))!).toString('utf8')), 'latest index');
  ensureLocalDirectors(index.clinics.map((clinic) => clinic.id));
  return summary;
}

export const command: Command = {
  summary: 'Materialise the dashboard metrics (every metric × filter) from the local lake into metrics/ on the local S3',
  usage: [
    'iop-outcomes refresh [--as-of YYYY-MM-DD]',
    '',
    '  --as-of DATE   data cutoff (default: yesterday, UTC)',
    '',
    'Needs a running `iop-outcomes serve` (in another terminal). Runs the same SQL as the',
    'scheduled refresh Lambda, on DuckDB over a snapshot of the local lake, and writes',
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

    const engine = await openLocalLakeEngine(stack, { connections: REFRESH_CONNECTIONS });
    const store = localObjectStore(stack);
    const started = Date.now();
    try {
      const summary = await refreshLocalMetrics({ engine, store, asOf, log: (line) => console.log(line) });
      console.log(
        [
          `refreshed ${summary.documents} documents (${summary.queries} queries) as of ${summary.asOf} in ${((Date.now() - started) / 1000).toFixed(1)} s`,
          `definitions ${summary.definitionsVersion}`,
          `dashboard: ${stack.dashboardUrl}  (director keys: ${localDirectorsPath()})`,
        ].join('\n'),
      );
    } finally {
      store.close();
      await engine.close();
    }
  },
};
