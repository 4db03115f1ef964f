/** What every section builder receives: the query rows it asked for and the report's frame. */
import type { Row } from '../../adapters/query-engine';
import type { FunderProfile, ReportPeriod } from '../funder-profile';
import type { ReportUnit } from '../report-tables';
import type { MetricSettings } from '../settings';

/** Metric file name → its rows (every scope), as the query port returned them. */
export type ReportInputs = Record<string, Row[]>;

/** Which admission cohort a metric file is run for. */
export type CohortKind = 'admissions' | 'follow-up-due';

export interface SectionContext {
  profile: FunderProfile;
  period: ReportPeriod;
  cohorts: Record<CohortKind, { from: string; to: string }>;
  units: ReportUnit[];
  settings: MetricSettings;
  /** Rows of a metric file; fails loudly when the file was not run (a wiring error). */
  rows(name: string): Row[];
}

export function requireRows(inputs: ReportInputs, name: string): Row[] {
  const rows = inputs[name];
  if (!rows) throw new Error(`report model: metric "${name}" was not run; add it to the section's query list`);
  return rows;
}
