/**
 * Vector charts drawn with pdfkit paths: a retention step curve with its confidence band,
 * and grouped horizontal percentage bars. Suppressed bars are drawn as a labelled gap.
 */
import type { BarChart, ReportChart, StepCurveChart } from '../core/report-content';
import { SUPPRESSION_MARK } from '../core/report-cells';
import { contentWidth, ensureSpace, FONT, INK, PALETTE, TEXT, type Pdf } from './pdf-layout';

const CURVE_HEIGHT = 230;

export function drawChart(doc: Pdf, chart: ReportChart): void {
  if (chart.type === 'step-curve') drawStepCurve(doc, chart);
  else drawBars(doc, chart);
}

function title(doc: Pdf, text: string): void {
  doc.font(FONT.bold).fontSize(TEXT.subheading - 1).fillColor(INK.text).text(text, doc.page.margins.left, doc.y, { width: contentWidth(doc) });
  doc.moveDown(0.4);
}

function note(doc: Pdf, text: string): void {
  doc.font(FONT.regular).fontSize(TEXT.small).fillColor(INK.muted).text(text, doc.page.margins.left, doc.y, { width: contentWidth(doc) });
  doc.fillColor(INK.text).moveDown(0.8);
}

function drawStepCurve(doc: Pdf, chart: StepCurveChart): void {
  ensureSpace(doc, CURVE_HEIGHT + 70);
  title(doc, chart.title);
  const left = doc.page.margins.left + 40;
  const width = contentWidth(doc) - 50;
  const top = doc.y + 4;
  const height = CURVE_HEIGHT - 40;
  const maxX = Math.max(1, ...chart.series.flatMap((series) => series.points.map((point) => point.x)), ...chart.markers);
  const xAt = (x: number) => left + (x / maxX) * width;
  const yAt = (y: number) => top + (1 - y) * height;

  doc.font(FONT.regular).fontSize(TEXT.small).fillColor(INK.muted);
  for (let tick = 0; tick <= 1.0001; tick += 0.25) {
    doc.save().moveTo(left, yAt(tick)).lineTo(left + width, yAt(tick)).lineWidth(0.4).strokeColor(INK.grid).stroke().restore();
    doc.text(`${Math.round(tick * 100)}%`, left - 36, yAt(tick) - 4, { width: 30, align: 'right' });
  }
  const step = niceStep(maxX);
  for (let tick = 0; tick <= maxX; tick += step) {
    doc.text(String(tick), xAt(tick) - 15, top + height + 4, { width: 30, align: 'center' });
  }
  for (const marker of chart.markers) {
    doc.save().moveTo(xAt(marker), top).lineTo(xAt(marker), top + height).dash(2, { space: 2 }).lineWidth(0.5).strokeColor(INK.rule).stroke().undash().restore();
  }
  doc.save().rect(left, top, width, height).lineWidth(0.6).strokeColor(INK.rule).stroke().restore();

  chart.series.forEach((series, index) => {
    const colour = PALETTE[index % PALETTE.length];
    const points = [...series.points].sort((a, b) => a.x - b.x);
    if (points.length === 0) return;
    const banded = points.filter((point) => point.lower !== undefined && point.upper !== undefined);
    if (banded.length > 0) {
      // Band: upper bound stepping forward, lower bound stepping back.
      const upper = stepPath(banded.map((point) => ({ x: point.x, y: point.upper! })));
      const lower = stepPath(banded.map((point) => ({ x: point.x, y: point.lower! }))).reverse();
      const outline = [...upper, ...lower];
      doc.save().moveTo(xAt(outline[0].x), yAt(outline[0].y));
      for (const corner of outline.slice(1)) doc.lineTo(xAt(corner.x), yAt(corner.y));
      doc.closePath().fillOpacity(0.18).fill(colour).restore();
    }
    const line = stepPath(points);
    doc.save().moveTo(xAt(line[0].x), yAt(line[0].y));
    for (const corner of line.slice(1)) doc.lineTo(xAt(corner.x), yAt(corner.y));
    doc.lineWidth(1.6).strokeColor(colour).stroke().restore();
  });

  doc.font(FONT.regular).fontSize(TEXT.small).fillColor(INK.text);
  doc.text(chart.xLabel, left, top + height + 16, { width, align: 'center' });
  doc.save().rotate(-90, { origin: [left - 38, top + height / 2] });
  doc.text(chart.yLabel, left - 38 - height / 2, top + height / 2 - 8, { width: height, align: 'center' });
  doc.restore();
  let legendX = left;
  const legendY = top + height + 30;
  chart.series.forEach((series, index) => {
    doc.save().rect(legendX, legendY + 1, 14, 6).fill(PALETTE[index % PALETTE.length]).restore();
    doc.fillColor(INK.text).text(series.label, legendX + 18, legendY, { lineBreak: false });
    legendX += 26 + doc.widthOfString(series.label);
  });
  doc.y = legendY + 16;
  note(doc, chart.note);
}

/** Corners of a right-continuous step function through the points. */
function stepPath(points: { x: number; y: number }[]): { x: number; y: number }[] {
  const corners: { x: number; y: number }[] = [];
  points.forEach((point, index) => {
    if (index > 0) corners.push({ x: point.x, y: points[index - 1].y });
    corners.push(point);
  });
  return corners;
}

function niceStep(max: number): number {
  const raw = max / 8;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const candidates = [1, 2, 5, 10].map((factor) => factor * magnitude);
  return candidates.find((candidate) => candidate >= raw) ?? 10 * magnitude;
}

const BAR_HEIGHT = 9;
const BAR_GAP = 2;
const CATEGORY_GAP = 8;

function drawBars(doc: Pdf, chart: BarChart): void {
  const groupCount = chart.groups.length;
  const categoryHeight = groupCount * (BAR_HEIGHT + BAR_GAP) + CATEGORY_GAP;
  ensureSpace(doc, 40 + chart.categories.length * categoryHeight + 40);
  title(doc, chart.title);
  const left = doc.page.margins.left;
  const labelWidth = 150;
  const plotLeft = left + labelWidth;
  const plotWidth = contentWidth(doc) - labelWidth - 40;
  const maxValue = Math.max(0.5, ...chart.groups.flatMap((group) => group.values.filter((value): value is number => value !== null)));
  const scale = Math.min(1, Math.ceil(maxValue * 10) / 10);
  const xAt = (value: number) => plotLeft + (value / scale) * plotWidth;
  const top = doc.y;
  const plotHeight = chart.categories.length * categoryHeight;

  doc.font(FONT.regular).fontSize(TEXT.small).fillColor(INK.muted);
  for (let tick = 0; tick <= scale + 1e-9; tick += scale <= 0.5 ? 0.1 : 0.2) {
    doc.save().moveTo(xAt(tick), top).lineTo(xAt(tick), top + plotHeight).lineWidth(0.4).strokeColor(INK.grid).stroke().restore();
    doc.text(`${Math.round(tick * 100)}%`, xAt(tick) - 15, top + plotHeight + 3, { width: 30, align: 'center' });
  }

  chart.categories.forEach((category, categoryIndex) => {
    const categoryTop = top + categoryIndex * categoryHeight;
    doc.font(FONT.regular).fontSize(TEXT.table).fillColor(INK.text);
    doc.text(category, left, categoryTop + (groupCount * (BAR_HEIGHT + BAR_GAP)) / 2 - 5, { width: labelWidth - 8, align: 'right' });
    chart.groups.forEach((group, groupIndex) => {
      const y = categoryTop + groupIndex * (BAR_HEIGHT + BAR_GAP);
      const value = group.values[categoryIndex];
      doc.font(FONT.regular).fontSize(TEXT.small);
      if (value === null) {
        doc.fillColor(INK.muted).text(SUPPRESSION_MARK.primary, plotLeft + 3, y + 1, { lineBreak: false });
        return;
      }
      doc.save().rect(plotLeft, y, Math.max(0.5, xAt(value) - plotLeft), BAR_HEIGHT).fill(PALETTE[groupIndex % PALETTE.length]).restore();
      doc.fillColor(INK.text).text(`${(value * 100).toFixed(1)}%`, xAt(value) + 3, y + 1, { lineBreak: false });
    });
  });
  doc.save().moveTo(plotLeft, top).lineTo(plotLeft, top + plotHeight).lineWidth(0.6).strokeColor(INK.rule).stroke().restore();

  let legendX = plotLeft;
  const legendY = top + plotHeight + 16;
  doc.font(FONT.regular).fontSize(TEXT.small);
  chart.groups.forEach((group, index) => {
    doc.save().rect(legendX, legendY + 1, 14, 6).fill(PALETTE[index % PALETTE.length]).restore();
    doc.fillColor(INK.text).text(group.label, legendX + 18, legendY, { lineBreak: false });
    legendX += 28 + doc.widthOfString(group.label);
  });
  doc.x = left;
  doc.y = legendY + 16;
  note(doc, chart.note);
}
