/**
 * The one-command demo (`npm start`): local stack up, a calibrated synthetic IOP
 * network generated and sent through the real HTTP API, the lake caught up, the
 * dashboard metrics materialised, a funder report written, and a per-clinic
 * summary printed. A second run reuses the data; `--fresh` starts over.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cohortClinicIds, writeCohort } from '../synthetic/emit';
import { ingestFile, type IngestSummary } from '../ingest-client';
import { formatSummary, progressReporter } from '../commands/ingest';
import { localDir, localFolder, localPath } from '../local/paths';
import { runningStack, startLocalStack, type LocalStack } from '../local/stack';
import { localObjectStore, openLocalLakeEngine, REFRESH_CONNECTIONS } from '../local/lake-engine';
import { refreshLocalMetrics } from '../commands/refresh';
import { clinicSummaryTable, type SummaryQueries } from './clinic-summary';
import { writeDemoReport } from './demo-report';

export interface DemoOptions {
  fresh: boolean;
  seed: number;
  clinics: number;
  admissions: number;
  months: number;
  /** Stop after the summary instead of serving until Ctrl-C (tests, benchmarks). */
  exit: boolean;
  apiPort?: number;
  dashboardPort?: number;
  log: (line: string) => void;
}

/** What a finished load left in `.local/demo.json`, so the next run reuses the data. */
interface DemoState {
  seed: number;
  clinics: number;
  admissions: number;
  months: number;
  asOf: string;
  clinicIds: string[];
  ingest: Pick<IngestSummary, 'events' | 'accepted' | 'duplicate' | 'stale' | 'rejected' | 'retracted'>;
  loadedAt: string;
}

export interface DemoResult {
  stack: LocalStack;
  asOf: string;
  summary: string;
  reportFolder?: string;
  seconds: Record<string, number>;
}

function statePath(): string {
  return localPath('demo.json');
}

function readState(): DemoState | undefined {
  return existsSync(statePath()) ? (JSON.parse(readFileSync(statePath(), 'utf8')) as DemoState) : undefined;
}

export async function runDemo(options: DemoOptions): Promise<DemoResult> {
  const { log } = options;
  const seconds: Record<string, number> = {};
  const timed = async <T>(label: string, step: () => Promise<T>): Promise<T> => {
    const started = Date.now();
    try {
      return await step();
    } finally {
      seconds[label] = (Date.now() - started) / 1000;
    }
  };

  if (options.fresh) {
    const running = runningStack();
    if (running) throw new Error(`a local stack is running (pid ${running.pid}); stop it before --fresh`);
    rmSync(localDir(), { recursive: true, force: true });
    log(`--fresh: removed ${localDir()}`);
  }
  const previous = readState();
  const clinicIds = previous?.clinicIds ?? cohortClinicIds(options.seed, options.clinics);
  const stack = await timed('start', () => startLocalStack({ apiPort: options.apiPort, dashboardPort: options.dashboardPort, clinics: clinicIds, log }));
  try {
    let asOf: string;
    if (previous) {
      asOf = previous.asOf;
      log(`Reusing the data loaded ${previous.loadedAt} (${previous.ingest.accepted.toLocaleString('en-US')} events accepted). Run with --fresh to start over.`);
    } else {
      asOf = new Date().toISOString().slice(0, 10);
      const cohortFile = join(localFolder('demo'), 'cohort.ndjson');
      const written = await timed('generate', () =>
        writeCohort({ seed: options.seed, clinics: options.clinics, admissions: options.admissions, months: options.months, asOf, clean: false }, cohortFile),
      );
      log(`Generated ${written.episodes.toLocaleString('en-US')} admissions at ${clinicIds.length} clinics over ${options.months} months: ${written.events.toLocaleString('en-US')} events, ${written.retractions} retractions → ${cohortFile}`);
      log(`Sending them through the ingest API (${stack.apiUrl}/v1/events), as a clinic's export would be sent…`);
      const progress = progressReporter();
      const started = Date.now();
      const ingest = await timed('ingest', () =>
        ingestFile(cohortFile, { apiUrl: stack.apiUrl, credentials: stack.secrets.credentials, onProgress: progress.update }),
      );
      progress.done();
      log(formatSummary(ingest, stack.apiUrl, (Date.now() - started) / 1000));
      if (ingest.notSent > 0) throw new Error(`${ingest.notSent} events were not delivered to the local API; see the summary above`);
      const state: DemoState = {
        seed: options.seed,
        clinics: options.clinics,
        admissions: options.admissions,
        months: options.months,
        asOf,
        clinicIds,
        ingest: { events: ingest.events, accepted: ingest.accepted, duplicate: ingest.duplicate, stale: ingest.stale, rejected: ingest.rejected, retracted: ingest.retracted },
        loadedAt: new Date().toISOString(),
      };
      writeFileSync(statePath(), `${JSON.stringify(state, null, 2)}\n`);
    }

    log('Waiting for the stream → lake mapping to deliver every change…');
    await timed('lake', () => stack.lakeCaughtUp());

    // One connection per core: the refresh runs its queries side by side (ADR 0106).
    const engine = await openLocalLakeEngine(stack, { connections: REFRESH_CONNECTIONS });
    const store = localObjectStore(stack);
    try {
      log(`Materialising the dashboard metrics as of ${asOf}…`);
      const refresh = await timed('refresh', () => refreshLocalMetrics({ engine, store, asOf }));
      log(`  ${refresh.documents} documents from ${refresh.queries} queries`);
      const reportFolder = await timed('report', () => writeDemoReport({ engine, log }));
      const summary = await timed('summary', () => clinicSummaryTable(engine as SummaryQueries, asOf));
      return { stack, asOf, summary, reportFolder, seconds };
    } finally {
      store.close();
      await engine.close();
    }
  } catch (error) {
    await stack.stop();
    throw error;
  }
}
