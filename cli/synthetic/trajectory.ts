/**
 * How one episode ends, decided up front from the client's latent propensity:
 * the fate (TEDS discharge reason, or a silent disappearance with no discharge
 * recorded), the day of the last attended session and the discharge day.
 * Attendance, tests, goals and interviews are then drawn consistent with it.
 */
import type { DISCHARGE_REASONS } from '../../lambdas/core/event-schema';
import { logistic, type Random } from './random';

export type DischargeReason = (typeof DISCHARGE_REASONS)[number];
/** `silent`: the client stops coming and the clinic never records a discharge (the 30-day rule finds them). */
export type Fate = DischargeReason | 'silent';

export interface Trajectory {
  fate: Fate;
  /** Exactly one attended session (the intake), then nothing. */
  noReturn: boolean;
  /** Enrolled but never attended a session (the intake session was a no-show). */
  neverAttended: boolean;
  /** Days after admission: last attended session, last scheduled session, discharge (absent when silent). */
  lastAttendedDay: number;
  lastScheduledDay: number;
  dischargeDay?: number;
}

/** Latent propensity plus clinic and program effects, the single number most draws depend on. */
export type Propensity = number;

/**
 * Fate weights as log-linear functions of propensity. Baselines were tuned (see
 * docs/synthetic-data.md) so that over a standard-normal population the recorded
 * discharges match the TEDS-D 2004 IOP mix and retention at 30/60/90 days is about
 * 0.75 / 0.60 / 0.45.
 */
function fateWeights(u: Propensity): Record<Fate, number> {
  return {
    completed: 0.43 * Math.exp(0.9 * u),
    transferred: 0.24 * Math.exp(0.2 * u),
    dropped_out: 0.2 * Math.exp(-0.6 * u),
    terminated: 0.165 * Math.exp(-0.5 * u),
    other: 0.07 * Math.exp(-0.3 * u),
    incarcerated: 0.012 * Math.exp(-0.5 * u),
    died: 0.002,
    silent: 0.17 * Math.exp(-0.6 * u),
  };
}

const NO_RETURN_FATES: Record<Fate, number> = {
  dropped_out: 0.62,
  silent: 0.28,
  other: 0.06,
  terminated: 0.04,
  completed: 0,
  transferred: 0,
  incarcerated: 0,
  died: 0,
};

export function drawTrajectory(u: Propensity, plannedWeeks: number, rng: Random): Trajectory {
  const plannedDays = plannedWeeks * 7;
  const neverAttended = rng.chance(0.015);
  const noReturn = !neverAttended && rng.chance(logistic(-2.0 - 0.7 * u));
  if (neverAttended || noReturn) {
    const fate = rng.weighted(NO_RETURN_FATES);
    const lastScheduledDay = rng.int(7, 21);
    return { fate, noReturn, neverAttended, lastAttendedDay: 0, lastScheduledDay, dischargeDay: dischargeAfter(fate, 0, lastScheduledDay, rng) };
  }
  const fate = rng.weighted(fateWeights(u));
  const lastAttendedDay = lastAttendance(fate, u, plannedDays, rng);
  const lastScheduledDay = lastScheduled(fate, lastAttendedDay, rng);
  return {
    fate,
    noReturn: false,
    neverAttended: false,
    lastAttendedDay,
    lastScheduledDay,
    dischargeDay: dischargeAfter(fate, lastAttendedDay, lastScheduledDay, rng),
  };
}

function lastAttendance(fate: Fate, u: Propensity, plannedDays: number, rng: Random): number {
  switch (fate) {
    case 'completed':
      // Some step down early when goals are met; a few stay on a little longer.
      return Math.round(plannedDays * (0.75 + 0.35 * rng.beta(3, 2)));
    case 'transferred':
      return Math.max(7, Math.round(plannedDays * rng.beta(1.6, 2.2)));
    case 'died':
      return rng.int(3, plannedDays);
    default: {
      // Dropouts come early and keep coming through the program; weaker clients leave sooner.
      const share = rng.beta(1.5, 1.3 + 0.25 * Math.max(-1.5, Math.min(1.5, -u)));
      return Math.max(3, Math.round(3 + share * (plannedDays - 3)));
    }
  }
}

function lastScheduled(fate: Fate, lastAttendedDay: number, rng: Random): number {
  switch (fate) {
    case 'dropped_out':
    case 'other':
    case 'silent':
      // The clinic keeps the client on the schedule for a week or three of no-shows.
      return lastAttendedDay + rng.int(7, 21);
    case 'incarcerated':
      return lastAttendedDay + rng.int(2, 9);
    default:
      return lastAttendedDay;
  }
}

function dischargeAfter(fate: Fate, lastAttendedDay: number, lastScheduledDay: number, rng: Random): number | undefined {
  switch (fate) {
    case 'silent':
      return undefined;
    case 'dropped_out':
    case 'other':
      // Administrative discharge after the clinic's outreach fails.
      return lastScheduledDay + rng.int(0, 21);
    case 'incarcerated':
      return lastScheduledDay + rng.int(0, 7);
    default:
      return lastAttendedDay + rng.int(0, 3);
  }
}
