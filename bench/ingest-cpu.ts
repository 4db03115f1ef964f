/**
 * Benchmark 4, ingest CPU per event: the ingest core (ingestBatch: read, validate,
 * tenant check, pseudonymise, hash, plan writes, answer) on full batches of generator
 * events, with an in-memory store so only the handler's own CPU is counted, against
 * the floor of JSON.parse + zod eventSchema.safeParse of the same bodies.
 */
import { cohortLines } from '../cli/synthetic/emit';
import { eventSchema } from '../lambdas/core/event-schema';
import { ingestBatch, type SaveEvents } from '../lambdas/core/ingest';
import { DEFAULT_INGEST_SETTINGS } from '../lambdas/core/settings';
import { measure, ratio } from './measure';
import { benchCohort } from './synthetic-changes';
import type { ResultTable } from './table';

export interface IngestCpuOptions {
  /** Events to send (rounded down to whole batches). */
  events: number;
  seed?: number | string;
}

export interface IngestCpuCase {
  name: string;
  events: number;
  cpuSeconds: number;
  microsecondsPerEvent: number;
  /** µs/event ÷ the parse + validate baseline. */
  ratioToBaseline: number;
}

export interface IngestCpuResult {
  batchSize: number;
  batches: number;
  cases: IngestCpuCase[];
}

interface ClinicBatch {
  clinicId: string;
  body: string;
  events: number;
}

const SECRET = 'bench-pseudonym-secret-0123456789abcdef';

export async function runIngestCpuBenchmark(options: IngestCpuOptions): Promise<IngestCpuResult> {
  const batchSize = DEFAULT_INGEST_SETTINGS.maxEventsPerBatch;
  const batches = clinicBatches(options.events, batchSize, options.seed);
  if (batches.length === 0) throw new Error(`ingest benchmark: ${options.events} events make no full batch of ${batchSize}`);
  // The stub accepts everything: a benchmark of the handler's CPU, not of a database.
  const save: SaveEvents = async (events) => events.map(() => ({ status: 'accepted' as const }));
  const receivedAt = new Date('2026-07-01T10:00:00Z');
  const ingest = (batch: ClinicBatch) =>
    ingestBatch({ body: batch.body, callerClinicId: batch.clinicId, pseudonymSecret: SECRET, receivedAt, limits: DEFAULT_INGEST_SETTINGS, save });
  const validateOnly = (batch: ClinicBatch) => {
    const parsed = JSON.parse(batch.body) as { events: unknown[] };
    let valid = 0;
    for (const event of parsed.events) if (eventSchema.safeParse(event).success) valid += 1;
    return valid;
  };

  // Warm-up, so neither side pays for JIT compilation in its figure.
  for (const batch of batches.slice(0, 3)) {
    await ingest(batch);
    validateOnly(batch);
  }
  const events = batches.reduce((sum, batch) => sum + batch.events, 0);
  const baseline = await measure(() => {
    for (const batch of batches) validateOnly(batch);
  });
  const handler = await measure(async () => {
    for (const batch of batches) {
      const outcome = await ingest(batch);
      if (outcome.statusCode >= 400) throw new Error(`ingest benchmark: a batch of generator events was answered ${outcome.statusCode}`);
    }
  });
  const perEvent = (cpuSeconds: number) => (cpuSeconds * 1e6) / events;
  const caseOf = (name: string, cpuSeconds: number): IngestCpuCase => ({
    name,
    events,
    cpuSeconds,
    microsecondsPerEvent: perEvent(cpuSeconds),
    ratioToBaseline: ratio(perEvent(cpuSeconds), perEvent(baseline.cpuSeconds)),
  });
  return {
    batchSize,
    batches: batches.length,
    cases: [caseOf('baseline: JSON.parse + eventSchema.safeParse', baseline.cpuSeconds), caseOf('ingestBatch (in-memory store)', handler.cpuSeconds)],
  };
}

/** Request bodies of `batchSize` events, one clinic each, as a clinic's export client would send them. */
function clinicBatches(events: number, batchSize: number, seed: number | string = 1): ClinicBatch[] {
  const pending = new Map<string, unknown[]>();
  const batches: ClinicBatch[] = [];
  const wanted = Math.floor(events / batchSize);
  // ~54 events per admission; generate comfortably more than needed and stop early.
  for (const line of cohortLines(benchCohort(Math.ceil(events / 30) + 100, seed))) {
    if (line.kind !== 'event') continue;
    const clinicId = line.event.clinicId;
    const list = pending.get(clinicId) ?? [];
    list.push(line.event);
    pending.set(clinicId, list);
    if (list.length === batchSize) {
      batches.push({ clinicId, body: JSON.stringify({ events: list }), events: list.length });
      pending.set(clinicId, []);
      if (batches.length === wanted) break;
    }
  }
  return batches;
}

export function ingestCpuTable(result: IngestCpuResult): ResultTable {
  return {
    title: `Ingest handler CPU per event (${result.batches} batches of ${result.batchSize})`,
    columns: ['case', 'events', 'CPU s', 'µs CPU / event', '× baseline'],
    rows: result.cases.map((entry) => [
      entry.name,
      entry.events.toLocaleString('en-US'),
      entry.cpuSeconds.toFixed(2),
      entry.microsecondsPerEvent.toFixed(1),
      entry.ratioToBaseline.toFixed(2),
    ]),
    notes: [
      'The generator mix: ~0.5 % duplicates, 1 % corrections, a few invalid events (rejected with field errors, as in production).',
      'No target in the issue; the ratio shows what the handler adds over parsing and validating.',
    ],
  };
}
