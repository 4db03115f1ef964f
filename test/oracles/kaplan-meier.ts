/**
 * Test oracle: Kaplan–Meier with Greenwood variance and log / log–log 95% intervals,
 * computed by walking the sorted observations one by one (product, not exp-of-sums),
 * independently of the SQL.
 */
import { Z_95 } from './wilson';

export interface Observation {
  time: number;
  /** true = event, false = censored. */
  event: boolean;
}

export type CiTransform = 'log-log' | 'log';

export interface CurvePoint {
  day: number;
  atRisk: number;
  events: number;
  censored: number;
  estimate: number;
  se: number | null;
  ciLower: number | null;
  ciUpper: number | null;
}

export function kaplanMeier(observations: Observation[], transform: CiTransform = 'log-log'): CurvePoint[] {
  const times = [...new Set(observations.map((observation) => observation.time))].sort((a, b) => a - b);
  const points: CurvePoint[] = [];
  let survival = 1;
  let greenwood = 0;
  for (const day of times) {
    const atRisk = observations.filter((observation) => observation.time >= day).length;
    const events = observations.filter((observation) => observation.time === day && observation.event).length;
    const censored = observations.filter((observation) => observation.time === day && !observation.event).length;
    survival *= 1 - events / atRisk;
    if (events > 0 && events < atRisk) greenwood += events / (atRisk * (atRisk - events));
    const se = survival > 0 ? survival * Math.sqrt(greenwood) : null;
    const ci = survivalInterval(survival, se, transform);
    points.push({ day, atRisk, events, censored, estimate: survival, se, ciLower: ci?.lower ?? null, ciUpper: ci?.upper ?? null });
  }
  return points;
}

/** 95% CI of a survival-type estimate S with standard error se (DOMAIN-RESEARCH.md §7.2). */
export function survivalInterval(estimate: number, se: number | null, transform: CiTransform): { lower: number; upper: number } | null {
  if (se === null || estimate <= 0) return null;
  if (transform === 'log') {
    const sigma = se / estimate;
    return { lower: estimate * Math.exp(-Z_95 * sigma), upper: Math.min(1, estimate * Math.exp(Z_95 * sigma)) };
  }
  if (estimate >= 1) return null;
  // Var[ln(−ln S)] by the delta method: se² / (S ln S)².
  const sigma = se / (estimate * Math.abs(Math.log(estimate)));
  const centre = Math.log(-Math.log(estimate));
  return {
    lower: Math.exp(-Math.exp(centre + Z_95 * sigma)),
    upper: Math.exp(-Math.exp(centre - Z_95 * sigma)),
  };
}

/** Value of a step curve at day d: the last point at or before d (1 before the first). */
export function curveAt(points: CurvePoint[], day: number): CurvePoint | null {
  let found: CurvePoint | null = null;
  for (const point of points) if (point.day <= day) found = point;
  return found;
}
