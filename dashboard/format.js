// Number formatting shared by tiles, tables, charts and CSV labels. A null value is a
// suppressed or undefined cell and always shows as an em dash, never as 0.

export const SUPPRESSED = '—';

// Table cells call formatters as format(value, row): a digits argument that is not a number is ignored.
const digitsOr = (digits, fallback) => (typeof digits === 'number' ? digits : fallback);

export function percent(value, digits) {
  if (value === null || value === undefined || Number.isNaN(value)) return SUPPRESSED;
  return `${(value * 100).toFixed(digitsOr(digits, 1))}%`;
}

export function interval(lower, upper) {
  if (lower === null || lower === undefined || upper === null || upper === undefined) return '';
  return `95% CI ${percent(lower)}–${percent(upper)}`;
}

/** An interval for a table cell whose header already says "95% CI". */
export function range(lower, upper) {
  if (lower === null || lower === undefined || upper === null || upper === undefined) return SUPPRESSED;
  return `${percent(lower)}–${percent(upper)}`;
}

export function count(value) {
  if (value === null || value === undefined) return SUPPRESSED;
  return Number(value).toLocaleString('en-US');
}

export function decimal(value, digits) {
  if (value === null || value === undefined) return SUPPRESSED;
  return Number(value).toFixed(digitsOr(digits, 1));
}

export function points(value) {
  if (value === null || value === undefined) return SUPPRESSED;
  const sign = value > 0 ? '+' : '';
  return `${sign}${Number(value).toFixed(1)} pts`;
}

export function text(value) {
  if (value === null || value === undefined) return SUPPRESSED;
  return String(value).replace(/_/g, ' ');
}

export function hours(value) {
  if (value === null || value === undefined) return SUPPRESSED;
  return `${Number(value).toFixed(1)} h`;
}

export function days(value) {
  if (value === null || value === undefined) return SUPPRESSED;
  return `${value} days`;
}
