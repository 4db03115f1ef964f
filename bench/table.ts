/** Renders a benchmark's result as an aligned text table (stdout) or a Markdown table (docs). */

export interface ResultTable {
  title: string;
  columns: string[];
  rows: (string | number)[][];
  /** Lines printed under the table: method, baseline, target verdict. */
  notes?: string[];
}

export function renderText(table: ResultTable): string {
  const cells = [table.columns, ...table.rows.map((row) => row.map(String))];
  const widths = table.columns.map((_, column) => Math.max(...cells.map((row) => (row[column] ?? '').length)));
  const line = (row: string[]) => row.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]) : cell.padStart(widths[column]))).join('  ');
  return [
    `== ${table.title}`,
    line(table.columns),
    widths.map((width) => '-'.repeat(width)).join('  '),
    ...cells.slice(1).map(line),
    ...(table.notes ?? []).map((note) => `   ${note}`),
  ].join('\n');
}

export function renderMarkdown(table: ResultTable): string {
  const escape = (cell: string | number) => String(cell).replace(/\|/g, '\\|');
  return [
    `| ${table.columns.map(escape).join(' | ')} |`,
    `|${table.columns.map((_, index) => (index === 0 ? '---' : '---:')).join('|')}|`,
    ...table.rows.map((row) => `| ${row.map(escape).join(' | ')} |`),
  ].join('\n');
}
