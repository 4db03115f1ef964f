/**
 * The shape of a funder report once every number is chosen, formatted and suppressed:
 * what the PDF and CSV renderers draw. Renderers never see raw query rows.
 */
import type { ReportPeriod, ReportSection } from './funder-profile';

/** How a cell's number is to be read (and whether it is a count the suppression rule protects). */
export type CellKind = 'label' | 'count' | 'percent' | 'interval' | 'estimate' | 'days' | 'weeks' | 'hours' | 'p-value' | 'text';

export type SuppressionMark = 'primary' | 'complementary';

export interface ReportCell {
  /** What the reader sees ("37.7%", "0.62–0.71", "*"). */
  text: string;
  kind: CellKind;
  /** The value behind the text (null when suppressed or not defined); CSVs write it unrounded. An interval is [lower, upper]. */
  value: number | string | null | [number, number];
  suppressed?: SuppressionMark;
}

export interface ReportColumn {
  key: string;
  label: string;
  kind: CellKind;
}

export interface ReportTable {
  /** File-name-safe id: the CSV is `<id>.csv`. */
  id: string;
  title: string;
  columns: ReportColumn[];
  rows: ReportCell[][];
  /** Lines under the table: what it counts, then the suppression legend when anything was suppressed. */
  notes: string[];
}

export interface ChartSeries {
  label: string;
  points: { x: number; y: number; lower?: number; upper?: number }[];
}

/** Step curve with a confidence band (retention). */
export interface StepCurveChart {
  type: 'step-curve';
  id: string;
  title: string;
  xLabel: string;
  yLabel: string;
  series: ChartSeries[];
  /** Vertical guides, e.g. 30/60/90 days. */
  markers: number[];
  note: string;
}

/** Grouped horizontal bars in percent (discharge mix vs TEDS, intake vs follow-up). */
export interface BarChart {
  type: 'bars';
  id: string;
  title: string;
  categories: string[];
  /** One value per category; null = suppressed or not defined (drawn as a gap with a mark). */
  groups: { label: string; values: (number | null)[] }[];
  note: string;
}

export type ReportChart = StepCurveChart | BarChart;

export type ReportBlock =
  | { type: 'paragraph'; text: string }
  | { type: 'table'; table: ReportTable }
  | { type: 'chart'; chart: ReportChart };

export interface ReportSectionContent {
  id: ReportSection | 'summary' | 'methods';
  title: string;
  blocks: ReportBlock[];
}

export interface ReportModel {
  funder: { id: string; name: string };
  period: ReportPeriod;
  /** Admission cohort of the outcome sections. */
  cohort: { from: string; to: string };
  /** Clinics reported ('all' = the network). */
  units: { id: string; label: string }[];
  programId?: string;
  generatedAt: string;
  softwareVersion: string;
  suppressionMaxCount: number;
  sections: ReportSectionContent[];
}

/** Every table of the model, in reading order (one CSV each). */
export function reportTables(model: ReportModel): ReportTable[] {
  return model.sections.flatMap((section) =>
    section.blocks.flatMap((block) => (block.type === 'table' ? [block.table] : [])),
  );
}
