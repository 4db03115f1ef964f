/**
 * Test oracle: Aalen–Johansen cumulative incidence of one cause with competing causes,
 * and its delta-method (Greenwood-type) variance computed term by term with the double
 * sum as Collett (2015, §12.1) writes it — no running-sum rearrangement as in the SQL.
 */
import { survivalInterval, type CiTransform } from './kaplan-meier';

export interface CompetingObservation {
  time: number;
  /** 'cause' = the event of interest, 'competing' = another end, 'censored'. */
  status: 'cause' | 'competing' | 'censored';
}

export interface CumulativeIncidencePoint {
  day: number;
  atRisk: number;
  causeEvents: number;
  competingEvents: number;
  censored: number;
  incidence: number;
  variance: number;
  /** 1 − incidence with its 95% CI. */
  complement: number;
  ciLower: number | null;
  ciUpper: number | null;
}

export function aalenJohansen(observations: CompetingObservation[], transform: CiTransform = 'log-log'): CumulativeIncidencePoint[] {
  const times = [...new Set(observations.map((observation) => observation.time))].sort((a, b) => a - b);
  const steps = times.map((day) => ({
    day,
    atRisk: observations.filter((observation) => observation.time >= day).length,
    cause: observations.filter((observation) => observation.time === day && observation.status === 'cause').length,
    competing: observations.filter((observation) => observation.time === day && observation.status === 'competing').length,
    censored: observations.filter((observation) => observation.time === day && observation.status === 'censored').length,
    survivalBefore: 0,
    incidence: 0,
  }));
  let survival = 1;
  let incidence = 0;
  for (const step of steps) {
    step.survivalBefore = survival;
    incidence += (survival * step.cause) / step.atRisk;
    step.incidence = incidence;
    survival *= 1 - (step.cause + step.competing) / step.atRisk;
  }
  return steps.map((step, index) => {
    let variance = 0;
    for (let j = 0; j <= index; j++) {
      const s = steps[j];
      const events = s.cause + s.competing;
      const gap = step.incidence - s.incidence;
      if (events < s.atRisk) variance += (gap * gap * events) / (s.atRisk * (s.atRisk - events));
      variance += (s.survivalBefore ** 2 * s.cause * (s.atRisk - s.cause)) / s.atRisk ** 3;
      variance -= (2 * gap * s.survivalBefore * s.cause) / s.atRisk ** 2;
    }
    variance = Math.max(0, variance);
    const complement = 1 - step.incidence;
    const ci = survivalInterval(complement, Math.sqrt(variance), transform);
    return {
      day: step.day,
      atRisk: step.atRisk,
      causeEvents: step.cause,
      competingEvents: step.competing,
      censored: step.censored,
      incidence: step.incidence,
      variance,
      complement,
      ciLower: ci?.lower ?? null,
      ciUpper: ci?.upper ?? null,
    };
  });
}
