/**
 * Report cells from suppressed query rows: one formatting rule per kind of number, and
 * the marks that replace suppressed values in the PDF and the CSVs alike.
 */
import type { CellKind, ReportCell, SuppressionMark } from './report-content';
import type { SuppressedTable } from './suppression';

export const SUPPRESSION_MARK: Record<SuppressionMark, string> = { primary: '*', complementary: '**' };

export function suppressionLegend(maxCount: number): string[] {
  return [
    `${SUPPRESSION_MARK.primary} Suppressed: a count of 1–${maxCount}, or a value that rests on one (CMS cell-size policy).`,
    `${SUPPRESSION_MARK.complementary} Suppressed to protect another suppressed cell (complementary suppression).`,
  ];
}

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

export function formatValue(kind: CellKind, value: number | string | null | [number, number]): string {
  if (value === null || value === undefined) return 'n/a';
  // Interval columns are headed "95% CI" and hold percentages; the sign is left out to keep them narrow.
  if (Array.isArray(value)) return `${percentNumber(value[0])}–${percentNumber(value[1])}`;
  if (typeof value === 'string') return value;
  switch (kind) {
    case 'count':
      return integer.format(value);
    case 'percent':
    case 'estimate':
      return `${percentNumber(value)}%`;
    case 'p-value':
      return value < 0.001 ? '<0.001' : value.toFixed(3);
    case 'days':
    case 'weeks':
    case 'hours':
      return Number.isInteger(value) ? String(value) : value.toFixed(1);
    case 'interval':
      return String(value);
    default:
      return String(value);
  }
}

function percentNumber(proportion: number): string {
  return (proportion * 100).toFixed(1);
}

export function textCell(text: string, kind: CellKind = 'label'): ReportCell {
  return { text, kind, value: text };
}

export function valueCell(kind: CellKind, value: number | string | null | [number, number]): ReportCell {
  return { text: formatValue(kind, value), kind, value };
}

function markedCell(kind: CellKind, mark: SuppressionMark): ReportCell {
  return { text: SUPPRESSION_MARK[mark], kind, value: null, suppressed: mark };
}

/** A number read from a suppressed table row: the mark when suppressed, else the formatted value. */
export function cellFrom(table: SuppressedTable, rowKey: string, row: Record<string, unknown>, column: string, kind: CellKind): ReportCell {
  const mark = table.reasonOf(rowKey, column);
  if (mark) return markedCell(kind, mark);
  return valueCell(kind, numberOrNull(row[column]));
}

/** An interval from two columns; suppressed when either bound is. */
export function intervalFrom(table: SuppressedTable, rowKey: string, row: Record<string, unknown>, lower: string, upper: string): ReportCell {
  const mark = table.reasonOf(rowKey, lower) ?? table.reasonOf(rowKey, upper);
  if (mark) return markedCell('interval', mark);
  const low = numberOrNull(row[lower]);
  const high = numberOrNull(row[upper]);
  if (typeof low !== 'number' || typeof high !== 'number') return valueCell('interval', null);
  return valueCell('interval', [low, high]);
}

export function numberOrNull(value: unknown): number | null {
  if (value === null || value === undefined || value === '') return null;
  const number = typeof value === 'number' ? value : Number(value);
  return Number.isFinite(number) ? number : null;
}

/** True when any cell of these cells is suppressed (tables add the legend only then). */
export function anySuppressed(rows: ReportCell[][]): boolean {
  return rows.some((row) => row.some((cell) => cell.suppressed !== undefined));
}
