import { loadQuery, metricNames } from '../../lambdas/adapters/query-files';
import type { DuckDbEngine } from '../../lambdas/adapters/duckdb-engine';
import {
  documentKey,
  indexKey,
  parseMetricsDocument,
  parseMetricsIndex,
  type MetricRow,
  type MetricsDocument,
} from '../../lambdas/core/metrics-document';
import { DASHBOARD_QUERIES, DATA_QUALITY_QUERY, defaultAsOf, definitionsVersion, documentName, filterParams, refreshMetrics } from '../../lambdas/core/refresh';
import { QUERIES_DIR } from '../../lambdas/adapters/query-files';
import { createFixtureEngine, FIXTURE_AS_OF, FIXTURE_CLINICS } from '../support/dashboard-fixture';

/** The object store port, in memory: enough for the core (the S3 adapter has its own tests). */
function memoryStore() {
  const objects = new Map<string, string>();
  return {
    objects,
    async put(key: string, body: Uint8Array | string) {
      objects.set(key, typeof body === 'string' ? body : Buffer.from(body).toString('utf8'));
    },
  };
}

/** DuckDB sums in parallel, so the last bits of a float can differ between two runs of one query. */
function expectSameRows(actual: MetricRow[], expected: MetricRow[]) {
  const rounded = (rows: MetricRow[]) =>
    rows.map((row) => Object.fromEntries(Object.entries(row).map(([key, value]) => [key, typeof value === 'number' ? Number(value.toPrecision(12)) : value])));
  expect(rounded(actual)).toEqual(rounded(expected));
}

const declaredParams = (name: string) => loadQuery(name).params.map((param) => param.name);
const queries = [...metricNames().filter((name) => name !== DATA_QUALITY_QUERY), ...DASHBOARD_QUERIES];
const metrics = queries.map(documentName);

describe('refresh (DuckDB, fixture lake)', () => {
  let engine: DuckDbEngine;
  const store = memoryStore();
  let summary: Awaited<ReturnType<typeof refreshMetrics>>;

  beforeAll(async () => {
    engine = await createFixtureEngine();
    summary = await refreshMetrics({
      engine,
      store,
      metricNames: metricNames(),
      declaredParams,
      definitionsVersion: definitionsVersion(QUERIES_DIR),
      asOf: FIXTURE_AS_OF,
      now: () => new Date('2026-07-01T06:00:00.000Z'),
    });
  }, 240_000); // loads the fixture lake and runs every metric query: slow on a busy 2-core machine

  afterAll(async () => {
    await engine?.close();
  });

  const documentsIn = (folder: string): MetricsDocument[] => {
    const index = parseMetricsIndex(JSON.parse(store.objects.get(indexKey(folder))!), 'index');
    return index.documents.map(({ key }) => parseMetricsDocument(JSON.parse(store.objects.get(key.replace(FIXTURE_AS_OF, folder))!), key));
  };

  it('should materialise every metric for every filter combination', () => {
    // Prepare
    const quarters = new Set<string>();
    const index = parseMetricsIndex(JSON.parse(store.objects.get(indexKey(FIXTURE_AS_OF))!), 'index');
    for (const cohort of index.cohorts) quarters.add(cohort);
    const programs = [...new Set(Object.values(FIXTURE_CLINICS).flatMap((clinic) => clinic.programs))];

    // Act
    const documents = documentsIn(FIXTURE_AS_OF);

    // Assess
    expect(metrics.length).toBeGreaterThan(0);
    expect(quarters.size).toBeGreaterThanOrEqual(5);
    expect(documents).toHaveLength(1 + quarters.size + programs.length);
    for (const document of documents) {
      expect(Object.keys(document.metrics).sort()).toEqual([...metrics].sort());
      expect(document.asOf).toBe(FIXTURE_AS_OF);
    }
    expect(summary.documents).toBe(documents.length);
  });

  it('should hold exactly what the query returns for that filter', async () => {
    // Prepare
    const documents = documentsIn(FIXTURE_AS_OF);
    const byProgram = documents.find((document) => document.filter.program === 'iop-evening')!;
    const byCohort = documents.find((document) => document.filter.cohort === '2025-Q3')!;

    // Act
    const direct = async (name: string, document: MetricsDocument) => {
      const params: Record<string, unknown> = { as_of: FIXTURE_AS_OF, ...filterParams(document.filter) };
      const declared = new Set(declaredParams(name));
      return engine.runQuery(name, Object.fromEntries(Object.entries(params).filter(([key]) => declared.has(key))));
    };

    // Assess
    for (const name of queries) {
      expectSameRows(byProgram.metrics[documentName(name)], await direct(name, byProgram));
      expectSameRows(byCohort.metrics[documentName(name)], await direct(name, byCohort));
    }
    const all = documents.find((document) => document.filter.program === 'all' && document.filter.cohort === 'all')!;
    const firstMetric = metrics.find((name) => all.metrics[name].length > 0)!;
    expect(byCohort.metrics[firstMetric]).not.toEqual(all.metrics[firstMetric]);
  });

  it('should list the clinics, their programs and the admission quarters in the index', () => {
    // Act
    const index = parseMetricsIndex(JSON.parse(store.objects.get(indexKey('latest'))!), 'index');

    // Assess
    expect(index.clinics).toEqual(
      Object.entries(FIXTURE_CLINICS).map(([id, clinic]) => ({ id, programs: [...clinic.programs].sort() })),
    );
    expect(index.cohorts[0]).toBe('2025-Q1');
    expect(index.cohorts).toEqual([...index.cohorts].sort());
    expect(index.documents.every((entry) => entry.key.startsWith(`metrics/${FIXTURE_AS_OF}/`))).toBe(true);
  });

  it('should write a latest copy identical to the dated set', () => {
    // Act
    const dated = documentsIn(FIXTURE_AS_OF);
    const latest = documentsIn('latest');

    // Assess
    expect(latest).toEqual(dated);
    expect(store.objects.has(documentKey('latest', { program: 'all', cohort: 'all' }))).toBe(true);
  });

  it('should report corrections, retractions, duplicate deliveries, late events and lake lag', () => {
    // Act
    const quality = documentsIn(FIXTURE_AS_OF)[0].dataQuality;
    const clinicA = quality.scopes.find((scope) => scope.scope === 'clinic-a')!;
    const clinicB = quality.scopes.find((scope) => scope.scope === 'clinic-b')!;
    const network = quality.scopes.find((scope) => scope.scope === 'all')!;

    // Assess
    expect(quality.lateAfterDays).toBe(7);
    expect(clinicA).toMatchObject({ corrections: 1, retractions: 1, duplicateDeliveries: 1 });
    expect(clinicB).toMatchObject({ corrections: 0, retractions: 0, duplicateDeliveries: 0 });
    expect(clinicA.lateEvents).toBeGreaterThan(0);
    expect(network.events).toBe(quality.scopes.filter((scope) => scope.scope !== 'all').reduce((sum, scope) => sum + scope.events, 0));
    expect(network.lastChangeAt).not.toBeNull();
    expect(network.lakeLagHours).toBeGreaterThanOrEqual(0);
    expect(quality.rejectedEvents).toBeNull();
  });

  it('should name the failing query and filter when a query fails', async () => {
    // Prepare
    const failing = { runQuery: async () => Promise.reject(new Error('Binder Error: column x not found')) };

    // Act
    const attempt = refreshMetrics({
      engine: failing,
      store: memoryStore(),
      metricNames: ['retention'],
      declaredParams,
      definitionsVersion: 'sha256:test',
      asOf: FIXTURE_AS_OF,
    });

    // Assess
    await expect(attempt).rejects.toThrow(/query dashboard\/filters failed \(as_of=2026-06-30.*Binder Error/);
  });
});

describe('refresh preparation step', () => {
  it('should prepare the engine once, before its first query', async () => {
    // Prepare: an engine that records what it is asked, with an empty lake
    const calls: string[] = [];
    const recording = {
      prepare: async () => {
        calls.push('prepare');
      },
      runQuery: async (name: string) => {
        calls.push(name);
        return [];
      },
    };

    // Act
    await refreshMetrics({ engine: recording, store: memoryStore(), metricNames: ['retention'], declaredParams, definitionsVersion: 'sha256:test', asOf: FIXTURE_AS_OF });

    // Assess
    expect(calls[0]).toBe('prepare');
    expect(calls.filter((call) => call === 'prepare')).toHaveLength(1);
    expect(calls.slice(1, 3)).toEqual(['dashboard/filters', 'data-quality']);
    expect(calls).toContain('retention');
  });

  it('should stop before any query when preparing fails, and say so', async () => {
    // Prepare
    const queried: string[] = [];
    const failing = {
      prepare: async () => Promise.reject(new Error('Out of Memory Error: could not allocate')),
      runQuery: async (name: string) => {
        queried.push(name);
        return [];
      },
    };

    // Act
    const attempt = refreshMetrics({ engine: failing, store: memoryStore(), metricNames: ['retention'], declaredParams, definitionsVersion: 'sha256:test', asOf: FIXTURE_AS_OF });

    // Assess
    await expect(attempt).rejects.toThrow(/preparing the query inputs failed: Out of Memory Error/);
    expect(queried).toEqual([]);
  });
});

describe('refresh defaults', () => {
  it('should default the cutoff to yesterday in UTC', () => {
    expect(defaultAsOf(new Date('2026-03-01T00:30:00.000Z'))).toBe('2026-02-28');
    expect(defaultAsOf(new Date('2024-03-01T23:59:00.000Z'))).toBe('2024-02-29');
  });

  it('should change the definitions version when a query file changes', () => {
    const { mkdtempSync, writeFileSync, mkdirSync } = require('node:fs') as typeof import('node:fs');
    const dir = mkdtempSync(require('node:path').join(require('node:os').tmpdir(), 'defs-'));
    mkdirSync(`${dir}/metrics`);
    writeFileSync(`${dir}/metrics/a.sql`, 'SELECT 1');
    const before = definitionsVersion(dir);
    writeFileSync(`${dir}/metrics/a.sql`, 'SELECT 2');
    expect(definitionsVersion(dir)).not.toBe(before);
    expect(before).toMatch(/^sha256:[0-9a-f]{16}$/);
  });
});
