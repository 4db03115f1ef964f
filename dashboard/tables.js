// Data tables (the text equivalent of every chart) and their CSV downloads.
/* global Node, Blob */
import { SUPPRESSED } from './format.js';

/** Creates an element with attributes and children; no innerHTML anywhere (values come from data). */
export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'className') node.className = value;
    else if (name === 'text') node.textContent = value;
    else if (name.startsWith('on')) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/** RFC 4180: quote fields with commas, quotes or line breaks; double the quotes. */
export function toCsv(columns, rows) {
  const field = (value) => {
    if (value === null || value === undefined) return '';
    const textValue = String(value);
    return /[",\r\n]/.test(textValue) ? `"${textValue.replace(/"/g, '""')}"` : textValue;
  };
  const lines = [columns.map((column) => field(column.key)).join(',')];
  for (const row of rows) lines.push(columns.map((column) => field(row[column.key])).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

function download(filename, content) {
  const url = URL.createObjectURL(new Blob([content], { type: 'text/csv;charset=utf-8' }));
  const link = el('a', { href: url, download: filename });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/**
 * A table of rows with a CSV download of the raw values (not the formatted text).
 * columns: [{ key, label, format?, numeric? }]
 */
export function dataTable({ caption, columns, rows, filename, note }) {
  const head = el('thead', {}, el('tr', {}, columns.map((column) => el('th', { scope: 'col', className: column.numeric ? 'number' : undefined, text: column.label }))));
  const body = el(
    'tbody',
    {},
    rows.map((row) =>
      el(
        'tr',
        {},
        columns.map((column, index) => {
          const value = row[column.key];
          const shown = column.format ? column.format(value, row) : value ?? SUPPRESSED;
          const cellTag = index === 0 ? 'th' : 'td';
          const classes = [column.numeric ? 'number' : '', value === null || value === undefined ? 'suppressed' : ''].filter(Boolean).join(' ');
          return el(cellTag, {
            scope: index === 0 ? 'row' : undefined,
            className: classes || undefined,
            'data-key': column.key,
            'data-value': value === null || value === undefined ? '' : String(value),
            text: String(shown),
          });
        }),
      ),
    ),
  );
  const table = el('table', {}, el('caption', { text: caption }), head, body);
  const tools = el(
    'div',
    { className: 'table-tools' },
    el('span', { className: 'note', text: note ?? `${rows.length} row${rows.length === 1 ? '' : 's'}` }),
    el('button', { type: 'button', 'data-csv': filename, onclick: () => download(filename, toCsv(columns, rows)), text: `Download CSV` }),
  );
  return el('div', { className: 'table-block' }, tools, el('div', { className: 'table-wrap' }, table));
}
