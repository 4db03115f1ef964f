/**
 * fast-check arbitrary for small random cohorts of fixture episodes around an as_of date:
 * several clinics and programs, admissions before and after as_of, same-day and repeated
 * sessions, no-shows, discharges before/after as_of with every TEDS reason, ties.
 */
import fc from 'fast-check';
import { DISCHARGE_REASONS } from '../../lambdas/core/event-schema';
import { addDays, type EpisodeFixture } from '../support/sql-harness';

export const AS_OF_DATES = ['2024-02-29', '2025-12-31', '2026-06-30'] as const;

export interface RandomCohort {
  asOf: string;
  episodes: EpisodeFixture[];
}

const episodeShape = fc.record({
  clinicId: fc.constantFrom('clinic-a', 'clinic-b', 'clinic-c'),
  programId: fc.constantFrom('iop-adult', 'iop-evening'),
  // Days before as_of; negative = admitted after as_of (must be ignored).
  admittedDaysBefore: fc.integer({ min: -5, max: 150 }),
  // Session days after admission; small ranges make ties likely. Negative = before admission (ignored).
  attendedDays: fc.array(fc.integer({ min: -2, max: 110 }), { maxLength: 8 }),
  noShowDays: fc.array(fc.integer({ min: 0, max: 110 }), { maxLength: 3 }),
  discharge: fc.option(
    fc.record({ day: fc.integer({ min: -1, max: 130 }), reason: fc.constantFrom(...DISCHARGE_REASONS) }),
    { nil: undefined },
  ),
});

export const randomCohort: fc.Arbitrary<RandomCohort> = fc
  .record({ asOf: fc.constantFrom(...AS_OF_DATES), shapes: fc.array(episodeShape, { minLength: 0, maxLength: 14 }) })
  .map(({ asOf, shapes }) => ({
    asOf,
    episodes: shapes.map((shape, index) => {
      const admissionDate = addDays(asOf, -shape.admittedDaysBefore);
      return {
        episodeId: `ep-${index}`,
        clinicId: shape.clinicId,
        programId: shape.programId,
        admissionDate,
        attended: shape.attendedDays.map((day) => addDays(admissionDate, day)),
        noShows: shape.noShowDays.map((day) => addDays(admissionDate, day)),
        discharge: shape.discharge ? { date: addDays(admissionDate, shape.discharge.day), reason: shape.discharge.reason } : undefined,
      };
    }),
  }));
