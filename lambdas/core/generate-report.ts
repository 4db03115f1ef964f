/**
 * Makes one funder report: runs the metric queries for the period, builds the suppressed
 * model, renders PDF + CSVs and stores them under deterministic keys, manifest last.
 */
import { createHash } from 'node:crypto';
import type { ObjectStore } from '../adapters/object-store';
import type { QueryEngine, Row } from '../adapters/query-engine';
import { loadQuery } from '../adapters/query-files';
import { renderCsvFiles } from '../report/render-csv';
import { renderPdf } from '../report/render-pdf';
import { cohortStart, followUpDueCohort, type FunderProfile, type ReportPeriod } from './funder-profile';
import { buildReportModel, queriesForSections, type ReportCohorts, type ReportInputs } from './report-model';
import { reportTables, type ReportModel } from './report-content';
import { DEFAULT_LATE_AFTER_DAYS } from './refresh';
import { DEFAULT_METRIC_SETTINGS, type MetricSettings } from './settings';

export const REPORTS_PREFIX = 'reports/';

export interface ReportFile {
  key: string;
  contentType: string;
  bytes: number;
  sha256: string;
}

export interface ReportManifest {
  funderId: string;
  period: string;
  asOf: string;
  generatedAt: string;
  softwareVersion: string;
  definitionsVersion: string;
  pdfKey: string;
  files: ReportFile[];
  /** Tables and how many of their cells were suppressed (no values: the manifest is metadata only). */
  tables: { id: string; title: string; suppressedCells: number }[];
}

export interface GenerateReportRequest {
  profile: FunderProfile;
  period: ReportPeriod;
  generatedAt?: Date;
  softwareVersion: string;
  settings?: MetricSettings;
}

export interface GenerateReportDeps {
  engine: Pick<QueryEngine, 'runQuery'>;
  store: ObjectStore;
  /** Key prefix of the reports area (KMS-encrypted in AWS). */
  prefix?: string;
  /** Where the query files are (the Lambda bundle carries its own copy). */
  queriesDir?: string;
}

export interface GeneratedReport {
  model: ReportModel;
  manifest: ReportManifest;
  manifestKey: string;
  pdf: Buffer;
}

/** `reports/<funder>/<period>/` — one folder per (funder, period); re-running replaces its contents. */
export function reportFolder(funderId: string, periodLabel: string, prefix = REPORTS_PREFIX): string {
  return `${prefix}${funderId}/${periodLabel}/`;
}

export async function generateReport(deps: GenerateReportDeps, request: GenerateReportRequest): Promise<GeneratedReport> {
  const settings = request.settings ?? DEFAULT_METRIC_SETTINGS;
  const generatedAt = (request.generatedAt ?? new Date()).toISOString();
  const cohorts = reportCohorts(request.profile, request.period, settings);
  const { inputs, definitionsVersion } = await runReportQueries(deps, request.profile, request.period, cohorts);
  const model = buildReportModel(inputs, {
    profile: request.profile,
    period: request.period,
    cohorts,
    generatedAt,
    softwareVersion: request.softwareVersion,
    definitionsVersion,
    settings,
  });
  const pdf = await renderPdf(model);
  const csvFiles = renderCsvFiles(model);

  const folder = reportFolder(request.profile.id, request.period.label, deps.prefix);
  const outputs = [
    { key: `${folder}report.pdf`, body: pdf as Uint8Array, contentType: 'application/pdf' },
    ...csvFiles.map((file) => ({
      key: `${folder}csv/${file.name}`,
      body: Buffer.from(file.content, 'utf8') as Uint8Array,
      contentType: file.name.endsWith('.csv') ? 'text/csv; charset=utf-8' : 'text/plain; charset=utf-8',
    })),
  ];
  for (const output of outputs) await deps.store.put(output.key, output.body, output.contentType);

  const manifestKey = `${folder}manifest.json`;
  // A table dropped from the profile since the last run must not linger beside the new files.
  const written = new Set([...outputs.map((output) => output.key), manifestKey]);
  const stale = (await deps.store.list(folder)).map((object) => object.key).filter((key) => !written.has(key));
  if (stale.length > 0) await deps.store.delete(stale);

  const manifest: ReportManifest = {
    funderId: request.profile.id,
    period: request.period.label,
    asOf: request.period.asOf,
    generatedAt,
    softwareVersion: request.softwareVersion,
    definitionsVersion,
    pdfKey: `${folder}report.pdf`,
    files: outputs.map((output) => ({
      key: output.key,
      contentType: output.contentType,
      bytes: output.body.byteLength,
      sha256: createHash('sha256').update(output.body).digest('hex'),
    })),
    tables: reportTables(model).map((table) => ({
      id: table.id,
      title: table.title,
      suppressedCells: table.rows.flat().filter((cell) => cell.suppressed).length,
    })),
  };
  // Written last: a manifest present means the folder is complete.
  await deps.store.put(manifestKey, `${JSON.stringify(manifest, null, 2)}\n`, 'application/json');
  return { model, manifest, manifestKey, pdf };
}

export function reportCohorts(profile: FunderProfile, period: ReportPeriod, settings: MetricSettings): ReportCohorts {
  return {
    admissions: { from: cohortStart(period, profile.cohortMonths), to: period.end },
    'follow-up-due': followUpDueCohort(period, profile.cohortMonths, settings.followUpWindowEndMonths),
  };
}

/**
 * Runs each metric file the sections need once. One clinic → that clinic's filter (Athena
 * scans less); several or all → no clinic filter and the model picks the `scope` rows.
 * Only parameters a file declares are passed (the loader rejects unknown names).
 */
export async function runReportQueries(
  deps: Pick<GenerateReportDeps, 'engine' | 'queriesDir'>,
  profile: FunderProfile,
  period: ReportPeriod,
  cohorts: ReportCohorts,
): Promise<{ inputs: ReportInputs; definitionsVersion: string }> {
  const inputs: ReportInputs = {};
  const definitions = createHash('sha256');
  for (const query of queriesForSections(profile.sections)) {
    // Discharges in the period are counted whatever the admission date (TEDS convention).
    const admitted = query.cohort === 'discharges-in-period' ? null : cohorts[query.cohort];
    const candidates: Record<string, unknown> = {
      as_of: period.asOf,
      clinic_id: profile.clinics !== 'all' && profile.clinics.length === 1 ? profile.clinics[0] : null,
      program_id: profile.programId ?? null,
      cohort_from: admitted?.from ?? null,
      cohort_to: admitted?.to ?? null,
      period_from: query.cohort === 'discharges-in-period' ? period.start : null,
      period_to: query.cohort === 'discharges-in-period' ? period.end : null,
      // Same lateness rule as the dashboard's data-quality panel.
      late_after_days: DEFAULT_LATE_AFTER_DAYS,
    };
    const loaded = loadQuery(query.name, deps.queriesDir);
    definitions.update(`${query.name}\n${loaded.sql}\n`);
    const declared = new Set(loaded.params.map((param) => param.name));
    const params = Object.fromEntries(Object.entries(candidates).filter(([key]) => declared.has(key)));
    inputs[query.name] = (await deps.engine.runQuery(query.name, params)) as Row[];
  }
  return { inputs, definitionsVersion: definitions.digest('hex').slice(0, 12) };
}
