/**
 * Test oracle for retention-summary.sql: the KM / AJ curves read at 30/60/90 days, the
 * median, and naive percentages over fully observed admissions, from episode states.
 */
import { aalenJohansen } from './aalen-johansen';
import { curveAt, kaplanMeier, survivalInterval, type CiTransform } from './kaplan-meier';
import { byScope, type EpisodeState } from './episode-outcomes';
import { wilsonInterval } from './wilson';
import { daysBetween } from '../support/sql-harness';

export interface SummaryRow {
  scope: string;
  estimand: 'in_treatment' | 'not_dropped_out';
  day: number;
  episodes: number;
  at_risk: number;
  estimate: number | null;
  ci_lower: number | null;
  ci_upper: number | null;
  naive_eligible: number;
  naive_retained: number;
  naive_rate: number | null;
  naive_ci_lower: number | null;
  naive_ci_upper: number | null;
  median_days: number | null;
  median_status: string;
}

export const HORIZONS = [30, 60, 90];

interface Step {
  day: number;
  estimate: number;
  se: number | null;
}

export function retentionSummary(states: EpisodeState[], asOf: string, transform: CiTransform = 'log-log'): SummaryRow[] {
  const scopes: [string, EpisodeState[]][] = states.length > 0 ? byScope(states) : [['all', []]];
  const rows: SummaryRow[] = [];
  for (const [scope, members] of scopes) {
    const km = kaplanMeier(members.map((state) => ({ time: state.time, event: state.outcome !== 'active' })), transform);
    const aj = aalenJohansen(
      members.map((state) => ({
        time: state.time,
        status: state.outcome === 'dropout' ? ('cause' as const) : state.outcome === 'active' ? ('censored' as const) : ('competing' as const),
      })),
      transform,
    );
    const curves: Record<SummaryRow['estimand'], Step[]> = {
      in_treatment: km.map((point) => ({ day: point.day, estimate: point.estimate, se: point.se })),
      not_dropped_out: aj.map((point) => ({ day: point.day, estimate: point.complement, se: Math.sqrt(point.variance) })),
    };
    const maxTime = members.length > 0 ? Math.max(...members.map((state) => state.time)) : null;
    const survivalAtEnd = km.length > 0 ? km[km.length - 1].estimate : null;
    for (const estimand of ['in_treatment', 'not_dropped_out'] as const) {
      const steps = curves[estimand];
      const median = steps.find((step) => step.estimate <= 0.5 + 1e-12)?.day ?? null;
      for (const day of HORIZONS) {
        let estimate: number | null = null;
        let se: number | null = null;
        if (members.length > 0 && !(maxTime !== null && day > maxTime && (survivalAtEnd ?? 0) > 0)) {
          const step = curveAt(steps.map((s) => ({ ...s, atRisk: 0, events: 0, censored: 0, ciLower: null, ciUpper: null })), day);
          estimate = step ? step.estimate : 1;
          se = step ? step.se : 0;
        }
        const ci = estimate === null ? null : survivalInterval(estimate, se, transform);
        const eligible = members.filter((state) => daysBetween(state.admissionDate, asOf) >= day);
        const ended = (state: EpisodeState) => (estimand === 'in_treatment' ? state.outcome !== 'active' : state.outcome === 'dropout');
        const retained = eligible.filter((state) => !(ended(state) && state.time <= day)).length;
        const wilson = wilsonInterval(retained, eligible.length);
        rows.push({
          scope,
          estimand,
          day,
          episodes: members.length,
          at_risk: members.filter((state) => state.time >= day).length,
          estimate,
          ci_lower: ci?.lower ?? null,
          ci_upper: ci?.upper ?? null,
          naive_eligible: eligible.length,
          naive_retained: retained,
          naive_rate: eligible.length > 0 ? retained / eligible.length : null,
          naive_ci_lower: wilson?.lower ?? null,
          naive_ci_upper: wilson?.upper ?? null,
          median_days: median,
          median_status: members.length === 0 ? 'no data' : median === null ? 'not reached' : 'reached',
        });
      }
    }
  }
  return rows;
}
