import { readFileSync } from 'node:fs';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { S3ObjectStore } from '../../lambdas/adapters/object-store';
import { loadQuery, metricNames, QUERIES_DIR, resolveQueryPath } from '../../lambdas/adapters/query-files';
import type { DashboardView } from '../../lambdas/core/dashboard-view';
import type { MetricRow } from '../../lambdas/core/metrics-document';
import { definitionsVersion, refreshMetrics } from '../../lambdas/core/refresh';
import { createFixtureEngine, FIXTURE_AS_OF } from '../support/dashboard-fixture';
import { startS3TestServer, type S3TestServer } from '../support/s3-test-server';

type Handler = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;

/** Integer columns that label a row rather than count people (a curve's day). */
const LABEL_COLUMNS = new Set(['day']);

function request(groups: string | undefined, path: string, query: Record<string, string> = {}): APIGatewayProxyEvent {
  return {
    resource: path,
    path,
    httpMethod: 'GET',
    headers: {},
    multiValueHeaders: {},
    queryStringParameters: Object.keys(query).length ? query : null,
    multiValueQueryStringParameters: null,
    pathParameters: null,
    stageVariables: null,
    body: null,
    isBase64Encoded: false,
    requestContext: (groups === undefined
      ? {}
      : { authorizer: { claims: { sub: 'u-1', 'cognito:username': 'dir', 'cognito:groups': groups } } }) as APIGatewayProxyEvent['requestContext'],
  };
}

const context = { awsRequestId: 'test-request' } as Context;

/** Every (column, value) of a row that counts people, found without asking the code under test. */
function countCells(rows: MetricRow[]): { row: number; column: string; value: number }[] {
  return rows.flatMap((row, index) =>
    Object.entries(row)
      .filter(([column, value]) => typeof value === 'number' && Number.isInteger(value) && !LABEL_COLUMNS.has(column))
      .filter(([column]) => !/(rate|estimate|ci_|median|mean|days|pct|change|statistic|p_value|share|_per_)/.test(column))
      .map(([column, value]) => ({ row: index, column, value: value as number })),
  );
}

describe('metrics API Lambda (S3 API server, materialised fixture metrics)', () => {
  let s3: S3TestServer;
  let handler: Handler;
  const call = async (groups: string | undefined, path: string, query: Record<string, string> = {}) => {
    const response = await handler(request(groups, path, query), context);
    return { status: response.statusCode, body: JSON.parse(response.body) };
  };

  beforeAll(async () => {
    jest.spyOn(console, 'log').mockImplementation(() => {}); // one access-log line per request
    s3 = await startS3TestServer();
    Object.assign(process.env, s3.env);
    const engine = await createFixtureEngine();
    try {
      await refreshMetrics({
        engine,
        store: new S3ObjectStore(s3.client, s3.bucket),
        metricNames: metricNames(),
        declaredParams: (name) => loadQuery(name).params.map((param) => param.name),
        querySource: (name) => readFileSync(resolveQueryPath(name), 'utf8'),
        definitionsVersion: definitionsVersion(QUERIES_DIR),
        asOf: FIXTURE_AS_OF,
      });
    } finally {
      await engine.close();
    }
    handler = (require('../../lambdas/metrics-api/handler') as { handler: Handler }).handler;
  }, 240_000); // loads the fixture lake and runs every metric query: slow on a busy 2-core machine

  afterAll(async () => {
    await s3?.stop();
  });

  it('should refuse a director of clinic A the metrics of clinic B', async () => {
    // Act
    const response = await call('clinic:clinic-a', '/v1/dashboard', { clinic: 'clinic-b' });

    // Assess
    expect(response.status).toBe(403);
    expect(response.body.message).toMatch(/clinic-a/);
    expect(JSON.stringify(response.body)).not.toMatch(/"scope":"clinic-b"/);
  });

  it('should give a director only their own clinic rows, labelled as an internal view', async () => {
    // Act
    const response = await call('clinic:clinic-a', '/v1/dashboard', { clinic: 'clinic-a' });
    const view = response.body as DashboardView;

    // Assess
    expect(response.status).toBe(200);
    const scopes = new Set(Object.values(view.metrics).flatMap((rows) => rows.map((row) => row.scope)));
    expect([...scopes]).toEqual(['clinic-a']);
    expect(view.disclosure).toMatchObject({ view: 'clinic', smallCountsSuppressed: false });
    expect(view.disclosure.label).toMatch(/Internal/);
    expect(view.dataQuality.scope?.scope).toBe('clinic-a');
  });

  it('should carry the TEDS benchmark of completion.sql (its network rows) into every view, with no copy elsewhere', async () => {
    // Act
    const clinic = (await call('clinic:clinic-a', '/v1/dashboard', { clinic: 'clinic-a' })).body as DashboardView;
    const network = (await call('clinic:clinic-a', '/v1/dashboard', { clinic: 'all' })).body as DashboardView;

    // Assess: the figures are the SQL's columns, published constants the network view does not suppress
    const fromSql = (column: string) =>
      Object.fromEntries(network.metrics.completion.filter((row) => typeof row[column] === 'number').map((row) => [row.reason, row[column]]));
    expect(clinic.benchmarks.dischargeShares).toEqual(fromSql('teds_share'));
    expect(clinic.benchmarks.medianLengthOfStayDays).toEqual(fromSql('teds_median_los_days'));
    expect(network.benchmarks).toEqual(clinic.benchmarks);
    // TEDS-D 2004 IOP discharges, as published (completion 37.7%, median stay 41 days)
    expect(clinic.benchmarks.dischargeShares.completed).toBe(0.377);
    expect(clinic.benchmarks.medianLengthOfStayDays.all).toBe(41);
  });

  it('should show a small clinic its own small counts', async () => {
    // Act
    const view = (await call('clinic:clinic-c', '/v1/dashboard', { clinic: 'clinic-c' })).body as DashboardView;

    // Assess
    const small = countCells(Object.values(view.metrics).flat()).filter((cell) => cell.value >= 1 && cell.value <= 10);
    expect(small.length).toBeGreaterThan(0);
  });

  it('should never show a count of 1 to 10 in the network view', async () => {
    // Act
    const view = (await call('clinic:clinic-a', '/v1/dashboard', { clinic: 'all' })).body as DashboardView;

    // Assess
    expect(view.disclosure).toMatchObject({ view: 'network', smallCountsSuppressed: true, maxCount: 10 });
    const cells = Object.values(view.metrics).flatMap((rows) => countCells(rows));
    expect(cells.length).toBeGreaterThan(0);
    expect(cells.filter((cell) => cell.value >= 1 && cell.value <= 10)).toEqual([]);
    expect(view.disclosure.suppressedCells).toBeGreaterThan(0);
  });

  it('should not let a director subtract their own clinic from the network to read the others’ small counts', async () => {
    // Prepare
    const own = (await call('clinic:clinic-a', '/v1/dashboard', { clinic: 'clinic-a' })).body as DashboardView;

    // Act
    const network = (await call('clinic:clinic-a', '/v1/dashboard', { clinic: 'all' })).body as DashboardView;

    // Assess
    const outcomeKey = (row: MetricRow) => `${row.completion_group}|${row.domain}`;
    const ownRows = new Map((own.metrics.outcomes ?? []).map((row) => [outcomeKey(row), row]));
    let compared = 0;
    for (const row of network.metrics.outcomes ?? []) {
      const mine = ownRows.get(outcomeKey(row));
      if (!mine) continue;
      for (const column of ['pairs', 'intake_yes', 'follow_up_yes', 'yes_to_no', 'no_to_yes']) {
        if (typeof row[column] !== 'number') continue;
        const others = (row[column] as number) - (mine[column] as number);
        compared += 1;
        expect({ column, others: others >= 1 && others <= 10 }).toEqual({ column, others: false });
      }
    }
    expect(compared).toBeGreaterThan(0);
  });

  it('should never list episode ids outside the clinic', async () => {
    // Act
    const network = (await call('clinic:clinic-a', '/v1/dashboard', { clinic: 'all' })).body as DashboardView;
    const own = (await call('clinic:clinic-a', '/v1/dashboard', { clinic: 'clinic-a' })).body as DashboardView;

    // Assess
    const text = (view: DashboardView) => JSON.stringify(view.metrics);
    expect(/episode_id|-ep-\d/.test(text(network))).toBe(false);
    expect(own.metrics['follow-up-due']?.length).toBeGreaterThan(0);
    expect(/clinic-a-ep-/.test(text(own))).toBe(true);
    expect(/clinic-b-ep-/.test(text(own))).toBe(false);
  });

  it('should list only the caller’s clinics and programs in the index', async () => {
    // Act
    const response = await call('clinic:clinic-b', '/v1/dashboard/index');

    // Assess
    expect(response.status).toBe(200);
    expect(response.body.clinics).toEqual([{ id: 'clinic-b', programs: ['iop-adult'] }]);
    expect(JSON.stringify(response.body.clinics)).not.toMatch(/clinic-a|clinic-c/);
    expect(response.body.cohorts.length).toBeGreaterThan(3);
  });

  it('should serve a cohort or a program filter, and explain why not both', async () => {
    // Act
    const cohort = await call('clinic:clinic-a', '/v1/dashboard', { clinic: 'clinic-a', cohort: '2025-Q3' });
    const program = await call('clinic:clinic-a', '/v1/dashboard', { clinic: 'clinic-a', program: 'iop-evening' });
    const both = await call('clinic:clinic-a', '/v1/dashboard', { clinic: 'clinic-a', program: 'iop-evening', cohort: '2025-Q3' });
    const foreignProgram = await call('clinic:clinic-b', '/v1/dashboard', { clinic: 'clinic-b', program: 'iop-evening' });

    // Assess
    expect(cohort.status).toBe(200);
    expect(cohort.body.filter).toEqual({ clinic: 'clinic-a', program: 'all', cohort: '2025-Q3' });
    expect(program.status).toBe(200);
    expect(program.body.filter.program).toBe('iop-evening');
    expect(both.status).toBe(400);
    expect(both.body.message).toMatch(/program or an admission cohort/);
    expect(foreignProgram.status).toBe(404);
  });

  it('should answer 401 without claims and 403 without a clinic group', async () => {
    expect((await call(undefined, '/v1/dashboard')).status).toBe(401);
    const noClinic = await call('admins', '/v1/dashboard');
    expect(noClinic.status).toBe(403);
    expect(noClinic.body.message).toMatch(/clinic:<id>/);
  });

  it('should read several groups in either claim format API Gateway uses', async () => {
    const commaList = await call('clinic:clinic-a,clinic:clinic-b', '/v1/dashboard', { clinic: 'clinic-b' });
    const bracketList = await call('[clinic:clinic-a clinic:clinic-b]', '/v1/dashboard', { clinic: 'clinic-b' });
    expect(commaList.status).toBe(200);
    expect(bracketList.status).toBe(200);
  });
});
