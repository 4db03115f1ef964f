/**
 * Draws a report table with pdfkit: wrapped first column, right-aligned numbers, the
 * header repeated on every page the table spans, notes (and suppression legend) below.
 */
import type { ReportTable } from '../core/report-content';
import { contentBottom, contentWidth, ensureSpace, FONT, INK, TEXT, type Pdf } from './pdf-layout';

const PADDING = 3;

function columnWidths(doc: Pdf, table: ReportTable): number[] {
  const width = contentWidth(doc);
  const count = table.columns.length;
  if (count === 1) return [width];
  // The label column gets what its longest label needs, within a third to a half of the page.
  doc.font(FONT.regular).fontSize(TEXT.table);
  const longest = Math.max(...table.rows.map((row) => doc.widthOfString(row[0]?.text ?? '')), doc.widthOfString(table.columns[0].label));
  const first = Math.min(width * 0.45, Math.max(width * 0.28, longest + 2 * PADDING));
  const rest = (width - first) / (count - 1);
  return [first, ...new Array<number>(count - 1).fill(rest)];
}

function rowHeight(doc: Pdf, texts: string[], widths: number[], font: string): number {
  doc.font(font).fontSize(TEXT.table);
  return Math.max(...texts.map((text, index) => doc.heightOfString(text, { width: widths[index] - 2 * PADDING }))) + 2 * PADDING;
}

function drawHeader(doc: Pdf, table: ReportTable, widths: number[], left: number): void {
  const labels = table.columns.map((column) => column.label);
  const height = rowHeight(doc, labels, widths, FONT.bold);
  const top = doc.y;
  doc.save().rect(left, top, widths.reduce((a, b) => a + b, 0), height).fill(INK.headerFill).restore();
  let x = left;
  doc.font(FONT.bold).fontSize(TEXT.table).fillColor(INK.text);
  labels.forEach((label, index) => {
    doc.text(label, x + PADDING, top + PADDING, { width: widths[index] - 2 * PADDING, align: index === 0 ? 'left' : 'right' });
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
  const widths = columnWidths(doc, table);
  const headerHeight = rowHeight(doc, table.columns.map((column) => column.label), widths, FONT.bold);
  const firstRow = table.rows[0] ? rowHeight(doc, table.rows[0].map((cell) => cell.text), widths, FONT.regular) : 0;
  // Title, header and a first row stay together.
  ensureSpace(doc, 18 + headerHeight + firstRow);
  doc.font(FONT.bold).fontSize(TEXT.subheading - 1).fillColor(INK.text).text(table.title, left, doc.y, { width: contentWidth(doc) });
  doc.moveDown(0.3);
  drawHeader(doc, table, widths, left);

  for (const row of table.rows) {
    const texts = row.map((cell) => cell.text);
    const height = rowHeight(doc, texts, widths, FONT.regular);
    if (doc.y + height > contentBottom(doc)) {
      doc.addPage();
      doc.font(FONT.regular).fontSize(TEXT.small).fillColor(INK.muted).text(`${table.title} (continued)`, left, doc.y);
      doc.moveDown(0.2);
      drawHeader(doc, table, widths, left);
    }
    const top = doc.y;
    let x = left;
    row.forEach((cell, index) => {
      doc.font(FONT.regular).fontSize(TEXT.table).fillColor(cell.suppressed ? INK.muted : INK.text);
      doc.text(cell.text, x + PADDING, top + PADDING, { width: widths[index] - 2 * PADDING, align: index === 0 ? 'left' : 'right' });
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
