/**
 * Tenant isolation on the real local stack: clinic A's API key against clinic B's events
 * on every ingest route, and A's director against B's dashboards (every filter), with
 * the network view checked for visible small counts. Clinic B's data must stay untouched
 * and unseen.
 */
import { join } from 'node:path';
import { ingestFile } from '../../cli/ingest-client';
import { readLocalDirectors } from '../../cli/local/local-directors';
import { cohortClinicIds, cohortLines, writeCohort } from '../../cli/synthetic/emit';
import { bindParams, loadQuery } from '../../lambdas/adapters/query-files';
import { API_KEY_HEADER } from '../../lambdas/core/clinic-keys';
import { documentKey } from '../../lambdas/core/metrics-document';
import { DASHBOARD_QUERIES } from '../../lambdas/core/refresh';
import { DEFAULT_METRIC_SETTINGS } from '../../lambdas/core/settings';
import { type E2eStack, scanEventsTable, startE2eStack } from '../support/e2e-local-stack';

const AS_OF = new Date().toISOString().slice(0, 10);
const COHORT = { seed: 808, clinics: 3, admissions: 150, months: 12, asOf: AS_OF, clean: false } as const;
const [CLINIC_A, CLINIC_B] = cohortClinicIds(COHORT.seed, COHORT.clinics);
const MAX_SMALL = DEFAULT_METRIC_SETTINGS.suppressionMaxCount;

type Json = Record<string, unknown>;

describe('tenant isolation on the local stack', () => {
  let e2e: E2eStack;
  let keyOf: Record<string, string>;
  let directorKeyOf: Record<string, string>;
  /** Clinic B's events as the cohort sent them (the latest version of each). */
  let eventsOfB: Json[];
  /** Integer-typed columns of each metric's output that count people or events (from DuckDB's result types). */
  let countColumns: Record<string, Set<string>>;

  const itemsOf = async (clinicId: string) => (await scanEventsTable(e2e.stack)).filter((item) => item.clinicId === clinicId);
  const post = (events: Json[], key: string) =>
    fetch(`${e2e.stack.apiUrl}/v1/events`, { method: 'POST', headers: { [API_KEY_HEADER]: key, 'content-type': 'application/json' }, body: JSON.stringify({ events }) });
  const dashboard = async (path: string, director: string, query: Record<string, string> = {}) => {
    const url = new URL(path, e2e.stack.dashboardUrl);
    for (const [name, value] of Object.entries(query)) url.searchParams.set(name, value);
    const response = await fetch(url, { headers: { authorization: `Bearer ${director}` } });
    return { status: response.status, body: (await response.json()) as Json };
  };

  beforeAll(async () => {
    // Prepare: three clinics' data through the API, the lake caught up, the dashboard materialised
    e2e = await startE2eStack(cohortClinicIds(COHORT.seed, COHORT.clinics), 'tenants');
    const cohortFile = join(e2e.localDir, 'cohort.ndjson');
    await writeCohort(COHORT, cohortFile);
    keyOf = e2e.stack.secrets.credentials;
    const ingest = await ingestFile(cohortFile, { apiUrl: e2e.stack.apiUrl, credentials: keyOf });
    if (ingest.notSent > 0) throw new Error(`${ingest.notSent} events were not delivered`);
    await e2e.stack.lakeCaughtUp(120_000);
    await e2e.refreshDashboard(AS_OF);
    directorKeyOf = Object.fromEntries(Object.values(readLocalDirectors()).map((director) => [director.clinics[0], director.key]));

    const latest = new Map<string, Json>();
    for (const line of cohortLines(COHORT)) {
      if (line.kind === 'event' && line.role !== 'invalid' && line.event.clinicId === CLINIC_B) latest.set(line.event.eventId, line.event as Json);
    }
    eventsOfB = [...latest.values()];

    const engine = await e2e.openLake();
    try {
      countColumns = {};
      for (const name of [...(await import('../../lambdas/adapters/query-files')).metricNames(), ...DASHBOARD_QUERIES]) {
        const query = loadQuery(name);
        const params = query.params.some((param) => param.name === 'late_after_days') ? { as_of: AS_OF, late_after_days: 7 } : { as_of: AS_OF };
        await engine.runSql(`CREATE OR REPLACE TEMP TABLE probe AS ${query.sql}`, bindParams(query, params, DEFAULT_METRIC_SETTINGS));
        const columns = await engine.runSql(`SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'probe'`, []);
        countColumns[name.replace(/^dashboard\//, '')] = new Set(
          columns
            .filter((column) => /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UBIGINT)$/.test(String(column.data_type)))
            // Durations and positions are integers too, but not counts of anyone.
            .filter((column) => !/(^day$|^days_|_days$|_weeks$|_order$|^horizon)/.test(String(column.column_name)))
            .map((column) => String(column.column_name)),
        );
      }
    } finally {
      await engine.close();
    }
  }, 600_000);

  afterAll(async () => {
    await e2e?.stop();
  });

  it("should refuse clinic B's events sent with clinic A's key, naming clinicId, and leave B's items as they were", async () => {
    // Prepare: B's own events, and a "correction" of each at a higher version
    const before = await itemsOf(CLINIC_B);
    const attempts = eventsOfB.slice(0, 20).map((event) => ({ ...event, version: Number(event.version ?? 1) + 1 }));

    // Act
    const response = await post(attempts, keyOf[CLINIC_A]);
    const body = (await response.json()) as { results: { index: number; status: string; errors: { path: string }[] }[] };

    // Assess
    expect(response.status).toBe(403);
    expect(body.results).toHaveLength(attempts.length);
    for (const result of body.results) {
      expect(result.status).toBe('rejected');
      expect(result.errors.map((error) => error.path)).toContain(`events[${result.index}].clinicId`);
    }
    expect(await itemsOf(CLINIC_B)).toEqual(before);
  });

  it("should keep A's own events of a mixed batch and reject only B's", async () => {
    // Prepare
    const before = await itemsOf(CLINIC_B);
    const ownEvent = { ...eventsOfB[0], clinicId: CLINIC_A, eventId: 'tenant-test-own-event', version: 1 };
    const foreignEvent = { ...eventsOfB[1], eventId: 'tenant-test-foreign-event', version: 1 };

    // Act
    const response = await post([ownEvent, foreignEvent], keyOf[CLINIC_A]);
    const body = (await response.json()) as { results: { status: string; errors?: { path: string }[] }[] };

    // Assess
    expect(response.status).toBe(207);
    expect(body.results[0].status).toBe('accepted');
    expect(body.results[1]).toMatchObject({ status: 'rejected', errors: [expect.objectContaining({ path: 'events[1].clinicId' })] });
    expect(await itemsOf(CLINIC_B)).toEqual(before);
  });

  it("should not let A's key retract B's events, whatever the path says", async () => {
    // Prepare
    const target = eventsOfB[2];
    const before = await itemsOf(CLINIC_B);
    const paths = [
      String(target.eventId),
      `${CLINIC_B}%23${String(target.eventId)}`, // B's table key, clinic#eventId
      `..%2F${CLINIC_B}%2F${String(target.eventId)}`,
    ].map((eventId) => `${e2e.stack.apiUrl}/v1/events/${eventId}`);

    // Act
    const statuses = [];
    for (const url of paths) statuses.push((await fetch(url, { method: 'DELETE', headers: { [API_KEY_HEADER]: keyOf[CLINIC_A] } })).status);

    // Assess: "not found" for A (no probing B's ids), a malformed id refused; B's item still there
    expect(statuses[0]).toBe(404);
    for (const status of statuses.slice(1)) expect([400, 404]).toContain(status);
    expect(await itemsOf(CLINIC_B)).toEqual(before);
    expect(before.some((item) => item.eventId === target.eventId)).toBe(true);
  });

  it("should refuse A's director every view of clinic B, with any filter or spelling", async () => {
    // Prepare
    const index = await dashboard('/v1/dashboard/index', directorKeyOf[CLINIC_A]);
    const network = index.body.network as { programs: string[] };
    const cohorts = index.body.cohorts as string[];
    const requests: Record<string, string>[] = [
      { clinic: CLINIC_B },
      { clinic: ` ${CLINIC_B} ` },
      { clinic: CLINIC_B.toUpperCase() },
      { clinic: `${CLINIC_B},${CLINIC_A}` },
      ...network.programs.map((program) => ({ clinic: CLINIC_B, program })),
      ...cohorts.map((cohort) => ({ clinic: CLINIC_B, cohort })),
    ];

    // Act
    const answers = await Promise.all(requests.map((query) => dashboard('/v1/dashboard', directorKeyOf[CLINIC_A], query)));

    // Assess: 403 throughout, and the index lists A alone
    expect(index.status).toBe(200);
    expect((index.body.clinics as { id: string }[]).map((clinic) => clinic.id)).toEqual([CLINIC_A]);
    expect(JSON.stringify(index.body)).not.toContain(CLINIC_B);
    expect(cohorts.length).toBeGreaterThan(0);
    answers.forEach((answer, position) => expect({ query: requests[position], status: answer.status }).toEqual({ query: requests[position], status: 403 }));
    expect((await dashboard('/v1/dashboard', 'not-a-director-key', { clinic: CLINIC_B })).status).toBe(401);
  });

  it("should show no row of B in anything A's director can open, and no count of 1-10 in network views", async () => {
    // Prepare: every materialised filter, for A's own clinic and for the network
    const index = await dashboard('/v1/dashboard/index', directorKeyOf[CLINIC_A]);
    const filters = [
      {},
      ...(index.body.cohorts as string[]).map((cohort) => ({ cohort })),
      ...(index.body.network as { programs: string[] }).programs.map((program) => ({ program })),
    ];
    const ownPrograms = (index.body.clinics as { programs: string[] }[])[0].programs;

    // Act
    const views = [];
    for (const filter of filters) {
      views.push({ clinic: 'all', ...filter, answer: await dashboard('/v1/dashboard', directorKeyOf[CLINIC_A], { clinic: 'all', ...filter }) });
      if (!('program' in filter) || ownPrograms.includes(String(filter.program))) {
        views.push({ clinic: CLINIC_A, ...filter, answer: await dashboard('/v1/dashboard', directorKeyOf[CLINIC_A], { clinic: CLINIC_A, ...filter }) });
      }
    }

    // Prepare: what the materialised documents hold before disclosure, to show the check has work to do
    const { localObjectStore } = await import('../../cli/local/lake-engine');
    const store = localObjectStore(e2e.stack);
    let rawSmallNetworkCells = 0;
    try {
      for (const filter of filters) {
        const key = documentKey(AS_OF, { program: 'all', cohort: 'all', ...filter });
        const document = JSON.parse(Buffer.from((await store.get(key))!).toString('utf8')) as { metrics: Record<string, Json[]> };
        for (const [name, rows] of Object.entries(document.metrics)) {
          for (const row of rows.filter((candidate) => candidate.scope === 'all')) {
            for (const column of countColumns[name] ?? []) {
              const value = row[column];
              if (typeof value === 'number' && value >= 1 && value <= MAX_SMALL) rawSmallNetworkCells += 1;
            }
          }
        }
      }
    } finally {
      store.close();
    }

    // Assess
    expect(rawSmallNetworkCells).toBeGreaterThan(0);
    let networkCountCells = 0;
    for (const view of views) {
      const where = JSON.stringify({ clinic: view.clinic, filter: { ...view, answer: undefined } });
      expect({ where, status: view.answer.status }).toEqual({ where, status: 200 });
      expect(JSON.stringify(view.answer.body).includes(CLINIC_B)).toBe(false);
      const metrics = view.answer.body.metrics as Record<string, Json[]>;
      for (const [name, rows] of Object.entries(metrics)) {
        for (const row of rows) expect({ where, name, scope: row.scope ?? row.clinic_id }).toEqual({ where, name, scope: view.clinic });
        if (view.clinic !== 'all') continue;
        for (const row of rows) {
          for (const column of countColumns[name] ?? []) {
            const value = row[column];
            if (typeof value !== 'number') continue;
            networkCountCells += 1;
            if (value >= 1 && value <= MAX_SMALL) throw new Error(`${where} ${name}.${column} shows a small count ${value}`);
          }
        }
      }
    }
    expect(views.length).toBeGreaterThan(6);
    expect(networkCountCells).toBeGreaterThan(100);
  });
});
