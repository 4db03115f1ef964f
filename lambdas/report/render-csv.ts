/**
 * One RFC 4180 CSV per report table (CRLF, quotes doubled), plus README.txt with the
 * suppression legend and the units: CSVs carry no comment lines, so spreadsheets open them as is.
 */
import { reportTables, type CellKind, type ReportCell, type ReportColumn, type ReportModel, type ReportTable } from '../core/report-content';
import { SUPPRESSION_MARK } from '../core/report-cells';

export interface CsvFile {
  name: string;
  content: string;
}

/** A field quoted when it holds a comma, quote, CR or LF (RFC 4180 §2.6–2.7). */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

export function csvLine(fields: string[]): string {
  return fields.map(csvField).join(',');
}

/** Unit of a raw value in a mixed column ("Value" holds rates, days and hours). */
const UNIT_OF_KIND: Partial<Record<CellKind, string>> = {
  percent: 'proportion',
  estimate: 'proportion',
  days: 'days',
  weeks: 'weeks',
  hours: 'hours',
  count: 'count',
  'p-value': 'p',
};

function headerFor(column: ReportColumn): string[] {
  if (column.kind === 'text') return [column.label, `${column.label} unit`];
  if (column.kind === 'interval') return [`${column.label} lower (proportion)`, `${column.label} upper (proportion)`];
  if (column.kind === 'percent') return [`${column.label} (proportion)`];
  return [column.label];
}

/** Raw values, not the rounded text: a CSV is for re-analysis. Suppressed cells carry the same mark as the PDF. */
function fieldsFor(column: ReportColumn, cell: ReportCell): string[] {
  if (column.kind === 'text') {
    const unit = cell.value === null && !cell.suppressed ? '' : (UNIT_OF_KIND[cell.kind] ?? '');
    return [...valueFields(1, cell), unit];
  }
  return valueFields(column.kind === 'interval' ? 2 : 1, cell);
}

function valueFields(width: number, cell: ReportCell): string[] {
  if (cell.suppressed) return new Array<string>(width).fill(SUPPRESSION_MARK[cell.suppressed]);
  if (cell.value === null) return new Array<string>(width).fill('');
  if (Array.isArray(cell.value)) return cell.value.map(String);
  return [String(cell.value)];
}

export function tableCsv(table: ReportTable): string {
  const lines = [csvLine(table.columns.flatMap(headerFor))];
  for (const row of table.rows) lines.push(csvLine(table.columns.flatMap((column, index) => fieldsFor(column, row[index]))));
  return `${lines.join('\r\n')}\r\n`;
}

export function renderCsvFiles(model: ReportModel): CsvFile[] {
  const tables = reportTables(model);
  const files = tables.map((table) => ({ name: `${table.id}.csv`, content: tableCsv(table) }));
  files.push({ name: 'README.txt', content: csvReadme(model, tables) });
  return files;
}

function csvReadme(model: ReportModel, tables: ReportTable[]): string {
  const units = model.units.map((unit) => unit.label).join(', ');
  const lines = [
    `${model.funder.name} — outcomes report ${model.period.label}`,
    `Period ${model.period.start} to ${model.period.end}; data as of ${model.period.asOf}; admission cohort ${model.cohort.from} to ${model.cohort.to}.`,
    `Clinics: ${units}${model.programId ? `; program ${model.programId}` : ''}.`,
    `Generated ${model.generatedAt} by iop-outcomes ${model.softwareVersion}.`,
    '',
    'Files (one per table of report.pdf, same order):',
    ...tables.map((table) => `  ${table.id}.csv — ${table.title}`),
    '',
    'Conventions:',
    '  Values are unrounded; the PDF shows them rounded.',
    '  "(proportion)" columns hold a proportion between 0 and 1 (0.377 = 37.7%); intervals are Wilson or',
    '  Greenwood (log-log) 95% confidence intervals, given as lower and upper columns.',
    '  An empty cell means "not defined" (e.g. a rate with no one in its denominator).',
    '',
    'Small-cell suppression (CMS cell-size policy, ResDAC 2024):',
    `  ${SUPPRESSION_MARK.primary}  suppressed: the count is between 1 and ${model.suppressionMaxCount}, or the value rests on such a count.`,
    `  ${SUPPRESSION_MARK.complementary} suppressed so that another suppressed value cannot be worked out from totals or other cells.`,
    '  Zero counts are shown. See the methods appendix of report.pdf.',
  ];
  return `${lines.join('\r\n')}\r\n`;
}
