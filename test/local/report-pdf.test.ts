import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { S3ObjectStore } from '../../lambdas/adapters/object-store';
import { funderProfileSchema, parsePeriod, type FunderProfileInput } from '../../lambdas/core/funder-profile';
import { generateReport, type GeneratedReport, type ReportManifest } from '../../lambdas/core/generate-report';
import { reportTables } from '../../lambdas/core/report-content';
import { DEFAULT_METRIC_SETTINGS } from '../../lambdas/core/settings';
import { loadSyntheticCohort } from '../support/report-fixture';
import { startS3TestServer, type S3TestServer } from '../support/s3-test-server';
import { createSqlHarness, type SqlHarness } from '../support/sql-harness';

const ARTIFACTS = join(__dirname, '..', '..', 'test-artifacts', 'reports');
const PERIOD = parsePeriod('2026-Q2');
const K = DEFAULT_METRIC_SETTINGS.suppressionMaxCount;

const BASE: Omit<FunderProfileInput, 'id' | 'name' | 'clinics'> = {
  periodKind: 'quarter',
  sections: ['intake-discharge', 'retention', 'abstinence', 'dose', 'goals', 'outcomes', 'completers', 'data-completeness'],
  schedule: { cron: 'cron(0 7 10 1,4,7,10 ? *)', timeZone: 'America/New_York' },
  delivery: { channel: 'sns' },
};
const NETWORK = funderProfileSchema.parse({ ...BASE, id: 'state-sor', name: 'State Opioid Response grant', clinics: 'all' });
const TWO_CLINICS = funderProfileSchema.parse({ ...BASE, id: 'county-fund', name: 'County Health Foundation', clinics: ['harbor-view', 'tiny-clinic'] });

let harness: SqlHarness;
let s3: S3TestServer;
let store: S3ObjectStore;
const reports: Record<string, { generated: GeneratedReport; text: string; csv: Record<string, string[][]> }> = {};

/** RFC 4180 reader for the test (quoted fields, doubled quotes, CRLF). */
function parseCsv(content: string): string[][] {
  const rows: string[][] = [];
  let field = '';
  let row: string[] = [];
  let quoted = false;
  for (let index = 0; index < content.length; index++) {
    const char = content[index];
    if (quoted) {
      if (char === '"' && content[index + 1] === '"') {
        field += '"';
        index++;
      } else if (char === '"') quoted = false;
      else field += char;
    } else if (char === '"') quoted = true;
    else if (char === ',') {
      row.push(field);
      field = '';
    } else if (char === '\r' && content[index + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      index++;
    } else field += char;
  }
  return rows;
}

async function text(key: string): Promise<string> {
  const body = await store.get(key);
  if (!body) throw new Error(`missing ${key}`);
  return Buffer.from(body).toString('utf8');
}

async function generate(profile: typeof NETWORK, generatedAt: string) {
  const generated = await generateReport(
    { engine: harness.engine, store },
    { profile, period: PERIOD, softwareVersion: '0.1.0-test', generatedAt: new Date(generatedAt) },
  );
  const pdfPath = join(ARTIFACTS, `${profile.id}.pdf`);
  const pdf = await store.get(generated.manifest.pdfKey);
  writeFileSync(pdfPath, pdf!);
  const csv: Record<string, string[][]> = {};
  for (const file of generated.manifest.files.filter((entry) => entry.key.endsWith('.csv'))) csv[file.key] = parseCsv(await text(file.key));
  return { generated, text: execFileSync('pdftotext', ['-layout', pdfPath, '-']).toString('utf8'), csv };
}

const escape = (value: string) => value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const percent = (value: unknown) => `${((value as number) * 100).toFixed(1)}%`;

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  harness = await createSqlHarness();
  await loadSyntheticCohort(harness, { seed: 7, clinics: 3, admissions: 500, months: 18, asOf: '2026-06-30' });
  // A clinic too small to publish: every one of its counts is 1-10.
  for (let index = 0; index < 6; index++) {
    await harness.addEpisode({
      clinicId: 'tiny-clinic',
      episodeId: `tiny-${index}`,
      admissionDate: `2026-0${1 + (index % 3)}-1${index}`,
      attended: [`2026-0${1 + (index % 3)}-1${index}`, `2026-0${2 + (index % 3)}-0${index + 1}`],
      discharge: { date: '2026-05-2' + index, reason: index % 2 === 0 ? 'completed' : 'dropped_out' },
    });
  }
  s3 = await startS3TestServer('reports-test');
  store = new S3ObjectStore(s3.client, s3.bucket);
  // A file an earlier run left behind (a table since dropped from the profile).
  await store.put('reports/state-sor/2026-Q2/csv/old-table.csv', 'stale\r\n');
  reports.network = await generate(NETWORK, '2026-07-10T11:00:00.000Z');
  reports.clinics = await generate(TWO_CLINICS, '2026-07-10T11:00:00.000Z');
}, 240_000);

afterAll(async () => {
  await harness?.close();
  await s3?.stop();
});

describe('funder report from the metric SQL (DuckDB, S3 API)', () => {
  it('should store the PDF, one CSV per table, the README and a manifest whose hashes match the stored files', async () => {
    // Prepare
    const { generated } = reports.network;

    // Act
    const stored = (await store.list('reports/state-sor/2026-Q2/')).map((object) => object.key);
    const manifest = JSON.parse(await text(generated.manifestKey)) as ReportManifest;

    // Assess
    const tableIds = reportTables(generated.model).map((table) => table.id);
    expect(stored.sort()).toEqual(
      ['report.pdf', 'manifest.json', 'csv/README.txt', ...tableIds.map((id) => `csv/${id}.csv`)].map((name) => `reports/state-sor/2026-Q2/${name}`).sort(),
    );
    for (const file of manifest.files) {
      const body = await store.get(file.key);
      expect(createHash('sha256').update(body!).digest('hex')).toBe(file.sha256);
    }
    expect(manifest.asOf).toBe('2026-06-30');
  });

  it('should print the follow-up rate, completion share and 30-day retention exactly as the metric queries compute them', async () => {
    // Prepare
    const followUp = (await harness.run('follow-up', { as_of: '2026-06-30', cohort_from: '2024-11-01', cohort_to: '2025-10-31' })).find((row) => row.scope === 'all')!;
    const completion = (await harness.run('completion', { as_of: '2026-06-30', period_from: '2026-04-01', period_to: '2026-06-30' })).find(
      (row) => row.scope === 'all' && row.reason === 'completed',
    )!;
    const retention = (await harness.run('retention-summary', { as_of: '2026-06-30', cohort_from: '2025-07-01', cohort_to: '2026-06-30' })).find(
      (row) => row.scope === 'all' && row.estimand === 'not_dropped_out' && row.day === 30,
    )!;

    // Act
    const { text: pdf } = reports.network;

    // Assess
    expect(followUp.due as number).toBeGreaterThan(K);
    expect(pdf).toMatch(
      new RegExp(
        `Follow-ups completed in window\\s+${followUp.followed}\\s+${followUp.due}\\s+${escape(percent(followUp.follow_up_rate))}\\s+` +
          `${((followUp.follow_up_ci_lower as number) * 100).toFixed(1)}–${((followUp.follow_up_ci_upper as number) * 100).toFixed(1)}\\s+80\\.0%`,
      ),
    );
    expect(pdf).toMatch(new RegExp(`Completed\\s+${completion.discharges}\\s+${completion.total_discharges}\\s+${escape(percent(completion.share))}`));
    expect(pdf).toMatch(new RegExp(`Not dropped out at 30 days\\s+${retention.at_risk}\\s+${escape(percent(retention.estimate))}`));
  });

  it('should show every table cell of the model in the PDF and never a count from 1 to 10 in a count column of the PDF or a CSV', () => {
    for (const { generated, text: pdf, csv } of Object.values(reports)) {
      for (const table of reportTables(generated.model)) {
        // Prepare: the model's count cells are 0, above k, or suppressed.
        table.columns.forEach((column, index) => {
          if (column.kind !== 'count') return;
          for (const row of table.rows) {
            const cell = row[index];
            if (typeof cell.value === 'number') expect(cell.value === 0 || cell.value > K).toBe(true);
            else expect(cell.suppressed !== undefined || cell.text === '' || cell.text === 'n/a').toBe(true);
          }
        });

        // Act / Assess: each row's numbers appear in order on one PDF line, as the model has them.
        for (const row of table.rows) {
          const numbers = row.filter((cell, index) => table.columns[index].kind !== 'label' && cell.text !== '').map((cell) => escape(cell.text));
          if (numbers.length > 0) expect(pdf).toMatch(new RegExp(numbers.join('\\s+')));
        }

        // Act / Assess: the CSV of the table, count columns only.
        const rows = csv[`${generated.manifest.pdfKey.replace('report.pdf', 'csv/')}${table.id}.csv`];
        const [header, ...body] = rows;
        const countHeaders = new Set(table.columns.filter((column) => column.kind === 'count').map((column) => column.label));
        header.forEach((name, index) => {
          if (!countHeaders.has(name)) return;
          for (const line of body) {
            const value = line[index];
            if (/^\d+$/.test(value)) expect(Number(value) === 0 || Number(value) > K).toBe(true);
            else expect(['', '*', '**']).toContain(value);
          }
        });
      }
    }
  });

  it('should mark the small clinic suppressed, beside a clinic large enough to show', () => {
    // Prepare / Act
    const { text: pdf, generated } = reports.clinics;

    // Assess
    expect(pdf).toMatch(/Follow-ups completed in window\s+harbor-view\s+\d{2,}\s+\d{2,}/);
    const tiny = reportTables(generated.model)
      .find((table) => table.id === 'discharge-mix')!
      .rows.find((row) => row[0].text === 'All discharges' && row[1].text === 'tiny-clinic')!;
    expect(tiny[2]).toMatchObject({ text: '*', suppressed: 'primary' });
    expect(pdf).toMatch(/All discharges\s+tiny-clinic\s+\*/);
    expect(pdf).toContain('Suppressed: a count of 1–10');
  });

  it('should render the title page and a chart page to PNG for a look at the layout', () => {
    // Prepare
    const pdfPath = join(ARTIFACTS, 'state-sor.pdf');
    const pages = reports.network.text.split('\f');
    const chartPage = pages.findIndex((page) => page.includes('Retention by days since admission')) + 1;

    // Act
    execFileSync('pdftoppm', ['-png', '-r', '60', '-f', '1', '-l', '1', pdfPath, join(ARTIFACTS, 'title')]);
    execFileSync('pdftoppm', ['-png', '-r', '60', '-f', String(chartPage), '-l', String(chartPage), pdfPath, join(ARTIFACTS, 'chart')]);

    // Assess
    expect(chartPage).toBeGreaterThan(1);
    const pad = (page: number) => String(page).padStart(String(pages.length - 1).length, '0');
    expect(statSync(join(ARTIFACTS, `title-${pad(1)}.png`)).size).toBeGreaterThan(5_000);
    expect(statSync(join(ARTIFACTS, `chart-${pad(chartPage)}.png`)).size).toBeGreaterThan(5_000);
    expect(reports.network.text).toMatch(/Page 1 of \d+/);
  });

  it('should replace the folder on a re-run: same keys, new manifest, the stale file gone', async () => {
    // Prepare
    const before = (await store.list('reports/state-sor/2026-Q2/')).map((object) => object.key);

    // Act
    const again = await generate(NETWORK, '2026-07-11T09:30:00.000Z');

    // Assess
    const after = (await store.list('reports/state-sor/2026-Q2/')).map((object) => object.key);
    expect(after).toEqual(before);
    expect(after).not.toContain('reports/state-sor/2026-Q2/csv/old-table.csv');
    expect((JSON.parse(await text(again.generated.manifestKey)) as ReportManifest).generatedAt).toBe('2026-07-11T09:30:00.000Z');
  });
});
