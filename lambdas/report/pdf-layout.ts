/**
 * Page geometry, fonts and palette shared by the PDF table and chart painters. Fonts are
 * TTF files shipped beside the code (a Lambda has no system fonts; pdfkit's built-in
 * Helvetica has no ≥ or – outside Latin-1).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export type Pdf = PDFKit.PDFDocument;

export const PAGE = { size: 'LETTER' as const, margin: 54, footer: 28 };

export const FONT = { regular: 'report-regular', bold: 'report-bold' };

export const TEXT = { body: 9.5, small: 7.5, table: 8, heading: 15, subheading: 11 };

/** Okabe–Ito palette: distinguishable with the common colour-vision deficiencies. */
export const PALETTE = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#D55E00', '#F0E442', '#000000'];

export const INK = { text: '#1a1a1a', muted: '#555555', rule: '#999999', grid: '#dddddd', headerFill: '#eef1f5' };

/** Environment variable that overrides where the fonts are (tests of a bundle, unusual layouts). */
export const FONT_DIR_ENV = 'REPORT_FONT_DIR';

/**
 * Where DejaVuSans*.ttf live: next to this module in the source tree (`lambdas/report/fonts`),
 * and next to the bundled handler in the Lambda (the CDK bundling copies them to `fonts/`).
 */
export function fontDirectory(): string {
  const candidates = [process.env[FONT_DIR_ENV], join(__dirname, 'fonts')].filter((dir): dir is string => Boolean(dir));
  const found = candidates.find((dir) => existsSync(join(dir, 'DejaVuSans.ttf')));
  if (!found) {
    throw new Error(
      `report fonts not found (looked for DejaVuSans.ttf in ${candidates.join(', ')}); ship lambdas/report/fonts with the bundle or set ${FONT_DIR_ENV}`,
    );
  }
  return found;
}

export function contentWidth(doc: Pdf): number {
  return doc.page.width - doc.page.margins.left - doc.page.margins.right;
}

/** Lowest y content may reach (the footer lives below it). */
export function contentBottom(doc: Pdf): number {
  return doc.page.height - doc.page.margins.bottom;
}

/** Starts a new page unless `height` points still fit below the cursor. */
export function ensureSpace(doc: Pdf, height: number): void {
  if (doc.y + height > contentBottom(doc)) doc.addPage();
}
