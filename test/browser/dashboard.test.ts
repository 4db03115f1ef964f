import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startDashboardServer, type DashboardServer } from '../../cli/local/dashboard-server';
import { S3ObjectStore } from '../../lambdas/adapters/object-store';
import { loadQuery, metricNames, QUERIES_DIR, resolveQueryPath } from '../../lambdas/adapters/query-files';
import type { DashboardView } from '../../lambdas/core/dashboard-view';
import type { MetricRow } from '../../lambdas/core/metrics-document';
import { definitionsVersion, refreshMetrics } from '../../lambdas/core/refresh';
import { createFixtureEngine, FIXTURE_AS_OF } from '../support/dashboard-fixture';
import { startS3TestServer, type S3TestServer } from '../support/s3-test-server';

const ARTIFACTS = join(__dirname, '..', '..', 'test-artifacts');
const KEYS = { a: 'key-director-a-0123456789', b: 'key-director-b-0123456789' };
const PANELS = ['overview', 'retention', 'discharges', 'abstinence', 'dose', 'goals', 'outcomes', 'follow-ups', 'data-quality'];
/** Panel → the metric files it shows (a panel may say "not available" only when all are empty). */
const PANEL_METRICS: Record<string, string[]> = {
  retention: ['retention'],
  discharges: ['completion'],
  abstinence: ['abstinence'],
  dose: ['dose'],
  goals: ['goals'],
  outcomes: ['outcomes'],
};

describe('clinic director dashboard in headless Chromium', () => {
  let s3: S3TestServer;
  let server: DashboardServer;
  let browser: Browser;
  let directorsDir: string;
  const consoleErrors: string[] = [];

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    s3 = await startS3TestServer('dashboard-browser');
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
    directorsDir = mkdtempSync(join(tmpdir(), 'directors-'));
    const directorsPath = join(directorsDir, 'directors.json');
    writeFileSync(
      directorsPath,
      JSON.stringify({ 'director-a': { key: KEYS.a, clinics: ['clinic-a'] }, 'director-b': { key: KEYS.b, clinics: ['clinic-b'] } }),
    );
    jest.spyOn(console, 'log').mockImplementation(() => {}); // the handler's access log
    server = await startDashboardServer({ env: s3.env, directorsPath });
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
  }, 240_000); // loads the fixture lake and runs every metric query: slow on a busy 2-core machine

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await s3?.stop();
    if (directorsDir) rmSync(directorsDir, { recursive: true, force: true });
  });

  async function openPage(width = 1280): Promise<Page> {
    const page = await browser.newPage({ viewport: { width, height: 900 } });
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });
    page.on('pageerror', (error) => consoleErrors.push(error.message));
    return page;
  }

  async function signIn(page: Page, key: string, query = ''): Promise<void> {
    await page.goto(`${server.url}${query}`);
    await page.fill('#director-key', key);
    await page.click('#login-submit');
    await page.waitForSelector('#panels[aria-busy="false"] [data-panel="data-quality"]');
  }

  async function apiView(page: Page, key: string, query: Record<string, string>): Promise<{ status: number; body: DashboardView }> {
    return page.evaluate(
      async ({ key: token, query: params }) => {
        const response = await fetch(`/v1/dashboard?${new URLSearchParams(params)}`, { headers: { authorization: `Bearer ${token}` } });
        return { status: response.status, body: await response.json() };
      },
      { key, query },
    );
  }

  const tileValue = (page: Page, tile: string) => page.getAttribute(`[data-tile="${tile}"]`, 'data-value');
  const tileText = (page: Page, tile: string) => page.textContent(`[data-tile="${tile}"] .value`);
  const percentText = (value: number) => `${(value * 100).toFixed(1)}%`;
  const find = (rows: MetricRow[] | undefined, match: Record<string, unknown>) =>
    (rows ?? []).find((row) => Object.entries(match).every(([key, value]) => row[key] === value));

  it('should load without console errors and render every panel', async () => {
    // Prepare
    const page = await openPage();

    // Act
    await signIn(page, KEYS.a);
    const view = (await apiView(page, KEYS.a, { clinic: 'clinic-a', program: 'all', cohort: 'all' })).body;

    // Assess
    for (const id of PANELS) {
      const panel = page.locator(`[data-panel="${id}"]`);
      await expect(panel.count()).resolves.toBe(1);
      const shown = await panel.locator('svg.chart, table, dl').count();
      expect({ id, shown: shown > 0 || (await panel.locator('.empty').count()) > 0 }).toEqual({ id, shown: true });
      const hasData = (PANEL_METRICS[id] ?? []).some((metric) => (view.metrics[metric] ?? []).length > 0);
      if (hasData) expect({ id, empty: await panel.locator('.empty').count() }).toEqual({ id, empty: 0 });
    }
    await expect(page.locator('[data-panel="retention"] path[data-series]').count()).resolves.toBe(2);
    await expect(page.locator('[data-panel="retention"] path[data-band]').count()).resolves.toBe(2);
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-clinic-a.png'), fullPage: true });
    expect(consoleErrors).toEqual([]);
    await page.close();
  });

  it('should show the same numbers the API returns', async () => {
    // Prepare
    const page = await openPage();
    await signIn(page, KEYS.a);

    // Act
    const view = (await apiView(page, KEYS.a, { clinic: 'clinic-a', program: 'all', cohort: 'all' })).body;

    // Assess
    const checks: [string, number | undefined, 'count' | 'rate'][] = [
      ['admissions', find(view.metrics.census, {})?.admissions as number, 'count'],
      ['active', find(view.metrics.census, {})?.active_clients as number, 'count'],
      ['retention-30', find(view.metrics['retention-summary'], { estimand: 'not_dropped_out', day: 30 })?.estimate as number, 'rate'],
      ['retention-90', find(view.metrics['retention-summary'], { estimand: 'not_dropped_out', day: 90 })?.estimate as number, 'rate'],
      ['completion', find(view.metrics.completion, { reason: 'completed' })?.share as number, 'rate'],
      ['negative-tests', find(view.metrics.abstinence, { target: 'any' })?.negative_rate as number, 'rate'],
      ['follow-up', find(view.metrics['follow-up'], {})?.follow_up_rate as number, 'rate'],
    ];
    for (const [tile, expected, kind] of checks) {
      expect({ tile, type: typeof expected }).toEqual({ tile, type: 'number' });
      expect({ tile, value: Number(await tileValue(page, tile)) }).toEqual({ tile, value: expected });
      const shown = await tileText(page, tile);
      expect({ tile, shown }).toEqual({ tile, shown: kind === 'count' ? expected!.toLocaleString('en-US') : percentText(expected!) });
    }
    const benchmark = await page.textContent('[data-tile="completion"] .benchmark');
    expect(benchmark).toContain('37.7%');
    const dueRows = await page.locator('[data-panel="follow-ups"] tbody tr th[data-key="episode_id"]').allTextContents();
    expect(dueRows).toEqual((view.metrics['follow-up-due'] ?? []).map((row) => row.episode_id));
    await page.close();
  });

  it('should update every panel when a filter changes', async () => {
    // Prepare
    const page = await openPage();
    await signIn(page, KEYS.a);
    const before = await tileValue(page, 'admissions');

    // Act
    await page.selectOption('#filter-cohort', '2025-Q3');
    await page.waitForSelector('#panels[data-filter="clinic-a|all|2025-Q3"][aria-busy="false"]');

    // Assess
    const view = (await apiView(page, KEYS.a, { clinic: 'clinic-a', program: 'all', cohort: '2025-Q3' })).body;
    const after = await tileValue(page, 'admissions');
    expect(Number(after)).toBe(find(view.metrics.census, {})?.admissions);
    expect(after).not.toBe(before);
    const shownRetention = await tileValue(page, 'retention-30');
    expect(Number(shownRetention)).toBe(find(view.metrics['retention-summary'], { estimand: 'not_dropped_out', day: 30 })?.estimate);
    expect(page.url()).toContain('cohort=2025-Q3');
    for (const id of PANELS) await expect(page.locator(`[data-panel="${id}"]`).count()).resolves.toBe(1);

    // Act: a program filter resets and locks the cohort (program × cohort is not materialised)
    await page.selectOption('#filter-program', 'iop-evening');
    await page.waitForSelector('#panels[data-filter="clinic-a|iop-evening|all"][aria-busy="false"]');

    // Assess
    await expect(page.isDisabled('#filter-cohort')).resolves.toBe(true);
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-clinic-a-program.png'), fullPage: true });
    expect(consoleErrors).toEqual([]);
    await page.close();
  });

  it('should not let a director of clinic A see clinic B', async () => {
    // Prepare
    const page = await openPage();
    await signIn(page, KEYS.a);

    // Act
    const options = await page.locator('#filter-clinic option').evaluateAll((nodes) => nodes.map((node) => (node as HTMLOptionElement).value));
    const direct = await apiView(page, KEYS.a, { clinic: 'clinic-b' });
    await page.goto(`${server.url}?clinic=clinic-b`);
    await page.waitForSelector('#load-error:not([hidden])');

    // Assess
    expect(options).toEqual(['clinic-a', 'all']);
    expect(direct.status).toBe(403);
    await expect(page.textContent('#load-error')).resolves.toMatch(/clinic-a/);
    await expect(page.locator('[data-panel]').count()).resolves.toBe(0);
    expect(JSON.stringify(direct.body)).not.toContain('clinic-b-ep-');
    await page.close();
    consoleErrors.length = 0; // the refused request logs a 403 in the console by design
  });

  it('should show the network view suppressed and labelled', async () => {
    // Prepare
    const page = await openPage();
    await signIn(page, KEYS.b);

    // Act
    await page.selectOption('#filter-clinic', 'all');
    await page.waitForSelector('#panels[data-filter="all|all|all"][aria-busy="false"]');

    // Assess
    await expect(page.textContent('#disclosure')).resolves.toMatch(/suppressed/);
    const counts = await page
      .locator('td[data-key="discharges"], td[data-key="pairs"], td[data-key="episodes"], td[data-key="scheduled_tests"], td[data-key="missing_tests"]')
      .evaluateAll((cells) => cells.map((cell) => cell.getAttribute('data-value')));
    expect(counts.length).toBeGreaterThan(0);
    expect(counts.filter((value) => value !== '' && Number(value) >= 1 && Number(value) <= 10)).toEqual([]);
    await expect(page.textContent('[data-panel="follow-ups"]')).resolves.toMatch(/only in a clinic’s own view/);
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-network.png'), fullPage: true });
    expect(consoleErrors).toEqual([]);
    await page.close();
  });

  it('should stay usable on a phone and in print', async () => {
    // Prepare
    const page = await openPage(390);
    await signIn(page, KEYS.a);

    // Act
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-phone.png'), fullPage: true });
    await page.emulateMedia({ media: 'print' });
    const filtersShown = await page.isVisible('#filter-clinic');
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-print.png'), fullPage: true });

    // Assess
    expect(overflow).toBeLessThanOrEqual(0);
    expect(filtersShown).toBe(false);
    expect(consoleErrors).toEqual([]);
    await page.close();
  });

  it('should ask for a key again when the key is wrong', async () => {
    // Prepare
    const page = await openPage();
    await page.goto(server.url);

    // Act
    await page.fill('#director-key', 'not-a-real-key-000000');
    await page.click('#login-submit');
    await page.waitForSelector('#login-error:not([hidden])');

    // Assess
    await expect(page.isVisible('#dashboard')).resolves.toBe(false);
    await page.close();
    consoleErrors.length = 0; // the 401 is logged by the browser by design
  });

  /**
   * Cognito mode. Cognito cannot run here: its hosted UI endpoints are answered on the
   * page's own origin (the CSP stays connect-src 'self') following Cognito's documented
   * token and revoke endpoints, and an ID token the "authorizer" accepts is passed to the
   * real local metrics API as director A's key. The page's own code does the rest.
   */
  async function cognitoPage() {
    const page = await openPage();
    const domain = `${server.url}cognito`; // server.url ends with /
    const tokenRequests: URLSearchParams[] = [];
    const revoked: URLSearchParams[] = [];
    const accepted = new Set<string>();
    let refreshWorks = true;
    let minted = 0;
    await page.route('**/config.json', (route) =>
      route.fulfill({ json: { auth: { mode: 'cognito', domain, clientId: 'client-1', redirectUri: server.url }, apiBase: '' } }),
    );
    await page.route(`${domain}/oauth2/token`, (route) => {
      const form = new URLSearchParams(route.request().postData() ?? '');
      tokenRequests.push(form);
      if (form.get('grant_type') === 'authorization_code') {
        accepted.add(`id-${++minted}`);
        return route.fulfill({ json: { id_token: `id-${minted}`, access_token: 'access', refresh_token: 'refresh-1', expires_in: 3600, token_type: 'Bearer' } });
      }
      if (form.get('grant_type') === 'refresh_token' && form.get('refresh_token') === 'refresh-1' && refreshWorks) {
        accepted.add(`id-${++minted}`);
        // Like Cognito: no new refresh token on a refresh.
        return route.fulfill({ json: { id_token: `id-${minted}`, access_token: 'access', expires_in: 3600, token_type: 'Bearer' } });
      }
      return route.fulfill({ status: 400, json: { error: 'invalid_grant' } });
    });
    await page.route(`${domain}/oauth2/revoke`, (route) => {
      revoked.push(new URLSearchParams(route.request().postData() ?? ''));
      return route.fulfill({ status: 200, body: '' });
    });
    await page.route(`${domain}/logout**`, (route) => route.fulfill({ status: 200, contentType: 'text/html', body: '<p>signed out</p>' }));
    await page.route('**/v1/dashboard**', (route) => {
      const token = route.request().headers().authorization ?? '';
      if (!accepted.has(token)) return route.fulfill({ status: 401, json: { message: 'Unauthorized' } });
      return route.continue({ headers: { ...route.request().headers(), authorization: `Bearer ${KEYS.a}` } });
    });
    return {
      page,
      tokenRequests,
      revoked,
      /** The hour passes: every ID token issued so far stops being accepted. */
      expireIdTokens: () => accepted.clear(),
      endRefreshToken: () => {
        refreshWorks = false;
      },
    };
  }

  it('should renew an expired Cognito ID token with the refresh token instead of asking to sign in again', async () => {
    // Prepare: signed in through the hosted UI (it redirects back with ?code=)
    const cognito = await cognitoPage();
    await cognito.page.goto(`${server.url}?code=code-1`);
    await cognito.page.waitForSelector('#panels[aria-busy="false"] [data-panel="data-quality"]');
    expect(cognito.tokenRequests.map((form) => form.get('grant_type'))).toEqual(['authorization_code']);

    // Act: an hour later the director comes back to the tab
    cognito.expireIdTokens();
    await cognito.page.reload();
    await cognito.page.waitForSelector('#panels[aria-busy="false"] [data-panel="data-quality"]');

    // Assess
    expect(cognito.tokenRequests.map((form) => [form.get('grant_type'), form.get('refresh_token'), form.get('client_id')])).toEqual([
      ['authorization_code', null, 'client-1'],
      ['refresh_token', 'refresh-1', 'client-1'],
    ]);
    await expect(cognito.page.isVisible('#login')).resolves.toBe(false);
    await expect(cognito.page.evaluate(() => sessionStorage.getItem('iop-dashboard-token'))).resolves.toBe('id-2');
    await cognito.page.close();
    consoleErrors.length = 0; // the browser logs the expired token's 401 by design
  });

  it('should ask for a sign-in once when the refresh token has ended too, and revoke it at sign-out', async () => {
    // Prepare
    const cognito = await cognitoPage();
    await cognito.page.goto(`${server.url}?code=code-1`);
    await cognito.page.waitForSelector('#panels[aria-busy="false"] [data-panel="data-quality"]');

    // Act: sign out revokes the refresh token
    await cognito.page.click('#sign-out');
    await cognito.page.waitForURL(/\/cognito\/logout\?/);

    // Assess
    expect(cognito.revoked.map((form) => [form.get('token'), form.get('client_id')])).toEqual([['refresh-1', 'client-1']]);
    await expect(cognito.page.evaluate(() => sessionStorage.getItem('iop-dashboard-refresh'))).resolves.toBeNull();

    // Prepare: signed in again, then both tokens end
    await cognito.page.goto(`${server.url}?code=code-2`);
    await cognito.page.waitForSelector('#panels[aria-busy="false"] [data-panel="data-quality"]');
    cognito.expireIdTokens();
    cognito.endRefreshToken();

    // Act
    await cognito.page.reload();
    await cognito.page.waitForSelector('#login:not([hidden])');

    // Assess: one refresh attempt, no loop, the sign-in button shown
    expect(cognito.tokenRequests.filter((form) => form.get('grant_type') === 'refresh_token')).toHaveLength(1);
    await expect(cognito.page.isVisible('#dashboard')).resolves.toBe(false);
    await cognito.page.close();
    consoleErrors.length = 0;
  });
});
