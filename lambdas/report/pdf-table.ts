/**
 * Draws a report table with pdfkit: wrapped first column, right-aligned numbers, the
 * header repeated on every page the table spans, notes (and suppression legend) below.
 */
import type { ReportTable } from '../core/report-content';
import { contentBottom, contentWidth, ensureSpace, FONT, INK, TEXT, type Pdf } from './pdf-layout';

const PADDING = 3;

/**
 * Number columns get what their widest cell needs (headers may wrap at spaces); label
 * columns share the rest, so a long measure name wraps instead of squeezing the numbers.
 */
function columnWidths(doc: Pdf, table: ReportTable, size: number): number[] {
  const width = contentWidth(doc);
  doc.font(FONT.regular).fontSize(size);
  const cellWidth = (index: number) => Math.max(0, ...table.rows.map((row) => doc.widthOfString(row[index]?.text ?? '')));
  doc.font(FONT.bold);
  // Short headers ("of N") stay on one line; long ones may wrap between words.
  const headerWordWidth = (index: number) => {
    const label = table.columns[index].label;
    return label.length <= 10 ? doc.widthOfString(label) : Math.max(...label.split(/\s+/).map((word) => doc.widthOfString(word)));
  };
  const natural = table.columns.map((_, index) => Math.max(cellWidth(index), headerWordWidth(index)) + 2 * PADDING + 1);
  // Secondary label columns (clinic, group) are short: they keep their natural width.
  const fixed = table.columns.map((_, index) => index).filter((index) => index !== 0);
  const fixedWidth = fixed.reduce((sum, index) => sum + natural[index], 0);
  const widths = [...natural];
  const minimumFirst = Math.min(natural[0], width * 0.2);
  if (fixedWidth + minimumFirst > width) {
    // Too wide even so: shrink the other columns proportionally (their text wraps).
    const scale = (width - minimumFirst) / fixedWidth;
    for (const index of fixed) widths[index] = natural[index] * scale;
  }
  widths[0] = width - fixed.reduce((sum, index) => sum + widths[index], 0);
  return widths;
}

function rowHeight(doc: Pdf, texts: string[], widths: number[], font: string, size: number): number {
  doc.font(font).fontSize(size);
  return Math.max(...texts.map((text, index) => doc.heightOfString(text, { width: widths[index] - 2 * PADDING }))) + 2 * PADDING;
}

function drawHeader(doc: Pdf, table: ReportTable, widths: number[], left: number, size: number): void {
  const labels = table.columns.map((column) => column.label);
  const height = rowHeight(doc, labels, widths, FONT.bold, size);
  const top = doc.y;
  doc.save().rect(left, top, widths.reduce((a, b) => a + b, 0), height).fill(INK.headerFill).restore();
  let x = left;
  doc.font(FONT.bold).fontSize(size).fillColor(INK.text);
  labels.forEach((label, index) => {
    doc.text(label, x + PADDING, top + PADDING, { width: widths[index] - 2 * PADDING, align: table.columns[index].kind === 'label' ? 'left' : 'right' });
    x += widths[index];
  });
  doc.y = top + height;
  rule(doc, left, widths, INK.rule);
}

function rule(doc: Pdf, left: number, widths: number[], colour: string): void {
  const right = left + widths.reduce((a, b) => a + b, 0);
  doc.save().moveTo(left, doc.y).lineTo(right, doc.y).lineWidth(0.5).strokeColor(colour).stroke().restore();
}

export function drawTable(doc: Pdf, table: ReportTable): void {
  const left = doc.page.margins.left;
  // Wide tables (clinic and group columns beside nine numbers) get a smaller font rather than wrapped numbers.
  const size = table.columns.length > 8 ? TEXT.table - 1 : TEXT.table;
  const widths = columnWidths(doc, table, size);
  const headerHeight = rowHeight(doc, table.columns.map((column) => column.label), widths, FONT.bold, size);
  const firstRow = table.rows[0] ? rowHeight(doc, table.rows[0].map((cell) => cell.text), widths, FONT.regular, size) : 0;
  // Title, header and a first row stay together.
  ensureSpace(doc, 18 + headerHeight + firstRow);
  doc.font(FONT.bold).fontSize(TEXT.subheading - 1).fillColor(INK.text).text(table.title, left, doc.y, { width: contentWidth(doc) });
  doc.moveDown(0.3);
  drawHeader(doc, table, widths, left, size);

  for (const row of table.rows) {
    const texts = row.map((cell) => cell.text);
    const height = rowHeight(doc, texts, widths, FONT.regular, size);
    if (doc.y + height > contentBottom(doc)) {
      doc.addPage();
      doc.font(FONT.regular).fontSize(TEXT.small).fillColor(INK.muted).text(`${table.title} (continued)`, left, doc.y);
      doc.moveDown(0.2);
      drawHeader(doc, table, widths, left, size);
    }
    const top = doc.y;
    let x = left;
    row.forEach((cell, index) => {
      doc.font(FONT.regular).fontSize(size).fillColor(cell.suppressed ? INK.muted : INK.text);
      doc.text(cell.text, x + PADDING, top + PADDING, { width: widths[index] - 2 * PADDING, align: table.columns[index].kind === 'label' ? 'left' : 'right' });
      x += widths[index];
    });
    doc.y = top + height;
    rule(doc, left, widths, INK.grid);
  }

  doc.moveDown(0.3);
  doc.font(FONT.regular).fontSize(TEXT.small).fillColor(INK.muted);
  for (const note of table.notes) doc.text(note, left, doc.y, { width: contentWidth(doc) });
  doc.fillColor(INK.text).moveDown(0.8);
}
