/**
 * Replay: a clinic re-sends the same export (a retry after a timeout, a re-run of a
 * nightly job). Sent three times through the real local stack, the system of record,
 * the lake's current views and every metric must end exactly as after the first send.
 */
import { join } from 'node:path';
import { ingestFile, type IngestSummary } from '../../cli/ingest-client';
import { cohortClinicIds, cohortLines, writeCohort } from '../../cli/synthetic/emit';
import type { Row } from '../../lambdas/adapters/query-engine';
import { LAKE_TABLE_NAMES } from '../../lambdas/core/lake-columns';
import { allMetrics, currentViews, type E2eStack, scanEventsTable, startE2eStack } from '../support/e2e-local-stack';

/** Today: data-quality counts only changes made on or before as_of, and the lake's changes are made now. */
const AS_OF = new Date().toISOString().slice(0, 10);
const COHORT = { seed: 311, clinics: 3, admissions: 60, months: 12, asOf: AS_OF, clean: false } as const;

interface Snapshot {
  table: Record<string, unknown>[];
  views: Record<string, Row[]>;
  metrics: Record<string, Row[]>;
  /** Raw lake rows (every change ever delivered) by change kind. */
  lakeChanges: Record<string, number>;
}

/** The table keys the feed must leave: every valid event's clinic#eventId, retractions removed. */
function finalEventKeys(): string[] {
  const keys = new Set<string>();
  for (const line of cohortLines(COHORT)) {
    if (line.kind === 'retract') keys.delete(`${line.clinicId}#${line.eventId}`);
    else if (line.role !== 'invalid') keys.add(`${line.event.clinicId}#${line.event.eventId}`);
  }
  return [...keys].sort((a, b) => a.localeCompare(b));
}

/**
 * Doubles to 12 significant digits: DuckDB sums in parallel, so a mean over the same rows can
 * differ in the last bit between runs (seen: 0.30861055611055616 vs 0.3086105561105562).
 * Counts, dates and labels stay exact.
 */
function roundedDoubles(rows: Row[]): Row[] {
  return rows.map((row) =>
    Object.fromEntries(Object.entries(row).map(([column, value]) => [column, typeof value === 'number' && !Number.isInteger(value) ? Number(value.toPrecision(12)) : value])),
  );
}

describe('replaying the same export three times through the local stack', () => {
  let e2e: E2eStack;
  let cohortFile: string;
  const passes: { ingest: IngestSummary; snapshot: Snapshot }[] = [];

  async function sendAndSnapshot(): Promise<void> {
    const ingest = await ingestFile(cohortFile, { apiUrl: e2e.stack.apiUrl, credentials: e2e.stack.secrets.credentials });
    await e2e.stack.lakeCaughtUp(120_000);
    const engine = await e2e.openLake();
    try {
      const changes = await engine.runSql(
        `SELECT change_kind, count(*) AS n FROM (${LAKE_TABLE_NAMES.map((table) => `SELECT change_kind FROM ${table}`).join(' UNION ALL ')}) GROUP BY change_kind`,
        [],
      );
      passes.push({
        ingest,
        snapshot: {
          table: await scanEventsTable(e2e.stack),
          views: await currentViews(engine),
          metrics: await allMetrics(engine, AS_OF),
          lakeChanges: Object.fromEntries(changes.map((row) => [row.change_kind, row.n])),
        },
      });
    } finally {
      await engine.close();
    }
  }

  beforeAll(async () => {
    // Prepare: the stack and a messy export; Act: send it three times
    e2e = await startE2eStack(cohortClinicIds(COHORT.seed, COHORT.clinics), 'replay');
    cohortFile = join(e2e.localDir, 'cohort.ndjson');
    await writeCohort(COHORT, cohortFile);
    for (let pass = 0; pass < 3; pass++) await sendAndSnapshot();
  }, 600_000);

  afterAll(async () => {
    await e2e?.stop();
  });

  it('should store the feed on the first pass and only answer duplicate or stale afterwards', () => {
    // Assess
    const [first, second, third] = passes.map((pass) => pass.ingest);
    expect(first.accepted).toBeGreaterThan(2000);
    expect(first.rejected).toBeGreaterThanOrEqual(6); // the generator's guaranteed invalid events
    expect(first.retracted).toBeGreaterThanOrEqual(2);
    expect(first.notSent).toBe(0);
    for (const later of [second, third]) {
      expect(later.rejected).toBe(first.rejected);
      expect(later.notSent).toBe(0);
      // Nothing new: every fact comes back duplicate (or stale for a superseded first version);
      // the only accepted events are the double entries the export itself retracts again.
      expect(later.accepted).toBe(later.retracted);
      expect(later.retracted).toBe(first.retracted);
      expect(later.duplicate + later.stale).toBe(first.accepted + first.duplicate + first.stale - first.retracted);
    }
  });

  it('should leave the events table item for item identical, receivedAt included', () => {
    // Assess: a duplicate never rewrites an item, so bookkeeping stays too
    const [first, ...later] = passes.map((pass) => pass.snapshot.table);
    expect(first.map((item) => item.pk)).toEqual(finalEventKeys());
    for (const table of later) expect(table).toEqual(first);
  });

  it('should leave every _current view identical', () => {
    // Assess
    const [first, ...later] = passes.map((pass) => pass.snapshot.views);
    expect(first.enrollments.length).toBe(COHORT.admissions);
    for (const views of later) expect(views).toEqual(first);
  });

  it('should add nothing to the lake but the re-sent double entries and their retractions', () => {
    // Assess: retraction is a delete (ADR 0013), so a replayed export re-creates each retracted
    // entry until its DELETE line comes again: one INSERT and one REMOVE per retraction per replay.
    const retracted = passes[0].ingest.retracted;
    const [first, ...later] = passes.map((pass) => pass.snapshot.lakeChanges);
    expect(first.REMOVE).toBe(retracted);
    later.forEach((changes, replay) => {
      expect(changes).toEqual({ ...first, INSERT: first.INSERT + (replay + 1) * retracted, REMOVE: first.REMOVE + (replay + 1) * retracted });
    });
  });

  it('should compute identical metrics from every queries/metrics file', () => {
    // Prepare: data-quality's last_change_at is the lake's newest change, which the re-sent
    // double entries above move forward (by design); every other cell must be identical.
    const comparable = (metrics: Record<string, Row[]>): Record<string, Row[]> => ({
      ...metrics,
      'data-quality': metrics['data-quality'].map(({ last_change_at: _moved, ...row }) => row),
    });
    const [first, ...later] = passes.map((pass) => comparable(pass.snapshot.metrics));

    // Assess
    expect(Object.keys(first).length).toBeGreaterThanOrEqual(10);
    expect(first.retention.length).toBeGreaterThan(0);
    expect(first['data-quality'][0]).toMatchObject({ scope: 'all', events: finalEventKeys().length, duplicate_deliveries: 0 });
    for (const metrics of later) {
      for (const [name, rows] of Object.entries(first)) expect({ name, rows: roundedDoubles(metrics[name]) }).toEqual({ name, rows: roundedDoubles(rows) });
    }
  });
});
