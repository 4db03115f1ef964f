/**
 * Turns one metric file's scope rows into a suppressed report table: the rows of the
 * reported clinics go through the shared suppression module first, then are laid out
 * as one line per (measure, clinic) with n, N, value, 95% CI and a benchmark.
 */
import type { Row } from '../adapters/query-engine';
import { anySuppressed, cellFrom, intervalFrom, suppressionLegend, textCell, valueCell } from './report-cells';
import type { CellKind, ReportCell, ReportColumn, ReportTable } from './report-content';
import { suppressTable, type CountTable, type SumRelation, type SuppressedTable } from './suppression';

/** A proportion with its counts and Wilson/Greenwood interval columns. */
export interface RateMeasure {
  kind: 'rate';
  label: string;
  numerator: string;
  denominator: string;
  rate: string;
  lower?: string;
  upper?: string;
  /** Published comparison (e.g. TEDS 2004), a proportion. */
  benchmark?: number;
}

export interface CountMeasure {
  kind: 'count';
  label: string;
  column: string;
}

/** A statistic over people (median days, hours per week, an estimate): shown only when its base counts are. */
export interface StatMeasure {
  kind: 'stat';
  label: string;
  column: string;
  cellKind: CellKind;
  basedOn: string[];
  lower?: string;
  upper?: string;
  /** The count shown in the "N" column (e.g. number at risk). */
  base?: string;
  benchmark?: number;
  /** Column whose text explains a NULL value (e.g. median_status 'not reached'). */
  nullTextColumn?: string;
}

export type Measure = RateMeasure | CountMeasure | StatMeasure;

export interface ReportUnit {
  id: string;
  label: string;
}

export interface MeasureTableSpec {
  id: string;
  title: string;
  measures: Measure[];
  /** Additive relations between count columns (e.g. discharges = Σ reasons). */
  columnSums?: SumRelation[];
  /**
   * Counts of people (or sessions) a reader can work out by subtraction from shown counts:
   * "admissions − eligible" are the admissions too recent to count. Each becomes a hidden
   * count `name` = whole − Σ parts with the sum declared, so a small one is protected too.
   */
  remainders?: Remainder[];
  /** Header of the benchmark column when any measure has one. */
  benchmarkLabel?: string;
  notes?: string[];
}

export interface Remainder {
  name: string;
  whole: string;
  parts: string[];
}

export interface MeasureTableResult {
  table: ReportTable;
  suppressed: SuppressedTable;
}

/** Rows of the reported clinics, keyed by scope, in unit order; a missing clinic becomes an all-zero row. */
export function unitRows(rows: readonly Row[], units: readonly ReportUnit[], countColumns: readonly string[]): Row[] {
  return units.map((unit) => {
    const found = rows.find((row) => row.scope === unit.id);
    if (found) return found;
    // A clinic with no episodes has no rows (queries/README.md §5): report zeros, not a gap.
    return Object.fromEntries([['scope', unit.id], ...countColumns.map((column) => [column, 0])]) as Row;
  });
}

function countColumnsOf(measures: readonly Measure[]): string[] {
  const columns = measures.flatMap((measure) => {
    if (measure.kind === 'rate') return [measure.numerator, measure.denominator];
    if (measure.kind === 'count') return [measure.column];
    return [...measure.basedOn, ...(measure.base ? [measure.base] : [])];
  });
  return [...new Set(columns)];
}

export function suppressUnitRows(rows: Row[], spec: Pick<MeasureTableSpec, 'measures' | 'columnSums'>, maxCount: number): SuppressedTable {
  // Counts behind the shown measures plus every count a declared sum ties them to.
  const related = (spec.columnSums ?? []).flatMap((sum) => [sum.total, ...sum.parts]);
  const counts = [...new Set([...countColumnsOf(spec.measures), ...related])];
  const rates = spec.measures.flatMap((measure) =>
    measure.kind === 'rate'
      ? [{ columns: [measure.rate, ...(measure.lower ? [measure.lower] : []), ...(measure.upper ? [measure.upper] : [])], numerator: measure.numerator, denominator: measure.denominator }]
      : [],
  );
  const derived = spec.measures.flatMap((measure) =>
    measure.kind === 'stat'
      ? [{ columns: [measure.column, ...(measure.lower ? [measure.lower] : []), ...(measure.upper ? [measure.upper] : [])], basedOn: measure.basedOn }]
      : [],
  );
  const table: CountTable = { key: 'scope', rows, counts, rates, derived, columnSums: spec.columnSums };
  return suppressTable(table, { maxCount });
}

export function measureTable(rows: readonly Row[], units: readonly ReportUnit[], spec: MeasureTableSpec, maxCount: number): MeasureTableResult {
  const remainders = spec.remainders ?? [];
  const inputs = [...countColumnsOf(spec.measures), ...(spec.columnSums ?? []).flatMap((sum) => [sum.total, ...sum.parts]), ...remainders.flatMap((r) => [r.whole, ...r.parts])];
  const scoped = unitRows(rows, units, inputs).map((row) => withRemainders(row, remainders, spec.id));
  const columnSums = [...(spec.columnSums ?? []), ...remainders.map((r) => ({ total: r.whole, parts: [...r.parts, r.name] }))];
  const suppressed = suppressUnitRows(scoped, { measures: spec.measures, columnSums }, maxCount);
  const showUnit = units.length > 1;
  const hasBenchmark = spec.measures.some((measure) => measure.kind !== 'count' && measure.benchmark !== undefined);
  const columns: ReportColumn[] = [
    { key: 'measure', label: 'Measure', kind: 'label' },
    ...(showUnit ? [{ key: 'clinic', label: 'Clinic', kind: 'label' as const }] : []),
    { key: 'n', label: 'n', kind: 'count' },
    { key: 'of', label: 'of N', kind: 'count' },
    { key: 'value', label: 'Value', kind: 'text' },
    { key: 'ci', label: '95% CI', kind: 'interval' },
    ...(hasBenchmark ? [{ key: 'benchmark', label: spec.benchmarkLabel ?? 'Benchmark', kind: 'percent' as const }] : []),
  ];
  const body: ReportCell[][] = [];
  for (const measure of spec.measures) {
    units.forEach((unit, index) => {
      const cells = measureCells(suppressed, unit.id, suppressed.rows[index], measure);
      body.push([
        textCell(measure.label),
        ...(showUnit ? [textCell(unit.label)] : []),
        ...cells,
        ...(hasBenchmark ? [measure.kind !== 'count' && measure.benchmark !== undefined ? valueCell('percent', measure.benchmark) : textCell('', 'text')] : []),
      ]);
    });
  }
  const notes = [...(spec.notes ?? []), ...(anySuppressed(body) ? suppressionLegend(maxCount) : [])];
  return { table: { id: spec.id, title: spec.title, columns, rows: body, notes }, suppressed };
}

const blank = (): ReportCell => textCell('', 'text');

function withRemainders(row: Row, remainders: readonly Remainder[], tableId: string): Row {
  const out: Row = { ...row };
  for (const remainder of remainders) {
    const value = Number(row[remainder.whole] ?? 0) - remainder.parts.reduce((sum, part) => sum + Number(row[part] ?? 0), 0);
    if (!Number.isInteger(value) || value < 0) {
      throw new Error(`report table ${tableId}: ${remainder.whole} is smaller than ${remainder.parts.join(' + ')} in scope ${String(row.scope)}; the remainder "${remainder.name}" cannot be declared`);
    }
    out[remainder.name] = value;
  }
  return out;
}

/** n | of N | value | CI for one measure of one clinic. */
function measureCells(table: SuppressedTable, key: string, row: Record<string, unknown>, measure: Measure): ReportCell[] {
  if (measure.kind === 'count') return [cellFrom(table, key, row, measure.column, 'count'), blank(), blank(), blank()];
  if (measure.kind === 'rate') {
    return [
      cellFrom(table, key, row, measure.numerator, 'count'),
      cellFrom(table, key, row, measure.denominator, 'count'),
      cellFrom(table, key, row, measure.rate, 'percent'),
      measure.lower && measure.upper ? intervalFrom(table, key, row, measure.lower, measure.upper) : blank(),
    ];
  }
  const value = cellFrom(table, key, row, measure.column, measure.cellKind);
  const explanation = measure.nullTextColumn ? row[measure.nullTextColumn] : undefined;
  if (value.value === null && !value.suppressed && typeof explanation === 'string') value.text = explanation;
  return [
    blank(),
    measure.base ? cellFrom(table, key, row, measure.base, 'count') : blank(),
    value,
    measure.lower && measure.upper ? intervalFrom(table, key, row, measure.lower, measure.upper) : blank(),
  ];
}

/**
 * One row per scope from rows keyed by (scope, dimension…): column `c` of the row whose
 * dimensions are (a, b) becomes `c:a:b`. Lets a table whose parts share margins (discharge
 * reasons summing to all discharges) go through suppression as one row with column sums.
 */
export function pivotRows(rows: readonly Row[], dimensions: readonly string[]): Row[] {
  const byScope = new Map<string, Row>();
  for (const row of rows) {
    const scope = String(row.scope);
    const suffix = dimensions.map((dimension) => String(row[dimension])).join(':');
    const pivoted = byScope.get(scope) ?? { scope };
    for (const [column, value] of Object.entries(row)) {
      if (column === 'scope' || dimensions.includes(column)) continue;
      pivoted[`${column}:${suffix}`] = value;
    }
    byScope.set(scope, pivoted);
  }
  return [...byScope.values()];
}
