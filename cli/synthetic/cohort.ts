/**
 * The cohort: admissions spread over the months before the as-of date (weekdays,
 * a slowly growing network), each assigned to a clinic and program and built into
 * an episode one at a time. Nothing about earlier episodes is kept except the
 * few clients waiting to be re-admitted, so the cohort can be any size.
 */
import { addMonths, dayOf, type DayNumber } from './calendar';
import { ClientNumbers, newClient, returningClient, type ClientProfile } from './client';
import { buildClinics, chooseProgram, type ClinicProfile } from './clinics';
import { buildEpisode, type Episode } from './episode';
import { Random } from './random';

export interface CohortOptions {
  seed: number | string;
  clinics: number;
  /** Admissions (episodes) over the whole period, re-admissions included. */
  admissions: number;
  /** Length of the admission period, ending at the as-of date. */
  months: number;
  /** Data cutoff `YYYY-MM-DD`: no event is dated after it. */
  asOf: string;
  /** No duplicates, corrections, retractions, late or invalid events. */
  clean: boolean;
}

export const DEFAULT_COHORT_OPTIONS: Omit<CohortOptions, 'asOf'> = {
  seed: 1,
  clinics: 4,
  admissions: 2000,
  months: 18,
  clean: false,
};

export interface CohortEpisode {
  /** 0-based position of the admission in the cohort. */
  index: number;
  clinic: ClinicProfile;
  episode: Episode;
}

/** Share of dropouts who come back for another episode at the same clinic. */
const READMISSION_RATE = 0.05;
const READMISSION_FATES = new Set(['dropped_out', 'other', 'silent', 'terminated']);
/** Admissions by weekday (Monday first): intakes cluster early in the week, almost none at weekends. */
const WEEKDAY_WEIGHT = [1.25, 1.1, 1.0, 0.95, 0.8, 0.08, 0];

export function validateCohortOptions(options: CohortOptions): void {
  const wholeNumber = (name: keyof CohortOptions, min: number, max: number) => {
    const value = options[name] as number;
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new RangeError(`${name} must be a whole number from ${min} to ${max}, got ${JSON.stringify(value)}`);
    }
  };
  wholeNumber('clinics', 1, 200);
  wholeNumber('admissions', 1, 10_000_000);
  wholeNumber('months', 1, 120);
  const asOf = dayOf(options.asOf); // throws a clear RangeError on a bad date
  if (addMonths(asOf, -options.months) < dayOf('2000-01-01')) {
    throw new RangeError(`asOf ${options.asOf} minus ${options.months} months is before 2000-01-01, which the API rejects`);
  }
}

function networkOf(seed: number | string, clinicCount: number): { root: Random; clinics: ClinicProfile[] } {
  const root = new Random(String(seed), 'cohort');
  return { root, clinics: buildClinics(clinicCount, root.fork('clinics')) };
}

/** The clinic ids a cohort will use, known before any event is generated (each needs an API key). */
export function cohortClinicIds(seed: number | string, clinicCount: number): string[] {
  return networkOf(seed, clinicCount).clinics.map((clinic) => clinic.clinicId);
}

export function* cohortEpisodes(options: CohortOptions): Generator<CohortEpisode> {
  validateCohortOptions(options);
  const { root, clinics } = networkOf(options.seed, options.clinics);
  const clinicWeights = Object.fromEntries(clinics.map((clinic, index) => [String(index), clinic.sizeWeight]));
  const clientNumbers = new ClientNumbers(options.admissions, root.fork('client-numbers'));
  const episodeCounters = clinics.map(() => 0);
  const waiting: { day: DayNumber; clinicIndex: number; client: ClientProfile }[] = [];
  const asOfDay = dayOf(options.asOf);
  const startDay = addMonths(asOfDay, -options.months);

  let index = 0;
  let freshClients = 0;
  for (const admissionDay of admissionDays(startDay, asOfDay, options.admissions)) {
    const rng = root.fork('admission', index);
    const clinicIndex = Number(rng.weighted(clinicWeights));
    const clinic = clinics[clinicIndex];
    const returning = waiting.findIndex((entry) => entry.clinicIndex === clinicIndex && entry.day <= admissionDay);
    const client =
      returning >= 0
        ? returningClient(waiting.splice(returning, 1)[0].client, rng)
        : newClient(clientNumbers.clientId(freshClients++), clinic, Number(isoYear(admissionDay)), rng);
    const program = chooseProgram(clinic, client.primarySubstance, rng);
    episodeCounters[clinicIndex] += 1;
    const episodeId = `E${String(episodeCounters[clinicIndex]).padStart(5, '0')}`;
    const episode = buildEpisode({ clinic, program, client, episodeId, admissionDay, asOfDay, rng: rng.fork('episode') });

    const { trajectory } = episode;
    if (READMISSION_FATES.has(trajectory.fate) && rng.chance(READMISSION_RATE)) {
      const day = admissionDay + (trajectory.dischargeDay ?? trajectory.lastScheduledDay) + rng.int(30, 240);
      if (day < asOfDay) waiting.push({ day, clinicIndex, client });
    }
    yield { index, clinic, episode };
    index += 1;
  }
}

/** Spreads `total` admissions over [startDay, endDay) by weekday weight and a gentle growth trend, exactly. */
function* admissionDays(startDay: DayNumber, endDay: DayNumber, total: number): Generator<DayNumber> {
  const span = endDay - startDay;
  const weight = (day: DayNumber) => WEEKDAY_WEIGHT[(((day + 3) % 7) + 7) % 7] * (1 + (0.25 * (day - startDay)) / span);
  let sum = 0;
  for (let day = startDay; day < endDay; day++) sum += weight(day);
  let cumulative = 0;
  let emitted = 0;
  for (let day = startDay; day < endDay; day++) {
    cumulative += weight(day);
    const due = day === endDay - 1 ? total : Math.floor((cumulative / sum) * total);
    for (; emitted < due; emitted++) yield day;
  }
}

function isoYear(day: DayNumber): number {
  return new Date(day * 86_400_000).getUTCFullYear();
}
