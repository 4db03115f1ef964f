import { cohortLines } from '../../../cli/synthetic/emit';
import { cohortFigures, type CohortFigures } from './cohort-oracle';
import { finalState } from './final-state';

// Targets: METRICS.md "Realistic synthetic data" and DOMAIN-RESEARCH.md §7.6 (TEDS-D 2004 IOP discharges,
// alcohol-clinic early attrition, CTN-0044 / DATOS retention, GPRA follow-up, Schneider/Witbrodt abstinence).
const AS_OF = '2026-06-30';

describe('synthetic cohort calibration', () => {
  let figures: CohortFigures;

  beforeAll(() => {
    // Prepare + Act: a messy feed of 2000 admissions, read back as the lake's current views would see it.
    figures = cohortFigures(finalState(cohortLines({ seed: 2026, clinics: 4, admissions: 2000, months: 18, asOf: AS_OF, clean: false })), AS_OF);
  });

  it('should match the TEDS-D 2004 IOP discharge mix', () => {
    // Assess
    const mix = figures.dischargeMix;
    expect(mix.completed).toBeGreaterThanOrEqual(0.35);
    expect(mix.completed).toBeLessThanOrEqual(0.45);
    expect(mix.transferred).toBeGreaterThanOrEqual(0.15);
    expect(mix.transferred).toBeLessThanOrEqual(0.2);
    expect(mix.dropped_out).toBeGreaterThanOrEqual(0.2);
    expect(mix.dropped_out).toBeLessThanOrEqual(0.3);
    expect(mix.terminated).toBeGreaterThanOrEqual(0.1);
    expect(mix.terminated).toBeLessThanOrEqual(0.15);
    expect(mix.other).toBeGreaterThanOrEqual(0.05);
    expect(mix.other).toBeLessThanOrEqual(0.1);
  });

  it('should have 10-20% of admissions never return after intake', () => {
    // Assess
    expect(figures.noReturnRate).toBeGreaterThanOrEqual(0.1);
    expect(figures.noReturnRate).toBeLessThanOrEqual(0.2);
  });

  it('should retain about 0.75 / 0.60 / 0.45 of fully observed admissions at 30 / 60 / 90 days', () => {
    // Assess
    expect(figures.naiveRetention[30]).toBeGreaterThanOrEqual(0.68);
    expect(figures.naiveRetention[30]).toBeLessThanOrEqual(0.82);
    expect(figures.naiveRetention[60]).toBeGreaterThanOrEqual(0.53);
    expect(figures.naiveRetention[60]).toBeLessThanOrEqual(0.67);
    expect(figures.naiveRetention[90]).toBeGreaterThanOrEqual(0.38);
    expect(figures.naiveRetention[90]).toBeLessThanOrEqual(0.52);
  });

  it('should schedule 3-5 sessions and 9-12 hours a week and see 70-85% of them attended', () => {
    // Assess
    expect(figures.scheduledSessionsPerWeek).toBeGreaterThanOrEqual(3);
    expect(figures.scheduledSessionsPerWeek).toBeLessThanOrEqual(5);
    expect(figures.scheduledHoursPerWeek).toBeGreaterThanOrEqual(9);
    expect(figures.scheduledHoursPerWeek).toBeLessThanOrEqual(12);
    expect(figures.attendanceRate).toBeGreaterThanOrEqual(0.7);
    expect(figures.attendanceRate).toBeLessThanOrEqual(0.85);
  });

  it('should find 50-70% of collected drug tests negative, early negatives predicting retention', () => {
    // Assess
    expect(figures.observedNegativeRate).toBeGreaterThanOrEqual(0.5);
    expect(figures.observedNegativeRate).toBeLessThanOrEqual(0.7);
    expect(figures.retentionByEarlyTests.bothNegative - figures.retentionByEarlyTests.noneNegative).toBeGreaterThan(0.1);
    // Strong within-client correlation: a negative is far more likely after a negative than after a positive.
    expect(figures.negativeAfter.negative - figures.negativeAfter.positive).toBeGreaterThan(0.3);
  });

  it('should reach 60-90% of due clients for the 6-month follow-up, 35-55% of them abstinent', () => {
    // Assess
    expect(figures.followUpRate).toBeGreaterThanOrEqual(0.6);
    expect(figures.followUpRate).toBeLessThanOrEqual(0.9);
    expect(figures.abstinentAtFollowUp).toBeGreaterThanOrEqual(0.35);
    expect(figures.abstinentAtFollowUp).toBeLessThanOrEqual(0.55);
  });

  it('should make clinics differ: one clearly better and one clearly worse at 90 days', () => {
    // Assess
    const byClinic = figures.retention90ByClinic;
    expect(Object.keys(byClinic)).toHaveLength(4);
    expect(byClinic['harbor-view'] - byClinic['cedar-ridge']).toBeGreaterThan(0.15);
    expect(byClinic['harbor-view']).toBe(Math.max(...Object.values(byClinic)));
    expect(byClinic['cedar-ridge']).toBe(Math.min(...Object.values(byClinic)));
  });
});
