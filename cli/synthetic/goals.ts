/**
 * Treatment-plan goals of one episode: set in the first two weeks by need
 * (sobriety always; employment, housing, legal… when the intake shows the need),
 * then completed, revised or — when the client drops out — abandoned.
 */
import type { GOAL_ACTIONS, GOAL_DOMAINS } from '../../lambdas/core/event-schema';
import type { ClientProfile } from './client';
import { logistic, type Random } from './random';
import type { Propensity, Trajectory } from './trajectory';

export type GoalDomain = (typeof GOAL_DOMAINS)[number];
export type GoalAction = (typeof GOAL_ACTIONS)[number];

export interface GoalStep {
  goalNumber: number;
  domain: GoalDomain;
  action: GoalAction;
  day: number;
  targetDay?: number;
}

/** Domains that are easier or harder to finish inside a 12–16 week program. */
const DOMAIN_DIFFICULTY: Record<GoalDomain, number> = {
  sobriety: 0,
  health: 0.3,
  family: -0.1,
  employment: -0.5,
  housing: -0.6,
  education: -0.7,
  legal: -0.2,
  other: 0,
};

export function drawGoals(client: ClientProfile, trajectory: Trajectory, u: Propensity, rng: Random): GoalStep[] {
  if (trajectory.neverAttended) return [];
  const domains: GoalDomain[] = ['sobriety'];
  if (!client.employedAtIntake && rng.chance(0.7)) domains.push('employment');
  if (!client.housedAtIntake && rng.chance(0.8)) domains.push('housing');
  if (client.referralSource === 'court_criminal_justice' && rng.chance(0.6)) domains.push('legal');
  if (rng.chance(0.3)) domains.push('health');
  if (rng.chance(0.3)) domains.push('family');
  if (rng.chance(0.06)) domains.push('education');
  if (rng.chance(0.05)) domains.push('other');

  const endDay = trajectory.lastAttendedDay;
  const actions: GoalStep[] = [];
  domains.slice(0, 5).forEach((domain, index) => {
    const goalNumber = index + 1;
    // No-return clients get only the goals written at intake.
    const setDay = trajectory.noReturn || index === 0 ? 0 : Math.min(endDay, rng.int(0, 14));
    if (trajectory.noReturn && index > 1) return;
    let targetDay = setDay + rng.int(4, 12) * 7;
    actions.push({ goalNumber, domain, action: 'set', day: setDay, targetDay });
    if (endDay - setDay > 21 && rng.chance(0.15)) {
      const revisedDay = setDay + rng.int(14, Math.max(14, endDay - setDay - 1));
      targetDay = revisedDay + rng.int(4, 8) * 7;
      actions.push({ goalNumber, domain, action: 'revised', day: revisedDay, targetDay });
    }
    const last = actions[actions.length - 1].day;
    const chance = logistic(-0.2 + 0.8 * u + DOMAIN_DIFFICULTY[domain] + (trajectory.fate === 'completed' ? 1.2 : 0));
    if (endDay - last >= 7 && rng.chance(chance)) {
      actions.push({ goalNumber, domain, action: 'completed', day: last + rng.int(7, endDay - last) });
    } else if (trajectory.dischargeDay !== undefined && trajectory.fate !== 'completed' && rng.chance(0.5)) {
      // Open goals of clients who leave are closed as abandoned at discharge.
      actions.push({ goalNumber, domain, action: 'abandoned', day: trajectory.dischargeDay });
    }
  });
  return actions;
}
