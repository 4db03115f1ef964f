/**
 * The synthetic treatment network: clinics, their programs (weekly session
 * templates of an ASAM 2.1 IOP) and how the clinics differ from each other.
 */
import type { PRIMARY_SUBSTANCES, SESSION_TYPES } from '../../lambdas/core/event-schema';
import type { Random } from './random';

export type PrimarySubstance = (typeof PRIMARY_SUBSTANCES)[number];
export type SessionType = (typeof SESSION_TYPES)[number];
export type Track = 'day' | 'evening' | 'moud';

/** One recurring session of a program week. `weeks` limits it to even or odd weeks of the episode. */
export interface SessionSlot {
  weekday: number; // 0 = Monday
  sessionType: SessionType;
  minutes: number;
  weeks?: 'even' | 'odd';
}

export interface ProgramProfile {
  programId: string;
  track: Track;
  /** Planned length of the program; completers finish around it. */
  plannedWeeks: number;
  week: readonly SessionSlot[];
  /** Added to the client's latent propensity (medication for opioid use disorder retains people). */
  retentionEffect: number;
}

export interface ClinicProfile {
  clinicId: string;
  /** Added to every client's latent propensity: drives retention, attendance, negatives, goals. */
  retentionEffect: number;
  /** Added to the log-odds of reaching a client for the 6-month interview. */
  followUpEffort: number;
  /** Relative share of the network's admissions. */
  sizeWeight: number;
  substanceMix: Record<PrimarySubstance, number>;
  programs: readonly ProgramProfile[];
}

const CLINIC_NAMES = ['harbor-view', 'cedar-ridge', 'north-valley', 'lakeside', 'summit-path', 'riverbend', 'pine-hollow', 'eastgate'];

/**
 * Weekly templates: 3–5 sessions and 9–12 hours a week (ASAM 2.1, HCPCS H0015: ≥ 3 h a day,
 * ≥ 3 days a week). Group sessions are the long ones; individual sessions are an hour.
 */
const TEMPLATES: Record<Track, readonly SessionSlot[]> = {
  // 4–5 sessions, 9.5 h on average.
  day: [
    { weekday: 0, sessionType: 'group', minutes: 180 },
    { weekday: 1, sessionType: 'individual', minutes: 60 },
    { weekday: 2, sessionType: 'group', minutes: 180 },
    { weekday: 3, sessionType: 'cbt', minutes: 120 },
    { weekday: 4, sessionType: 'education', minutes: 60, weeks: 'odd' },
  ],
  // 4 sessions, about 9.3 h.
  evening: [
    { weekday: 0, sessionType: 'group', minutes: 180 },
    { weekday: 1, sessionType: 'cbt', minutes: 120 },
    { weekday: 2, sessionType: 'family', minutes: 90, weeks: 'odd' },
    { weekday: 2, sessionType: 'individual', minutes: 60, weeks: 'even' },
    { weekday: 3, sessionType: 'group', minutes: 180 },
  ],
  // 5 sessions, 10.5–11.5 h: the medication track adds a workshop and a third group.
  moud: [
    { weekday: 0, sessionType: 'group', minutes: 180 },
    { weekday: 1, sessionType: 'individual', minutes: 60 },
    { weekday: 2, sessionType: 'group', minutes: 180 },
    { weekday: 3, sessionType: 'workshop', minutes: 90 },
    { weekday: 4, sessionType: 'group', minutes: 120 },
    { weekday: 4, sessionType: 'education', minutes: 60, weeks: 'even' },
  ],
};

const PLANNED_WEEKS: Record<Track, number> = { day: 12, evening: 12, moud: 14 };
const TRACK_EFFECT: Record<Track, number> = { day: 0, evening: -0.1, moud: 0.15 };

/** National-looking primary substance mix of IOP admissions (TEDS-like proportions). */
const BASE_SUBSTANCE_MIX: Record<PrimarySubstance, number> = {
  alcohol: 0.34,
  opioids: 0.26,
  stimulants: 0.2,
  cannabis: 0.12,
  benzodiazepines: 0.03,
  other: 0.05,
};

/**
 * Builds the network. Clinic 1 retains clearly better and clinic 2 clearly worse than the
 * rest, so dashboards and comparisons have something real to show.
 */
export function buildClinics(count: number, random: Random): ClinicProfile[] {
  const clinics: ClinicProfile[] = [];
  for (let index = 0; index < count; index++) {
    const rng = random.fork('clinic', index);
    const clinicId = index < CLINIC_NAMES.length ? CLINIC_NAMES[index] : `clinic-${String(index + 1).padStart(2, '0')}`;
    const retentionEffect = count === 1 ? 0 : index === 0 ? 0.6 : index === 1 ? -0.55 : rng.normal(0, 0.12);
    const tracks: Track[] = ['day'];
    if (index % 2 === 0 || rng.chance(0.5)) tracks.push('moud');
    if (tracks.length < 2 || rng.chance(0.4)) tracks.push('evening');
    const substanceMix = Object.fromEntries(
      Object.entries(BASE_SUBSTANCE_MIX).map(([substance, share]) => [substance, share * rng.gamma(25, 1 / 25)]),
    ) as Record<PrimarySubstance, number>;
    clinics.push({
      clinicId,
      retentionEffect,
      followUpEffort: index === 0 ? 0.5 : index === 1 ? -0.4 : rng.normal(0, 0.2),
      sizeWeight: index === 0 ? 1.2 : rng.gamma(12, 1 / 12),
      substanceMix,
      programs: tracks.map((track) => ({
        programId: `${track}-iop`,
        track,
        plannedWeeks: PLANNED_WEEKS[track],
        week: TEMPLATES[track],
        retentionEffect: TRACK_EFFECT[track],
      })),
    });
  }
  return clinics;
}

/** Opioid clients go to the medication track where there is one; the rest split between day and evening. */
export function chooseProgram(clinic: ClinicProfile, substance: PrimarySubstance, rng: Random): ProgramProfile {
  const moud = clinic.programs.find((program) => program.track === 'moud');
  if (substance === 'opioids' && moud && rng.chance(0.8)) return moud;
  const others = clinic.programs.filter((program) => program.track !== 'moud');
  if (others.length === 0 || (moud && rng.chance(0.1))) return moud ?? clinic.programs[0];
  return others.length > 1 && rng.chance(0.35) ? others[1] : others[0];
}
