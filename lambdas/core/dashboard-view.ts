/**
 * What a director may see of the materialised metrics: picks the rows of one scope
 * (their clinic, or the network) from a document, refuses other clinics, and passes
 * every network view through small-cell suppression. Pure: the handler does the I/O.
 */
import { SuppressionInputError, suppressTable, type TableRow } from './suppression';
import { DEFAULT_METRIC_SETTINGS } from './settings';
import {
  ALL,
  type DocumentFilter,
  type MetricRow,
  type MetricsDocument,
  type MetricsIndex,
  NETWORK_SCOPE,
  type RateBasis,
  type ScopeQuality,
} from './metrics-document';

/** The caller, as the authorizer describes them (Cognito groups `clinic:<id>` in AWS; a director key locally). */
export interface Viewer {
  name: string;
  clinics: string[];
}

export class DashboardAccessError extends Error {
  constructor(
    message: string,
    readonly statusCode: 400 | 401 | 403 | 404,
  ) {
    super(message);
    this.name = 'DashboardAccessError';
  }
}

export const CLINIC_GROUP_PREFIX = 'clinic:';

/**
 * Reads the viewer from API Gateway's Cognito authorizer claims. `cognito:groups`
 * arrives as a string ("clinic:a,clinic:b" or "[clinic:a clinic:b]") or an array.
 */
export function viewerFromClaims(claims: Record<string, unknown> | undefined): Viewer {
  if (!claims) throw new DashboardAccessError('not signed in: the request carries no authorizer claims', 401);
  const rawGroups = claims['cognito:groups'];
  const groups = Array.isArray(rawGroups)
    ? rawGroups.map(String)
    : String(rawGroups ?? '')
        .replace(/^\[|\]$/g, '')
        .split(/[\s,]+/)
        .filter(Boolean);
  // `clinic:all` is not a clinic: `all` is the network scope every director may see anyway (the contract reserves it,
  // RESERVED_CLINIC_ID; compared through NETWORK_SCOPE so this Lambda does not bundle the event schema).
  const clinics = [
    ...new Set(
      groups
        .filter((group) => group.startsWith(CLINIC_GROUP_PREFIX))
        .map((group) => group.slice(CLINIC_GROUP_PREFIX.length))
        .filter((clinic) => clinic !== NETWORK_SCOPE),
    ),
  ];
  const name = String(claims['cognito:username'] ?? claims.email ?? claims.sub ?? 'unknown');
  if (clinics.length === 0) {
    throw new DashboardAccessError(`user ${name} belongs to no clinic group (clinic:<id>); ask an administrator to add one`, 403);
  }
  return { name, clinics: clinics.sort() };
}

/**
 * The national benchmark shown beside clinic figures (METRICS.md §7). Its figures are
 * written once, in queries/metrics/completion.sql (`teds_share`, `teds_median_los_days`
 * per reason); a view reads them from the network rows of the document, because a
 * clinic without discharges has no completion rows of its own. Published constants,
 * not data about anyone, so they are never suppressed.
 */
export interface Benchmarks {
  /** The citation, for captions. */
  source: string;
  /** completion.sql `reason` → TEDS share of discharges (0–1). */
  dischargeShares: Record<string, number>;
  /** completion.sql `reason` → TEDS median length of stay (days). */
  medianLengthOfStayDays: Record<string, number>;
}

export const TEDS_SOURCE = 'TEDS-D 2004, intensive outpatient discharges (n = 114,440)';
const BENCHMARK_METRIC = 'completion';

export function benchmarksFrom(document: Pick<MetricsDocument, 'metrics'>): Benchmarks {
  const benchmarks: Benchmarks = { source: TEDS_SOURCE, dischargeShares: {}, medianLengthOfStayDays: {} };
  for (const row of document.metrics[BENCHMARK_METRIC] ?? []) {
    if (row.scope !== NETWORK_SCOPE || typeof row.reason !== 'string') continue;
    if (typeof row.teds_share === 'number') benchmarks.dischargeShares[row.reason] = row.teds_share;
    if (typeof row.teds_median_los_days === 'number') benchmarks.medianLengthOfStayDays[row.reason] = row.teds_median_los_days;
  }
  return benchmarks;
}

export interface DashboardRequest {
  clinic?: string;
  program?: string;
  cohort?: string;
}

export interface Disclosure {
  view: 'clinic' | 'network';
  /** Counts 1..maxCount hidden (network), or shown and labelled (a director's own clinic). */
  smallCountsSuppressed: boolean;
  maxCount: number;
  suppressedCells: number;
  label: string;
}

export interface DashboardView {
  asOf: string;
  generatedAt: string;
  definitionsVersion: string;
  filter: { clinic: string } & DocumentFilter;
  disclosure: Disclosure;
  metrics: Record<string, MetricRow[]>;
  dataQuality: { lateAfterDays: number; rejectedEvents: number | null; refreshedAt: string; scope: ScopeQuality | null };
  benchmarks: Benchmarks;
  followUpTarget: number;
}

/** Resolves the request against what exists and what the viewer may see; throws DashboardAccessError. */
export function resolveRequest(viewer: Viewer, request: DashboardRequest, index: MetricsIndex): { clinic: string; filter: DocumentFilter; key: string } {
  const clinic = request.clinic?.trim() || viewer.clinics[0];
  if (clinic !== NETWORK_SCOPE && !viewer.clinics.includes(clinic)) {
    // Same answer whether or not the clinic exists: no probing for clinic ids.
    throw new DashboardAccessError(`you may view clinic(s) ${viewer.clinics.join(', ')} and the network ("all"), not ${JSON.stringify(clinic)}`, 403);
  }
  const filter: DocumentFilter = { program: request.program?.trim() || ALL, cohort: request.cohort?.trim() || ALL };
  if (filter.program !== ALL && filter.cohort !== ALL) {
    throw new DashboardAccessError(
      'choose a program or an admission cohort, not both: program × cohort views are not materialised (cells too small to read); use `query` for them',
      400,
    );
  }
  const entry = index.documents.find((candidate) => candidate.filter.program === filter.program && candidate.filter.cohort === filter.cohort);
  if (!entry) {
    const what = filter.program !== ALL ? `program ${JSON.stringify(filter.program)}` : `cohort ${JSON.stringify(filter.cohort)}`;
    throw new DashboardAccessError(`no metrics for ${what} as of ${index.asOf}; pick one from /v1/dashboard/index`, 404);
  }
  if (filter.program !== ALL && clinic !== NETWORK_SCOPE) {
    const programs = index.clinics.find((candidate) => candidate.id === clinic)?.programs ?? [];
    if (!programs.includes(filter.program)) {
      throw new DashboardAccessError(`clinic ${clinic} has no program ${JSON.stringify(filter.program)}; its programs are ${programs.join(', ') || '(none)'}`, 404);
    }
  }
  return { clinic, filter, key: entry.key };
}

/** The index as a viewer sees it: only their clinics (and the network), never other clinics' programs. */
export function indexView(viewer: Viewer, index: MetricsIndex) {
  return {
    asOf: index.asOf,
    generatedAt: index.generatedAt,
    definitionsVersion: index.definitionsVersion,
    viewer: viewer.name,
    clinics: viewer.clinics.map((id) => ({ id, programs: index.clinics.find((clinic) => clinic.id === id)?.programs ?? [] })),
    network: { id: NETWORK_SCOPE, programs: [...new Set(index.clinics.flatMap((clinic) => clinic.programs))].sort() },
    cohorts: index.cohorts,
    metricNames: index.metricNames,
    combinations: 'program=all with every cohort, or one program with cohort=all',
  };
}

/** Builds the view of one scope from a document. */
export function dashboardView(
  viewer: Viewer,
  clinic: string,
  document: MetricsDocument,
  maxCount = DEFAULT_METRIC_SETTINGS.suppressionMaxCount,
): DashboardView {
  const network = clinic === NETWORK_SCOPE;
  if (!network && !viewer.clinics.includes(clinic)) throw new DashboardAccessError(`you may not view clinic ${clinic}`, 403);
  let suppressedCells = 0;
  const metrics: Record<string, MetricRow[]> = {};
  for (const [name, rows] of Object.entries(document.metrics)) {
    const scoped = rows.filter((row) => scopeOf(row) === clinic);
    if (!network) {
      metrics[name] = scoped;
      continue;
    }
    const own = rows.filter((row) => viewer.clinics.includes(scopeOf(row) ?? ''));
    const disclosed = discloseNetworkRows(scoped, own, maxCount, document.rateBases?.[name] ?? []);
    suppressedCells += disclosed.suppressedCells;
    metrics[name] = disclosed.rows;
  }
  const quality = document.dataQuality;
  return {
    asOf: document.asOf,
    generatedAt: document.generatedAt,
    definitionsVersion: document.definitionsVersion,
    filter: { clinic, ...document.filter },
    disclosure: network
      ? {
          view: 'network',
          smallCountsSuppressed: true,
          maxCount,
          suppressedCells,
          label: `Network view: counts of 1–${maxCount}, the rates built on them and cells that would reveal them are suppressed (—).`,
        }
      : {
          view: 'clinic',
          smallCountsSuppressed: false,
          maxCount,
          suppressedCells: 0,
          label: `Internal clinic view: small counts (1–${maxCount}) are shown. Do not share outside the clinic; exports for funders are suppressed.`,
        },
    metrics,
    dataQuality: {
      lateAfterDays: quality.lateAfterDays,
      rejectedEvents: quality.rejectedEvents,
      refreshedAt: document.generatedAt,
      scope: quality.scopes.find((scope) => scope.scope === clinic) ?? null,
    },
    benchmarks: benchmarksFrom(document),
    followUpTarget: DEFAULT_METRIC_SETTINGS.followUpTarget,
  };
}

/** A row's scope; lists (follow-ups due) carry only clinic_id, which is then their scope. */
function scopeOf(row: MetricRow): string | undefined {
  const scope = row.scope ?? row.clinic_id;
  return typeof scope === 'string' ? scope : undefined;
}

// ── network disclosure ────────────────────────────────────────────────────────

/** Integer columns that label a row (a day on a curve, a bucket), not a count of people. */
const DIMENSION_NUMBER = /^(day|week|horizon|horizon_days|days_bucket|hours_bucket|bucket|bin|year|quarter|month|rank|admission_year|admission_quarter|timepoint_order)$/;
/** Numeric columns that are statistics over people (rates, intervals, medians…), shown only when their counts are. */
const STATISTIC = /(_per_|rate|estimate|ci_lower|ci_upper|lower|upper|mean|median|q1|q3|p25|p75|iqr|pct|percent|share|ratio|change|p_value|statistic|chi|average|_sd$|_days$|_hours$|_weeks$|hours_|days_|weeks_|latency|longest)/;
/** Published constants carried on the rows (national benchmarks, targets): not data about anyone. */
const BENCHMARK = /^(teds_|follow_up_target$)/;
/** Row-level identifiers never leave the clinic. */
const ROW_LEVEL = ['episode_id', 'client_key'];
/** Curve columns whose exact values would let a reader recover event counts step by step. */
const CURVE_COUNTS = ['at_risk', 'events', 'censored', 'competing', 'competing_events'];

interface ColumnRoles {
  dimensions: string[];
  counts: string[];
  statistics: string[];
}

function columnRoles(rows: MetricRow[]): ColumnRoles {
  const names = [...new Set(rows.flatMap((row) => Object.keys(row)))].filter((name) => name !== 'scope');
  const roles: ColumnRoles = { dimensions: [], counts: [], statistics: [] };
  for (const name of names) {
    const values = rows.map((row) => row[name]).filter((value) => value !== null && value !== undefined);
    const numeric = values.length > 0 && values.every((value) => typeof value === 'number');
    // A flag such as meets_target says something about a rate, so it goes with the statistics.
    if (values.length > 0 && values.every((value) => typeof value === 'boolean')) roles.statistics.push(name);
    else if (!numeric || DIMENSION_NUMBER.test(name) || BENCHMARK.test(name)) roles.dimensions.push(name);
    else if (STATISTIC.test(name) || !values.every((value) => Number.isInteger(value))) roles.statistics.push(name);
    else roles.counts.push(name);
  }
  return roles;
}

function rowKey(row: MetricRow, dimensions: string[]): string {
  return JSON.stringify(dimensions.map((name) => row[name] ?? null));
}

/**
 * Network rows with small cells suppressed. Besides counts of 1..maxCount, a cell is
 * hidden when the network value minus what the viewer sees of their own clinics is
 * 1..maxCount (that difference is the other clinics' count). A row with one hidden
 * count also hides its next smallest count (its margins are unknown here), and every
 * statistic in a row with a hidden count is hidden. Curves keep only weekly steps
 * while more than maxCount are at risk, without the at-risk and event counts.
 */
export function discloseNetworkRows(
  networkRows: MetricRow[],
  ownClinicRows: MetricRow[],
  maxCount: number,
  rateBases: readonly RateBasis[] = [],
): { rows: MetricRow[]; suppressedCells: number } {
  if (networkRows.length === 0) return { rows: [], suppressedCells: 0 };
  if (networkRows.some((row) => ROW_LEVEL.some((column) => row[column] !== undefined && row[column] !== null))) {
    return { rows: [], suppressedCells: networkRows.length };
  }
  if (isCurve(networkRows)) return discloseCurve(networkRows, maxCount);

  const roles = columnRoles([...networkRows, ...ownClinicRows]);
  // A proportion (rate and interval) rests on its own two counts, as the SQL declares them.
  const rates = rateBases
    .filter((basis) => roles.counts.includes(basis.numerator) && roles.counts.includes(basis.denominator) && basis.numerator !== basis.denominator)
    .map((basis) => ({
      basis,
      columns: roles.statistics.filter((column) => column === basis.prefix || column === `${basis.prefix}_rate` || column.startsWith(`${basis.prefix}_ci_`)),
    }));
  const rateColumns = new Set(rates.flatMap((rate) => rate.columns));
  const rateCounts = new Set(rates.flatMap((rate) => [rate.basis.numerator, rate.basis.denominator]));
  const otherStatistics = roles.statistics.filter((column) => !rateColumns.has(column));

  const ownTotals = new Map<string, Record<string, number>>();
  for (const row of ownClinicRows) {
    const key = rowKey(row, roles.dimensions);
    const totals = ownTotals.get(key) ?? {};
    for (const column of roles.counts) totals[column] = (totals[column] ?? 0) + (typeof row[column] === 'number' ? (row[column] as number) : 0);
    ownTotals.set(key, totals);
  }

  // The shared module does primary suppression (rate complements included) and its audit,
  // on the network rows and, for a viewer with clinics, on the "other clinics" rows (network − own).
  const tableRows: TableRow[] = [];
  networkRows.forEach((row, position) => {
    const counts = Object.fromEntries(roles.counts.map((column) => [column, countValue(row[column])]));
    tableRows.push({ key: `network:${position}`, ...counts });
    const own = ownTotals.get(rowKey(row, roles.dimensions));
    if (own) {
      tableRows.push({
        key: `others:${position}`,
        ...Object.fromEntries(roles.counts.map((column) => [column, Math.max(0, counts[column] - (own[column] ?? 0))])),
      });
    }
  });
  let suppressed: ReturnType<typeof suppressTable>;
  try {
    suppressed = suppressTable(
    {
      key: 'key',
      rows: tableRows,
      counts: roles.counts,
      // Numerator ≤ denominator is checked by the module; "others" rows keep that order.
      rates: rates.map((rate) => ({ columns: [`__rate_${rate.basis.prefix}`], numerator: rate.basis.numerator, denominator: rate.basis.denominator })),
    },
    { maxCount },
  );
  } catch (error) {
    if (!(error instanceof SuppressionInputError)) throw error;
    // Rows the module cannot reason about are withheld whole rather than risked.
    return { rows: networkRows.map((row) => hideAllNumbers(row, roles)), suppressedCells: networkRows.length * (roles.counts.length + roles.statistics.length) };
  }

  let suppressedCells = 0;
  const rows = networkRows.map((row, position) => {
    const hiddenBy = (column: string) =>
      Boolean(suppressed.reasonOf(`network:${position}`, column) || suppressed.reasonOf(`others:${position}`, column));
    const hidden = new Set(roles.counts.filter(hiddenBy));
    if (hidden.size === 1) {
      // Its row margins are unknown here: hide a partner too, preferring one no rate rests on.
      const partner = roles.counts
        .filter((column) => !hidden.has(column) && countValue(row[column]) > 0)
        .sort((a, b) => Number(rateCounts.has(a)) - Number(rateCounts.has(b)) || countValue(row[a]) - countValue(row[b]))[0];
      if (partner) hidden.add(partner);
    }
    const copy: MetricRow = { ...row };
    const hide = (column: string) => {
      if (copy[column] === null) return;
      copy[column] = null;
      suppressedCells += 1;
    };
    for (const column of hidden) hide(column);
    for (const rate of rates) {
      const rateHidden = hidden.has(rate.basis.numerator) || hidden.has(rate.basis.denominator) || hiddenBy(`__rate_${rate.basis.prefix}`);
      if (rateHidden) for (const column of rate.columns) hide(column);
    }
    if (hidden.size > 0) for (const column of otherStatistics) hide(column);
    return copy;
  });
  return { rows, suppressedCells };
}

function hideAllNumbers(row: MetricRow, roles: ColumnRoles): MetricRow {
  const copy: MetricRow = { ...row };
  for (const column of [...roles.counts, ...roles.statistics]) copy[column] = null;
  return copy;
}

function countValue(value: MetricRow[string] | undefined): number {
  return typeof value === 'number' && Number.isFinite(value) ? Math.max(0, Math.round(value)) : 0;
}

function isCurve(rows: MetricRow[]): boolean {
  return rows.every((row) => typeof row.day === 'number' && 'estimate' in row && 'at_risk' in row);
}

function discloseCurve(rows: MetricRow[], maxCount: number): { rows: MetricRow[]; suppressedCells: number } {
  const estimandOf = (row: MetricRow) => String(row.estimand ?? '');
  const kept: MetricRow[] = [];
  const byEstimand = new Map<string, MetricRow[]>();
  for (const row of rows) byEstimand.set(estimandOf(row), [...(byEstimand.get(estimandOf(row)) ?? []), row]);
  for (const curve of byEstimand.values()) {
    const readable = curve.filter((row) => typeof row.at_risk === 'number' && (row.at_risk as number) > maxCount);
    // The step value at the end of each week (and day 0): exact daily steps would reveal event counts.
    const weekly = new Map<number, MetricRow>();
    for (const row of readable) weekly.set(Math.ceil((row.day as number) / 7), row);
    for (const [, row] of [...weekly.entries()].sort((a, b) => a[0] - b[0])) {
      const copy: MetricRow = { ...row };
      for (const column of CURVE_COUNTS) if (column in copy) copy[column] = null;
      kept.push(copy);
    }
  }
  return { rows: kept, suppressedCells: rows.length - kept.length };
}
