/**
 * Small-cell suppression (CMS cell-size policy) for every table that leaves a clinic:
 * counts 1..maxCount are hidden, so are rates and statistics built on them, then
 * complementary cells are hidden until no hidden value can be recovered from totals,
 * rates or other cells — and an audit proves it before the table is returned.
 */
import { DEFAULT_METRIC_SETTINGS } from './settings';
import { determinedUnknowns, type LinearRelation } from './suppression-audit';

export type SuppressionReason = 'primary' | 'complementary';
export type TableRow = Record<string, unknown>;

/** A rate (and anything computed from the same two counts, e.g. its Wilson interval). */
export interface RateColumns {
  columns: string[];
  numerator: string;
  denominator: string;
}

/** Statistics over a group of people (mean, median, …): shown only when every count they rest on is shown. */
export interface DerivedColumns {
  columns: string[];
  basedOn: string[];
}

/** `total` = Σ `parts`: row keys for rowSums (holds in every count column), count columns for columnSums (holds in every row). */
export interface SumRelation {
  total: string;
  parts: string[];
}

export interface CountTable {
  /** Column that names each row uniquely (e.g. `scope`: a clinic id or 'all'). */
  key: string;
  rows: TableRow[];
  /** Additive, non-negative integer count columns. */
  counts: string[];
  rates?: RateColumns[];
  derived?: DerivedColumns[];
  rowSums?: SumRelation[];
  columnSums?: SumRelation[];
}

export interface SuppressionOptions {
  /** Counts 1..maxCount are suppressed; 0 is shown (CMS). Default settings.suppressionMaxCount (10). */
  maxCount?: number;
  /**
   * Also protect denominator − numerator of every rate (45 of 50 reveals "5 were not"),
   * as the CMS policy forbids deriving a small count "from percentages". Default true.
   */
  protectRateComplements?: boolean;
}

export interface SuppressedCell {
  row: string;
  column: string;
  reason: SuppressionReason;
}

export interface CellRef {
  row: string;
  column: string;
}

export interface SuppressionAudit {
  passed: boolean;
  /** Shown counts (or derivable rate complements) in 1..maxCount: must be empty. */
  visibleSmallCounts: CellRef[];
  /** Suppressed counts an attacker could still compute exactly: must be empty. */
  derivableCells: CellRef[];
}

export interface SuppressedTable {
  /** Copies of the input rows with every suppressed value set to null. */
  rows: TableRow[];
  /** Every suppressed cell with its reason, for footnotes ("suppressed: fewer than 11" / "to protect another cell"). */
  suppressed: SuppressedCell[];
  audit: SuppressionAudit;
  maxCount: number;
  reasonOf(row: string, column: string): SuppressionReason | undefined;
}

export class SuppressionInputError extends Error {
  constructor(message: string) {
    super(`suppression: ${message}`);
    this.name = 'SuppressionInputError';
  }
}

/** A count cell of the working grid; hidden cells are rate complements that are never published. */
interface Grid {
  rowKeys: string[];
  columns: string[];
  hiddenColumn: boolean[];
  values: number[];
  relations: LinearRelation[];
}

export function suppressTable(table: CountTable, options: SuppressionOptions = {}): SuppressedTable {
  const maxCount = options.maxCount ?? DEFAULT_METRIC_SETTINGS.suppressionMaxCount;
  if (!Number.isInteger(maxCount) || maxCount < 0) {
    throw new SuppressionInputError(`maxCount must be a whole number ≥ 0, got ${maxCount}`);
  }
  const grid = buildGrid(table, options.protectRateComplements ?? true);
  const isSmall = (cell: number) => grid.values[cell] >= 1 && grid.values[cell] <= maxCount;
  const isHidden = (cell: number) => grid.hiddenColumn[cell % grid.columns.length];

  const reasons = new Map<number, SuppressionReason>();
  for (let cell = 0; cell < grid.values.length; cell++) {
    if (!isHidden(cell) && isSmall(cell)) reasons.set(cell, 'primary');
  }
  // Unknown to a reader: suppressed cells and every never-published complement.
  const isUnknown = (cell: number) => reasons.has(cell) || isHidden(cell);
  // Must stay unknown: suppressed cells and small complements.
  const mustProtect = (cell: number) => reasons.has(cell) || (isHidden(cell) && isSmall(cell));

  for (;;) {
    completeGroups(grid, reasons, isUnknown, mustProtect, isHidden);
    const leaking = [...determinedUnknowns(grid.relations, isUnknown)].filter(mustProtect);
    if (leaking.length === 0) break;
    const next = repairCell(grid, leaking[0], reasons, isUnknown, isHidden);
    if (next === undefined) {
      throw new SuppressionInputError(
        `cell ${describe(grid, leaking[0])} stays derivable even with every related cell suppressed; check the declared sums`,
      );
    }
    reasons.set(next, 'complementary');
  }

  return finish(table, grid, reasons, maxCount, isSmall, isUnknown, mustProtect, isHidden);
}

/** Helper for the usual shape: one row (e.g. scope 'all') is the sum of every other row. */
export function totalOfOtherRows(table: Pick<CountTable, 'key' | 'rows'>, totalKey: string): SumRelation {
  return { total: totalKey, parts: table.rows.map((row) => String(row[table.key])).filter((key) => key !== totalKey) };
}

/**
 * Heuristic pass (fixed point): any relation with exactly one unknown, that unknown
 * protected, gets its smallest visible published cell suppressed too.
 */
function completeGroups(
  grid: Grid,
  reasons: Map<number, SuppressionReason>,
  isUnknown: (cell: number) => boolean,
  mustProtect: (cell: number) => boolean,
  isHidden: (cell: number) => boolean,
): void {
  let changed = true;
  while (changed) {
    changed = false;
    for (const relation of grid.relations) {
      const unknowns = relation.cells.filter(isUnknown);
      if (unknowns.length !== 1 || !mustProtect(unknowns[0])) continue;
      const partner = smallestVisible(grid, relation.cells, isUnknown, isHidden);
      if (partner === undefined) continue; // a lone hidden cell with nothing to pair is caught by the audit
      reasons.set(partner, 'complementary');
      changed = true;
    }
  }
}

/** When the audit finds a leak the group pass missed, hide one more cell next to it. */
function repairCell(
  grid: Grid,
  leaking: number,
  reasons: Map<number, SuppressionReason>,
  isUnknown: (cell: number) => boolean,
  isHidden: (cell: number) => boolean,
): number | undefined {
  const near = grid.relations.filter((relation) => relation.cells.includes(leaking)).flatMap((relation) => relation.cells);
  const candidate = smallestVisible(grid, near, isUnknown, isHidden);
  if (candidate !== undefined) return candidate;
  const anywhere = grid.relations.filter((relation) => relation.cells.some((cell) => reasons.has(cell) || isHidden(cell)));
  return smallestVisible(grid, anywhere.flatMap((relation) => relation.cells), isUnknown, isHidden);
}

/** Smallest non-zero visible published cell (a zero partner protects little); zero cells only as a last resort. */
function smallestVisible(
  grid: Grid,
  cells: number[],
  isUnknown: (cell: number) => boolean,
  isHidden: (cell: number) => boolean,
): number | undefined {
  let best: number | undefined;
  const rank = (cell: number) => [grid.values[cell] === 0 ? 1 : 0, grid.values[cell], cell];
  for (const cell of cells) {
    if (isUnknown(cell) || isHidden(cell)) continue;
    if (best === undefined || compareRanks(rank(cell), rank(best)) < 0) best = cell;
  }
  return best;
}

function compareRanks(a: number[], b: number[]): number {
  for (let index = 0; index < a.length; index++) if (a[index] !== b[index]) return a[index] - b[index];
  return 0;
}

function buildGrid(table: CountTable, protectRateComplements: boolean): Grid {
  const rowKeys = table.rows.map((row, index) => {
    const key = row[table.key];
    if (key === undefined || key === null || key === '') {
      throw new SuppressionInputError(`row ${index} has no value in key column "${table.key}"`);
    }
    return String(key);
  });
  const duplicate = rowKeys.find((key, index) => rowKeys.indexOf(key) !== index);
  if (duplicate !== undefined) throw new SuppressionInputError(`row key "${duplicate}" appears twice in column "${table.key}"`);

  const rates = table.rates ?? [];
  for (const rate of rates) {
    for (const column of [rate.numerator, rate.denominator]) {
      if (!table.counts.includes(column)) {
        throw new SuppressionInputError(`rate ${rate.columns.join('/')} uses "${column}", which is not listed in counts`);
      }
    }
    if (rate.numerator === rate.denominator) {
      throw new SuppressionInputError(`rate ${rate.columns.join('/')} has the same numerator and denominator`);
    }
  }
  const complementPairs = protectRateComplements
    ? [...new Map(rates.map((rate) => [`${rate.denominator}\u0000${rate.numerator}`, rate])).values()]
    : [];
  const columns = [...table.counts, ...complementPairs.map((rate) => `${rate.denominator} − ${rate.numerator}`)];
  const hiddenColumn = columns.map((_, index) => index >= table.counts.length);
  const width = columns.length;
  const cellOf = (row: number, column: number) => row * width + column;

  const values: number[] = [];
  table.rows.forEach((row, rowIndex) => {
    for (const column of table.counts) {
      const value = row[column];
      if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
        throw new SuppressionInputError(
          `count "${column}" in row "${rowKeys[rowIndex]}" must be a whole number ≥ 0, got ${JSON.stringify(value)}`,
        );
      }
      values.push(value);
    }
    for (const rate of complementPairs) {
      const complement = (row[rate.denominator] as number) - (row[rate.numerator] as number);
      if (complement < 0) {
        throw new SuppressionInputError(
          `rate ${rate.columns.join('/')} in row "${rowKeys[rowIndex]}" has numerator above denominator`,
        );
      }
      values.push(complement);
    }
  });

  const relations: LinearRelation[] = [];
  const rowIndexOf = (key: string) => {
    const index = rowKeys.indexOf(key);
    if (index < 0) throw new SuppressionInputError(`row sum refers to row "${key}", which is not in the table`);
    return index;
  };
  for (const sum of table.rowSums ?? []) {
    const total = rowIndexOf(sum.total);
    const parts = sum.parts.map(rowIndexOf);
    for (let column = 0; column < width; column++) {
      relations.push(sumRelation(cellOf(total, column), parts.map((part) => cellOf(part, column)), values, () =>
        `rows ${sum.parts.join(' + ')} do not add up to row ${sum.total} in column "${columns[column]}"`,
      ));
    }
  }
  const columnIndexOf = (name: string) => {
    const index = table.counts.indexOf(name);
    if (index < 0) throw new SuppressionInputError(`column sum refers to "${name}", which is not listed in counts`);
    return index;
  };
  for (const sum of table.columnSums ?? []) {
    const total = columnIndexOf(sum.total);
    const parts = sum.parts.map(columnIndexOf);
    rowKeys.forEach((rowKey, row) => {
      relations.push(sumRelation(cellOf(row, total), parts.map((part) => cellOf(row, part)), values, () =>
        `columns ${sum.parts.join(' + ')} do not add up to "${sum.total}" in row "${rowKey}"`,
      ));
    });
  }
  complementPairs.forEach((rate, pairIndex) => {
    const complementColumn = table.counts.length + pairIndex;
    rowKeys.forEach((_, row) => {
      relations.push({
        cells: [cellOf(row, columnIndexOf(rate.denominator)), cellOf(row, columnIndexOf(rate.numerator)), cellOf(row, complementColumn)],
        coefficients: [1, -1, -1],
      });
    });
  });
  return { rowKeys, columns, hiddenColumn, values, relations };
}

function sumRelation(total: number, parts: number[], values: number[], mismatch: () => string): LinearRelation {
  const sum = parts.reduce((accumulated, part) => accumulated + values[part], 0);
  if (sum !== values[total]) throw new SuppressionInputError(`${mismatch()} (${sum} ≠ ${values[total]})`);
  return { cells: [total, ...parts], coefficients: [1, ...parts.map(() => -1)] };
}

function describe(grid: Grid, cell: number): string {
  const width = grid.columns.length;
  return `"${grid.columns[cell % width]}" of row "${grid.rowKeys[Math.floor(cell / width)]}"`;
}

function finish(
  table: CountTable,
  grid: Grid,
  reasons: Map<number, SuppressionReason>,
  maxCount: number,
  isSmall: (cell: number) => boolean,
  isUnknown: (cell: number) => boolean,
  mustProtect: (cell: number) => boolean,
  isHidden: (cell: number) => boolean,
): SuppressedTable {
  const width = grid.columns.length;
  const columnIndex = new Map(grid.columns.map((name, index) => [name, index]));
  const reasonAt = new Map<string, Map<string, SuppressionReason>>();
  const mark = (row: string, column: string, reason: SuppressionReason) => {
    if (!reasonAt.has(row)) reasonAt.set(row, new Map());
    const existing = reasonAt.get(row)!.get(column);
    if (existing !== 'primary') reasonAt.get(row)!.set(column, reason);
  };

  grid.rowKeys.forEach((rowKey, row) => {
    for (const column of table.counts) {
      const reason = reasons.get(row * width + columnIndex.get(column)!);
      if (reason) mark(rowKey, column, reason);
    }
    // A rate or statistic is shown only when every count under it is shown; it is "primary"
    // when one of those counts is small, so footnotes tell small groups from protection.
    const dependents = [
      ...(table.rates ?? []).map((rate) => ({
        columns: rate.columns,
        basedOn: [rate.numerator, rate.denominator],
        complement: columnIndex.get(`${rate.denominator} − ${rate.numerator}`),
      })),
      ...(table.derived ?? []).map((derived) => ({ ...derived, complement: undefined })),
    ];
    for (const dependent of dependents) {
      const basis = dependent.basedOn.map((column) => {
        const index = columnIndex.get(column);
        if (index === undefined || grid.hiddenColumn[index]) {
          throw new SuppressionInputError(`derived columns ${dependent.columns.join('/')} rest on "${column}", which is not listed in counts`);
        }
        return row * width + index;
      });
      const hidden = basis.filter((cell) => reasons.has(cell));
      if (hidden.length === 0) continue;
      const smallComplement = dependent.complement !== undefined && isSmall(row * width + dependent.complement);
      const reason = smallComplement || hidden.some((cell) => isSmall(cell)) ? 'primary' : 'complementary';
      for (const column of dependent.columns) mark(rowKey, column, reason);
    }
  });

  const rows = table.rows.map((row, index) => {
    const copy = { ...row };
    for (const column of reasonAt.get(grid.rowKeys[index])?.keys() ?? []) copy[column] = null;
    return copy;
  });
  const suppressed: SuppressedCell[] = [];
  for (const [row, columns] of reasonAt) for (const [column, reason] of columns) suppressed.push({ row, column, reason });

  const ref = (cell: number): CellRef => ({ row: grid.rowKeys[Math.floor(cell / width)], column: grid.columns[cell % width] });
  const determined = determinedUnknowns(grid.relations, isUnknown);
  const visibleSmallCounts: CellRef[] = [];
  for (let cell = 0; cell < grid.values.length; cell++) {
    const readable = isHidden(cell) ? determined.has(cell) : !reasons.has(cell);
    if (readable && isSmall(cell)) visibleSmallCounts.push(ref(cell));
  }
  const derivableCells = [...determined].filter(mustProtect).map(ref);
  const audit = { passed: visibleSmallCounts.length === 0 && derivableCells.length === 0, visibleSmallCounts, derivableCells };
  if (!audit.passed) {
    // Unreachable by construction; refuse to hand out a table that would disclose.
    throw new SuppressionInputError(`audit failed: ${JSON.stringify(audit)}`);
  }
  return {
    rows,
    suppressed,
    audit,
    maxCount,
    reasonOf: (row, column) => reasonAt.get(row)?.get(column),
  };
}
