/**
 * Renders a report model to PDF with pdfkit: title page, one section after another
 * (paragraphs, tables, vector charts), "page n of N" footers. Runs the same in a Lambda.
 */
import { join } from 'node:path';
// An import, so esbuild bundles pdfkit's ES build and drops its unused code (ADR 0110). That build
// reads import.meta.url at load: lib/bundling/lambda-bundling.ts gives CommonJS bundles one (ADR 0085).
import PDFDocument from 'pdfkit';
import type { ReportModel, ReportSectionContent } from '../core/report-content';
import { drawChart } from './pdf-charts';
import { drawTable } from './pdf-table';
import { contentWidth, ensureSpace, FONT, fontDirectory, INK, PAGE, TEXT, type Pdf } from './pdf-layout';

export async function renderPdf(model: ReportModel): Promise<Buffer> {
  const fonts = fontDirectory();
  const doc = new PDFDocument({
    size: PAGE.size,
    margins: { top: PAGE.margin, left: PAGE.margin, right: PAGE.margin, bottom: PAGE.margin + PAGE.footer },
    bufferPages: true,
    // Never touch pdfkit's built-in Helvetica (Latin-1 only, and its AFM files are not in a bundle).
    font: join(fonts, 'DejaVuSans.ttf'),
    info: {
      Title: `${model.funder.name} — outcomes report ${model.period.label}`,
      Author: 'iop-outcomes',
      Subject: `Period ${model.period.start} to ${model.period.end}, data as of ${model.period.asOf}`,
      CreationDate: new Date(model.generatedAt),
    },
  });
  doc.registerFont(FONT.regular, join(fonts, 'DejaVuSans.ttf'));
  doc.registerFont(FONT.bold, join(fonts, 'DejaVuSans-Bold.ttf'));
  const finished = collect(doc);

  drawTitlePage(doc, model);
  for (const section of model.sections) drawSection(doc, section);
  drawFooters(doc, model);
  doc.end();
  return finished;
}

function collect(doc: Pdf): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    doc.on('data', (chunk: Buffer) => chunks.push(chunk));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
}

function drawTitlePage(doc: Pdf, model: ReportModel): void {
  const left = doc.page.margins.left;
  const width = contentWidth(doc);
  doc.y = doc.page.margins.top + 90;
  doc.font(FONT.regular).fontSize(11).fillColor(INK.muted).text('Intensive Outpatient Program outcomes report', left, doc.y, { width });
  doc.moveDown(0.5);
  doc.font(FONT.bold).fontSize(24).fillColor(INK.text).text(model.funder.name, { width });
  doc.moveDown(0.4);
  const periodKind = model.period.kind === 'quarter' ? 'Quarter' : 'Month';
  doc.font(FONT.regular).fontSize(16).text(`${periodKind} ${model.period.label}  (${model.period.start} to ${model.period.end})`, { width });
  doc.moveDown(2);

  const facts: [string, string][] = [
    ['Clinics', model.units.map((unit) => unit.label).join(', ')],
    ...(model.programId ? ([['Program', model.programId]] as [string, string][]) : []),
    ['Data as of', model.period.asOf],
    ['Admission cohort', `${model.cohort.from} to ${model.cohort.to}`],
    ['Generated', model.generatedAt],
    ['Software', `iop-outcomes ${model.softwareVersion}`],
    ['Small cells', `counts of 1–${model.suppressionMaxCount} and values resting on them are suppressed`],
  ];
  for (const [label, value] of facts) {
    const y = doc.y;
    doc.font(FONT.bold).fontSize(TEXT.body + 0.5).fillColor(INK.muted).text(label, left, y, { width: 190 });
    const labelBottom = doc.y;
    doc.font(FONT.regular).fillColor(INK.text).text(value, left + 200, y, { width: width - 200 });
    doc.y = Math.max(doc.y, labelBottom);
    doc.moveDown(0.5);
  }
  doc.moveDown(1.5);
  doc.font(FONT.bold).fontSize(TEXT.subheading).text('Contents', left, doc.y);
  doc.moveDown(0.3);
  model.sections.forEach((section, index) => {
    doc.font(FONT.regular).fontSize(TEXT.body + 0.5).text(`${index + 1}. ${section.title}`, left + 10, doc.y);
  });
  doc.moveDown(2);
  doc.font(FONT.regular).fontSize(TEXT.small).fillColor(INK.muted).text(
    'Aggregate statistics only; no client-level records. Contains no protected health information when handled as delivered: do not recombine with other releases.',
    left,
    doc.y,
    { width },
  );
  doc.fillColor(INK.text);
}

function drawSection(doc: Pdf, section: ReportSectionContent): void {
  doc.addPage();
  const left = doc.page.margins.left;
  doc.font(FONT.bold).fontSize(TEXT.heading).fillColor(INK.text).text(section.title, left, doc.y, { width: contentWidth(doc) });
  doc.moveDown(0.6);
  for (const block of section.blocks) {
    if (block.type === 'paragraph') {
      ensureSpace(doc, 30);
      doc.font(FONT.regular).fontSize(TEXT.body).fillColor(INK.text).text(block.text, left, doc.y, { width: contentWidth(doc), align: 'left' });
      doc.moveDown(0.6);
    } else if (block.type === 'table') {
      drawTable(doc, block.table);
    } else {
      drawChart(doc, block.chart);
    }
  }
}

function drawFooters(doc: Pdf, model: ReportModel): void {
  const range = doc.bufferedPageRange();
  const total = range.count;
  for (let index = range.start; index < range.start + total; index++) {
    doc.switchToPage(index);
    const bottom = doc.page.margins.bottom;
    // Writing below the bottom margin would make pdfkit add a page.
    doc.page.margins.bottom = 0;
    const y = doc.page.height - PAGE.margin - 4;
    doc.font(FONT.regular).fontSize(TEXT.small).fillColor(INK.muted);
    doc.text(`${model.funder.name} · ${model.period.label} · as of ${model.period.asOf}`, doc.page.margins.left, y, {
      width: contentWidth(doc) - 80,
      lineBreak: false,
    });
    doc.text(`Page ${index - range.start + 1} of ${total}`, doc.page.margins.left + contentWidth(doc) - 80, y, { width: 80, align: 'right', lineBreak: false });
    doc.page.margins.bottom = bottom;
  }
}
