/**
 * Product settings with their defaults and sources. Thresholds live here (and are
 * passed to SQL as parameters), never as literals inside queries.
 */
export interface MetricSettings {
  /** Days without an attended session after which an open episode counts as dropped out (SABG 30-day rule). */
  inactivityDays: number;
  /** Weekly hours that meet the ASAM 2.1 IOP dose (adults 9, adolescents 6). */
  adultWeeklyHours: number;
  adolescentWeeklyHours: number;
  /** Six-month follow-up window, months after admission (inclusive). */
  followUpWindowStartMonths: number;
  followUpWindowEndMonths: number;
  /** Final weeks of treatment that end-of-treatment abstinence looks at. */
  finalWeeks: number;
  /** Early-dropout horizon (days): "dropout before day 30", and how old an admission must be to count. */
  earlyDropoutDays: number;
  /** Initiation / engagement windows of the IET analogue (days). */
  initiationDays: number;
  engagementDays: number;
  /** Counts from 1 to this value are suppressed in anything that leaves a clinic (CMS: 1-10). */
  suppressionMaxCount: number;
  /** Follow-up rate target (GPRA). */
  followUpTarget: number;
  /** Days ahead for the follow-ups-due list. */
  followUpDueDays: number;
}

export const DEFAULT_METRIC_SETTINGS: MetricSettings = {
  inactivityDays: 30,
  adultWeeklyHours: 9,
  adolescentWeeklyHours: 6,
  followUpWindowStartMonths: 5,
  followUpWindowEndMonths: 8,
  finalWeeks: 4,
  earlyDropoutDays: 30,
  initiationDays: 13,
  engagementDays: 34,
  suppressionMaxCount: 10,
  followUpTarget: 0.8,
  followUpDueDays: 30,
};

export interface IngestSettings {
  maxEventsPerBatch: number;
  maxBodyBytes: number;
}

export const DEFAULT_INGEST_SETTINGS: IngestSettings = {
  maxEventsPerBatch: 500,
  maxBodyBytes: 1_000_000,
};
