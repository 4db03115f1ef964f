/** What every section builder receives: the query rows it asked for and the report's frame. */
import type { Row } from '../../adapters/query-engine';
import type { FunderProfile, ReportPeriod } from '../funder-profile';
import type { ReportUnit } from '../report-tables';
import type { MetricSettings } from '../settings';

/** Metric file name → its rows (every scope), as the query port returned them. */
export type ReportInputs = Record<string, Row[]>;

/**
 * Which cohort a metric file is run for: admissions of the trailing months, admissions whose
 * follow-up fell due in them, or (no admission filter) discharges dated inside the period.
 */
export type CohortKind = 'admissions' | 'follow-up-due' | 'discharges-in-period';

/** The admission date ranges of the two admission-based cohorts. */
export type ReportCohorts = Record<'admissions' | 'follow-up-due', { from: string; to: string }>;

export interface SectionContext {
  profile: FunderProfile;
  period: ReportPeriod;
  cohorts: ReportCohorts;
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
