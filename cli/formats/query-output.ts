/** Prints query rows as an aligned text table, RFC 4180 CSV or JSON (the `query` command). */
import type { CellValue, Row } from '../../lambdas/adapters/query-engine';

export const OUTPUT_FORMATS = ['table', 'csv', 'json'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

export function formatRows(rows: Row[], format: OutputFormat): string {
  if (format === 'json') return `${JSON.stringify(rows, null, 2)}\n`;
  if (format === 'csv') return csv(rows);
  return table(rows);
}

function columnsOf(rows: Row[]): string[] {
  return rows.length > 0 ? Object.keys(rows[0]) : [];
}

function csv(rows: Row[]): string {
  const columns = columnsOf(rows);
  const escape = (value: CellValue) => {
    if (value === null) return '';
    const text = String(value);
    return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  };
  return [columns.join(','), ...rows.map((row) => columns.map((column) => escape(row[column])).join(','))].map((line) => `${line}\r\n`).join('');
}

/** Fractions with 4 decimals (the precision the metrics are published at), integers as they are, NULL as "—". */
function cellText(value: CellValue): string {
  if (value === null) return '—';
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : value.toFixed(4);
  return String(value);
}

function table(rows: Row[]): string {
  if (rows.length === 0) return '(no rows)\n';
  const columns = columnsOf(rows);
  const cells = rows.map((row) => columns.map((column) => cellText(row[column])));
  const numeric = columns.map((column) => rows.every((row) => row[column] === null || typeof row[column] === 'number'));
  const widths = columns.map((column, index) => Math.max(column.length, ...cells.map((line) => line[index].length)));
  const render = (line: string[]) =>
    line.map((text, index) => (numeric[index] ? text.padStart(widths[index]) : text.padEnd(widths[index]))).join('  ').trimEnd();
  return [render(columns), widths.map((width) => '-'.repeat(width)).join('  '), ...cells.map(render)].map((line) => `${line}\n`).join('');
}
