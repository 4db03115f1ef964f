/**
 * The materialised metrics format: what `refresh` writes under `metrics/` and the
 * metrics API reads. One document per filter combination, plus an index listing
 * the clinics, programs and cohorts that have documents. Page views read these only.
 */
import * as z from 'zod';
import { CLINIC_ID_PATTERN, NETWORK_SCOPE } from './clinic-id';

export const METRICS_SCHEMA_VERSION = 1;

export { NETWORK_SCOPE };
export const ALL = 'all';

const isoDay = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, { error: 'must be a date written YYYY-MM-DD' });
const cohortQuarter = z.string().regex(/^\d{4}-Q[1-4]$/, { error: 'must be an admission quarter written YYYY-Qn, e.g. 2026-Q1' });
const programId = z.string().regex(/^[A-Za-z0-9._:-]{1,64}$/, { error: 'must be a program id (letters, digits and . _ : -)' });
const clinicId = z.string().regex(CLINIC_ID_PATTERN, { error: 'must be a clinic id (2-40 characters of a-z, 0-9 and -)' });

/** A cell as the query port returns it: numbers as numbers, dates as ISO strings. */
export const metricCellSchema = z.union([z.string(), z.number(), z.boolean(), z.null()]);
export const metricRowSchema = z.record(z.string(), metricCellSchema);
export type MetricCell = z.infer<typeof metricCellSchema>;
export type MetricRow = z.infer<typeof metricRowSchema>;

export const documentFilterSchema = z.strictObject({
  program: z.union([z.literal(ALL), programId]),
  cohort: z.union([z.literal(ALL), cohortQuarter]),
});
export type DocumentFilter = z.infer<typeof documentFilterSchema>;

/** Data quality of one scope (a clinic, or 'all'), from queries/metrics/data-quality.sql plus the refresh clock. */
export const scopeQualitySchema = z.strictObject({
  scope: z.string(),
  /** Distinct events currently in the lake (latest version, not retracted). */
  events: z.number().int().nonnegative(),
  /** Events with more than one version (corrected at least once). */
  corrections: z.number().int().nonnegative(),
  /** Events retracted (a REMOVE change). */
  retractions: z.number().int().nonnegative(),
  /** Event versions received more than `lateAfterDays` after the date they describe. */
  lateEvents: z.number().int().nonnegative(),
  /** Lake rows delivered more than once by the at-least-once stream (same change seen twice). */
  duplicateDeliveries: z.number().int().nonnegative(),
  /** Latest change time seen in the lake (ISO timestamp, UTC), null when empty. */
  lastChangeAt: z.string().nullable(),
  /** Hours between the last change in the lake and the refresh, null when the lake is empty. */
  lakeLagHours: z.number().nonnegative().nullable(),
});
export type ScopeQuality = z.infer<typeof scopeQualitySchema>;

export const dataQualitySchema = z.strictObject({
  lateAfterDays: z.number().int().positive(),
  /**
   * Events the ingest API rejected. The lake only sees accepted events, so this is
   * null until the ingest side publishes rejection counts; the page says "not tracked".
   */
  rejectedEvents: z.number().int().nonnegative().nullable(),
  scopes: z.array(scopeQualitySchema),
});
export type DataQuality = z.infer<typeof dataQualitySchema>;

export const metricsDocumentSchema = z.strictObject({
  schemaVersion: z.literal(METRICS_SCHEMA_VERSION),
  /** Hash of the queries/metrics/*.sql files that produced the numbers. */
  definitionsVersion: z.string().min(1),
  asOf: isoDay,
  generatedAt: z.iso.datetime(),
  filter: documentFilterSchema,
  /** Metric file name (retention, dose, …) → its rows; every row has a `scope` column. */
  metrics: z.record(z.string(), z.array(metricRowSchema)),
  /**
   * Per metric: which count columns each proportion rests on, read from the SQL's
   * `wilson_lower(numerator, denominator) AS <x>_ci_lower` lines, so network views
   * hide a rate only when its own counts are hidden (ADR 0071).
   */
  rateBases: z.record(z.string(), z.array(z.strictObject({ prefix: z.string(), numerator: z.string(), denominator: z.string() }))).optional(),
  dataQuality: dataQualitySchema,
});
export type RateBasis = { prefix: string; numerator: string; denominator: string };
export type MetricsDocument = z.infer<typeof metricsDocumentSchema>;

export const clinicEntrySchema = z.strictObject({ id: clinicId, programs: z.array(programId) });

export const metricsIndexSchema = z.strictObject({
  schemaVersion: z.literal(METRICS_SCHEMA_VERSION),
  definitionsVersion: z.string().min(1),
  asOf: isoDay,
  generatedAt: z.iso.datetime(),
  clinics: z.array(clinicEntrySchema),
  /** Admission quarters with at least one admission, oldest first. */
  cohorts: z.array(cohortQuarter),
  /** Metric names every document carries. */
  metricNames: z.array(z.string()),
  /** Every materialised filter combination and the key of its document. */
  documents: z.array(z.strictObject({ filter: documentFilterSchema, key: z.string() })),
});
export type MetricsIndex = z.infer<typeof metricsIndexSchema>;

/** Object keys: a dated folder per refresh and `latest/`, which always holds a complete set. */
export const METRICS_PREFIX = 'metrics/';
export const LATEST_FOLDER = 'latest';

export function documentKey(folder: string, filter: DocumentFilter, prefix = METRICS_PREFIX): string {
  return `${prefix}${folder}/program=${encodeURIComponent(filter.program)}/cohort=${filter.cohort}.json`;
}

export function indexKey(folder: string, prefix = METRICS_PREFIX): string {
  return `${prefix}${folder}/index.json`;
}

/**
 * The filter combinations that are materialised (ADR 0070): every admission quarter
 * across all programs, and every program across all cohorts. Program × quarter
 * would multiply refresh time by the number of programs for cells mostly too small
 * to read; those views are a researcher query, not a dashboard tile.
 */
export function materialisedFilters(programs: readonly string[], cohorts: readonly string[]): DocumentFilter[] {
  const filters: DocumentFilter[] = [{ program: ALL, cohort: ALL }];
  for (const cohort of cohorts) filters.push({ program: ALL, cohort });
  for (const program of [...new Set(programs)].sort()) filters.push({ program, cohort: ALL });
  return filters;
}

/** First and last day of an admission quarter `YYYY-Qn`. */
export function quarterRange(cohort: string): { from: string; to: string } {
  const parsed = cohortQuarter.safeParse(cohort);
  if (!parsed.success) throw new Error(`cohort ${JSON.stringify(cohort)} ${parsed.error.issues[0].message}`);
  const year = Number(cohort.slice(0, 4));
  const quarter = Number(cohort.slice(6));
  const firstMonth = (quarter - 1) * 3;
  const from = new Date(Date.UTC(year, firstMonth, 1));
  const to = new Date(Date.UTC(year, firstMonth + 3, 0));
  return { from: from.toISOString().slice(0, 10), to: to.toISOString().slice(0, 10) };
}

/** The admission quarter of a date `YYYY-MM-DD`. */
export function quarterOf(date: string): string {
  const month = Number(date.slice(5, 7));
  return `${date.slice(0, 4)}-Q${Math.floor((month - 1) / 3) + 1}`;
}

/** Column of a `wilson_lower` argument: `c.col`, `col` or `COALESCE(x.col, 0)`; undefined for expressions. */
function columnOf(argument: string): string | undefined {
  const trimmed = argument.trim();
  const plain = /^(?:[a-z_][a-z0-9_]*\.)?([a-z_][a-z0-9_]*)$/i.exec(trimmed);
  if (plain) return plain[1];
  const coalesced = /^coalesce\(\s*(?:[a-z_][a-z0-9_]*\.)?([a-z_][a-z0-9_]*)\s*,\s*0\s*\)$/i.exec(trimmed);
  return coalesced?.[1];
}

/** Reads `wilson_lower(numerator, denominator) AS <prefix>_ci_lower` pairs from a query's text. */
export function rateBasesFromSql(sql: string): RateBasis[] {
  const bases: RateBasis[] = [];
  for (const match of sql.matchAll(/wilson_lower\(((?:[^()]|\([^()]*\))*)\)\s+AS\s+([a-z_][a-z0-9_]*)_ci_lower/gi)) {
    const args: string[] = [];
    let depth = 0;
    let start = 0;
    const text = match[1];
    for (let index = 0; index < text.length; index++) {
      if (text[index] === '(') depth++;
      else if (text[index] === ')') depth--;
      else if (text[index] === ',' && depth === 0) {
        args.push(text.slice(start, index));
        start = index + 1;
      }
    }
    args.push(text.slice(start));
    if (args.length !== 2) continue;
    const numerator = columnOf(args[0]);
    const denominator = columnOf(args[1]);
    if (numerator && denominator && !bases.some((basis) => basis.prefix === match[2])) bases.push({ prefix: match[2], numerator, denominator });
  }
  return bases;
}

/** Parses a stored document, naming the key and the first bad field when it does not fit the format. */
export function parseMetricsDocument(json: unknown, key: string): MetricsDocument {
  return parseWith(metricsDocumentSchema, json, key);
}

export function parseMetricsIndex(json: unknown, key: string): MetricsIndex {
  return parseWith(metricsIndexSchema, json, key);
}

function parseWith<T>(schema: z.ZodType<T>, json: unknown, key: string): T {
  const parsed = schema.safeParse(json);
  if (parsed.success) return parsed.data;
  const first = parsed.error.issues[0];
  throw new Error(
    `materialised metrics ${key} does not match schema version ${METRICS_SCHEMA_VERSION}: ${first.path.join('.') || '(root)'} ${first.message}; run \`refresh\` again`,
  );
}
