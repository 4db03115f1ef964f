/**
 * Faults on the way to the lake, judged by what users see: the same messy feed delivered
 * once cleanly and once with a quarter of the S3 writes failing (the mapping retrying
 * from the record the handler names, so landed partitions are written again) and a few
 * poison records in the stream. Nothing may be lost or counted twice: the current views
 * and every metric must equal the clean delivery's, the poison must sit in quarantine.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cohortLines } from '../../cli/synthetic/emit';
import { createDuckDbEngine, type DuckDbEngine } from '../../lambdas/adapters/duckdb-engine';
import { lakeViewStatements } from '../../lambdas/adapters/lake-tables-duckdb';
import type { ObjectStore } from '../../lambdas/adapters/object-store';
import type { Row } from '../../lambdas/adapters/query-engine';
import { CHANGE_COLUMNS, LAKE_TABLE_NAMES } from '../../lambdas/core/lake-columns';
import { feedLake, type LakeFeedReport } from '../support/e2e-lake-feed';
import { allMetrics } from '../support/e2e-local-stack';

const AS_OF = '2026-06-30';
const COHORT = { seed: 77, clinics: 3, admissions: 300, months: 12, asOf: AS_OF, clean: false } as const;
const POISON_BEFORE_LINES = [10, 6000, 12_000];
const SECRET = 'faults-secret-0123456789abcdef0123456789';

/** An object store whose writes fail at the given rate, as S3 does under SlowDown or a 500 (seeded, so runs repeat). */
function flakyStore(inner: ObjectStore, failureRate: number, seed: number): ObjectStore & { failures: number } {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0; // mulberry32
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const flaky = {
    failures: 0,
    put: async (key: string, body: Uint8Array | string, contentType?: string) => {
      if (next() < failureRate) {
        flaky.failures += 1;
        throw Object.assign(new Error('Please reduce your request rate.'), { name: 'SlowDown', $metadata: { httpStatusCode: 503 } });
      }
      await inner.put(key, body, contentType);
    },
    get: (key: string) => inner.get(key),
    list: (prefix: string) => inner.list(prefix),
    delete: (keys: string[]) => inner.delete(keys),
  };
  return flaky;
}

/** The views without the change bookkeeping, which differs by design between two deliveries (sequence numbers, times). */
async function currentFacts(engine: DuckDbEngine): Promise<Record<string, Row[]>> {
  const bookkeeping = new Set(CHANGE_COLUMNS.map((column) => column.name));
  const facts: Record<string, Row[]> = {};
  for (const table of LAKE_TABLE_NAMES) {
    const rows = (await engine.runSql(`SELECT * FROM ${table}_current`, [])).map((row) =>
      Object.fromEntries(Object.entries(row).filter(([column]) => !bookkeeping.has(column))),
    );
    facts[table] = rows.sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
  }
  return facts;
}

function roundedDoubles(rows: Row[]): Row[] {
  return rows.map((row) =>
    Object.fromEntries(Object.entries(row).map(([column, value]) => [column, typeof value === 'number' && !Number.isInteger(value) ? Number(value.toPrecision(12)) : value])),
  );
}

describe('lake delivery under S3 write failures and poison records', () => {
  const dirs: string[] = [];
  let clean: { report: LakeFeedReport; engine: DuckDbEngine };
  let faulty: { report: LakeFeedReport; engine: DuckDbEngine; failures: number; lakeDir: string };

  beforeAll(async () => {
    // Prepare + Act: the same feed twice, into two lakes
    const cleanDir = mkdtempSync(join(tmpdir(), 'e2e-faults-clean-'));
    const faultyDir = mkdtempSync(join(tmpdir(), 'e2e-faults-flaky-'));
    dirs.push(cleanDir, faultyDir);
    const startedAt = new Date('2026-07-01T02:00:00Z');
    const cleanReport = await feedLake(cohortLines(COHORT), { lakeDir: cleanDir, pseudonymSecret: SECRET, startedAt });
    let flaky: ReturnType<typeof flakyStore> | undefined;
    const faultyReport = await feedLake(cohortLines(COHORT), {
      lakeDir: faultyDir,
      pseudonymSecret: SECRET,
      startedAt,
      batchSize: 700,
      wrapStore: (store) => (flaky = flakyStore(store, 0.25, 2026)),
      poisonBeforeLines: POISON_BEFORE_LINES,
    });
    clean = { report: cleanReport, engine: await createDuckDbEngine({ setupStatements: lakeViewStatements(cleanDir) }) };
    faulty = {
      report: faultyReport,
      engine: await createDuckDbEngine({ setupStatements: lakeViewStatements(faultyDir) }),
      failures: flaky?.failures ?? 0,
      lakeDir: faultyDir,
    };
  }, 300_000);

  afterAll(async () => {
    await clean?.engine.close();
    await faulty?.engine.close();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('should have retried failed writes, written landed changes again, and quarantined exactly the poison records', async () => {
    // Act
    const quarantineDir = join(faulty.lakeDir, 'quarantine');
    const quarantined = existsSync(quarantineDir) ? readdirSync(quarantineDir, { recursive: true }).filter((name) => String(name).endsWith('.json')) : [];
    const [rows] = await faulty.engine.runSql(
      `SELECT count(*) AS total, count(DISTINCT change_seq) AS changes FROM (${LAKE_TABLE_NAMES.filter((table) => table !== 'drug_test_results').map((table) => `SELECT change_seq FROM ${table}`).join(' UNION ALL ')})`,
      [],
    );

    // Assess: the faults happened (else this file proves nothing), and only the poison is in quarantine
    expect(faulty.failures).toBeGreaterThan(20);
    expect(faulty.report.retries).toBeGreaterThan(10);
    expect(rows.total).toBeGreaterThan(rows.changes as number); // some changes landed twice
    expect(quarantined).toHaveLength(POISON_BEFORE_LINES.length);
    expect(faulty.report.inserts).toBe(clean.report.inserts);
  });

  it('should lose nothing and count nothing twice: the current views equal the clean delivery', async () => {
    // Act
    const [cleanFacts, faultyFacts] = [await currentFacts(clean.engine), await currentFacts(faulty.engine)];

    // Assess
    const stored = Object.values(cleanFacts)
      .filter((_, position) => LAKE_TABLE_NAMES[position] !== 'drug_test_results')
      .reduce((sum, rows) => sum + rows.length, 0);
    expect(stored).toBe(clean.report.inserts - clean.report.removes);
    for (const table of LAKE_TABLE_NAMES) expect({ table, rows: faultyFacts[table] }).toEqual({ table, rows: cleanFacts[table] });
  });

  it('should compute every metric exactly as from the clean delivery', async () => {
    // Act
    const [cleanMetrics, faultyMetrics] = [await allMetrics(clean.engine, AS_OF), await allMetrics(faulty.engine, AS_OF)];

    // Assess: data-quality counts deliveries, not facts (its duplicate count is the point there)
    expect(cleanMetrics.retention.length).toBeGreaterThan(0);
    for (const [name, rows] of Object.entries(cleanMetrics)) {
      if (name === 'data-quality') continue;
      expect({ name, rows: roundedDoubles(faultyMetrics[name]) }).toEqual({ name, rows: roundedDoubles(rows) });
    }
  });
});
