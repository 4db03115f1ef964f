/**
 * Test oracle: each fixture episode's state at as_of under the METRICS.md §1 rules, in
 * plain TypeScript over the fixture objects (no SQL), and the retention family built on it.
 */
import type { EpisodeFixture } from '../support/sql-harness';
import { DEFAULT_CLINIC, DEFAULT_PROGRAM, daysBetween } from '../support/sql-harness';

export type Outcome = 'dropout' | 'completed_or_transferred' | 'died' | 'active';

export interface EpisodeState {
  clinicId: string;
  episodeId: string;
  admissionDate: string;
  dischargeDate: string | null;
  dischargeReason: string | null;
  attendedDates: string[];
  firstAttended: string | null;
  lastAttended: string | null;
  daysInTreatment: number;
  outcome: Outcome;
  time: number;
}

export interface CohortFilter {
  asOf: string;
  inactivityDays: number;
  clinicId?: string | null;
  programId?: string | null;
  cohortFrom?: string | null;
  cohortTo?: string | null;
}

const DROPOUT_REASONS = new Set(['dropped_out', 'terminated', 'incarcerated', 'other']);

export function episodeStates(episodes: EpisodeFixture[], filter: CohortFilter): EpisodeState[] {
  const { asOf } = filter;
  return episodes
    .filter((episode) => episode.admissionDate <= asOf)
    .filter((episode) => !filter.clinicId || (episode.clinicId ?? DEFAULT_CLINIC) === filter.clinicId)
    .filter((episode) => !filter.programId || (episode.programId ?? DEFAULT_PROGRAM) === filter.programId)
    .filter((episode) => !filter.cohortFrom || episode.admissionDate >= filter.cohortFrom)
    .filter((episode) => !filter.cohortTo || episode.admissionDate <= filter.cohortTo)
    .map((episode) => {
      const rawDischarge = episode.discharge && episode.discharge.date <= asOf ? episode.discharge : null;
      // A discharge dated before admission is read as a same-day discharge (views/episodes.sql).
      const dischargeDate = rawDischarge ? (rawDischarge.date < episode.admissionDate ? episode.admissionDate : rawDischarge.date) : null;
      const end = dischargeDate ?? asOf;
      const attendedDates = (episode.attended ?? []).filter((date) => date >= episode.admissionDate && date <= end).sort();
      const firstAttended = attendedDates[0] ?? null;
      const lastAttended = attendedDates[attendedDates.length - 1] ?? null;
      const daysInTreatment = lastAttended ? daysBetween(episode.admissionDate, lastAttended) : 0;
      let outcome: Outcome;
      if (rawDischarge && (rawDischarge.reason === 'completed' || rawDischarge.reason === 'transferred')) outcome = 'completed_or_transferred';
      else if (rawDischarge && rawDischarge.reason === 'died') outcome = 'died';
      else if (rawDischarge && DROPOUT_REASONS.has(rawDischarge.reason)) outcome = 'dropout';
      else if (daysBetween(lastAttended ?? episode.admissionDate, asOf) > filter.inactivityDays) outcome = 'dropout';
      else outcome = 'active';
      return {
        clinicId: episode.clinicId ?? DEFAULT_CLINIC,
        episodeId: episode.episodeId,
        admissionDate: episode.admissionDate,
        dischargeDate,
        dischargeReason: rawDischarge?.reason ?? null,
        attendedDates,
        firstAttended,
        lastAttended,
        daysInTreatment,
        outcome,
        time: outcome === 'active' ? daysBetween(episode.admissionDate, asOf) : daysInTreatment,
      };
    });
}

/** Scopes in output order: 'all' first, then clinic ids sorted. */
export function byScope<T extends { clinicId: string }>(states: T[]): [string, T[]][] {
  const clinics = [...new Set(states.map((state) => state.clinicId))].sort();
  return [['all', states] as [string, T[]], ...clinics.map((clinic) => [clinic, states.filter((state) => state.clinicId === clinic)] as [string, T[]])];
}

/** Type-7 sample quantile by sorting (the R default), for the oracle side. */
export function quantile7(values: number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const h = (sorted.length - 1) * p;
  const low = Math.floor(h);
  const high = Math.min(low + 1, sorted.length - 1);
  return sorted[low] + (h - low) * (sorted[high] - sorted[low]);
}
